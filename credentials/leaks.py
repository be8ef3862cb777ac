"""Leak response: anyone may report a secret found in the wild; a match is revoked at once.

The answer is the same 202 whether or not the secret matched, and the work done before it is
the same too (store the digest of what was reported). Looking it up, revoking and emailing
happen after the response has been sent, so its timing tells nothing either. GitHub's secret
scanning, whose signature authenticates it (credentials/secret_scanning.py), is told which were ours.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from accounts.audit import AuditContext
from accounts.models import Membership
from credentials import keys, services
from credentials.models import Credential, LeakReport


def _leak_report(*, secret: str, source: str, context: AuditContext | None) -> LeakReport:
    return LeakReport(
        secret_digest=keys.digest(secret),
        source=source[:500],
        reporter_ip=context.actor_address if context else None,
        reporter_user_agent=context.user_agent if context else "",
    )


def record_leak_report(*, secret: str, source: str = "", context: AuditContext | None = None) -> LeakReport:
    report = _leak_report(secret=secret, source=source, context=context)
    report.save()
    return report


@transaction.atomic
def record_found_secrets(*, found: list[tuple[str, str]], context: AuditContext) -> tuple[list[LeakReport], set[str]]:
    """A secret scanner's batch of (secret, source), up to 1,000 at a time and answered within
    seconds: one query tells which are ours (their digests are returned), a bulk insert stores
    them all. Misses are stored already processed; matches are left to process_leak_report, once the
    answer is sent."""
    reports = [_leak_report(secret=secret, source=source, context=context) for secret, source in found]
    candidates = {keys.digest(secret) for secret, _ in found if keys.is_well_formed(secret)}
    ours = set(Credential.objects.filter(secret_digest__in=candidates).values_list("secret_digest", flat=True))
    now = timezone.now()
    for report in reports:
        if report.secret_digest not in ours:
            report.processed_at, report.matched = now, False
    return LeakReport.objects.bulk_create(reports), ours


@transaction.atomic
def process_leak_report(report_id: int) -> None:
    """Revoke the matching credential and tell its member and the account owner. Idempotent."""
    report = LeakReport.objects.select_for_update().get(pk=report_id)
    if report.processed_at is not None:
        return
    credential = (
        Credential.objects.select_related("membership__user", "membership__account")
        .filter(secret_digest=report.secret_digest)
        .first()
    )
    report.processed_at, report.matched = timezone.now(), credential is not None
    if credential is not None:
        account, member = credential.membership.account, credential.membership.user
        report.account, report.client_id = account, credential.client_id
        family = services.revoke_credential(
            by=None,
            credential=credential,
            action="credential.leak_revoked",
            why=f"reported from {report.reporter_ip or 'unknown'}"
            + (f" found at {report.source}" if report.source else ""),
            email_member=False,
        )
        transaction.on_commit(lambda: _notify(family, account, member, report))
    report.save()


def _notify(family: list[Credential], account, member, report: LeakReport) -> None:
    credential = family[0]
    went_with = (
        " Every credential made with it went too: " + ", ".join(f"{c.name} ({c.client_id})" for c in family[1:]) + "."
        if family[1:]
        else ""
    )
    owner = Membership.objects.for_account(account).filter(role="owner").first()
    recipients = sorted({member.email, *([owner.user.email] if owner else [])})
    send_mail(
        subject=f"Credential {credential.name} was revoked: its secret was reported as leaked",
        message=(
            f"The client secret of credential {credential.name} ({credential.client_id}) of {member.email} in "
            f"account {account} was reported as publicly exposed on {report.received_at:%Y-%m-%d %H:%M} UTC"
            + (f" (found at {report.source})" if report.source else "")
            + ".\n\nWe revoked it at once: it and every access token made with it stopped working immediately."
            + f"{went_with} "
            "Generate a new credential in Account Settings > Credentials, update your programs, and find out "
            "how the secret was exposed."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )
