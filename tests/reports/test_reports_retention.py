"""REPORTS_RETENTION_MONTHS: old evaluations go with their deliveries and their mails."""

from __future__ import annotations

from sqlalchemy import func, select

from kodaira_app.extensions import db
from kodaira_app.mailer.outbox import queue_mail
from kodaira_app.models import Customer, Delivery, OutboxMail, WindowEvaluation
from kodaira_app.queue.periodic import PERIODIC_JOBS
from kodaira_app.reports.retention import purge_old_reports
from tests.support.readings import add_readings
from tests.support.ticks import run_tick
from tests.support.watch_rows import jst, make_watch

RECIPIENTS = (("息子", "son@example.com"), ("娘", "daughter@example.com"))


def report_on(day: int, month: int = 11, year: int = 2025) -> None:
    reg = make_watch(recipients=RECIPIENTS, created_at=jst(year, month, day, 5))
    meter = db.session.get(Customer, reg.customer_id).meter_id
    add_readings(meter, jst(year, month, day, 6), [1.0] * 6)
    run_tick(jst(year, month, day, 12, 30))


def counts() -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (WindowEvaluation, Delivery, OutboxMail)
    )


def test_reports_older_than_the_retention_go_with_their_mails(app, smtp, run_jobs, clock):
    clock.freeze(jst(2025, 11, 25, 12, 30))
    report_on(25, 11, 2025)
    queue_mail(to="resident@example.com", kind="account_confirm", link="http://x/c", hours=48)
    db.session.commit()
    run_jobs()
    assert len(smtp.messages) == 3
    assert counts() == (1, 2, 3)
    # 13 months, the current one included: November 2025 is still kept in November 2026.
    clock.freeze(jst(2026, 11, 30, 23, 0))
    assert purge_old_reports() == 0
    clock.freeze(jst(2026, 12, 1, 9, 0))
    assert purge_old_reports() == 1
    # The report's mails went with it; the account's mail is the outbox's own to keep.
    assert counts() == (0, 0, 1)
    assert db.session.scalars(select(OutboxMail.kind)).all() == ["account_confirm"]


def test_a_report_still_to_be_sent_is_kept_however_old(app, smtp, run_jobs, clock):
    clock.freeze(jst(2025, 11, 25, 12, 30))
    report_on(25, 11, 2025)  # queued, never worked
    clock.freeze(jst(2027, 1, 1))
    assert purge_old_reports() == 0
    assert counts()[:2] == (1, 2)
    run_jobs()
    assert purge_old_reports() == 1
    assert counts() == (0, 0, 0)


def test_retention_setting_and_hourly_job(app, smtp, run_jobs, clock):
    app.config["REPORTS_RETENTION_MONTHS"] = 1
    clock.freeze(jst(2026, 10, 25, 12, 30))
    report_on(25, 10, 2026)
    run_jobs()
    clock.freeze(jst(2026, 11, 1, 9, 0))
    assert purge_old_reports() == 1
    assert counts() == (0, 0, 0)
    job = next(j for j in PERIODIC_JOBS if j.name == "reports-retention")
    assert (job.func, job.interval) == ("kodaira_app.reports.retention.purge_old_reports", 3600)
