"""OAuth scopes, which are also a credential's permissions.

A credential is given a non-empty subset of them when it is made; a client secret used directly
carries exactly that subset, and a token carries what it asked for within it.
"""

SCOPES = {
    "credentials:read": "List and read your own credentials and their usage.",
    "credentials:write": "Create, disable, enable and delete your own credentials.",
    "compute:read": "Read regional resources: instances, SSH public keys, instance types.",
    "compute:write": "Create and delete regional resources.",
}
ALL_SCOPES = frozenset(SCOPES)
DEFAULT_PERMISSIONS = ("compute:read", "compute:write")
LEGACY_LABEL = "Full access (created before permissions)"

# The portal offers one choice per area: none, read, or read and write.
AREAS = {
    "compute": "Compute",
    "credentials": "Credentials",
}
LEVELS = {
    "none": ("None", ()),
    "read": ("Read", ("read",)),
    "write": ("Read and write", ("read", "write")),
}
AREA_HELP = {
    "compute": {
        "none": "No access to regional resources.",
        "read": "List and read instances, SSH public keys and instance types.",
        "write": "Also create and delete instances and SSH public keys.",
    },
    "credentials": {
        "none": "Cannot see or manage credentials.",
        "read": "List and read its own credential and the ones made with it.",
        "write": "Also generate narrower credentials, and disable or delete its own and those made with it.",
    },
}
DEFAULT_LEVELS = {"compute": "write", "credentials": "none"}


def parse_scope(value: str | None, granted: frozenset[str] = ALL_SCOPES) -> frozenset[str] | None:
    """The requested scopes, all the granted ones when none are named, or None when one is
    unknown (RFC 6749 §3.3). Whether they lie within `granted` is the caller's to check."""
    if value is None or not value.strip():
        return frozenset(granted)
    requested = frozenset(value.split())
    return requested if requested <= ALL_SCOPES else None


def format_scope(scopes) -> str:
    return " ".join(sorted(scopes))


def permissions_from_levels(levels: dict[str, str]) -> list[str]:
    """{"compute": "write", "credentials": "none"} -> ["compute:read", "compute:write"]."""
    return sorted(f"{area}:{action}" for area, level in levels.items() for action in LEVELS[level][1])


def levels_from_permissions(permissions) -> dict[str, str]:
    """The portal's choice per area that covers these permissions (write implies read there)."""
    granted = set(permissions)
    return {
        area: "write" if f"{area}:write" in granted else "read" if f"{area}:read" in granted else "none"
        for area in AREAS
    }


def describe(permissions) -> list[str]:
    """Each area with access, as a person reads it: ["Compute: read and write", "Credentials: read"]."""
    granted = set(permissions)
    lines = []
    for area, label in AREAS.items():
        read, write = f"{area}:read" in granted, f"{area}:write" in granted
        if read or write:
            lines.append(f"{label}: {'read and write' if read and write else 'read' if read else 'write only'}")
    return lines
