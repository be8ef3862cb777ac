"""The tenant matrix: every URL of the portal and the API, tried by every kind of caller of
account A against account B's objects. Nothing of B may be returned or changed.

The URL list comes from the resolver, so a new endpoint fails `test_every_endpoint_is_in_the_matrix`
until it is added here.
"""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import Invitation, Membership, Role
from accounts.services import token_digest
from credentials import keys
from credentials.models import Credential
from credentials.services import generate_credential
from regional.models import Instance, SshPublicKey
from tests.credentials.helpers import bearer, get_token
from tests.factories import MembershipFactory, UserFactory
from tests.regional.conftest import seeded_region

SKIPPED_NAMESPACES = {"admin"}  # the admin is for staff only; tests/test_platform.py covers its login
ALLAUTH_PREFIX = "accounts/"  # allauth's own views act on the signed-in user only


def named_patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            if entry.namespace in SKIPPED_NAMESPACES or str(entry.pattern) == ALLAUTH_PREFIX:
                continue
            yield from named_patterns(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


# name -> (path template, methods). Templates use account B's objects.
REGIONAL = "/regional/us-region-1/v1/cloudaccounts/{b_account}"
MATRIX = {
    "home": ("/", ["get"]),
    "favicon": ("/favicon.ico", ["get"]),
    "healthz": ("/healthz", ["get"]),
    "readyz": ("/readyz", ["get"]),
    "schema": ("/api/schema/", ["get"]),
    "api-docs": ("/api/docs/", ["get"]),
    "oauth-metadata": ("/.well-known/oauth-authorization-server", ["get"]),
    "jwks": ("/.well-known/jwks.json", ["get"]),
    "oauth-token": ("/oauth2/token", ["post"]),
    "oauth-revoke": ("/oauth2/revoke", ["post"]),
    "oauth-introspect": ("/oauth2/introspect", ["post"]),
    "internal-jwks": ("/internal/v1/jwks", ["get"]),
    "internal-revocations": ("/internal/v1/revocations", ["get"]),
    "internal-secrets": ("/internal/v1/secrets", ["post"]),
    "internal-reports": ("/internal/v1/reports", ["post"]),
    "api-me": ("/api/v1/me", ["get"]),
    "api-regions": ("/api/v1/regions", ["get"]),
    "api-credentials": ("/api/v1/credentials/", ["get", "post"]),
    "api-credential": ("/api/v1/credentials/{b_client_id}/", ["get", "delete"]),
    "api-report-leak": ("/api/v1/credentials/report-leak", ["post"]),
    "api-secret-scanning-github": ("/api/v1/secret-scanning/github", ["post"]),
    "api-credential-disable": ("/api/v1/credentials/{b_client_id}/disable", ["post"]),
    "api-credential-enable": ("/api/v1/credentials/{b_client_id}/enable", ["post"]),
    "api-credential-usage": ("/api/v1/credentials/{b_client_id}/usage", ["get"]),
    "api-credential-policies": ("/api/v1/account/credential-policies", ["get", "put"]),
    "accounts:profile": ("/settings/", ["get"]),
    "accounts:switch": ("/settings/switch/", ["post"]),
    "accounts:access": ("/settings/access/", ["get"]),
    "accounts:grant_access": ("/settings/access/grant/", ["get", "post"]),
    "accounts:resend_invitation": ("/settings/access/invitations/{b_invitation}/resend/", ["post"]),
    "accounts:remove_invitation": ("/settings/access/invitations/{b_invitation}/remove/", ["post"]),
    "accounts:revoke_member": ("/settings/access/members/{b_member}/revoke/", ["get", "post"]),
    "accounts:leave": ("/settings/access/leave/", ["get"]),
    "accounts:activity": ("/settings/activity/", ["get"]),
    "accounts:accept_invitation": ("/invitations/{b_invitation_token}/", ["get", "post"]),
    "credentials:list": ("/settings/credentials/", ["get"]),
    "credentials:generate": ("/settings/credentials/new/?successor={b_client_id}", ["get"]),
    "credentials:delete": ("/settings/credentials/{b_client_id}/delete/", ["get", "post"]),
    "credentials:revoke": ("/settings/credentials/{b_client_id}/revoke/", ["get", "post"]),
    "credentials:disable": ("/settings/credentials/{b_client_id}/disable/", ["get", "post"]),
    "credentials:enable": ("/settings/credentials/{b_client_id}/enable/", ["post"]),
    "credentials:usage": ("/settings/credentials/{b_client_id}/usage/", ["get"]),
    "credentials:policies": ("/settings/credentials/policies/", ["get", "post"]),
    "regional-instancetypes": (f"{REGIONAL}/instancetypes", ["get"]),
    "regional-instances": (f"{REGIONAL}/instances", ["get", "post"]),
    "regional-instance-by-id": (f"{REGIONAL}/instances/id/{{b_instance}}", ["get", "delete"]),
    "regional-instance-by-name": (f"{REGIONAL}/instances/name/b-web", ["get", "delete"]),
    "regional-sshkeys": (f"{REGIONAL}/sshpublickeys", ["get", "post"]),
    "regional-sshkey-by-id": (f"{REGIONAL}/sshpublickeys/id/{{b_key}}", ["get", "delete"]),
    "regional-sshkey-by-name": (f"{REGIONAL}/sshpublickeys/name/b-laptop", ["get", "delete"]),
}
# These may answer 200 to A, but only with A's own data (or public data).
OWN_DATA_ENDPOINTS = {
    "home",
    "healthz",
    "readyz",
    "schema",
    "api-docs",
    "oauth-metadata",
    "jwks",
    "oauth-revoke",
    "oauth-introspect",
    "api-me",
    "api-regions",
    "api-credentials",
    "api-report-leak",
    "api-credential-policies",
    "accounts:profile",
    "accounts:access",
    "accounts:grant_access",
    "accounts:leave",
    "accounts:activity",
    "credentials:list",
    "credentials:generate",
    "credentials:policies",
}
DENIED = {302, 400, 401, 403, 404, 405}
# An invitation link is its invitee's capability: opened signed out (no session), it says who invites them
# to which account, so that they can sign in or sign up to accept. Signed in as anyone else, it shows nothing.
LINK_HOLDER_SEES = {("accounts:accept_invitation", "get")}
POLICY_ATTEMPT = {"credential_max_lifetime_days": 1, "disable_unused_credentials_after_days": 1}


def test_every_endpoint_is_in_the_matrix():
    assert set(named_patterns()) == set(MATRIX)


@pytest.fixture
def world(db, owner, member, outsider):
    """Account B (the outsider's) with one of everything; account A with a member and an owner."""
    region = seeded_region("us-region-1")
    b_member = MembershipFactory(
        account=outsider.account, role=Role.MEMBER, user=UserFactory(email="b-member@example.com")
    )
    b_credential, b_secret = generate_credential(membership=outsider, name="b-secret-name")
    b_token = get_token(Client(), b_credential.client_id, b_secret)["access_token"]
    invitation = Invitation.objects.create(
        account=outsider.account,
        email="b-invitee@example.com",
        token_digest=token_digest("b-invitation-token"),
        expires_on="2999-01-01",
        invited_by=outsider.user,
    )
    common = {
        "cloud_account_id": outsider.account.cloud_account_id,
        "region": region,
        "created_by_email": "outsider@example.com",
    }
    key = SshPublicKey.objects.create(
        name="b-laptop", public_key="ssh-ed25519 AAAA b", key_type="ssh-ed25519", fingerprint="SHA256:bkey", **common
    )
    instance = Instance.objects.create(
        name="b-web", instance_type=region.instance_types.first(), machine_image="debian-12", **common
    )
    instance.ssh_public_keys.add(key)
    a_credential, a_secret = generate_credential(membership=member, name="a-secret-name")
    a_token = get_token(Client(), a_credential.client_id, a_secret)["access_token"]
    return {
        "values": {
            "b_account": outsider.account.cloud_account_id,
            "b_client_id": b_credential.client_id,
            "b_invitation": invitation.pk,
            "b_invitation_token": "b-invitation-token",
            "b_member": b_member.pk,
            "b_instance": instance.resource_id,
            "b_key": key.resource_id,
        },
        "markers": [
            b_credential.client_id,
            "b-secret-name",
            b_secret,
            b_token,
            "Account B",
            "outsider@example.com",
            "b-member@example.com",
            "b-invitee@example.com",
            "b-web",
            "b-laptop",
            "SHA256:bkey",
            str(instance.resource_id),
        ],
        "b_credential": b_credential,
        "b_secret": b_secret,
        "b_token": b_token,
        "a_credential": a_credential,
        "a_secret": a_secret,
        "a_token": a_token,
    }


def callers(world, owner, member):
    anonymous = Client()
    member_session, owner_session = Client(), Client()
    member_session.force_login(member.user)
    owner_session.force_login(owner.user)
    return {
        "anonymous": (anonymous, {}),
        "member": (member_session, {}),
        "owner": (owner_session, {}),
        "bearer secret": (Client(), bearer(world["a_secret"])),
        "bearer token": (Client(), bearer(world["a_token"])),
    }


def body_for(name: str, world) -> tuple[object, str]:
    """What a caller of A would send when aiming at B's objects."""
    b_id, a_id = world["b_credential"].client_id, world["a_credential"].client_id
    form = "application/x-www-form-urlencoded"
    if name == "oauth-token":
        return f"grant_type=client_credentials&client_id={b_id}&client_secret={world['a_secret']}", form
    if name in {"oauth-revoke", "oauth-introspect"}:
        return f"token={world['b_token']}&client_id={a_id}&client_secret={world['a_secret']}", form
    if name == "accounts:switch":
        return {"account": world["values"]["b_account"]}, None
    if name == "api-report-leak":  # anyone may report a leaked secret; guessing one must not help
        return {"secret": keys.new_secret()}, "application/json"
    if name == "api-secret-scanning-github":  # B's secret, without GitHub's signature: nothing is revoked
        return [{"token": world["b_secret"], "type": "caas_client_secret", "url": "https://x"}], "application/json"
    if name == "credentials:delete":
        return {"name": "b-secret-name"}, None
    if name == "internal-secrets":  # only a region key may ask about a secret, even one's digest
        return {"secret_digest": keys.digest(world["b_secret"])}, "application/json"
    if name == "internal-reports":
        activity = {"client_id": b_id, "cloud_account_id": world["values"]["b_account"], "action": "instance.deleted"}
        return {"activity": [{**activity, "target": "b-web (x) in us-region-1", "at": 0}]}, "application/json"
    if name.startswith(("api-", "regional-")):
        return {"name": "intruder", "instance_type": "vm.small", "machine_image": "debian-12"}, "application/json"
    return {}, None


def snapshot(outsider):
    account = outsider.account
    account.refresh_from_db()
    return (
        account.credential_max_lifetime_days,
        account.disable_unused_credentials_after_days,
        sorted(Credential.objects.for_account(account).values_list("client_id", "disabled_at", "expires_at")),
        Membership.objects.for_account(account).count(),
        Invitation.objects.for_account(account).count(),
        Instance.objects.filter(cloud_account_id=account.cloud_account_id).count(),
        SshPublicKey.objects.filter(cloud_account_id=account.cloud_account_id).count(),
    )


def test_no_caller_of_account_a_reaches_account_b(world, owner, member, outsider):
    before = snapshot(outsider)
    failures = []
    for name, (template, methods) in MATRIX.items():
        path = template.format(**world["values"])
        for who, (client, headers) in callers(world, owner, member).items():
            for method in methods:
                data, content_type = body_for(name, world) if method == "post" else (None, None)
                kwargs = {"headers": headers}
                if method == "put":
                    kwargs.update(data=POLICY_ATTEMPT, content_type="application/json")
                if method == "post":
                    kwargs["data"] = data
                    if content_type:
                        kwargs["content_type"] = content_type
                response = getattr(client, method)(path, **kwargs)
                content = response.content.decode(errors="replace")
                leaked = [marker for marker in world["markers"] if marker in content]
                link_holder = (name, method) in LINK_HOLDER_SEES and who not in {"member", "owner"}
                if leaked and not link_holder:
                    failures.append(f"{who} {method.upper()} {path}: leaked {leaked}")
                if name not in OWN_DATA_ENDPOINTS and response.status_code not in DENIED and not link_holder:
                    failures.append(f"{who} {method.upper()} {path}: answered {response.status_code}")
                if response.status_code >= 500:
                    failures.append(f"{who} {method.upper()} {path}: server error")
    assert failures == []
    assert snapshot(outsider) == before
    still = Client().get("/api/v1/me", headers=bearer(world["b_token"]))
    assert still.status_code == 200, "B's token was revoked by someone of A"
