"""Credential bits for the templates: the expiry banner on every settings page, times in UTC and
short client IDs."""

from datetime import UTC, datetime

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from credentials import charts, scopes, services

register = template.Library()
ID_HEAD, ID_TAIL = 8, 4


@register.inclusion_tag("credentials/_expiry_banner.html", takes_context=True)
def expiry_banner(context) -> dict:
    """Credentials of the active member that expire within the notice period, each with a successor link.

    At the limit the member must delete another credential before a successor fits, so say so here.
    """
    membership = context.get("active_membership")
    expiring = list(services.expiring_soon(membership)) if membership is not None else []
    quota = services.credential_quota(membership) if expiring else None
    return {"expiring": expiring, "quota": quota, "rotation_help": services.ROTATION_HELP}


@register.filter
def region_label(slug: str) -> str:
    return charts.region_label(slug)


@register.filter
def permission_lines(credential) -> list[str]:
    """What a credential may do, a line per area; credentials made before permissions say so."""
    return [scopes.LEGACY_LABEL] if credential.predates_permissions else scopes.describe(credential.permissions)


@register.filter
def described(permissions) -> list[str]:
    """Scopes as people read them: ["compute:read"] -> ["Compute: read"]."""
    return scopes.describe(permissions)


@register.filter
def utc(moment: datetime | None) -> SafeString | str:
    """A `<time>` labelled in UTC, "2026-12-01 12:00 UTC"; it may wrap between the date and the time, not inside."""
    if moment is None:
        return ""
    moment = moment.astimezone(UTC)
    return format_html(
        '<time class="utc" datetime="{}"><span>{}</span> <span>{} UTC</span></time>',
        moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        moment.strftime("%Y-%m-%d"),
        moment.strftime("%H:%M"),
    )


@register.filter
def short_id(client_id: str) -> str:
    """cid_AbCdEfGhIjKlMnOpQrStUvWx -> cid_AbCd…UvWx: short enough for a table cell; the full value is copyable."""
    if len(client_id) <= ID_HEAD + ID_TAIL + 1:
        return client_id
    return f"{client_id[:ID_HEAD]}…{client_id[-ID_TAIL:]}"
