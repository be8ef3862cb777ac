"""Writing the account activity log."""

from dataclasses import dataclass

from django.http import HttpRequest

from accounts.models import Account, AuditEvent, User
from config.proxies import client_address as client_ip


@dataclass(frozen=True)
class AuditContext:
    """Where a write came from, as the activity log records it: services take this, never the
    request, so the portal, the API, the admin and commands call them alike."""

    actor_address: str | None
    user_agent: str

    @classmethod
    def from_request(cls, request: HttpRequest) -> "AuditContext":
        return cls(actor_address=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:255])


def record(
    *,
    account: Account,
    actor: User | None,
    action: str,
    target: str = "",
    subject: User | None = None,
    context: AuditContext | None = None,
) -> AuditEvent:
    """Append one event; the context (when there is one) supplies address and user agent."""
    return AuditEvent.objects.create(
        account=account,
        actor=actor,
        actor_email=actor.email if actor else "",
        action=action,
        target=target[:255],
        subject=subject,
        ip=context.actor_address if context else None,
        user_agent=context.user_agent if context else "",
    )
