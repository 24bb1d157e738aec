"""テストメールを送信: a report of the last window, marked 【テスト】, to every active address;
each address's state on the screens; a refused address told to the holder once."""

from __future__ import annotations

import pytest

from kodaira_app.extensions import db
from kodaira_app.models import Delivery, OutboxMail, TestDelivery
from kodaira_app.reports.refusals import notify_refusals
from kodaira_app.watch.registrations import stop_recipient
from tests.support.accounts import session_id
from tests.support.mailbox import text_body
from tests.support.pages import get_page, page, text
from tests.support.readings import add_readings
from tests.support.ticks import run_tick
from tests.support.watch import flashes, own_contract, register
from tests.support.watch_rows import jst


@pytest.fixture
def watched(app, clock, account, contract, run_jobs, smtp):
    """Registered at 15:00 on 25 Nov, after its 08:00〜14:00 window, which used 12 L:
    the tick never reports that window; a test mail does."""
    clock.freeze(jst(2026, 11, 25, 15))
    registration = register(
        account,
        contract,
        hours=(8,),
        recipients=(("息子", "son@example.com"), ("娘", "daughter@example.com")),
    )
    add_readings(contract.meter_id, jst(2026, 11, 25, 8), [2.0] * 6)
    run_jobs()
    smtp.clear()
    return registration


def press(client, contract, back="edit"):
    return client.post(f"/watch/{contract.id}/test-mail", data={"back": back})


def states(soup) -> list[str]:
    return [text(li) for li in soup.select(".recipient-states li")]


def test_every_address_gets_the_last_windows_report_marked_test(
    client, contract, watched, run_jobs, smtp
):
    response = press(client, contract)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/watch/{contract.id}/edit")
    soup = get_page(client, f"/watch/{contract.id}/edit")
    assert "テストメールを送信しました（息子、娘）。" in flashes(soup)
    assert [s.split(":")[0].strip() for s in states(soup)] == [
        "息子 son@example.com",
        "娘 daughter@example.com",
    ]
    assert all("送信待ち" in s for s in states(soup))
    run_jobs()
    mails = smtp.messages
    assert sorted(m["To"] for m in mails) == ["daughter@example.com", "son@example.com"]
    son = smtp.to("son@example.com")[0]
    assert (
        son["Subject"] == "【テスト】【見守り】小平 花子：使用あり 12.0 L ／ 11月25日 08:00〜14:00"
    )
    body = text_body(son)
    assert "これはテストメールです。" in body
    assert "実際のお知らせは、毎日 14:30（日本時間）に届きます。" in body
    assert "使用水量: 12.0 L" in body
    assert "/stop/" in body  # the address's own stop link, as in every report
    soup = get_page(client, f"/watch/{contract.id}/edit")
    assert all("送信済み" in s and "テストメール 11月25日 15:00" in s for s in states(soup))
    # Deliveries of their own kind: no real report was written or counted.
    assert db.session.query(Delivery).count() == 0
    assert db.session.query(TestDelivery).count() == 2


def test_the_done_screen_has_the_button_and_returns_to_itself(client, contract, watched):
    soup = get_page(client, f"/watch/{contract.id}/done")
    button = soup.select_one("form.test-mail button")
    assert text(button) == "テストメールを送信"
    response = press(client, contract, back="done")
    assert response.headers["Location"].endswith(f"/watch/{contract.id}/done")


def test_a_window_without_data_says_so(app, client, clock, account, run_jobs, smtp):
    clock.freeze(jst(2026, 11, 25, 15))
    other = own_contract(account)
    register(account, other, hours=(8,))
    run_jobs()
    smtp.clear()
    press(client, other)
    run_jobs()
    [mail] = smtp.messages
    assert mail["Subject"] == "【テスト】【見守り】小平 太郎：データ未着 ／ 11月25日 08:00〜14:00"
    assert "使用水量: データを受信できませんでした" in text_body(mail)


EXPECTED = {
    "en": ("[Test]", "This is a test mail."),
    "vi": ("[Thử nghiệm]", "Đây là thư thử nghiệm."),
    "zh_Hans": ("【测试】", "这是一封测试邮件。"),
    "ko": ("[테스트]", "이것은 테스트 메일입니다."),
}


@pytest.mark.parametrize("locale", list(EXPECTED))
def test_the_test_mail_in_the_recipients_language(
    app, client, clock, account, run_jobs, smtp, locale
):
    clock.freeze(jst(2026, 11, 25, 15))
    other = own_contract(account)
    registration = register(account, other, hours=(8,))
    registration.recipients[0].locale = locale
    db.session.commit()
    add_readings(other.meter_id, jst(2026, 11, 25, 8), [0] * 6)
    run_jobs()
    smtp.clear()
    press(client, other)
    run_jobs()
    [mail] = smtp.messages
    mark, line = EXPECTED[locale]
    assert mail["Subject"].startswith(mark)
    assert "【見守り】" not in mail["Subject"]
    body = text_body(mail)
    assert line in body
    assert "14:30" in body


def test_three_test_sends_a_day_then_a_clear_refusal(
    client, clock, contract, watched, run_jobs, smtp
):
    for _ in range(3):
        press(client, contract)
    response = press(client, contract)
    soup = page(client.get(response.headers["Location"]))
    assert "テストメールは1日に3回まで送信できます。明日またお試しください。" in flashes(soup)
    run_jobs()
    assert len(smtp.to("son@example.com")) == 3
    # The next town day the button works again.
    clock.freeze(jst(2026, 11, 26, 0, 5))
    press(client, contract)
    run_jobs()
    assert len(smtp.to("son@example.com")) == 4


def test_stopped_addresses_are_skipped_and_named(client, contract, watched, run_jobs, smtp):
    stop_recipient(watched.recipients[1].stop_token)
    soup = page(client.get(press(client, contract).headers["Location"]))
    assert "配信停止の通知先には送っていません（娘）。" in flashes(soup)
    assert "テストメールを送信しました（息子）。" in flashes(soup)
    assert "配信停止" in states(soup)[1]
    run_jobs()
    assert [m["To"] for m in smtp.messages] == ["son@example.com"]


def _real_and_test(smtp):
    subjects = sorted(m["Subject"] for m in smtp.to("son@example.com"))
    return [s for s in subjects if not s.startswith("【テスト】")], [
        s for s in subjects if s.startswith("【テスト】")
    ]


@pytest.mark.parametrize("test_first", [True, False], ids=["test-then-tick", "tick-then-test"])
def test_a_test_never_blocks_replaces_or_duplicates_the_real_report(
    app, client, clock, account, run_jobs, smtp, test_first
):
    """Registered before the window: the tick reports it at 14:30; a test of the same
    window before or after changes nothing about that report."""
    clock.freeze(jst(2026, 11, 25, 7))
    other = own_contract(account)
    register(account, other, hours=(8,))
    add_readings(other.meter_id, jst(2026, 11, 25, 8), [1.0] * 6)
    run_jobs()
    smtp.clear()
    clock.freeze(jst(2026, 11, 25, 14, 10))  # the window has ended, its report not yet sent
    if test_first:
        press(client, other)
        run_jobs()
    clock.freeze(jst(2026, 11, 25, 14, 30))
    run_tick(jst(2026, 11, 25, 14, 30))
    run_jobs()
    if not test_first:
        press(client, other)
        run_jobs()
    run_tick(jst(2026, 11, 25, 14, 31))  # a second tick: nothing more
    run_jobs()
    real, test = _real_and_test(smtp)
    assert real == ["【見守り】小平 太郎：使用あり 6.0 L ／ 11月25日 08:00〜14:00"]
    assert test == ["【テスト】【見守り】小平 太郎：使用あり 6.0 L ／ 11月25日 08:00〜14:00"]
    [delivery] = db.session.query(Delivery).all()
    assert delivery.status == "sent" and delivery.kind == "report"


def test_a_refused_address_shows_on_the_screen_and_the_holder_is_told_once(
    client, account, contract, watched, run_jobs, smtp
):
    smtp.refuse_rcpt = "550 5.1.1 No such user"
    press(client, contract)
    run_jobs()
    assert smtp.messages == []
    soup = get_page(client, f"/watch/{contract.id}/edit")
    assert all("送信失敗 — このアドレスには届きませんでした" in s for s in states(soup))
    smtp.refuse_rcpt = None
    assert notify_refusals() == 2  # one notice per refused address
    run_jobs()
    notices = smtp.to(account.email)
    assert len(notices) == 2
    assert notices[0]["Subject"] == "【小平町水道アプリ】通知先のアドレスにメールが届きませんでした"
    assert sorted(
        next(line for line in text_body(m).splitlines() if line.startswith("通知先:"))
        for m in notices
    ) == ["通知先: 娘 daughter@example.com", "通知先: 息子 son@example.com"]
    # Refused again: the holder already knows.
    smtp.clear()
    smtp.refuse_rcpt = "550 5.1.1 No such user"
    press(client, contract)
    run_jobs()
    smtp.refuse_rcpt = None
    assert notify_refusals() == 0
    run_jobs()
    assert smtp.messages == []
    soup = get_page(client, "/")
    assert all("このアドレスには届きませんでした" in s for s in states(soup))


def test_another_account_can_neither_send_nor_see_a_test(
    app, client, contract, watched, run_jobs, smtp
):
    from tests.support.accounts import make_account

    press(client, contract)
    intruder = make_account("other@example.com")
    other = app.test_client()
    with other.session_transaction() as session:
        session["_user_id"] = session_id(intruder)
        session["_fresh"] = True
    assert other.post(f"/watch/{contract.id}/test-mail", data={"back": "edit"}).status_code == 404
    assert other.get(f"/watch/{contract.id}/edit").status_code == 404
    assert "son@example.com" not in other.get("/").get_data(as_text=True)
    run_jobs()
    assert len(smtp.to("son@example.com")) == 1
    assert db.session.query(OutboxMail).filter_by(kind="watch_report_test").count() == 2
