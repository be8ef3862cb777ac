"""Credential bits shown outside the Credentials tab's own views (the expiry banner on every settings page)."""

from django import template

from credentials import charts, scopes, services

register = template.Library()


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
