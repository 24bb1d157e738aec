"""The evaluation of a slot: every window ending at one hour boundary, in set-based SQL.

A window is evaluated when it was live at its end: created before it, not removed by then,
and its registration not ended (解除 stops the mails at once). A change made between the
window's end and the tick so still gets that window its report. Each evaluation gets one
delivery per live recipient; the usual use is left to the first send (reports/usual.py).

One evaluator per database, as the readings have one writer per database: PostgreSQL
writes the evaluations and the deliveries of a width in one statement, SQLite in two.
Both run the same candidates query; `preview_slot` runs it read-only for the staff.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from kodaira_app.extensions import db
from kodaira_app.models import Customer, Reading, WatchRegistration, WindowEvaluation
from kodaira_app.reports.evaluation_sql import (
    EVALUATE_AND_DELIVER,
    INSERT_DELIVERIES,
    INSERT_EVALUATIONS,
    ONE_WINDOW,
    SKIP_EXISTING,
    candidates_sql,
    sql,
)
from kodaira_app.reports.slots import insert_slots, record_counts
from kodaira_app.reports.usual import history_params
from kodaira_app.timeutil import town_tz, utcnow


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


def slot_evaluator() -> SlotEvaluator:
    """The evaluator for the session's database."""
    postgres = db.session.get_bind().dialect.name == "postgresql"
    return PostgresEvaluator() if postgres else SqliteEvaluator()


class SlotEvaluator:
    """The evaluation of one slot; what differs between databases is `write`."""

    def evaluate(
        self, end: datetime, mode: str, now: datetime, widths: list[int]
    ) -> SlotResult | None:
        """Evaluate every window ending at `end` in the caller's transaction; None if
        another tick has the slot."""
        evaluated_at = utcnow()
        if insert_slots([(end, mode)], evaluated_at) != 1:
            return None
        result = SlotResult(window_end=end, mode=mode)
        slot = {"late": mode == "late", "evaluated_at": evaluated_at, "now": now}
        params = [{**_params(end, width), **slot} for width in widths]
        written = _written(end, widths, evaluated_at)
        deliveries = self.write(result, params, written)
        result.delivery_ids.sort()
        if result.statuses["partial"]:
            _fill_missing_hours(written)
        record_counts(end, result.evaluations, deliveries)
        return result

    def write(self, result: SlotResult, params: list[dict], written: list) -> int:
        """Write the evaluations and deliveries of the slot, one width per parameters
        (`written`: the conditions that find the evaluations written); fill the result's
        statuses and pending delivery ids; the count of deliveries written."""
        raise NotImplementedError


class SqliteEvaluator(SlotEvaluator):
    """Development and tests: the evaluations of each width, then all the deliveries."""

    def write(self, result: SlotResult, params: list[dict], written: list) -> int:
        insert = sql(INSERT_EVALUATIONS.format(select=candidates_sql(result.mode)))
        for width_params in params:
            db.session.execute(insert, width_params)
        # For the whole slot: its end, evaluated_at and now are the same in every width's.
        rows = db.session.execute(sql(INSERT_DELIVERIES), params[0]).all()
        result.delivery_ids = [r.id for r in rows if r.status == "pending"]
        counts = db.session.execute(
            select(WindowEvaluation.status, db.func.count())
            .where(*written)
            .group_by(WindowEvaluation.status)
        ).all()
        result.statuses.update(dict(counts))
        return len(rows)


class PostgresEvaluator(SlotEvaluator):
    """Production: each width's evaluations and deliveries in one statement, one row back."""

    def write(self, result: SlotResult, params: list[dict], written: list) -> int:
        # One big aggregate: JIT compilation costs more than it saves here, and the
        # grouping of 100,000 windows should stay in memory.
        db.session.execute(text("SET LOCAL jit = off"))
        db.session.execute(text("SET LOCAL work_mem = '64MB'"))
        # Not waiting for the WAL flush is safe here: a send job's claim commits
        # synchronously, which flushes this transaction's WAL first, so no mail goes out
        # for rows a database crash could lose; such a crash only leaves the slot undone
        # for the next tick.
        db.session.execute(text("SET LOCAL synchronous_commit = off"))
        deliveries = 0
        for width_params in params:
            row = self._evaluate_and_deliver(result.mode, width_params)
            result.delivery_ids += row.pending or []
            deliveries += row.deliveries
            result.statuses.update(row.statuses or {})
        return deliveries

    @staticmethod
    def _evaluate_and_deliver(mode: str, params: dict):
        """One width: its one row (pending, deliveries, statuses)."""
        select_sql = candidates_sql(mode)
        try:
            with db.session.begin_nested():
                statement = EVALUATE_AND_DELIVER.format(select=select_sql, skip_existing="")
                return db.session.execute(sql(statement), params).one()
        except IntegrityError:  # some windows of this slot were evaluated before: skip them
            statement = EVALUATE_AND_DELIVER.format(select=select_sql, skip_existing=SKIP_EXISTING)
            return db.session.execute(sql(statement), params).one()


def preview_slot(end: datetime, mode: str, widths: list[int]) -> SlotResult:
    """What the evaluation would write, with each window's usual use, without writing."""
    result = SlotResult(window_end=end, mode=mode)
    for width in widths:
        params = _params(end, width)
        for row in db.session.execute(sql(candidates_sql(mode, usual=True)), params):
            item = dict(row._mapping)
            item.update(window_start=params["ws"], window_end=end, hours_expected=width)
            item["late"] = mode == "late"
            result.preview.append(item)
            result.statuses[row.status] += 1
    return result


def evaluate_window(window_id: int, end: datetime, width: int) -> WindowEvaluation | None:
    """One window ending at `end` evaluated as the tick would, whenever its registration
    was made, without writing: an evaluation row outside the session (for a test mail),
    None when the window or its registration is gone."""
    params = {**_params(end, width), "window_id": window_id}
    row = db.session.execute(
        sql(candidates_sql("on_time", usual=True, live=ONE_WINDOW)), params
    ).one_or_none()
    if row is None:
        return None
    evaluation = WindowEvaluation(
        registration_id=row.registration_id,
        window_id=row.window_id,
        window_start=params["ws"],
        window_end=end,
        status=row.status,
        deciliters=row.deciliters,
        hours_expected=width,
        hours_received=row.hours_received,
        usual_deciliters=row.usual_deciliters,
        late=False,
        missing_hours=[],
    )
    if row.status == "partial":
        meter_id = db.session.scalar(
            select(Customer.meter_id)
            .join(WatchRegistration, WatchRegistration.customer_id == Customer.id)
            .where(WatchRegistration.id == row.registration_id)
        )
        evaluation.missing_hours = missing_hours(meter_id, params["ws"], width)
    return evaluation


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


def _params(end: datetime, width: int) -> dict:
    """The candidates query's parameters for the windows of `width` ending at `end`."""
    tz = town_tz()
    start = (end - timedelta(hours=width)).astimezone(tz)
    return {
        "ws": start,
        "we": end,
        "w": width,
        "sh": start.hour,
        "town_date": start.date(),
        **history_params(start),
    }


def _written(end: datetime, widths: list[int], evaluated_at: datetime) -> list:
    """Conditions for the evaluations a slot's transaction wrote (found by their starts)."""
    return [
        WindowEvaluation.window_start.in_([end - timedelta(hours=w) for w in widths]),
        WindowEvaluation.window_end == end,
        WindowEvaluation.evaluated_at == evaluated_at,
    ]


def _fill_missing_hours(written: list) -> None:
    """Name the hours that did not arrive (partial windows are few: one query each)."""
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
