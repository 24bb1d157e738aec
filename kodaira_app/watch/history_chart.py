"""Geometry of the 見守り履歴 chart: one chart per window, one slot per day for 60 days.

Each day shows the window's litres as a dark bar in front of a pale bar of its usual use
(the median the mails quote), so a short morning stands out beside its band. A day without
a figure is not drawn as zero: a mark in the row under the axis says why (no data, a
pause, a delay); a window with no use at all gets a red line on the axis. The template only
draws what this computes; the labels arrive formatted for the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from kodaira_app.usage.charts import WIDTH, Label, Rect, nice_max
from kodaira_app.watch.history import HistoryRow

PLOT = Rect(52, 12, WIDTH - 52 - 8, 140)
MARK_Y = PLOT.y + PLOT.height + 12  # the row of marks under the axis
HEIGHT = int(MARK_Y + 34)


@dataclass
class Mark:
    x: float
    y: float
    kind: str  # missing / paused / missed


@dataclass
class DayFigure:
    """One day of one chart: what its table row says."""

    day: date
    row: HistoryRow | None

    @property
    def deciliters(self) -> int | None:
        if self.row is None:
            return None
        return self.row.complete_deciliters


@dataclass
class HistoryChart:
    title: str  # the window, e.g. 「06:00〜12:00」
    height: int
    plot: Rect
    days: list[DayFigure]
    usual: list[Rect] = field(default_factory=list)
    bars: list[Rect] = field(default_factory=list)
    partial: list[Rect] = field(default_factory=list)  # what came of a window still incomplete
    zeros: list[Rect] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    gridlines: list[float] = field(default_factory=list)
    x_labels: list[Label] = field(default_factory=list)
    y_labels: list[Label] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for mark in self.marks if mark.kind == kind)


def _slot_rect(x: float, slot: float, share: float, value: float, top: float) -> Rect:
    height = PLOT.height * value / top
    inset = slot * (1 - share) / 2
    return Rect(
        round(x + inset, 2),
        round(PLOT.y + PLOT.height - height, 2),
        round(slot * share, 2),
        round(height, 2),
    )


def _draw_day(chart: HistoryChart, i: int, figure: DayFigure, slot: float, top: float) -> None:
    row = figure.row
    if row is None:
        return  # no window that day (not yet registered): nothing to say
    x = PLOT.x + i * slot
    if row.usual_deciliters:
        chart.usual.append(_slot_rect(x, slot, 0.9, row.usual_deciliters / 10, top))
    value = figure.deciliters
    centre = round(x + slot / 2, 2)
    if value is None:
        kind = row.status if row.status in ("paused", "missed") else "missing"
        chart.marks.append(Mark(centre, MARK_Y, kind))
        if row.status == "partial" and row.deciliters:
            chart.partial.append(_slot_rect(x, slot, 0.5, row.deciliters / 10, top))
    elif value == 0:
        chart.zeros.append(Rect(round(x, 2), PLOT.y + PLOT.height - 3, round(slot, 2), 3))
    else:
        chart.bars.append(_slot_rect(x, slot, 0.5, value / 10, top))


def history_chart(
    title: str,
    days: list[DayFigure],
    day_label: Callable[[date], str],
    y_label: Callable[[float], str],
    label_every: int = 10,
) -> HistoryChart:
    """`days` oldest first; `y_label(litres)` formats an axis value."""
    values = [d.deciliters for d in days if d.deciliters is not None]
    values += [d.row.usual_deciliters for d in days if d.row and d.row.usual_deciliters]
    values += [d.row.deciliters for d in days if d.row and d.row.deciliters]
    top = nice_max(max(values, default=0) / 10)
    chart = HistoryChart(title=title, height=HEIGHT, plot=PLOT, days=days)
    for fraction in (0, 0.5, 1):
        y = round(PLOT.y + PLOT.height * (1 - fraction), 1)
        chart.gridlines.append(y)
        chart.y_labels.append(Label(PLOT.x - 4, round(y + 4, 1), y_label(top * fraction)))
    slot = PLOT.width / max(len(days), 1)
    for i, figure in enumerate(days):
        _draw_day(chart, i, figure, slot, top)
        # Labelled from the newest day backwards, so that today always has its date; each
        # label ends at its day's slot (drawn text-anchor="end").
        if (len(days) - 1 - i) % label_every == 0:
            chart.x_labels.append(
                Label(round(PLOT.x + (i + 1) * slot, 2), HEIGHT - 4, day_label(figure.day))
            )
    return chart


def history_charts(
    rows: list[HistoryRow],
    today: date,
    tz: ZoneInfo,
    labels: dict[str, Callable],
    days: int = 60,
) -> list[HistoryChart]:
    """One chart per window of the day (06:00〜12:00, 18:00〜24:00 …), earliest first.

    `labels` gives "window" (start, end, tz) → 「06:00〜12:00」, "day" (date) → 「12/2」 and
    "axis" (litres) → 「100 L」.
    """
    by_window: dict[tuple[int, int], dict[date, HistoryRow]] = {}
    names: dict[tuple[int, int], str] = {}
    for row in rows:
        start = row.start.astimezone(tz)
        key = (start.hour, int((row.end - row.start).total_seconds() // 3600))
        by_window.setdefault(key, {}).setdefault(start.date(), row)
        names.setdefault(key, labels["window"](row.start, row.end, tz))
    first = today - timedelta(days=days - 1)
    span = [first + timedelta(days=k) for k in range(days)]
    return [
        history_chart(
            names[key],
            [DayFigure(day, by_window[key].get(day)) for day in span],
            labels["day"],
            labels["axis"],
        )
        for key in sorted(by_window)
    ]
