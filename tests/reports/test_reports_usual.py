"""The usual use in a report: the median of the same window over the previous 14 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from kodaira_app.extensions import db
from kodaira_app.models import Customer, WindowEvaluation
from tests.conftest import TEST_DB
from tests.support.mailbox import text_body
from tests.support.readings import add_readings
from tests.support.ticks import run_tick
from tests.support.watch_rows import jst, make_watch

# Window totals in decilitres of the 14 days before the 25th (the 11th to the 24th): the
# two middle ones are 71 and 80, so the median is 75.5 dl, written 7.6L (halves up).
FOURTEEN_DAYS = [10, 20, 30, 40, 50, 60, 71, 80, 90, 100, 110, 120, 130, 140]
RECIPIENTS = (("息子", "son@example.com"), ("娘", "daughter@example.com"))


def watched_for_fifteen_days(dry_run_on_the_25th: bool = False):
    """Reports from the 10th to the 25th (on the 25th only a dry run if asked)."""
    reg = make_watch(created_at=jst(2026, 11, 1), recipients=RECIPIENTS)
    meter = db.session.get(Customer, reg.customer_id).meter_id
    # The 10th, 15 days before: far more than any day since. With it the median would be
    # the 8th of 15 values, 8.0L.
    days = {10: 1000} | {11 + i: dl for i, dl in enumerate(FOURTEEN_DAYS)} | {25: 5}
    for day, deciliters in days.items():
        add_readings(meter, jst(2026, 11, day, 6), [deciliters / 10, 0, 0, 0, 0, 0])
        result = run_tick(jst(2026, 11, day, 12, 30), dry_run=dry_run_on_the_25th and day == 25)
    return reg, result


def test_usual_use_is_median_of_the_previous_14_days_only(app, smtp, run_jobs):
    watched_for_fifteen_days()
    run_jobs()
    for address in ("son@example.com", "daughter@example.com"):
        last = [m for m in smtp.to(address) if "11月25日" in m["Subject"]]
        assert len(last) == 1
        body = text_body(last[0])
        assert "使用水量: 0.5 L" in body
        assert "ふだんの使用量: 7.6 L（過去14日間の同じ時間帯の中央値）" in body


def test_usual_use_is_computed_once_by_the_first_send_and_kept(app, smtp, run_jobs):
    reg, _ = watched_for_fifteen_days()
    evaluation = db.session.scalars(
        select(WindowEvaluation).where(
            WindowEvaluation.registration_id == reg.id,
            WindowEvaluation.window_start == jst(2026, 11, 25, 6),
        )
    ).one()
    # The tick leaves it to the send, outside its own transaction.
    assert (evaluation.usual_pending, evaluation.usual_deciliters) == (True, None)
    run_jobs()
    db.session.refresh(evaluation)
    assert (evaluation.usual_pending, evaluation.usual_deciliters) == (False, 76)


def test_staff_preview_shows_the_same_usual_use(app):
    _, preview = watched_for_fifteen_days(dry_run_on_the_25th=True)
    [slot] = preview.slots
    [item] = slot.preview
    assert (item["window_start"], item["usual_deciliters"]) == (jst(2026, 11, 25, 6), 76)


def test_first_day_has_no_usual_use(app, smtp, run_jobs):
    reg = make_watch()
    meter = db.session.get(Customer, reg.customer_id).meter_id
    add_readings(meter, jst(2026, 11, 25, 6), [1] * 6)
    run_tick(jst(2026, 11, 25, 12, 30))
    run_jobs()
    [message] = smtp.to("son@example.com")
    assert "ふだんの使用量" not in text_body(message)
    evaluation = db.session.scalars(select(WindowEvaluation)).one()
    assert (evaluation.usual_pending, evaluation.usual_deciliters) == (False, None)


@pytest.mark.skipif(TEST_DB != "postgres", reason="psycopg's prepared statements")
def test_a_statement_run_again_and_again_is_planned_for_its_own_values(app):
    """psycopg would prepare a statement on its sixth run on a connection, and PostgreSQL
    could then keep one generic plan for every range of window starts: the send job's
    history of the usual use took seven times as long. Nothing is prepared."""
    start = datetime(2026, 12, 1, tzinfo=UTC)
    with db.engine.connect() as conn:
        for day in range(10):
            conn.execute(
                select(WindowEvaluation.registration_id).where(
                    WindowEvaluation.registration_id.in_([1, 2, 3]),
                    WindowEvaluation.window_start >= start - timedelta(days=14 + day),
                    WindowEvaluation.window_start < start - timedelta(days=day),
                )
            ).all()
        prepared = conn.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar()
    assert prepared == 0
