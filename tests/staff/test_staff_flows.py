"""The clerk's flows that drive the service: run the tick for a chosen time (preview, then
send), re-send a failed mail (and never twice by accident), head-end API tokens."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kodaira_app.api.tokens import verify_token
from kodaira_app.extensions import db
from kodaira_app.models import ApiToken, Customer, Delivery, WindowEvaluation
from kodaira_app.models.staff import AuditLog
from tests.support.pages import page
from tests.support.readings import add_readings
from tests.support.watch_rows import jst, make_watch

SUBJECT_USED = "【見守り】小平 太郎：使用あり 12.5 L ／ 11月25日 06:00〜12:00"


def audit(action: str) -> list[AuditLog]:
    return list(
        db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id))
    )


def flash(client) -> str:
    """The last message flashed since the previous page."""
    return page(client.get("/staff/")).select(".flash")[-1].get_text(strip=True)


@pytest.fixture
def watched(app):
    registration = make_watch(
        hours=(6,), recipients=(("息子", "son@example.com"), ("娘", "daughter@example.com"))
    )
    meter = db.session.get(Customer, registration.customer_id).meter_id
    add_readings(meter, jst(2026, 11, 25, 6), [2.0, 3.5, 0, 4.0, 1.5, 1.5])
    return registration


def evaluations() -> int:
    return db.session.scalar(select(func.count(WindowEvaluation.id)))


# --- the tick ---------------------------------------------------------------------------


def test_tick_page_starts_with_now(client, chief):
    soup = page(client.get("/staff/tick"))
    assert soup.find("label", attrs={"for": "day"}).get_text(strip=True).startswith("日付")
    assert soup.select_one("#day")["value"]
    assert soup.select_one("#time")["value"]
    assert soup.select(".tick-preview") == []


def test_preview_shows_windows_recipients_and_mails_and_writes_nothing(
    client, chief, watched, smtp, run_jobs
):
    soup = page(client.get("/staff/tick?day=2026-11-25&time=12:30"))
    previews = soup.select(".tick-preview")
    assert [p.select_one(".preview-to").get_text(strip=True) for p in previews] == [
        "宛先: s***@example.com",
        "宛先: d***@example.com",
    ]
    assert previews[0].select_one(".preview-subject").get_text(strip=True) == (
        f"件名: {SUBJECT_USED}"
    )
    assert "使用水量: 12.5 L" in previews[0].select_one("pre.mail-text").get_text()
    number = db.session.get(Customer, watched.customer_id).display_number
    assert previews[0].h3.get_text(strip=True).startswith(number)
    assert soup.select_one("form[action='/staff/tick/run']") is not None
    # a preview writes nothing and sends nothing
    assert evaluations() == 0
    run_jobs()
    assert smtp.messages == []
    [row] = audit("tick_preview")
    assert row.detail == {"at": "2026-11-25T12:30:00+09:00", "mails": 2}


def test_preview_before_the_window_ends_has_nothing(client, chief, watched):
    soup = page(client.get("/staff/tick?day=2026-11-25&time=12:29"))
    assert (
        soup.select_one(".notice")
        .get_text(strip=True)
        .startswith("この時刻に処理される見守り期間はありません")
    )
    assert soup.select_one("form[action='/staff/tick/run']") is None


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("day=&time=12:30", "day", "日付を入力してください。"),
        ("day=2026-11-25&time=", "time", "時刻を入力してください。"),
    ],
)
def test_tick_form_errors_beside_fields(client, chief, query, field, message):
    soup = page(client.get(f"/staff/tick?{query}"))
    assert soup.select_one(f"#{field}-error").get_text(strip=True) == message


def test_run_sends_what_the_preview_showed_once(client, chief, watched, smtp, run_jobs):
    response = client.post("/staff/tick/run", data={"day": "2026-11-25", "time": "12:30"})
    assert response.status_code == 302
    soup = page(client.get(response.headers["Location"]))
    assert soup.select_one(".tick-mails").get_text() == "2"
    assert [
        r.select("td")[2].get_text(strip=True) for r in soup.select("table.tick-slots tbody tr")
    ] == ["使用あり 1"]
    run_jobs()
    assert sorted(m["To"] for m in smtp.messages) == ["daughter@example.com", "son@example.com"]
    assert {m["Subject"] for m in smtp.messages} == {SUBJECT_USED}
    [row] = audit("tick_run")
    assert (row.staff_id, row.detail["mails"]) == (chief.id, 2)

    # the same moment again: the tick is idempotent, nothing goes out twice
    response = client.post("/staff/tick/run", data={"day": "2026-11-25", "time": "12:30"})
    soup = page(client.get(response.headers["Location"]))
    assert soup.select_one(".tick-mails").get_text() == "0"
    run_jobs()
    assert len(smtp.messages) == 2
    assert len(audit("tick_run")) == 2


def test_run_with_a_bad_time_runs_nothing(client, chief, watched):
    response = client.post("/staff/tick/run", data={"day": "2026-11-25", "time": "25:99"})
    assert response.headers["Location"] == "/staff/tick"
    assert flash(client) == "日付と時刻を確かめてください。"
    assert evaluations() == 0 and audit("tick_run") == []


def test_tick_results_are_only_tick_rows(client, chief):
    client.get("/staff/?q=1")
    row_id = db.session.scalar(select(AuditLog.id))
    assert client.get(f"/staff/tick/results/{row_id}").status_code == 404


# --- re-send ----------------------------------------------------------------------------


@pytest.fixture
def failed_delivery(client, chief, watched, smtp, run_jobs):
    """A report the mail server refused for good."""
    smtp.refuse_rcpt = "550 5.1.1 no such user"
    client.post("/staff/tick/run", data={"day": "2026-11-25", "time": "12:30"})
    run_jobs()
    smtp.clear()
    son = watched.recipients[0]
    row = db.session.scalar(select(Delivery).where(Delivery.recipient_id == son.id))
    db.session.refresh(row)
    assert row.status == "failed"
    return row


def test_delivery_page_shows_the_failure(client, failed_delivery):
    soup = page(client.get(f"/staff/deliveries/{failed_delivery.id}"))
    assert soup.select_one(".delivery-status").get_text(strip=True) == "失敗"
    assert "550" in soup.get_text()
    assert soup.select_one("#confirm_repeat") is None  # a failed one needs no confirmation


def test_resend_is_a_new_attempt_on_the_same_row_and_never_twice(
    client, failed_delivery, smtp, run_jobs
):
    attempts = failed_delivery.attempts
    url = f"/staff/deliveries/{failed_delivery.id}/resend"
    response = client.post(url)
    assert response.headers["Location"] == f"/staff/deliveries/{failed_delivery.id}"
    assert flash(client) == "再送を受け付けました。まもなく送信されます。"
    run_jobs()
    assert [m["To"] for m in smtp.messages] == ["son@example.com"]
    db.session.refresh(failed_delivery)
    assert failed_delivery.status == "sent" and failed_delivery.attempts == attempts + 1
    assert db.session.scalar(select(func.count(Delivery.id))) == 2  # no new row

    # pressed again: it was sent, so nothing goes out
    client.post(url)
    assert flash(client).startswith("この通知先にはこの見守り期間のメールを送信済みのため")
    run_jobs()
    assert len(smtp.messages) == 1
    assert [(r.action, r.detail["outcome"]) for r in audit("resend")] == [
        ("resend", "queued"),
        ("resend", "already sent"),
    ]

    # the page now asks for the deliberate-repeat confirmation
    soup = page(client.get(f"/staff/deliveries/{failed_delivery.id}"))
    label = soup.select_one("label.choice")
    assert label.select_one("input#confirm_repeat") is not None
    assert label.get_text(strip=True) == "送信済みの通知先へ、意図して同じ内容を再度送信します"
    client.post(url, data={"confirm_repeat": "y"})
    run_jobs()
    assert len(smtp.messages) == 2
    [repeat] = audit("resend_repeat")
    assert (repeat.target_id, repeat.detail["deliberate"]) == (str(failed_delivery.id), True)


def test_resend_while_pending_does_nothing(client, failed_delivery, smtp, run_jobs):
    url = f"/staff/deliveries/{failed_delivery.id}/resend"
    client.post(url)
    client.post(url)  # before the worker ran
    assert flash(client) == "この配信は送信待ちか送信中のため、再送しませんでした。"
    run_jobs()
    assert len(smtp.messages) == 1


def test_resend_of_an_unknown_delivery_is_404(client, chief):
    assert client.post("/staff/deliveries/999/resend").status_code == 404


# --- API tokens -------------------------------------------------------------------------


def test_token_is_shown_once_stored_hashed_and_revocable(client, chief):
    soup = page(client.post("/staff/tokens", data={"name": "ヘッドエンド本番"}))
    token = soup.select_one("code.token-value").get_text()
    assert token.startswith("kdr_")
    assert page(client.get("/staff/tokens")).select_one("code.token-value") is None
    row = db.session.scalar(select(ApiToken))
    assert row.token_hash != token and token not in str(audit("token_created")[0].detail)

    rows = [
        [td.get_text(" ", strip=True) for td in tr.select("td")]
        for tr in page(client.get("/staff/tokens")).select("table.staff-tokens tbody tr")
    ]
    assert rows[0][0] == "ヘッドエンド本番" and rows[0][2] == "未使用" and rows[0][3] == "有効"
    assert verify_token(token) is not None
    rows = [
        [td.get_text(" ", strip=True) for td in tr.select("td")]
        for tr in page(client.get("/staff/tokens")).select("table.staff-tokens tbody tr")
    ]
    assert rows[0][2] != "未使用"  # last used is shown

    client.post(f"/staff/tokens/{row.id}/revoke")
    assert flash(client) == "トークン「ヘッドエンド本番」を無効にしました。"
    assert verify_token(token) is None
    assert [r.target_id for r in audit("token_revoked")] == [str(row.id)]
    assert client.post("/staff/tokens/999/revoke").status_code == 404


def test_token_needs_a_name(client, chief):
    soup = page(client.post("/staff/tokens", data={"name": ""}))
    assert soup.select_one("#name-error").get_text(strip=True) == "入力してください。"
    assert db.session.scalar(select(ApiToken)) is None
