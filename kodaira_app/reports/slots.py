"""Due slots: the hour boundaries whose windows are to be evaluated, and their records.

A slot is due once REPORT_DELAY_MINUTES have passed since its hour boundary and it has no
ReportSlot row yet. The newest due slot is evaluated on time; older ones, left while the
worker was down, are made up late within REPORT_LATE_HOURS and recorded as missed (no mail)
beyond that, up to REPORT_MISSED_LOOKBACK_DAYS back.

The ReportSlot row is inserted first in the transaction that evaluates the slot: a second
tick at the same moment waits on that row and then skips the slot.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, func, or_, select, text

from kodaira_app.extensions import db
from kodaira_app.models import ReportSlot, WatchWindow
from kodaira_app.timeutil import UTCDateTime, town_tz

MISSED_LOOKBACK_DAYS = 7  # slots older than this are not looked at any more

Slot = tuple[datetime, str]  # (window end, mode: on_time / late / missed)

# The same statement on PostgreSQL and SQLite: a row another tick holds is skipped, once
# that tick's transaction has ended.
_INSERT_SLOTS = """
INSERT INTO report_slots (window_end, mode, evaluated_at, evaluations, deliveries)
VALUES {values}
ON CONFLICT (window_end) DO NOTHING
RETURNING window_end
"""


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def due_slots(now: datetime) -> list[Slot]:
    """Hour boundaries whose windows are due and not yet handled, oldest first."""
    if now.tzinfo is None:
        raise ValueError("run_tick needs a timezone-aware datetime")
    tz = town_tz()
    ready = (now - timedelta(minutes=_setting("REPORT_DELAY_MINUTES", 30))).astimezone(tz)
    newest = ready.replace(minute=0, second=0, microsecond=0)
    late_limit = ready - timedelta(hours=_setting("REPORT_LATE_HOURS", 24))
    lookback = _setting("REPORT_MISSED_LOOKBACK_DAYS", MISSED_LOOKBACK_DAYS) * 24
    ends = [newest - timedelta(hours=k) for k in range(lookback)]
    done = set(
        db.session.scalars(
            select(ReportSlot.window_end).where(
                ReportSlot.window_end <= newest, ReportSlot.window_end > ends[-1]
            )
        )
    )
    slots = []
    for end in reversed(ends):
        if end in done:
            continue
        mode = "on_time" if end == newest else ("late" if end > late_limit else "missed")
        slots.append((end, mode))
    return slots


def live_shapes(since: datetime) -> dict[tuple[int, int], datetime]:
    """(start_hour, width) of the windows live since `since`, with their oldest creation."""
    rows = db.session.execute(
        select(WatchWindow.start_hour, WatchWindow.width_hours, func.min(WatchWindow.created_at))
        .where(or_(WatchWindow.removed_at.is_(None), WatchWindow.removed_at > since))
        .group_by(WatchWindow.start_hour, WatchWindow.width_hours)
    ).all()
    return {(hour, width): created for hour, width, created in rows}


def widths_ending(end: datetime, shapes: dict[tuple[int, int], datetime]) -> list[int]:
    """The widths for which some live window ends at `end` (and existed by then)."""
    tz = town_tz()
    widths = []
    for (hour, width), created in shapes.items():
        start = (end - timedelta(hours=width)).astimezone(tz)
        if start.hour == hour and created < end:
            widths.append(width)
    return sorted(widths)


def insert_slots(slots: list[Slot], evaluated_at: datetime) -> int:
    """Insert the slots' rows in the caller's transaction; how many were inserted (a row
    another tick has is skipped, after waiting for that tick's transaction)."""
    values = ", ".join(f"(:we{i}, :mode{i}, :evaluated_at, 0, 0)" for i in range(len(slots)))
    times = ["evaluated_at", *(f"we{i}" for i in range(len(slots)))]
    stmt = text(_INSERT_SLOTS.format(values=values)).bindparams(
        *(bindparam(name, type_=UTCDateTime()) for name in times)
    )
    params: dict = {"evaluated_at": evaluated_at}
    for i, (end, mode) in enumerate(slots):
        params.update({f"we{i}": end, f"mode{i}": mode})
    return len(db.session.execute(stmt, params).all())


def record_counts(end: datetime, evaluations: int, deliveries: int) -> None:
    """What the slot's evaluation wrote, on its row."""
    db.session.execute(
        ReportSlot.__table__.update()
        .where(ReportSlot.window_end == end)
        .values(evaluations=evaluations, deliveries=deliveries)
    )
