"""Server-side SVG charts for the report pages: stacked bars, lines and horizontal bars, as markup.

No script and nothing to build: the page's own markup, which the CSP allows. Each chart is an
``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that screen readers announce, axis titles with
their units and the time zone in the x-axis caption. The viewBox scales it to the page's width (the
page's ``.chart`` wrapper keeps a minimum width and scrolls on a phone rather than shrink the text
out of sight). Every label is escaped here, so callers pass plain text.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH = 960
HEIGHT = 340
FONT = 14
CHAR = FONT * 0.6  # an average glyph's width, to keep tick labels apart
LEFT, RIGHT, TOP, BOTTOM = 78, 16, 44, 62
EMPTY = "No callbacks in this period"
LABEL_ROOM = 260  # the widest a horizontal bar's label may be
# The design system's colours (callback/app.css), in an order that keeps neighbours apart.
PALETTE = ("#1f6feb", "#1a7f37", "#c62828", "#9a6700", "#8250df", "#616e7c", "#0a7ea4")
# Lines after the first are dashed, then dotted: lines that coincide (100 % kept at ±2, ±5 and ±15 min) stay
# distinguishable, and not by colour alone.
DASHES = ("none", "7 4", "2 3")
# Spacing of x ticks, in periods: whole hours of a day, days of a week, so hourly ticks fall at midnight.
TICK_STEPS = (1, 2, 3, 4, 6, 7, 12, 14, 24, 48, 72, 96, 168, 336, 720)
SECOND_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600)


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    note: str = ""  # said after the value, e.g. "62 % of the previous step"


@dataclass(frozen=True)
class Scale:
    """How a chart's values read on its y axis: the top, the ticks, their labels, and how a value is said."""

    title: str  # the axis title, with its unit
    top: float
    ticks: Sequence[float]
    write: Callable[[float], str]  # a tick's label
    say: Callable[[float], str]  # a value, in a tooltip or the description


def count_scale(title: str, largest: float) -> Scale:
    """Whole numbers from 0 to a round top (1, 2 or 5 × 10ⁿ per tick), about five ticks."""
    rough = max(largest, 1) / 5
    power = 10 ** math.floor(math.log10(rough))
    step = max(1, next(k * power for k in (1, 2, 5, 10) if k * power >= rough))
    top = step * math.ceil(max(largest, 1) / step)
    return Scale(title, top, _ticks(top, step), _whole, _whole)


def seconds_scale(title: str, largest: float) -> Scale:
    """Durations with ticks at whole seconds, minutes or hours, the unit in the axis title: "Wait (minutes)"."""
    step = next((s for s in SECOND_STEPS if s * 5 >= max(largest, 1)), SECOND_STEPS[-1])
    top = step * max(1, math.ceil(largest / step))
    unit, size = next((u for u in (("hours", 3600), ("minutes", 60)) if step >= u[1]), ("seconds", 1))
    return Scale(f"{title} ({unit})", top, _ticks(top, step), lambda value: _whole(value / size), write_seconds)


def share_scale(title: str) -> Scale:
    def percent(value: float) -> str:
        return f"{value * 100:.0f} %"

    return Scale(f"{title} (%)", 1.0, (0, 0.25, 0.5, 0.75, 1.0), percent, percent)


def _whole(value: float) -> str:
    return f"{value:,.0f}"


def write_seconds(value: float) -> str:
    seconds = round(value)
    if seconds < 60:
        return f"{seconds} s"
    hours, minutes = divmod(seconds // 60, 60)
    rest = seconds % 60
    if hours:
        return f"{hours} h {minutes:02d} min" if minutes else f"{hours} h"
    return f"{minutes} min {rest:02d} s" if rest else f"{minutes} min"


def _html(template: str, *args) -> str:
    """format_html with coordinates written to two decimals (it escapes its arguments to text before formatting)."""
    return format_html(template, *(_number(arg) if isinstance(arg, float) else arg for arg in args))


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _ticks(top: float, step: float) -> list[float]:
    return [step * i for i in range(int(round(top / step)) + 1)]


def _has_data(series: Sequence[Series]) -> bool:
    return any(value for line in series for value in line.values)


def _open(title: str, description: str, height: int = HEIGHT) -> str:
    return _html(
        '<svg class="chart-svg" role="img" aria-labelledby="{0}-t {0}-d" viewBox="0 0 {1} {2}" width="100%" '
        'preserveAspectRatio="xMidYMid meet" font-family="system-ui, sans-serif" font-size="{3}" '
        'xmlns="http://www.w3.org/2000/svg"><title id="{0}-t">{4}</title><desc id="{0}-d">{5}</desc>',
        _id(title),
        WIDTH,
        height,
        FONT,
        title,
        description,
    )


def _id(title: str) -> str:
    """An id for the title and description, from the chart's title (unique on a page of distinct titles)."""
    return "chart-" + "".join(c if c.isalnum() else "-" for c in title.lower()).strip("-")


def _empty(title: str, message: str = EMPTY) -> SafeString:
    height = 120
    return mark_safe(  # noqa: S308 - every piece is built by format_html
        _open(title, message, height)
        + _html(
            '<text x="{}" y="{}" text-anchor="middle" fill="#616e7c" font-size="{}">{}</text></svg>',
            WIDTH / 2,
            height / 2 + 6,
            FONT + 2,
            message,
        )
    )


def _legend(series: Sequence[Series], *, lines: bool = False) -> str:
    """A swatch and the label of each series; a line chart's swatch is its line, dashes and all."""
    parts: list[str] = []
    x: float = LEFT
    for index, line in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        if lines:
            swatch = _html(
                '<line x1="{}" x2="{}" y1="20" y2="20" stroke="{}" stroke-width="3" stroke-dasharray="{}"/>',
                x - 8,
                x + 12,
                colour,
                DASHES[index % len(DASHES)],
            )
        else:
            swatch = _html('<rect x="{}" y="14" width="12" height="12" rx="2" fill="{}"/>', x, colour)
        parts.append(swatch + _html('<text x="{}" y="25">{}</text>', x + 17, line.label))
        x += 17 + len(line.label) * CHAR + 24
    return "".join(parts)


def _axes(scale: Scale, periods: Sequence[str], x_caption: str, band: float) -> str:
    """The y axis's grid and labels, the x axis's sparse tick labels and both axis titles."""
    bottom = HEIGHT - BOTTOM
    height = bottom - TOP
    parts = []
    for tick in scale.ticks:
        y = bottom - height * tick / scale.top
        parts.append(
            _html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#dde3ea"/>'
                '<text x="{}" y="{}" text-anchor="end" fill="#616e7c">{}</text>',
                LEFT,
                WIDTH - RIGHT,
                y,
                y,
                LEFT - 8,
                y + 5,
                scale.write(tick),
            )
        )
    widest = max((len(label) for label in periods), default=1) * CHAR + 16
    room = max(1, int((WIDTH - LEFT - RIGHT) // widest))
    every = next((step for step in TICK_STEPS if len(periods) / step <= room), math.ceil(len(periods) / room))
    for index in range(0, len(periods), every):
        x = LEFT + band * (index + 0.5)
        parts.append(
            _html(
                '<line x1="{0}" x2="{0}" y1="{1}" y2="{2}" stroke="#9aa5b1"/>'
                '<text x="{0}" y="{3}" text-anchor="middle" fill="#616e7c">{4}</text>',
                x,
                bottom,
                bottom + 5,
                bottom + 21,
                periods[index],
            )
        )
    parts.append(
        _html(
            '<line x1="{0}" x2="{1}" y1="{2}" y2="{2}" stroke="#9aa5b1"/>'
            '<text x="{3}" y="{4}" text-anchor="middle" fill="#1f2933">{5}</text>'
            '<text transform="translate(16 {6}) rotate(-90)" text-anchor="middle" fill="#1f2933">{7}</text>',
            LEFT,
            WIDTH - RIGHT,
            bottom,
            LEFT + (WIDTH - LEFT - RIGHT) / 2,
            HEIGHT - 12,
            x_caption,
            TOP + height / 2,
            scale.title,
        )
    )
    return "".join(parts)


def _summary(series: Sequence[Series], write: Callable[[float], str]) -> str:
    """What a line chart's description says: each series' range, so the chart reads without seeing it."""
    parts = []
    for line in series:
        known = [value for value in line.values if value is not None]
        if known:
            parts.append(f"{line.label} from {write(min(known))} to {write(max(known))}")
    return "; ".join(parts)


def bar_chart(
    *, title: str, periods: Sequence[str], series: Sequence[Series], x_caption: str, y_title: str
) -> SafeString:
    """Bars per period, the series stacked in order (e.g. completed, failed, canceled, expired).

    Bars take 70 % of their band, at least a hair: 744 hourly bars on 866 units still show.
    """
    if not periods or not _has_data(series):
        return _empty(title)
    totals = [sum(line.values[i] or 0 for line in series) for i in range(len(periods))]
    scale = count_scale(y_title, max(totals))
    band = (WIDTH - LEFT - RIGHT) / len(periods)
    bar = max(band * 0.7, 0.6)
    bottom, height = HEIGHT - BOTTOM, HEIGHT - BOTTOM - TOP
    parts = [_axes(scale, periods, x_caption, band), _legend(series)]
    for index, period in enumerate(periods):
        base = 0.0
        x = LEFT + band * index + (band - bar) / 2
        for colour, line in zip(PALETTE, series, strict=False):
            value = line.values[index] or 0
            if not value:
                continue
            y = bottom - height * (base + value) / scale.top
            parts.append(
                _html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {} {}</title></rect>',
                    x,
                    y,
                    bar,
                    height * value / scale.top,
                    colour,
                    period,
                    f"{value:,.0f}",
                    line.label.lower(),
                )
            )
            base += value
    in_all = "; ".join(f"{line.label}: {sum(v or 0 for v in line.values):,.0f} in all" for line in series)
    description = f"{len(periods)} periods, {x_caption}. {in_all}."
    return mark_safe(_open(title, description) + "".join(parts) + "</svg>")  # noqa: S308 - format_html pieces


def line_chart(
    *, title: str, periods: Sequence[str], series: Sequence[Series], x_caption: str, scale: Scale
) -> SafeString:
    """A line per series across the periods; a period without a value breaks the line (no made-up zero).

    A dot marks each value while there are few periods, and a value alone between gaps at any number of periods,
    so one period (or an isolated one) still shows.
    """
    if not periods or not any(value is not None for line in series for value in line.values):
        return _empty(title)
    band = (WIDTH - LEFT - RIGHT) / len(periods)
    bottom, height = HEIGHT - BOTTOM, HEIGHT - BOTTOM - TOP
    parts = [_axes(scale, periods, x_caption, band), _legend(series, lines=True)]
    dots = len(periods) <= 62
    for index, (colour, line) in enumerate(zip(PALETTE, series, strict=False)):
        runs: list[list[tuple[float, float, str]]] = [[]]
        for at, value in enumerate(line.values):
            if value is None:
                runs.append([])
                continue
            y = bottom - height * min(value, scale.top) / scale.top
            runs[-1].append((LEFT + band * (at + 0.5), y, f"{periods[at]}: {line.label.lower()} {scale.say(value)}"))
        for run in runs:
            if len(run) > 1:
                parts.append(
                    _html(
                        '<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5" stroke-dasharray="{}" '
                        'stroke-linejoin="round"/>',
                        " ".join(f"{x:.2f},{y:.2f}" for x, y, _ in run),
                        colour,
                        DASHES[index % len(DASHES)],
                    )
                )
            # A value alone between gaps has no line to show it: it gets its dot however many periods there are.
            if dots or len(run) == 1:
                for x, y, said in run:
                    parts.append(
                        _html(
                            '<circle cx="{}" cy="{}" r="3.5" fill="{}"><title>{}</title></circle>', x, y, colour, said
                        )
                    )
    description = f"{len(periods)} periods, {x_caption}. {_summary(series, scale.say)}."
    return mark_safe(_open(title, description) + "".join(parts) + "</svg>")  # noqa: S308 - format_html pieces


def horizontal_bar_chart(*, title: str, bars: Sequence[Bar], unit: str, empty: str = EMPTY) -> SafeString:
    """One bar per row, longest first as given (a funnel's steps, agents): label left, value and note right."""
    if not any(bar.value for bar in bars):
        return _empty(title, empty)
    row, top = 34, 16
    label_width = min(LABEL_ROOM, max(len(bar.label) for bar in bars) * CHAR + 16)
    note_width = max(len(_bar_text(bar, unit)) for bar in bars) * CHAR + 16
    room = WIDTH - label_width - note_width - RIGHT
    largest = max(bar.value for bar in bars)
    height = top + row * len(bars) + 8
    parts = []
    for index, bar in enumerate(bars):
        y = top + row * index
        length = max(room * bar.value / largest, 1 if bar.value else 0)
        parts.append(
            _html(
                '<text x="{}" y="{}" text-anchor="end" fill="#1f2933">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="22" rx="3" fill="{}"/>'
                '<text x="{}" y="{}" fill="#1f2933">{}</text>',
                label_width - 10,
                y + 16,
                _shortened(bar.label, int((LABEL_ROOM - 16) / CHAR)),
                label_width,
                y,
                length,
                PALETTE[0],
                label_width + length + 8,
                y + 16,
                _bar_text(bar, unit),
            )
        )
    description = "; ".join(f"{bar.label}: {_bar_text(bar, unit)}" for bar in bars)
    return mark_safe(_open(title, description, height) + "".join(parts) + "</svg>")  # noqa: S308 - format_html


def _shortened(label: str, most: int) -> str:
    """The label cut to ``most`` characters with an ellipsis (the description keeps it whole)."""
    return label if len(label) <= most else label[: most - 1].rstrip() + "…"


def _bar_text(bar: Bar, unit: str) -> str:
    text = f"{bar.value:,.0f} {unit}"
    return f"{text} ({bar.note})" if bar.note else text
