"""Reading the portal's credential pages as a person sees them: text without tags, times in UTC."""

import re
from datetime import UTC, datetime
from html import unescape

BREAKS = re.compile(r"</?(?:br|p|div|td|th|tr|li|ul|dd|dt|dl|h\d|section|details|summary|table|caption)\b[^>]*>")


def text(content: str) -> str:
    """The page's text as it reads: block and cell boundaries are spaces, inline tags vanish."""
    return " ".join(unescape(re.sub(r"<[^>]+>", "", BREAKS.sub(" ", content))).split())


def utc(moment: datetime) -> str:
    """A time as the pages show it: "2026-12-01 12:00 UTC"."""
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def time_element(moment: datetime) -> str:
    """The machine-readable half of a shown time."""
    return f'<time class="utc" datetime="{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}">'


def row(content: str, name: str) -> str:
    """The table row of credential `name`: the one whose name cell says it in bold."""
    return re.search(
        rf"<tr>(?:(?!</tr>).)*<td[^>]*><strong>{re.escape(name)}</strong><br>.*?</tr>", content, re.S
    ).group(0)
