"""The tick: evaluate every 見守り window that has ended, once, in set-based SQL.

Database-driven and idempotent. Each hour boundary ("slot") is handled in one transaction
that first inserts its ReportSlot row: a second tick at the same moment waits on that row
and then skips the slot, and a slot missed while the worker was down is made up by the
next tick (late, up to REPORT_LATE_HOURS; older ones are recorded as missed, no mail).
Evaluations and deliveries carry UNIQUE keys as well, so even a slot row lost by hand
cannot make a second mail.

A window is evaluated when it was live at its end: created before it, not removed by then,
and its registration not ended (解除 stops the mails at once). A change made between the
window's end and the tick so still gets that window its report.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, func, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from kodaira_app.extensions import db
from kodaira_app.models import Reading, ReportSlot, WatchWindow, WindowEvaluation
from kodaira_app.timeutil import UTCDateTime, town_tz, utcnow

log = logging.getLogger(__name__)

HISTORY_DAYS = 14  # the usual use: median of the same window over this many days
MISSED_LOOKBACK_DAYS = 7  # slots older than this are not looked at any more
FOLLOWUP_HOURS = 24  # missing data that arrives within this is sent as a follow-up


@dataclass
class SlotResult:
    window_end: datetime
    mode: str  # on_time / late / missed
    statuses: Counter = field(default_factory=Counter)
    delivery_ids: list[int] = field(default_factory=list)
    # Filled on a dry run only: what would be evaluated.
    preview: list[dict] = field(default_factory=list)

    @property
    def evaluations(self) -> int:
        return sum(self.statuses.values())


@dataclass
class TickResult:
    now: datetime
    dry_run: bool = False
    slots: list[SlotResult] = field(default_factory=list)
    followup_ids: list[int] = field(default_factory=list)

    @property
    def delivery_ids(self) -> list[int]:
        return [i for slot in self.slots for i in slot.delivery_ids] + self.followup_ids


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def due_slots(now: datetime) -> list[tuple[datetime, str]]:
    """Hour boundaries whose windows are due and not yet handled, oldest first."""
    if now.tzinfo is None:
        raise ValueError("run_tick needs a timezone-aware datetime")
    tz = town_tz(current_app.config["TIMEZONE"])
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


def _shapes(since: datetime) -> dict[tuple[int, int], datetime]:
    """(start_hour, width) of the windows live since `since`, with their oldest creation."""
    rows = db.session.execute(
        select(WatchWindow.start_hour, WatchWindow.width_hours, func.min(WatchWindow.created_at))
        .where(or_(WatchWindow.removed_at.is_(None), WatchWindow.removed_at > since))
        .group_by(WatchWindow.start_hour, WatchWindow.width_hours)
    ).all()
    return {(hour, width): created for hour, width, created in rows}


def _widths_ending(end: datetime, shapes: dict[tuple[int, int], datetime]) -> list[int]:
    """The widths for which some live window ends at `end` (and existed by then)."""
    tz = town_tz(current_app.config["TIMEZONE"])
    widths = []
    for (hour, width), created in shapes.items():
        start = (end - timedelta(hours=width)).astimezone(tz)
        if start.hour == hour and created < end:
            widths.append(width)
    return sorted(widths)


# The usual use of the windows of one slot and one width: the median of what the same
# window used on the previous days. Only the dry run (staff preview) computes it here; the
# tick leaves it to the first send (fill_usual_use), out of its own transaction.
_USUAL = """
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
),"""

# The windows of one slot and one width, with their readings summed; paused (and for the
# preview the usual use) come from the outer query. Parameters: sh, w, ws, we, town_date
# (and h0..h13 with the usual use).
_CANDIDATES = """
WITH {usual} cand AS (
    SELECT ww.id AS window_id, ww.registration_id AS registration_id,
           COUNT(rd.hour_start) AS hours_received, SUM(rd.deciliters) AS deciliters
    FROM watch_windows ww
    JOIN watch_registrations r ON r.id = ww.registration_id
    JOIN customers cu ON cu.id = r.customer_id
    LEFT JOIN readings rd
           ON rd.meter_id = cu.meter_id AND rd.hour_start >= :ws AND rd.hour_start < :we
    WHERE ww.start_hour = :sh AND ww.width_hours = :w
      AND ww.created_at < :we AND (ww.removed_at IS NULL OR ww.removed_at > :we)
      AND r.ended_at IS NULL
    GROUP BY ww.id, ww.registration_id
)
SELECT c.registration_id, c.window_id, c.hours_received, c.deciliters,
       {status} AS status{usual_column}
FROM cand c{usual_join}
WHERE true
"""

_STATUS = """CASE
    WHEN EXISTS (SELECT 1 FROM watch_pauses p
                 WHERE p.registration_id = c.registration_id AND p.cancelled_at IS NULL
                   AND p.start_date <= :town_date AND p.end_date >= :town_date) THEN 'paused'
    WHEN c.hours_received = 0 THEN 'missing'
    WHEN c.hours_received < :w THEN 'partial'
    WHEN c.deciliters = 0 THEN 'none'
    ELSE 'used' END"""

_INSERT = """
INSERT INTO window_evaluations (registration_id, window_id, window_start, window_end, status,
    deciliters, hours_expected, hours_received, usual_pending, late, evaluated_at)
SELECT q.registration_id, q.window_id, :ws, :we, q.status, q.deciliters, :w,
       q.hours_received, true, :late, :evaluated_at
FROM ({select}) q
WHERE true
ON CONFLICT (registration_id, window_start) DO NOTHING
"""

# One delivery per live recipient of every evaluation this slot wrote; missed and paused
# windows get rows too (staff see them), in a status no job sends.
_DELIVERIES = """
INSERT INTO deliveries (evaluation_id, recipient_id, kind, status, queued_at)
SELECT e.id, wr.id, 'report',
       CASE WHEN e.status IN ('missed', 'paused') THEN e.status ELSE 'pending' END, :now
FROM window_evaluations e
JOIN watch_recipients wr ON wr.registration_id = e.registration_id
WHERE e.window_end = :we AND e.evaluated_at = :evaluated_at
  AND wr.stopped_at IS NULL AND wr.removed_at IS NULL
ON CONFLICT (evaluation_id, recipient_id, kind) DO NOTHING
RETURNING id, status
"""

# PostgreSQL: both in one statement (data-modifying WITHs), as _INSERT then _DELIVERIES,
# answering in one row: the pending delivery ids (sorted), the deliveries written and the
# evaluations written by status (200,000 result rows cost the tick a tenth of its time).
# The deliveries are for the evaluations this statement has just inserted, so they cannot
# conflict (the UNIQUE key still holds them). The evaluations are first inserted without
# ON CONFLICT, which costs each row a speculative insertion; only a slot whose rows are
# already there (its slot row lost) takes the second form, {skip_existing}.
_EVALUATE_AND_DELIVER = """
WITH q AS ({select}), ev AS (
    INSERT INTO window_evaluations (registration_id, window_id, window_start, window_end,
        status, deciliters, hours_expected, hours_received, usual_pending, late,
        evaluated_at)
    SELECT q.registration_id, q.window_id, :ws, :we, q.status, q.deciliters, :w,
           q.hours_received, true, :late, :evaluated_at
    FROM q
    {skip_existing}
    RETURNING id, registration_id, status
), dl AS (
    INSERT INTO deliveries (evaluation_id, recipient_id, kind, status, queued_at)
    SELECT ev.id, wr.id, 'report',
           CASE WHEN ev.status IN ('missed', 'paused') THEN ev.status ELSE 'pending' END,
           :now
    FROM ev
    JOIN watch_recipients wr ON wr.registration_id = ev.registration_id
    WHERE wr.stopped_at IS NULL AND wr.removed_at IS NULL
    RETURNING id, status
)
SELECT (SELECT array_agg(id ORDER BY id) FROM dl WHERE status = 'pending') AS pending,
       (SELECT COUNT(*) FROM dl) AS deliveries,
       (SELECT json_object_agg(status, n)
        FROM (SELECT status, COUNT(*) AS n FROM ev GROUP BY status) s) AS statuses
"""
_SKIP_EXISTING = "ON CONFLICT (registration_id, window_start) DO NOTHING"

_TIME_PARAMS = ("ws", "we", "evaluated_at", "now") + tuple(f"h{i}" for i in range(HISTORY_DAYS))


def _sql(sql: str) -> text:
    stmt = text(sql)
    typed = [bindparam(n, type_=UTCDateTime()) for n in _TIME_PARAMS if f":{n}" in sql]
    return stmt.bindparams(*typed) if typed else stmt


def _candidates_sql(mode: str, usual: bool = False) -> str:
    status = "'missed'" if mode == "missed" else _STATUS
    if not usual:
        return _CANDIDATES.format(status=status, usual="", usual_column="", usual_join="")
    history = ", ".join(f":h{i}" for i in range(HISTORY_DAYS))
    return _CANDIDATES.format(
        status=status,
        usual=_USUAL.format(history=history),
        usual_column=", u.usual AS usual_deciliters",
        usual_join=" LEFT JOIN usual u ON u.registration_id = c.registration_id",
    )


def _params(end: datetime, width: int) -> dict:
    tz = town_tz(current_app.config["TIMEZONE"])
    start = (end - timedelta(hours=width)).astimezone(tz)
    params = {
        "ws": start,
        "we": end,
        "w": width,
        "sh": start.hour,
        "town_date": start.date(),
    }
    for i, day in enumerate(_history_starts(start)):
        params[f"h{i}"] = day
    return params


def _history_starts(start: datetime) -> list[datetime]:
    """The starts of the same window on the previous HISTORY_DAYS days (town calendar)."""
    tz = town_tz(current_app.config["TIMEZONE"])
    local = start.astimezone(tz)
    return [local - timedelta(days=i + 1) for i in range(HISTORY_DAYS)]


def _insert_slots(slots: list[tuple[datetime, str]], evaluated_at: datetime) -> int:
    """Insert slot rows; the count inserted (a row another tick has is skipped, after
    waiting for that tick's transaction)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(ReportSlot)
        .values([{"window_end": e, "mode": m, "evaluated_at": evaluated_at} for e, m in slots])
        .on_conflict_do_nothing()
        .returning(ReportSlot.window_end)
    )
    return len(db.session.execute(stmt).all())


def evaluate_slot(end: datetime, mode: str, now: datetime, widths: list[int]) -> SlotResult | None:
    """Evaluate every window ending at `end` in the caller's transaction."""
    evaluated_at = utcnow()
    if _insert_slots([(end, mode)], evaluated_at) != 1:
        return None
    if db.session.get_bind().dialect.name == "postgresql":
        # One big aggregate: JIT compilation costs more than it saves here, and the
        # grouping of 100,000 windows should stay in memory.
        db.session.execute(text("SET LOCAL jit = off"))
        db.session.execute(text("SET LOCAL work_mem = '64MB'"))
        # Not waiting for the WAL flush is safe here: a send job's claim commits
        # synchronously, which flushes this transaction's WAL first, so no mail goes out
        # for rows a database crash could lose; such a crash only leaves the slot undone
        # for the next tick.
        db.session.execute(text("SET LOCAL synchronous_commit = off"))
    result = SlotResult(window_end=end, mode=mode)
    postgres = db.session.get_bind().dialect.name == "postgresql"
    deliveries = 0
    for width in widths:
        params = {**_params(end, width), "late": mode == "late", "evaluated_at": evaluated_at}
        if postgres:  # one statement: the new evaluations feed the deliveries directly
            row = _evaluate_and_deliver(mode, {**params, "now": now})
            result.delivery_ids += row.pending or []
            deliveries += row.deliveries
            result.statuses.update(row.statuses or {})
        else:
            sql = _INSERT.format(select=_candidates_sql(mode))
            db.session.execute(_sql(sql), params)
    written = _written(end, widths, evaluated_at)
    if not postgres:
        rows = db.session.execute(
            _sql(_DELIVERIES), {"we": end, "evaluated_at": evaluated_at, "now": now}
        ).all()
        result.delivery_ids = [r.id for r in rows if r.status == "pending"]
        deliveries = len(rows)
        counts = db.session.execute(
            select(WindowEvaluation.status, db.func.count())
            .where(*written)
            .group_by(WindowEvaluation.status)
        ).all()
        result.statuses.update(dict(counts))
    result.delivery_ids.sort()
    if result.statuses["partial"]:
        _fill_missing_hours(written)
    db.session.execute(
        ReportSlot.__table__.update()
        .where(ReportSlot.window_end == end)
        .values(evaluations=result.evaluations, deliveries=deliveries)
    )
    return result


def _written(end: datetime, widths: list[int], evaluated_at: datetime) -> list:
    """Conditions for the evaluations a slot's transaction wrote (found by their starts)."""
    return [
        WindowEvaluation.window_start.in_([end - timedelta(hours=w) for w in widths]),
        WindowEvaluation.window_end == end,
        WindowEvaluation.evaluated_at == evaluated_at,
    ]


def _evaluate_and_deliver(mode: str, params: dict):
    """PostgreSQL: one width of one slot; its one row (pending, deliveries, statuses)."""
    select_sql = _candidates_sql(mode)
    try:
        with db.session.begin_nested():
            sql = _EVALUATE_AND_DELIVER.format(select=select_sql, skip_existing="")
            return db.session.execute(_sql(sql), params).one()
    except IntegrityError:  # some windows of this slot were evaluated before: skip them
        sql = _EVALUATE_AND_DELIVER.format(select=select_sql, skip_existing=_SKIP_EXISTING)
        return db.session.execute(_sql(sql), params).one()


def missing_hours(meter_id: str, window_start: datetime, hours: int) -> list[str]:
    """The hours of a window whose reading has not arrived (ISO 8601, UTC)."""
    received = set(
        db.session.scalars(
            select(Reading.hour_start).where(
                Reading.meter_id == meter_id,
                Reading.hour_start >= window_start,
                Reading.hour_start < window_start + timedelta(hours=hours),
            )
        )
    )
    expected = [window_start + timedelta(hours=i) for i in range(hours)]
    return [h.isoformat() for h in expected if h not in received]


def _fill_missing_hours(written: list) -> None:
    """Name the hours that did not arrive (partial windows are few: one query each)."""
    from kodaira_app.models import Customer, WatchRegistration

    partial = db.session.execute(
        select(WindowEvaluation, Customer.meter_id)
        .join(WatchRegistration, WatchRegistration.id == WindowEvaluation.registration_id)
        .join(Customer, Customer.id == WatchRegistration.customer_id)
        .where(*written, WindowEvaluation.status == "partial")
    ).all()
    for evaluation, meter_id in partial:
        evaluation.missing_hours = missing_hours(
            meter_id, evaluation.window_start, evaluation.hours_expected
        )
    db.session.flush()


def preview_slot(end: datetime, mode: str, widths: list[int]) -> SlotResult:
    """What evaluate_slot would write, without writing it."""
    result = SlotResult(window_end=end, mode=mode)
    for width in widths:
        params = _params(end, width)
        for row in db.session.execute(_sql(_candidates_sql(mode, usual=True)), params):
            item = dict(row._mapping)
            item.update(window_start=params["ws"], window_end=end, hours_expected=width)
            item["late"] = mode == "late"
            result.preview.append(item)
            result.statuses[row.status] += 1
    return result


def _median(values: list[int]) -> int:
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
    follow-up comes within FOLLOWUP_HOURS of its end, and the day before ended a full day
    before this window did. So two jobs computing it at once store the same figure.
    """
    from kodaira_app.models import Delivery

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
        e.id: {day.astimezone(UTC) for day in _history_starts(e.window_start)} for e in pending
    }
    earliest = min(min(days) for days in wanted.values())
    latest = max(e.window_start for e in pending)
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
            WindowEvaluation.window_start < latest,
        )
    ).all()
    history: dict[tuple[int, int], list[tuple[datetime, int]]] = {}
    for row in rows:
        used = row.deciliters if row.status in ("used", "none") else row.followup_deciliters
        if used is not None:
            key = (row.registration_id, row.hours_expected)
            history.setdefault(key, []).append((row.window_start, used))
    for e in pending:
        days = wanted[e.id]
        values = [
            d
            for start, d in history.get((e.registration_id, e.hours_expected), [])
            if start in days
        ]
        e.usual_deciliters = _median(values) if values else None
        e.usual_pending = False
    db.session.flush()


# Windows reported missing or partial whose hours have all arrived since.
_FOLLOWUPS = """
UPDATE window_evaluations
SET followup_at = :now, followup_deciliters = (
    SELECT SUM(rd.deciliters) FROM readings rd
    JOIN customers cu ON cu.meter_id = rd.meter_id
    JOIN watch_registrations r ON r.customer_id = cu.id
    WHERE r.id = window_evaluations.registration_id
      AND rd.hour_start >= window_evaluations.window_start
      AND rd.hour_start < window_evaluations.window_end)
WHERE status IN ('missing', 'partial') AND followup_at IS NULL AND window_end > :since
  AND hours_expected = (
    SELECT COUNT(*) FROM readings rd
    JOIN customers cu ON cu.meter_id = rd.meter_id
    JOIN watch_registrations r ON r.customer_id = cu.id
    WHERE r.id = window_evaluations.registration_id
      AND rd.hour_start >= window_evaluations.window_start
      AND rd.hour_start < window_evaluations.window_end)
RETURNING id
"""


def write_followups(now: datetime) -> list[int]:
    """One 'followup' delivery per recipient of the report, once; in the caller's transaction."""
    from kodaira_app.models import Delivery, WatchRecipient

    since = now - timedelta(hours=FOLLOWUP_HOURS)
    stmt = text(_FOLLOWUPS).bindparams(
        bindparam("now", type_=UTCDateTime()), bindparam("since", type_=UTCDateTime())
    )
    evaluation_ids = [row.id for row in db.session.execute(stmt, {"now": utcnow(), "since": since})]
    if not evaluation_ids:
        return []
    reports = db.session.execute(
        select(Delivery.evaluation_id, Delivery.recipient_id)
        .join(WatchRecipient, WatchRecipient.id == Delivery.recipient_id)
        .where(
            Delivery.evaluation_id.in_(evaluation_ids),
            Delivery.kind == "report",
            WatchRecipient.stopped_at.is_(None),
            WatchRecipient.removed_at.is_(None),
        )
    ).all()
    rows = [
        Delivery(evaluation_id=e, recipient_id=r, kind="followup", queued_at=now)
        for e, r in reports
    ]
    db.session.add_all(rows)
    db.session.flush()
    return [row.id for row in rows]


def run_tick(now: datetime, dry_run: bool = False) -> TickResult:
    """Evaluate every due window for the moment `now` (aware); enqueue the mails after commit.

    The result lists the slots that had windows to evaluate.
    """
    from kodaira_app.reports.send import enqueue_deliveries

    result = TickResult(now=now, dry_run=dry_run)
    slots = due_slots(now)
    shapes = _shapes(since=slots[0][0]) if slots else {}
    empty = []
    for end, mode in slots:
        widths = _widths_ending(end, shapes)
        if not widths:
            empty.append((end, mode))
            continue
        if dry_run:
            slot = preview_slot(end, mode, widths)
            if slot.preview:
                result.slots.append(slot)
            continue
        slot = evaluate_slot(end, mode, now, widths)
        db.session.commit()
        if slot is None or not slot.evaluations:
            continue
        result.slots.append(slot)
        log.info(
            "tick %s: slot %s (%s) %s",
            now.isoformat(),
            end.isoformat(),
            mode,
            dict(slot.statuses),
        )
        enqueue_deliveries(slot.delivery_ids)
    if empty and not dry_run:  # no window ends then: only mark them handled
        _insert_slots(empty, utcnow())
        db.session.commit()
    if not dry_run:
        result.followup_ids = write_followups(now)
        db.session.commit()
        enqueue_deliveries(result.followup_ids)
    return result
