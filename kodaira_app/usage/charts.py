"""Geometry of the server-rendered SVG bar charts (the templates only draw it).

Labels arrive already formatted for the reader's language; values are plain numbers.
Sizes are in SVG user units; the viewBox is as wide as a 360 px phone, so the chart
scales down without horizontal scrolling and text stays legible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

WIDTH = 360


def nice_max(value: float) -> float:
    """A round axis maximum at or above value (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover  (the loop always returns)


@dataclass
class Rect:
    x: float
    y: float
    width: float
    height: float


@dataclass
class Label:
    x: float
    y: float
    text: str


@dataclass
class ColumnChart:
    """Vertical bars over time (days, hours), optional shaded slots behind them."""

    height: int
    plot: Rect
    bars: list[Rect] = field(default_factory=list)
    shades: list[Rect] = field(default_factory=list)
    x_labels: list[Label] = field(default_factory=list)
    y_labels: list[Label] = field(default_factory=list)
    gridlines: list[float] = field(default_factory=list)
    missing: list[Label] = field(default_factory=list)


def column_chart(
    values: list[float | None],
    x_labels: list[str],
    y_label: callable,
    shaded: list[bool] | None = None,
    pending: list[bool] | None = None,
    label_every: int = 1,
    height: int = 220,
) -> ColumnChart:
    """`y_label(v)` formats an axis value; a None value is drawn as a dash (no data),
    unless it is `pending` (a time still to come), which is left empty."""
    plot = Rect(52, 12, WIDTH - 52 - 8, height - 12 - 30)
    top = nice_max(max((v for v in values if v is not None), default=0))
    chart = ColumnChart(height=height, plot=plot)
    for fraction in (0, 0.5, 1):
        y = plot.y + plot.height * (1 - fraction)
        chart.gridlines.append(round(y, 1))
        chart.y_labels.append(Label(plot.x - 4, round(y + 4, 1), y_label(top * fraction)))
    slot = plot.width / max(len(values), 1)
    for i, value in enumerate(values):
        x = plot.x + i * slot
        if shaded and shaded[i]:
            chart.shades.append(Rect(round(x, 2), plot.y, round(slot, 2), plot.height))
        if value is None and not (pending and pending[i]):
            chart.missing.append(Label(round(x + slot / 2, 2), plot.y + plot.height - 3, "–"))
        elif value is not None and value > 0:
            h = plot.height * value / top
            chart.bars.append(
                Rect(
                    round(x + slot * 0.15, 2),
                    round(plot.y + plot.height - h, 2),
                    round(slot * 0.7, 2),
                    round(h, 2),
                )
            )
        if i % label_every == 0:
            chart.x_labels.append(
                Label(round(x + slot / 2, 2), plot.y + plot.height + 18, x_labels[i])
            )
    return chart


@dataclass
class PairRow:
    label: Label
    current: Rect | None
    before: Rect | None
    current_text: Label
    before_text: Label


@dataclass
class PairChart:
    """Horizontal bars, one row per period: this period above the year-earlier one."""

    height: int
    rows: list[PairRow]
    axis_x: float


ROW = 38
LABEL_W = 70
TEXT_W = 62
TOP = 8


def _bar(value: float | None, y: float, span: float, top: float) -> Rect | None:
    return Rect(LABEL_W, y, round(span * value / top, 2), 14) if value else None


def _text_x(value: float | None, span: float, top: float) -> float:
    return round(LABEL_W + (span * value / top if value else 0) + 4, 2)


def pair_chart(
    rows: list[tuple[str, float | None, float | None]], value_label: callable
) -> PairChart:
    """rows: (period label, this period, a year earlier); None means no bill."""
    top = nice_max(max((v for _, a, b in rows for v in (a, b) if v is not None), default=0))
    span = WIDTH - LABEL_W - TEXT_W
    out = []
    for i, (label, current, before) in enumerate(rows):
        y = TOP + i * ROW
        out.append(
            PairRow(
                Label(LABEL_W - 6, y + 20, label),
                _bar(current, y + 2, span, top),
                _bar(before, y + 18, span, top),
                Label(_text_x(current, span, top), y + 13, value_label(current)),
                Label(_text_x(before, span, top), y + 29, value_label(before)),
            )
        )
    return PairChart(height=TOP + len(rows) * ROW + 4, rows=out, axis_x=LABEL_W)
