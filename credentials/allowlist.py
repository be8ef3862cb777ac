"""Source-address allow-lists: the networks a credential may be used from.

Lists are short (at most MAX_NETWORKS), so matching is a loop over parsed networks; parsing is
cached per list, and an empty list (the common case) costs one truth test.
"""

import ipaddress
from collections.abc import Callable
from functools import lru_cache

from django.core.exceptions import ValidationError

MAX_NETWORKS = 20
ENFORCE, REPORT = "enforce", "report"
MODES = {
    ENFORCE: "Enforce: refuse requests from other addresses",
    REPORT: "Report only: allow them, and record each one in the credential's usage",
}

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def clean_networks(values) -> list[str]:
    """Validated, normalised (host bits must be zero; a bare address is a /32 or /128), sorted, unique."""
    if isinstance(values, str):
        values = values.replace(",", " ").split()
    networks: set[Network] = set()
    for value in values or ():
        text = str(value).strip()
        if not text:
            continue
        try:
            networks.add(ipaddress.ip_network(text, strict=True))
        except ValueError:
            try:
                ipaddress.ip_network(text, strict=False)
            except ValueError:
                message = f"{text[:60]} is not an IPv4 or IPv6 address or CIDR range (for example 203.0.113.0/24)."
            else:
                message = f"{text[:60]} has host bits set; write the network address, for example " + str(
                    ipaddress.ip_network(text, strict=False)
                )
            raise ValidationError({"allowed_ips": message}) from None
    if len(networks) > MAX_NETWORKS:
        raise ValidationError({"allowed_ips": f"List at most {MAX_NETWORKS} addresses or ranges."})
    return [str(network) for network in sorted(networks, key=lambda n: (n.version, n))]


@lru_cache(maxsize=4096)
def _parsed(networks: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(network) for network in networks)


def allows(networks, ip: str | None) -> bool:
    """Whether `ip` lies in one of `networks`; an empty list allows every address."""
    if not networks:
        return True
    if ip is None:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in _parsed(tuple(networks)) if network.version == address.version)


def within(inner, outer) -> bool:
    """Whether every network of `inner` lies inside one of `outer`; an empty `outer` contains everything."""
    if not outer:
        return True
    if not inner:
        return False
    parents = _parsed(tuple(outer))
    # subnet_of needs two networks of one version, checked first; mypy cannot narrow on .version.
    return all(
        any(network.version == parent.version and network.subnet_of(parent) for parent in parents)  # type: ignore[arg-type]
        for network in _parsed(tuple(inner))
    )


def refusal(networks, ip: str | None) -> str | None:
    """Why a use from `ip` is outside the list (the same words in enforce and report mode), or None."""
    if allows(networks, ip):
        return None
    where = ip or "an unknown address"
    return f"This credential may not be used from {where}: it is not in its allowed source addresses."


def enforced_refusal(networks, mode: str, ip: str | None, report: Callable[[str], None]) -> str | None:
    """Why a use from `ip` is refused, or None. In report mode the use goes ahead and `report` is
    given the refusal it would have been, for the credential's usage (at the console, or in the
    region's report to it)."""
    if not networks:
        return None
    problem = refusal(networks, ip)
    if problem is not None and mode == REPORT:
        report(f"Would have been refused: {ip or 'unknown address'}. {problem}")
        return None
    return problem
