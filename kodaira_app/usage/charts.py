"""Geometry of the server-rendered SVG bar charts (the templates only draw it).

Labels arrive already formatted for the reader's language; values are plain numbers.

The usage charts (column_chart, pair_chart) have no viewBox: heights and text are in CSS
pixels, so their text keeps one size on a phone and on a desktop, and every horizontal
position and width is a percentage of the chart's width, so a chart fills its column
without being scaled. WIDTH is the viewBox width of the charts drawn to scale instead
(見守り履歴), whose Rect and Label are in viewBox units.
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
    partial_bars: list[Rect] = field(default_factory=list)  # a day still being counted
    partial_slots: list[Rect] = field(default_factory=list)  # the whole slot of such a day
    shades: list[Rect] = field(default_factory=list)
    x_labels: list[Label] = field(default_factory=list)
    y_labels: list[Label] = field(default_factory=list)
    gridlines: list[float] = field(default_factory=list)
    missing: list[Label] = field(default_factory=list)


# The value axis's labels take the left 18 % (58 px on a 360 px phone: 「2,500 L」 fits).
PLOT_LEFT = 18


def column_chart(
    values: list[float | None],
    x_labels: list[str],
    y_label: callable,
    shaded: list[bool] | None = None,
    pending: list[bool] | None = None,
    partial: list[bool] | None = None,
    label_every: int = 1,
    height: int = 220,
    mark_missing: bool = True,
) -> ColumnChart:
    """`y_label(v)` formats an axis value; a None value is drawn as a dash (no data),
    unless it is `pending` (a time still to come) or `mark_missing` is off (too many
    slots for a dash each), which leaves it empty. A `partial` value (today so far) is
    drawn apart, so that it is not read as a day of little use."""
    plot = Rect(PLOT_LEFT, 12, 100 - PLOT_LEFT - 1, height - 12 - 30)
    top = nice_max(max((v for v in values if v is not None), default=0))
    chart = ColumnChart(height=height, plot=plot)
    for fraction in (0, 0.5, 1):
        y = plot.y + plot.height * (1 - fraction)
        chart.gridlines.append(round(y, 1))
        chart.y_labels.append(Label(plot.x - 1, round(y + 5, 1), y_label(top * fraction)))
    slot = plot.width / max(len(values), 1)
    for i, value in enumerate(values):
        x = plot.x + i * slot
        if shaded and shaded[i]:
            chart.shades.append(Rect(round(x, 3), plot.y, round(slot, 3), plot.height))
        if partial and partial[i]:
            chart.partial_slots.append(Rect(round(x, 3), plot.y, round(slot, 3), plot.height))
        if value is None and mark_missing and not (pending and pending[i]):
            chart.missing.append(Label(round(x + slot / 2, 3), plot.y + plot.height - 3, "–"))
        elif value is not None and value > 0:
            h = plot.height * value / top
            bars = chart.partial_bars if partial and partial[i] else chart.bars
            bars.append(
                Rect(
                    round(x + slot * 0.15, 3),
                    round(plot.y + plot.height - h, 2),
                    round(slot * 0.7, 3),
                    round(h, 2),
                )
            )
        if i % label_every == 0 and x_labels[i]:
            chart.x_labels.append(
                Label(round(x + slot / 2, 3), plot.y + plot.height + 20, x_labels[i])
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
    """Horizontal bars, one row per period: its name on a line of its own (as long as a
    language needs), this period's bar under it, the year-earlier one below."""

    height: int
    rows: list[PairRow]


ROW = 66
BAR_H = 16
# The longest bar takes 72 % of the width: the value written after it still fits.
SPAN = 72


def _bar(value: float | None, y: float, top: float) -> Rect | None:
    return Rect(0, y, round(SPAN * value / top, 3), BAR_H) if value else None


def _text_x(value: float | None, top: float) -> float:
    return round(SPAN * value / top if value else 0, 3)


def pair_chart(
    rows: list[tuple[str, float | None, float | None]], value_label: callable
) -> PairChart:
    """rows: (period label, this period, a year earlier), in the order shown; None means
    no bill."""
    top = nice_max(max((v for _, a, b in rows for v in (a, b) if v is not None), default=0))
    out = []
    for i, (label, current, before) in enumerate(rows):
        y = i * ROW
        out.append(
            PairRow(
                Label(0, y + 17, label),
                _bar(current, y + 24, top),
                _bar(before, y + 43, top),
                Label(_text_x(current, top), y + 37, value_label(current)),
                Label(_text_x(before, top), y + 56, value_label(before)),
            )
        )
    return PairChart(height=len(rows) * ROW + 2, rows=out)
