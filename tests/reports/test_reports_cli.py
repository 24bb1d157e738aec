"""`flask reports run` / `flask reports deliveries`, and the staff console's preview and resend."""

from __future__ import annotations

from sqlalchemy import select

from kodaira_app.extensions import db
from kodaira_app.models import Customer, Delivery, OutboxMail, WindowEvaluation
from kodaira_app.reports.console import preview, resend
from tests.support.readings import add_readings
from tests.support.watch_rows import jst, make_watch


def watch_with_use(liters=(2.0, 3.5, 0, 4.0, 1.5, 1.5), **kwargs):
    reg = make_watch(**kwargs)
    meter = db.session.get(Customer, reg.customer_id).meter_id
    add_readings(meter, jst(2026, 11, 25, 6), list(liters))
    return reg


def test_reports_run_at_a_moment_then_again(app, runner, smtp, run_jobs):
    watch_with_use()
    result = runner.invoke(args=["reports", "run", "--at", "2026-11-25T12:30:00+09:00"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "windows ending 2026-11-25 12:00 (on_time): used=1; 1 mails queued"
    if not app.config["REDIS_URL"]:  # embedded mode: the command works its own queue
        assert lines[1:] == ["sent by this command (no REDIS_URL): see `flask reports deliveries`"]
        assert len(smtp.messages) == 1
    run_jobs()
    [message] = smtp.messages
    assert message["Subject"] == "【見守り】小平 太郎：使用あり 12.5 L ／ 11月25日 06:00〜12:00"
    # The same moment again: the same idempotence as the worker's tick.
    again = runner.invoke(args=["reports", "run", "--at", "2026-11-25T03:30:00+00:00"])
    assert again.output.strip() == "nothing due"
    run_jobs()
    assert len(smtp.messages) == 1


def test_reports_run_dry_run_shows_mail_and_writes_nothing(app, runner, smtp, run_jobs):
    watch_with_use()
    result = runner.invoke(
        args=["reports", "run", "--at", "2026-11-25T12:30:00+09:00", "--dry-run"]
    )
    assert result.exit_code == 0
    [line] = result.output.splitlines()
    assert line.startswith("2026-11-25 12:00 on_time registration #")
    assert line.endswith(
        "used -> son@example.com: 【見守り】小平 太郎：使用あり 12.5 L ／ 11月25日 06:00〜12:00"
    )
    run_jobs()
    assert smtp.messages == []
    assert db.session.scalars(select(WindowEvaluation)).all() == []


def test_reports_run_needs_an_offset(app, runner):
    result = runner.invoke(args=["reports", "run", "--at", "2026-11-25T12:30:00"])
    assert result.exit_code != 0
    assert "give the offset" in result.output
    result = runner.invoke(args=["reports", "run", "--at", "yesterday"])
    assert "not an ISO 8601 time" in result.output


def test_deliveries_lists_status_attempts_and_filter(app, runner, smtp, run_jobs):
    watch_with_use(recipients=(("息子", "son@example.com"), ("娘", "daughter@example.com")))
    from tests.support.ticks import run_tick

    run_tick(jst(2026, 11, 25, 12, 30))
    out = runner.invoke(args=["reports", "deliveries"]).output.splitlines()
    assert [line.split()[2:5] for line in out] == [
        ["pending", "attempts=0", "daughter@example.com"],
        ["pending", "attempts=0", "son@example.com"],
    ]
    run_jobs()
    out = runner.invoke(args=["reports", "deliveries", "--status", "sent"]).output
    assert out.count("sent attempts=1") == 2
    assert "[11月25日 06:00〜12:00 used]" in out
    failed = runner.invoke(args=["reports", "deliveries", "--status", "failed"]).output
    assert failed.strip() == "no deliveries"


def test_preview_lists_windows_recipients_and_what_each_mail_says(app, smtp):
    watch_with_use(recipients=(("息子", "son@example.com"), ("娘", "daughter@example.com")))
    quiet = make_watch(recipients=(("孫", "grandchild@example.com"),))
    mails = preview(jst(2026, 11, 25, 12, 30))
    by_to = {m.to: m for m in mails}
    assert set(by_to) == {"son@example.com", "daughter@example.com", "grandchild@example.com"}
    assert by_to["daughter@example.com"].subject.startswith(
        "【見守り】小平 太郎：使用あり 12.5 L ／"
    )
    assert "娘 様" in by_to["daughter@example.com"].body_text
    nothing = by_to["grandchild@example.com"]
    assert nothing.status == "missing" and nothing.registration_id == quiet.id
    assert nothing.subject.startswith("【見守り】小平 太郎：データ未着 ／")
    assert db.session.scalars(select(Delivery)).all() == []


def test_resend_semantics(app, smtp, run_jobs):
    watch_with_use()
    from tests.support.ticks import run_tick

    [delivery_id] = run_tick(jst(2026, 11, 25, 12, 30)).delivery_ids
    assert resend(delivery_id) == "in progress"
    run_jobs()
    assert resend(delivery_id) == "already sent"
    run_jobs()
    assert len(smtp.messages) == 1
    # Staff deliberately send it again: a second mail, on the same row, with a new copy.
    first_copy = db.session.get(Delivery, delivery_id).outbox_id
    assert resend(delivery_id, deliberate=True) == "queued"
    run_jobs()
    row = db.session.get(Delivery, delivery_id)
    assert len(smtp.messages) == 2 and row.status == "sent" and row.attempts == 1
    assert row.outbox_id != first_copy
    # The first mail stays in the outbox as it was: sent, once.
    first = db.session.get(OutboxMail, first_copy)
    assert (first.status, first.attempts) == ("sent", 1)
    assert smtp.messages[0]["Message-ID"] != smtp.messages[1]["Message-ID"]


def test_resend_of_paused_window_only_when_deliberate(app, smtp, run_jobs):
    from datetime import date

    from tests.support.ticks import run_tick
    from tests.support.watch_rows import pause

    reg = watch_with_use()
    pause(reg, date(2026, 11, 25), date(2026, 11, 25))
    run_tick(jst(2026, 11, 25, 12, 30))
    delivery = db.session.scalars(select(Delivery)).one()
    assert resend(delivery.id) == "not sendable"
    run_jobs()
    assert smtp.messages == []
    # Deliberately: the mail states what the readings say.
    assert resend(delivery.id, deliberate=True) == "queued"
    run_jobs()
    [message] = smtp.messages
    assert message["Subject"].startswith("【見守り】小平 太郎：使用あり 12.5 L ／")


def test_preview_of_a_partial_window_names_the_missing_hours_like_the_mail(app, smtp, run_jobs):
    from tests.support.mailbox import text_body
    from tests.support.ticks import run_tick

    watch_with_use(liters=(2.0, 3.5, 0, 4.0))  # 06:00–10:00 arrived, 10:00 and 11:00 not
    [shown] = preview(jst(2026, 11, 25, 12, 30))
    assert shown.status == "partial"
    run_tick(jst(2026, 11, 25, 12, 30))
    run_jobs()
    [message] = smtp.messages
    assert "受信できなかった時間: 10:00〜12:00\n" in shown.body_text  # one range, not two hours
    assert shown.body_text.strip() == text_body(message).strip()
