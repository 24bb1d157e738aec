"""The usual use of a window: the median of what the same window used on the previous days.

The tick leaves it pending on each evaluation it writes; the first send of a mail about
that window computes and stores it (`fill_usual_use`), out of the tick's transaction. The
staff preview computes it in SQL with the candidates (`USUAL_SQL`), as nothing is stored.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from kodaira_app.extensions import db
from kodaira_app.models import Delivery, WindowEvaluation
from kodaira_app.timeutil import town_tz

HISTORY_DAYS = 14  # the usual use: median of the same window over this many days

# The usual use of the windows of one slot and one width, as a WITH clause for the
# candidates query: the median of the figures of the same window on the previous days
# (parameters h0..h13, their starts, and w, the width).
USUAL_SQL = """
hist AS (
    SELECT h.registration_id AS registration_id,
           CASE WHEN h.status IN ('used', 'none') THEN h.deciliters
                ELSE h.followup_deciliters END AS d
    FROM window_evaluations h
    WHERE h.window_start IN ({history}) AND h.hours_expected = :w
), ranked AS (
    SELECT registration_id, d,
           ROW_NUMBER() OVER (PARTITION BY registration_id ORDER BY d) AS rn,
           COUNT(*) OVER (PARTITION BY registration_id) AS cnt
    FROM hist WHERE d IS NOT NULL
), usual AS (
    SELECT registration_id, CAST(ROUND(AVG(d)) AS INTEGER) AS usual
    FROM ranked WHERE rn = (cnt + 1) / 2 OR rn = (cnt + 2) / 2
    GROUP BY registration_id
),""".format(  # nosec B608  # only bind-parameter names are formatted in, never a value
    history=", ".join(f":h{i}" for i in range(HISTORY_DAYS))
)

HISTORY_PARAMS = tuple(f"h{i}" for i in range(HISTORY_DAYS))


def history_starts(start: datetime) -> list[datetime]:
    """The starts of the same window on the previous HISTORY_DAYS days (town calendar)."""
    tz = town_tz()
    local = start.astimezone(tz)
    return [local - timedelta(days=i + 1) for i in range(HISTORY_DAYS)]


def history_params(start: datetime) -> dict[str, datetime]:
    """USUAL_SQL's parameters h0..h13 for a window starting at `start`."""
    return dict(zip(HISTORY_PARAMS, history_starts(start), strict=True))


def median(values: list[int]) -> int:
    """The median, halves rounded up (decilitres are never negative)."""
    values = sorted(values)
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle] + 1) // 2


def fill_usual_use(delivery_ids: list[int]) -> None:
    """Compute and store, in the caller's transaction, the usual use of the evaluations of
    these deliveries that the tick left pending: the median of what the same window used
    on the previous HISTORY_DAYS days that have a figure (used or none, or a follow-up's).

    The send job calls this before it renders. Those days are final by then: a window's
    follow-up comes within FOLLOWUP_HOURS (reports/followups.py) of its end, and the day
    before ended a full day before this window did. So two jobs computing it at once
    store the same figure.
    """
    pending = db.session.scalars(
        select(WindowEvaluation)
        .where(
            WindowEvaluation.usual_pending.is_(True),
            WindowEvaluation.id.in_(
                select(Delivery.evaluation_id).where(Delivery.id.in_(delivery_ids))
            ),
        )
        .order_by(WindowEvaluation.id)
    ).all()
    if not pending:
        return
    wanted = {
        e.id: {day.astimezone(UTC) for day in history_starts(e.window_start)} for e in pending
    }
    history = _history(pending, earliest=min(min(days) for days in wanted.values()))
    for e in pending:
        days = wanted[e.id]
        values = [
            d
            for start, d in history.get((e.registration_id, e.hours_expected), [])
            if start in days
        ]
        e.usual_deciliters = median(values) if values else None
        e.usual_pending = False
    db.session.flush()


def _history(
    pending: list[WindowEvaluation], earliest: datetime
) -> dict[tuple[int, int], list[tuple[datetime, int]]]:
    """The figures of the earlier windows of these registrations, by (registration, width):
    (window start, decilitres used), for the windows that have one."""
    rows = db.session.execute(
        select(
            WindowEvaluation.registration_id,
            WindowEvaluation.window_start,
            WindowEvaluation.hours_expected,
            WindowEvaluation.status,
            WindowEvaluation.deciliters,
            WindowEvaluation.followup_deciliters,
        ).where(
            WindowEvaluation.registration_id.in_({e.registration_id for e in pending}),
            WindowEvaluation.window_start >= earliest,
            WindowEvaluation.window_start < max(e.window_start for e in pending),
        )
    ).all()
    history: dict[tuple[int, int], list[tuple[datetime, int]]] = {}
    for row in rows:
        used = row.deciliters if row.status in ("used", "none") else row.followup_deciliters
        if used is not None:
            key = (row.registration_id, row.hours_expected)
            history.setdefault(key, []).append((row.window_start, used))
    return history
