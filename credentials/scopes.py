"""OAuth scopes. A client secret used directly carries all of them; a token carries what it asked for."""

SCOPES = {
    "credentials:read": "List your own credentials.",
    "credentials:write": "Create and delete your own credentials.",
    "compute:read": "Read regional resources: instances, SSH public keys, instance types.",
    "compute:write": "Create and delete regional resources.",
}
ALL_SCOPES = frozenset(SCOPES)


def parse_scope(value: str | None) -> frozenset[str] | None:
    """The requested scopes, all of them when none are named, or None when one is unknown (RFC 6749 §3.3)."""
    if value is None or not value.strip():
        return ALL_SCOPES
    requested = frozenset(value.split())
    return requested if requested <= ALL_SCOPES else None


def format_scope(scopes: frozenset[str]) -> str:
    return " ".join(sorted(scopes))
