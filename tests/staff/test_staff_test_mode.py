"""見守り実行's test mode and `flask reports test`: a clerk sends the report of this
morning's window for a registration made a minute ago, marked 【テスト】, audited, the
real report of a window untouched."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kodaira_app.extensions import db
from kodaira_app.models import Delivery, TestDelivery
from kodaira_app.models.staff import AuditLog
from tests.support.accounts import make_account
from tests.support.mailbox import text_body
from tests.support.pages import get_page, text
from tests.support.readings import add_readings
from tests.support.staff import make_staff, sign_in_staff
from tests.support.ticks import run_tick
from tests.support.watch import own_contract, register
from tests.support.watch_rows import jst

QUERY = "contract=0-0000008002&day=2026-12-02&time=12:00"


@pytest.fixture
def made_a_minute_ago(app, clock, run_jobs, smtp):
    """Registered at 12:00 on 2 Dec for the 06:00〜12:00 window, which used 6 L."""
    clock.freeze(jst(2026, 12, 2, 12))
    account = make_account("resident@example.com")
    customer = own_contract(account, customer_number="00000008002")
    registration = register(account, customer, hours=(6,))
    add_readings(customer.meter_id, jst(2026, 12, 2, 6), [1.0] * 6)
    run_jobs()
    smtp.clear()
    clock.freeze(jst(2026, 12, 2, 12, 1))
    return registration


def audit(action: str) -> list[AuditLog]:
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action)))


def test_preview_shows_each_recipients_mail_and_sending_it_is_a_test(
    client, made_a_minute_ago, run_jobs, smtp
):
    clerk = sign_in_staff(client, make_staff())
    soup = get_page(client, f"/staff/tick/test?{QUERY}")
    [article] = soup.select("article.tick-preview")
    subject = "【テスト】【見守り】小平 太郎：使用あり 6.0 L ／ 12月2日 06:00〜12:00"
    assert text(article.select_one(".preview-subject")) == f"件名: {subject}"
    assert "son@example.com" not in text(article)  # masked, as everywhere in the console
    assert "これはテストメールです。" in text(article.select_one("pre"))
    link = soup.select_one(".tick-test-readings a")
    assert link["href"].endswith("/staff/uploads#upload-readings")
    assert smtp.messages == [] and db.session.query(TestDelivery).count() == 0

    form = {"contract": "0-0000008002", "day": "2026-12-02", "time": "12:00"}
    client.post("/staff/tick/test/send", data={**form, "target": "recipients"})
    run_jobs()
    [mail] = smtp.to("son@example.com")
    assert mail["Subject"] == subject
    client.post("/staff/tick/test/send", data={**form, "target": "self"})
    run_jobs()
    [own] = smtp.to(clerk.email)
    assert own["Subject"] == subject
    assert len(smtp.to("son@example.com")) == 1
    # Marked test in the delivery log and the audit; no real report written.
    rows = db.session.query(TestDelivery).order_by(TestDelivery.id).all()
    assert [(r.origin, r.staff_id, r.outbox.kind) for r in rows] == [
        ("staff", clerk.id, "watch_report_test")
    ] * 2
    assert [r.recipient_id is None for r in rows] == [False, True]
    assert db.session.query(Delivery).count() == 0
    assert [a.detail["target"] for a in audit("tick_test_send")] == ["recipients", "self"]
    assert audit("tick_test_preview")[0].detail["mails"] == 1


def test_a_staff_test_leaves_the_real_report_of_the_window_alone(
    app, client, clock, run_jobs, smtp
):
    clock.freeze(jst(2026, 12, 2, 5))
    account = make_account("resident@example.com")
    customer = own_contract(account, customer_number="00000008002")
    register(account, customer, hours=(6,))
    add_readings(customer.meter_id, jst(2026, 12, 2, 6), [0] * 6)
    run_jobs()
    smtp.clear()
    clock.freeze(jst(2026, 12, 2, 12, 30))
    run_tick(jst(2026, 12, 2, 12, 30))
    run_jobs()
    [real] = db.session.query(Delivery).all()
    sent_at = real.sent_at
    sign_in_staff(client, make_staff())
    form = {"contract": "00000008002", "day": "2026-12-02", "time": "12:00"}
    client.post("/staff/tick/test/send", data={**form, "target": "recipients"})
    run_jobs()
    run_tick(jst(2026, 12, 2, 12, 31))
    run_jobs()
    db.session.expire_all()
    [again] = db.session.query(Delivery).all()
    assert (again.id, again.status, again.sent_at) == (real.id, "sent", sent_at)
    subjects = sorted(m["Subject"] for m in smtp.to("son@example.com"))
    assert subjects == [
        "【テスト】【見守り】小平 太郎：使用なし ／ 12月2日 06:00〜12:00",
        "【見守り】小平 太郎：使用なし ／ 12月2日 06:00〜12:00",
    ]


def test_a_window_that_has_not_ended_or_a_wrong_end_is_refused(client, made_a_minute_ago, smtp):
    sign_in_staff(client, make_staff())
    soup = get_page(client, "/staff/tick/test?contract=0-0000008002&day=2026-12-02&time=18:00")
    assert text(soup.select_one(".notice")) == "まだ終わっていない見守り期間はテストできません。"
    soup = get_page(client, "/staff/tick/test?contract=0-0000008002&day=2026-12-02&time=11:00")
    assert text(soup.select_one(".notice")) == "この時刻に終わる見守り期間はありません。"


def test_a_resident_cannot_open_the_test_mode(client, made_a_minute_ago, auth):
    auth.signed_in()
    assert client.get(f"/staff/tick/test?{QUERY}").status_code == 404
    assert client.post("/staff/tick/test/send", data={}).status_code == 404


def test_the_command_sends_a_test_for_a_past_window(runner, made_a_minute_ago, run_jobs, smtp):
    result = runner.invoke(
        args=[
            "reports",
            "test",
            "--contract",
            "0-0000008002",
            "--window-end",
            "2026-12-02T12:00+09:00",
            "--to",
            "clerk@town.example",
        ]
    )
    assert result.exit_code == 0, result.output
    assert (
        "test -> clerk@town.example: 【テスト】【見守り】小平 太郎：使用あり 6.0 L ／ 12月2日"
        in result.output
    )
    run_jobs()
    [mail] = smtp.messages
    assert mail["To"] == "clerk@town.example"
    assert "これはテストメールです。" in text_body(mail)
    refused = runner.invoke(
        args=[
            "reports",
            "test",
            "--contract",
            "0-0000009999",
            "--window-end",
            "2026-12-02T12:00+09:00",
        ]
    )
    assert refused.exit_code == 1 and "no active" in refused.output
