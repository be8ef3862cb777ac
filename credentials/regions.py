"""The regions a credential may be restricted to, as the regional app reports them.

Credentials sit below regional in the dependency order, so they never read Region rows; the
regional app hands over a function that lists the enabled regions when it starts (its apps.py).
"""

from collections.abc import Callable, Iterable

_catalogue: Callable[[], Iterable[tuple[str, str]]] = lambda: ()  # noqa: E731


def provide(catalogue: Callable[[], Iterable[tuple[str, str]]]) -> None:
    global _catalogue
    _catalogue = catalogue


def available() -> list[tuple[str, str]]:
    """(slug, name) of each region that can be chosen now."""
    return list(_catalogue())
