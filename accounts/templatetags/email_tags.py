"""How members' email addresses are shown wherever they are listed (portal pages and the admin)."""

from django import template
from django.utils.encoding import punycode

register = template.Library()


@register.filter
def ascii_email(address: str) -> str:
    """The address with a non-ASCII domain in its IDNA form (`xn--`), the form mail is delivered to,
    so that a look-alike domain (a Cyrillic letter in `example.com`) cannot pass for the real one."""
    local, at, domain = address.rpartition("@")
    if not at or domain.isascii():
        return address
    try:
        return f"{local}@{punycode(domain)}"
    except UnicodeError:  # not a domain at all (free text in the activity log): still show no look-alikes
        return f"{local}@{domain.encode('ascii', 'backslashreplace').decode()}"
