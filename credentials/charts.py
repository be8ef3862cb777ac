"""The usage chart's geometry, drawn as SVG by the template: no script, no chart library and no
style attributes (the CSP allows neither inline scripts nor inline styles), only presentation
attributes such as fill= and stroke=."""

import math
from dataclasses import dataclass
from datetime import date

from credentials.usage import UsageSummary

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 28
COLORS = ["#0b5cad", "#c4320a", "#067647", "#6941c6", "#b54708", "#0e7090", "#344054"]
API_LABEL = "API and OAuth"


def region_label(slug: str) -> str:
    """Usage without a region is the management API and the token endpoint."""
    return slug or API_LABEL


@dataclass(frozen=True)
class Series:
    label: str
    color: str
    points: str
    total: int


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    series: list[Series]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    description: str


def _ceiling(peak: int) -> int:
    """The smallest 1, 2 or 5 times a power of ten that is at least the peak, so axis labels stay round."""
    if peak <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(peak))
    return next(step * magnitude for step in (1, 2, 5, 10) if step * magnitude >= peak)


def usage_chart(summary: UsageSummary) -> Chart:
    """One line per region over the summary's hours; x ticks at each UTC midnight."""
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    plot_width, plot_height = right - LEFT, bottom - TOP
    peak = max((max(counts) for counts in summary.requests.values()), default=0)
    ceiling = _ceiling(peak)
    step = plot_width / max(len(summary.hours) - 1, 1)

    def y(value: int) -> float:
        return bottom - value / ceiling * plot_height

    series = [
        Series(
            label=region_label(region),
            color=COLORS[index % len(COLORS)],
            points=" ".join(
                f"{LEFT + i * step:.1f},{y(value):.1f}" for i, value in enumerate(summary.requests[region])
            ),
            total=sum(summary.requests[region]),
        )
        for index, region in enumerate(summary.regions)
    ]
    x_ticks = [
        Tick(at=round(LEFT + i * step, 1), label=f"{hour:%b %d}")
        for i, hour in enumerate(summary.hours)
        if hour.hour == 0
    ]
    y_ticks = [Tick(at=round(y(value), 1), label=str(value)) for value in sorted({0, ceiling // 2, ceiling})]
    parts = ", ".join(f"{line.label} {line.total}" for line in series) or "no requests"
    description = f"Requests per hour over the last 7 days (UTC), peak {peak} in one hour. Totals: {parts}."
    return Chart(WIDTH, HEIGHT, LEFT, right, TOP, bottom, series, x_ticks, y_ticks, description)


@dataclass(frozen=True)
class Day:
    day: date
    counts: list[int]
    total: int


def daily_totals(summary: UsageSummary) -> list[Day]:
    """The chart as a table: requests per UTC day and region, in the order of summary.regions."""
    by_day: dict[date, list[int]] = {}
    for i, hour in enumerate(summary.hours):
        counts = by_day.setdefault(hour.date(), [0] * len(summary.regions))
        for column, region in enumerate(summary.regions):
            counts[column] += summary.requests[region][i]
    return [Day(day=day, counts=counts, total=sum(counts)) for day, counts in by_day.items()]
