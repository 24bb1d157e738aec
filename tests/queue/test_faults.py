"""Faults: every test ends with every recipient holding exactly one mail per window."""

from __future__ import annotations

import socket
import threading
from datetime import timedelta

from sqlalchemy import delete, select

from kodaira_app.extensions import db
from kodaira_app.mailer.pipeline import sweep
from kodaira_app.models import Delivery, ReportSlot, WindowEvaluation
from kodaira_app.reports.send import (
    enqueue_deliveries,
    requeue_unwritten,
    send_deliveries,
    write_mails,
)
from kodaira_app.timeutil import utcnow
from tests.support.jobs import run_jobs as burst_worker
from tests.support.readings import add_readings
from tests.support.ticks import run_tick
from tests.support.watch_rows import jst, make_watch

RECIPIENTS = (("息子", "son@example.com"), ("娘", "daughter@example.com"))
TICK = jst(2026, 11, 25, 12, 30)


def watched(n: int = 2):
    from kodaira_app.models import Customer

    regs = [make_watch(recipients=RECIPIENTS) for _ in range(n)]
    for reg in regs:
        meter = db.session.get(Customer, reg.customer_id).meter_id
        add_readings(meter, jst(2026, 11, 25, 6), [1.0] * 6)
    return regs


def assert_one_mail_each(smtp, windows: int = 2) -> None:
    recipients = [m["To"] for m in smtp.messages]
    assert sorted(recipients) == sorted([email for _, email in RECIPIENTS] * windows)
    ids = [m["Message-ID"] for m in smtp.messages]
    assert len(set(ids)) == len(ids)
    statuses = db.session.scalars(select(Delivery.status)).all()
    assert statuses == ["sent"] * len(recipients)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def in_threads(app, fn, n: int = 2) -> None:
    """Run `fn` in n threads at once, each with its own app context and session."""

    def run():
        with app.app_context():
            fn()
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_tick_run_twice_and_slot_record_lost(app, smtp, run_jobs):
    watched()
    run_tick(TICK)
    run_tick(TICK)
    run_tick(TICK + timedelta(minutes=1))
    # Even with the slot records deleted by hand, the UNIQUE keys hold.
    db.session.execute(delete(ReportSlot))
    db.session.commit()
    run_tick(TICK)
    run_jobs()
    assert db.session.query(WindowEvaluation).count() == 2
    assert_one_mail_each(smtp)


def test_two_ticks_at_once_evaluate_once(app, smtp, run_jobs):
    watched()
    results = []
    in_threads(app, lambda: results.append(run_tick(TICK)))
    assert sorted(len(r.delivery_ids) for r in results) == [0, 4]
    run_jobs()
    assert_one_mail_each(smtp)


def test_duplicate_jobs_on_two_workers_at_once_send_once(app, smtp):
    watched(3)
    ids = run_tick(TICK).delivery_ids
    # RQ is at-least-once: the same ids queued again, in other batches, too.
    enqueue_deliveries(ids, batch_size=1)
    enqueue_deliveries(list(reversed(ids)), batch_size=2)
    in_threads(app, lambda: burst_worker(app))
    assert_one_mail_each(smtp, windows=3)


def test_job_run_again_after_success_sends_nothing(app, smtp, run_jobs):
    watched(1)
    ids = run_tick(TICK).delivery_ids
    run_jobs()
    assert send_deliveries(ids) == {"claimed": 0, "sent": 0, "failed": 0}
    assert_one_mail_each(smtp, windows=1)


def test_smtp_down_then_back(app, smtp, run_jobs):
    watched()
    state = app.extensions["mail"]
    port, state.port = state.port, closed_port()
    run_tick(TICK)
    run_jobs()
    rows = db.session.scalars(select(Delivery)).all()
    # The server never saw them: no attempt spent, however long it stays away.
    assert {(d.status, d.attempts) for d in rows} == {("pending", 0)}
    assert all("ConnectionRefusedError" in d.last_error for d in rows)
    assert all(d.next_attempt_at > utcnow() for d in rows)
    # Not due yet: the sweeper leaves them; the job run again claims nothing.
    assert sweep() == 0
    state.port = port
    assert sweep(now=utcnow() + timedelta(minutes=1)) == 4
    run_jobs()
    assert_one_mail_each(smtp)
    assert {d.attempts for d in db.session.scalars(select(Delivery))} == {1}


def test_temporary_refusal_is_retried_with_backoff(app, smtp, run_jobs):
    watched(1)
    smtp.refuse_rcpt = "451 4.3.0 try again later"
    run_tick(TICK)
    run_jobs()
    rows = db.session.scalars(select(Delivery)).all()
    assert {d.status for d in rows} == {"pending"}
    assert all("451" in d.last_error for d in rows)
    # The mail waits for its retry time: nothing re-enqueues it before.
    assert sweep(now=utcnow() + timedelta(seconds=20)) == 0
    assert requeue_unwritten(now=utcnow() + timedelta(hours=1)) == 0
    smtp.refuse_rcpt = None
    assert sweep(now=utcnow() + timedelta(minutes=1)) == 2
    run_jobs()
    assert_one_mail_each(smtp, windows=1)


def test_permanent_refusal_is_failed_with_error_then_resent(app, smtp, run_jobs, runner):
    from kodaira_app.reports.console import resend

    watched(1)
    smtp.refuse_rcpt = "550 5.1.1 no such user"
    run_tick(TICK)
    run_jobs()
    rows = db.session.scalars(select(Delivery).order_by(Delivery.id)).all()
    assert {(d.status, d.attempts) for d in rows} == {("failed", 1)}
    assert all("550" in d.last_error for d in rows)
    out = runner.invoke(args=["reports", "deliveries", "--status", "failed"]).output
    lines = out.splitlines()
    assert len(lines) == 2
    assert "failed attempts=1 son@example.com" in out
    assert "(550, b'5.1.1 no such user')" in lines[0]
    # The sweeper does not retry a permanent failure; staff can, on the same row.
    assert sweep(now=utcnow() + timedelta(days=1)) == 0
    smtp.refuse_rcpt = None
    assert [resend(d.id) for d in rows] == ["queued", "queued"]
    run_jobs()
    assert_one_mail_each(smtp, windows=1)
    assert db.session.query(Delivery).count() == 2


def test_worker_killed_between_claim_and_send(app, smtp, run_jobs):
    watched()
    ids = run_tick(TICK).delivery_ids
    # A worker wrote the mails, claimed them and died: the job is gone, the mails say
    # 'sending'.
    write_mails(ids, claimed_at=utcnow() - timedelta(minutes=5))
    from tests.support.database import clear_queues

    clear_queues(app)
    _empty_embedded_queues(app)
    run_jobs()
    assert smtp.messages == []
    assert sweep() == 0  # a claim 5 minutes old could still be working
    assert sweep(now=utcnow() + timedelta(minutes=11)) == 4
    run_jobs()
    assert_one_mail_each(smtp)


def _empty_embedded_queues(app):
    from kodaira_app.queue import QUEUES, get_queue

    for name in QUEUES:
        get_queue(name, app).empty()


def test_redis_down_while_user_registers_and_tick_runs(app, smtp, run_jobs, caplog):
    from kodaira_app.mailer.outbox import queue_mail

    redis_url = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{closed_port()}/0"
    # The user's registration commits, with its confirmation mail, while Redis is down.
    regs = watched()
    queue_mail(to="holder@example.com", kind="test", template="test", name="小平 太郎")
    db.session.commit()
    result = run_tick(TICK)
    assert len(result.delivery_ids) == 4
    assert "left for the sweeper" in caplog.text
    app.config["REDIS_URL"] = redis_url
    run_jobs()
    assert smtp.messages == []
    # Later the sweepers find the rows whose jobs never reached Redis.
    assert sweep() == 0  # the mail's job may still be on its way
    assert sweep(now=utcnow() + timedelta(minutes=6)) == 1
    assert requeue_unwritten(now=utcnow() + timedelta(minutes=6)) == 4
    run_jobs()
    assert len(smtp.to("holder@example.com")) == 1
    assert len(regs) == 2
    assert sorted(m["To"] for m in smtp.messages if m["To"] != "holder@example.com") == sorted(
        [email for _, email in RECIPIENTS] * 2
    )


def test_redis_down_while_user_registers_through_the_screens(app, client, auth, smtp, run_jobs):
    from kodaira_app.models import WatchRegistration
    from tests.support.watch import input_data, own_contract
    from tests.support.watch_rows import JST

    contract = own_contract(auth.signed_in())
    redis_url = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{closed_port()}/0"
    form = input_data(hours=("6", ""), recipients=(("息子", "son@example.com"),))
    client.post(f"/watch/{contract.id}/edit", data=form)
    response = client.post(f"/watch/{contract.id}/confirm")
    assert response.headers["Location"] == f"/watch/{contract.id}/done"
    registration = db.session.scalars(select(WatchRegistration)).one()
    app.config["REDIS_URL"] = redis_url
    run_jobs()
    assert smtp.messages == []  # the registration's notices never reached the queue
    assert sweep(now=utcnow() + timedelta(minutes=6)) >= 1
    run_jobs()
    notices = len(smtp.messages)
    assert notices >= 1
    # The first window that ends after the registration: its report, once.
    created = registration.created_at.astimezone(JST)
    end = created.replace(hour=12, minute=0, second=0, microsecond=0)
    if end <= created:
        end += timedelta(days=1)
    run_tick(end + timedelta(minutes=30))
    run_tick(end + timedelta(minutes=31))
    run_jobs()
    reports = [m for m in smtp.messages[notices:] if m["Subject"].startswith("【見守り】")]
    assert [m["To"] for m in reports] == ["son@example.com"]
    subject = reports[0]["Subject"]
    assert "：データ未着 ／ " in subject and subject.endswith("06:00〜12:00")


def test_smtp_down_longer_than_every_retry_the_mails_still_go_once_it_is_back(
    app, smtp, run_jobs, clock
):
    watched()
    state = app.extensions["mail"]
    port, state.port = state.port, closed_port()
    clock.freeze(TICK)
    run_tick(TICK)
    run_jobs()
    # More failed connections than a mail has attempts: none of them was the mail's fault.
    for _ in range(8):
        clock.advance(timedelta(hours=1))
        assert sweep() == 4
        run_jobs()
    rows = db.session.scalars(select(Delivery)).all()
    assert {d.status for d in rows} == {"pending"}
    state.port = port
    clock.advance(timedelta(hours=1))
    assert sweep() == 4
    run_jobs()
    assert_one_mail_each(smtp)


def test_connection_dropped_mid_batch_delays_only_the_mail_in_flight(app, smtp, run_jobs, clock):
    watched()
    clock.freeze(TICK)
    smtp.drop_data = 1
    run_tick(TICK)
    run_jobs()
    # The job connected again: three mails out at once, the dropped one waits for its retry.
    assert len(smtp.messages) == 3
    waiting = db.session.scalars(select(Delivery).where(Delivery.status == "pending")).all()
    assert [(d.attempts, d.next_attempt_at > utcnow()) for d in waiting] == [(1, True)]
    clock.advance(timedelta(minutes=1))
    assert sweep() == 1
    run_jobs()
    assert_one_mail_each(smtp)
