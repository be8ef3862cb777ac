"""Writing the account activity log."""

from django.http import HttpRequest

from accounts.models import Account, AuditEvent, User
from config.proxies import client_address as client_ip


def record(
    *,
    account: Account,
    actor: User | None,
    action: str,
    target: str = "",
    subject: User | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Append one event; the request (when there is one) supplies address and user agent."""
    return AuditEvent.objects.create(
        account=account,
        actor=actor,
        actor_email=actor.email if actor else "",
        action=action,
        target=target[:255],
        subject=subject,
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:255] if request is not None else "",
    )
