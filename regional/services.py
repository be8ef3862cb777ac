"""Business rules of the stand-in regional services. They act on the authenticated principal only."""

import re
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.audit import AuditContext
from regional.models import Instance, InstanceType, Region, SshPublicKey, Tenant
from regional.ssh import parse_public_key

NAME_PATTERN = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
NAME_RULES = "1 to 63 lowercase letters, digits and -, starting and ending with a letter or digit."
MACHINE_IMAGES = ["debian-12", "rocky-9", "ubuntu-22.04", "ubuntu-24.04"]


class Principal(Protocol):
    """Who a regional request acts for: credentials.verify.Principal in one process, or
    regional.edge.authentication.RemotePrincipal at a region deployed on its own."""

    @property
    def client_id(self) -> str: ...

    @property
    def cloud_account_id(self) -> str: ...

    @property
    def email(self) -> str: ...

    def record_activity(self, *, action: str, target: str, context: AuditContext | None) -> None: ...


class Conflict(Exception):
    """The request clashes with the account's current state (name taken, quota, key in use)."""


def clean_name(name: str, field: str = "name") -> str:
    name = (name or "").strip()
    if not NAME_PATTERN.fullmatch(name):
        raise ValidationError({field: f"Invalid name {name!r}: use {NAME_RULES}"})
    return name


def _record(principal: Principal, action: str, resource, context: AuditContext | None) -> None:
    """In the account's Activity: written here, or sent to the console by a region of its own."""
    principal.record_activity(
        action=action, target=f"{resource.name} ({resource.resource_id}) in {resource.region.slug}", context=context
    )


def _within_quota(principal: Principal, region: Region, model, quota: int, things: str) -> None:
    """Concurrent creations queue on the account's row, so two cannot both take the last place."""
    tenant, _ = Tenant.objects.get_or_create(cloud_account_id=principal.cloud_account_id)
    Tenant.objects.select_for_update().filter(pk=tenant.pk).first()
    if model.objects.in_scope(principal.cloud_account_id, region).count() >= quota:
        raise Conflict(f"Quota reached: an account can have at most {quota} {things} in {region.slug}.")


@transaction.atomic
def create_ssh_key(
    *, principal: Principal, region: Region, name: str, public_key: str, context: AuditContext | None = None
) -> SshPublicKey:
    name = clean_name(name)
    try:
        line, key_type, fingerprint = parse_public_key(public_key)
    except ValidationError as error:
        raise ValidationError({"ssh_public_key": error.messages}) from None
    _within_quota(principal, region, SshPublicKey, settings.REGIONAL_SSH_KEY_QUOTA, "SSH public keys")
    try:
        with transaction.atomic():
            key = SshPublicKey.objects.create(
                cloud_account_id=principal.cloud_account_id,
                region=region,
                name=name,
                public_key=line,
                key_type=key_type,
                fingerprint=fingerprint,
                created_by_email=principal.email,
                created_by_client_id=principal.client_id,
            )
    except IntegrityError:
        raise Conflict(f"An SSH public key named {name} already exists in {region.slug}.") from None
    _record(principal, "sshpublickey.created", key, context)
    return key


@transaction.atomic
def delete_ssh_key(*, principal: Principal, key: SshPublicKey, context: AuditContext | None = None) -> None:
    users = list(key.instances.values_list("name", flat=True)[:5])
    if users:
        raise Conflict(f"The SSH public key {key.name} is used by instance(s) {', '.join(users)}. Delete them first.")
    key.delete()
    _record(principal, "sshpublickey.deleted", key, context)


@transaction.atomic
def create_instance(
    *,
    principal: Principal,
    region: Region,
    name: str,
    instance_type: str,
    machine_image: str,
    ssh_public_key_names: list[str],
    context: AuditContext | None = None,
) -> Instance:
    """Create an instance within the account's per-region quota; concurrent creations queue on the account row."""
    name = clean_name(name)
    flavour = InstanceType.objects.filter(region=region, name=instance_type).first()
    if flavour is None:
        known = ", ".join(region.instance_types.values_list("name", flat=True))
        raise ValidationError(
            {"instance_type": f"Unknown instance type {instance_type!r} in {region.slug}: use {known}."}
        )
    if machine_image not in MACHINE_IMAGES:
        raise ValidationError(
            {"machine_image": f"Unknown machine image {machine_image!r}: use {', '.join(MACHINE_IMAGES)}."}
        )
    keys = list(SshPublicKey.objects.in_scope(principal.cloud_account_id, region).filter(name__in=ssh_public_key_names))
    missing = sorted(set(ssh_public_key_names) - {key.name for key in keys})
    if missing:
        raise ValidationError(
            {"ssh_public_key_names": f"No SSH public key named {', '.join(missing)} in {region.slug}."}
        )
    _within_quota(principal, region, Instance, settings.REGIONAL_INSTANCE_QUOTA, "instances")
    try:
        with transaction.atomic():
            instance = Instance.objects.create(
                cloud_account_id=principal.cloud_account_id,
                region=region,
                name=name,
                instance_type=flavour,
                machine_image=machine_image,
                created_by_email=principal.email,
                created_by_client_id=principal.client_id,
            )
    except IntegrityError:
        raise Conflict(f"An instance named {name} already exists in {region.slug}.") from None
    instance.ssh_public_keys.set(keys)
    _record(principal, "instance.created", instance, context)
    return instance


@transaction.atomic
def delete_instance(*, principal: Principal, instance: Instance, context: AuditContext | None = None) -> None:
    instance.delete()
    _record(principal, "instance.deleted", instance, context)
