"""Lineage: a credential made by a bearer caller is its caller's child, and never broader.

The caller's credential is the ceiling of what it makes: permissions (within the token's scope
too), regions, expiry and allowed source addresses. A child lives in its parent's membership,
so a family never holds more than the member's limit of credentials, and walking it is a loop
over a handful of rows.
"""

from dataclasses import dataclass
from datetime import datetime

from accounts.models import Membership
from credentials import allowlist
from credentials.models import Credential


@dataclass(frozen=True)
class Ceiling:
    """What a bearer caller may give the credentials it makes: nothing its own credential lacks."""

    credential: Credential
    scopes: frozenset[str]


class CallerRevoked(Exception):
    """The caller's credential was deleted or disabled while its request was being served."""

    def __init__(self) -> None:
        super().__init__(
            "The credential you are using was deleted or disabled meanwhile, so it can make no credential."
        )


def lock_usable_parent(credential: Credential) -> None:
    """Lock the caller's credential row for the rest of the transaction, and refuse if it is gone
    or disabled: a concurrent delete or disable then either waits for the child and takes it
    along, or has already happened and the child is never made."""
    if not Credential.objects.select_for_update().filter(pk=credential.pk, disabled_at__isnull=True).exists():
        raise CallerRevoked()


class BroaderThanCaller(Exception):
    """The new credential would be broader than the caller's; `problems` says what, per field."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("A credential cannot create one broader than itself: " + " ".join(problems.values()))


def lock_descendants(credential: Credential) -> list[Credential]:
    """Every credential made, directly or not, with this one, parents before their children, with
    this one's row locked for the rest of the transaction (delete and disable call it).

    Two statements on purpose: a child being made right now holds this row's lock
    (lock_usable_parent) until it commits, and only a statement that starts after the lock was
    granted sees that child, so it is taken along instead of left behind without its parent."""
    Credential.objects.select_for_update().filter(pk=credential.pk).first()
    family = list(Credential.objects.filter(membership_id=credential.membership_id))
    return _below(credential.pk, family)


def _below(root_id: int, family: list[Credential]) -> list[Credential]:
    found, frontier = [], [root_id]
    while frontier:
        children = [credential for credential in family if credential.parent_id in frontier]
        found.extend(children)
        frontier = [child.pk for child in children]
    return found


def reachable(membership: Membership, bearer: Credential | None) -> list[Credential]:
    """The member's credentials a caller may see and manage: all of them for a signed-in member,
    a bearer caller's own credential and its descendants otherwise."""
    family = list(Credential.objects.for_member(membership))
    by_id = {credential.pk: credential for credential in family}
    for credential in family:  # a parent is always in its child's membership: no join needed
        if credential.parent_id is not None:
            credential.parent = by_id[credential.parent_id]
    if bearer is None:
        return family
    own = [credential for credential in family if credential.pk == bearer.pk]
    return own + _below(bearer.pk, family)


def _expiry_words(moment: datetime | None) -> str:
    return "never" if moment is None else f"{moment:%Y-%m-%d %H:%M} UTC"


def check(ceiling: Ceiling, *, permissions, regions, expires_at, allowed_ips, allowed_ips_mode) -> None:
    """Raise BroaderThanCaller naming each field that would exceed the caller's credential."""
    caller, problems = ceiling.credential, {}
    extra = sorted(set(permissions) - ceiling.scopes)
    if extra:
        problems["permissions"] = (
            f"Permissions {', '.join(extra)} are not among the caller's ({', '.join(sorted(ceiling.scopes))})."
        )
    if caller.regions and (not regions or not set(regions) <= set(caller.regions)):
        wanted = ", ".join(regions) if regions else "all regions"
        problems["regions"] = f"Regions {wanted} exceed the caller's ({', '.join(caller.regions)})."
    if caller.expires_at is not None and (expires_at is None or expires_at > caller.expires_at):
        problems["expires_in_days"] = (
            f"Expiry {_expiry_words(expires_at)} is later than the caller's ({_expiry_words(caller.expires_at)})."
        )
    if caller.allowed_ips:
        if not allowed_ips or not allowlist.within(allowed_ips, caller.allowed_ips):
            wanted = ", ".join(allowed_ips) if allowed_ips else "any address"
            problems["allowed_ips"] = (
                f"Allowed source addresses {wanted} are not within the caller's ({', '.join(caller.allowed_ips)})."
            )
        elif caller.allowed_ips_mode == allowlist.ENFORCE and allowed_ips_mode != allowlist.ENFORCE:
            problems["allowed_ips_mode"] = "The caller's source addresses are enforced, so the new one's must be too."
    if problems:
        raise BroaderThanCaller(problems)
