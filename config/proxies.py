"""The client's address, also behind reverse proxies we trust (DJANGO_TRUSTED_PROXIES).

Each proxy appends the address it received the request from to `X-Forwarded-For`, so walking the
header from the right, the first address that is not one of our proxies is the client: anything
to its left was written by the client and proves nothing. From any other socket address the
header is ignored, so a client cannot choose its own address.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def parse_address(value: str) -> str | None:
    """One address as a proxy writes it (`198.51.100.7`, `2001:db8::1`, `[2001:db8::1]:443`,
    `198.51.100.7:443`), normalised, or None when it is not an address."""
    value = value.strip()
    if value.startswith("["):
        value = value[1 : value.find("]")] if "]" in value else value
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def is_trusted(address: str) -> bool:
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if not networks:
        return False
    ip = ipaddress.ip_address(address)
    return any(ip in network for network in networks)


def from_trusted_proxy(request: HttpRequest) -> bool:
    """Whether the request reached us from one of our proxies (so its forwarded headers count)."""
    remote = parse_address(request.META.get("REMOTE_ADDR", ""))
    return remote is not None and is_trusted(remote)


def _client_address(request: HttpRequest) -> str | None:
    remote = parse_address(request.META.get("REMOTE_ADDR", ""))
    if remote is None or not is_trusted(remote):
        return remote
    nearest = remote
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = parse_address(hop)
        if address is None:  # a proxy of ours would not write this: trust nothing further left
            return nearest
        if not is_trusted(address):
            return address
        nearest = address
    return nearest


def client_address(request: HttpRequest | None) -> str | None:
    """The one client address used everywhere: throttles, last use, audit, allow-lists."""
    if request is None:
        return None
    request = getattr(request, "_request", request)  # a DRF Request wraps the HttpRequest
    try:
        return request.caas_client_address  # type: ignore[union-attr]  # our own attribute, set below
    except AttributeError:
        address = request.caas_client_address = _client_address(request)  # type: ignore[union-attr]
        return address
