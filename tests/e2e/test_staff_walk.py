"""The staff console as a clerk uses it, in a real browser against the real server and
worker: log in with password and TOTP, find the customer, preview and run the tick for a
chosen time, re-send a failed mail (and not twice by accident), read what the recipient
got, send a test report for a registration made just now with the test mode, and find
each step in the audit log.

Its windows lie three weeks back, so that its tick never touches the days the resident
walk (test_walk.py) reports on.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pyotp
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, labelled

TOWN = ZoneInfo("Asia/Tokyo")
DAY = datetime.now(TOWN).date() - timedelta(days=21)
CLERK = "clerk@town.example"
UME = {"number": "00000009901", "display": "0-0000009901", "meter": "E2E-STAFF-9901"}
SON = "ume-son@example.com"
SON_MASKED = "u***@example.com"  # how staff pages show the address until an admin reveals it


def town(hour: int, day=DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TOWN)


@pytest.fixture(scope="module")
def clerk(live_server):
    result = live_server.flask("staff", "create", CLERK, "--role", "admin")
    assert result.returncode == 0, result.stderr
    password = re.search(r"password: (\S+)", result.stdout).group(1)
    secret = pyotp.parse_uri(re.search(r"TOTP URI: (\S+)", result.stdout).group(1)).secret
    return {"password": password, "secret": secret}


@pytest.fixture(scope="module")
def watched(arrange):
    """梅さん's contract, watched from 06:00 with her son as 通知先, and that day's water."""
    from kodaira_app.extensions import db
    from tests.support.factories import make_customer
    from tests.support.readings import add_readings
    from tests.support.watch_rows import make_watch

    with arrange.app_context():
        customer = make_customer(
            customer_number=UME["number"],
            name_kana="ルモイ ウメ",
            name="留萌 梅",
            meter_id=UME["meter"],
        )
        make_watch(
            hours=(6,),
            recipients=(("息子", SON),),
            customer=customer,
            created_at=town(0) - timedelta(days=1),
        )
        add_readings(UME["meter"], town(6), [2.0, 3.5, 0, 4.0, 1.5, 1.5])
        db.session.remove()


FRESH = {"number": "00000009902", "display": "0-0000009902", "meter": "E2E-STAFF-9902"}
FRESH_SON = "take-son@example.com"


def last_end(start_hour: int) -> datetime:
    """The end of the most recent window starting at `start_hour` that has ended."""
    now = datetime.now(TOWN)
    end = town(start_hour, now.date()) + timedelta(hours=6)
    while end > now:
        end -= timedelta(days=1)
    return end


@pytest.fixture(scope="module")
def made_just_now(arrange):
    """竹さん's contract, registered just now from 06:00, with its last window's water:
    no tick will ever report that window; the test mode does."""
    from kodaira_app.extensions import db
    from kodaira_app.timeutil import utcnow
    from tests.support.factories import make_customer
    from tests.support.readings import add_readings
    from tests.support.watch_rows import make_watch

    end = last_end(6)
    with arrange.app_context():
        customer = make_customer(
            customer_number=FRESH["number"],
            name_kana="ルモイ タケ",
            name="留萌 竹",
            meter_id=FRESH["meter"],
        )
        make_watch(
            hours=(6,), recipients=(("息子", FRESH_SON),), customer=customer, created_at=utcnow()
        )
        add_readings(FRESH["meter"], end - timedelta(hours=6), [1.0] * 6)
        db.session.remove()
    return end


def nav(walk, label: str):
    walk.page.get_by_role("navigation", name="職員メニュー").get_by_role(
        "link", name=label, exact=True
    ).click()
    return walk.seen()


def delivery_status(walk) -> str:
    return walk.page.locator("dd.delivery-status").inner_text().strip()


def wait_for_status(walk, status: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while delivery_status(walk) != status and time.monotonic() < deadline:
        time.sleep(0.5)
        walk.page.reload()
    assert delivery_status(walk) == status, walk.server.log_tail()


def test_a_clerk_answers_my_son_got_no_mail(
    walk_factory, live_server, clerk, watched, made_just_now
):
    walk = walk_factory(DESKTOP)
    page = walk.goto("/staff/login", "staff-login")
    labelled(page, "メールアドレス").fill(CLERK)
    labelled(page, "パスワード").fill(clerk["password"])
    page.get_by_role("button", name="次へ").click()
    walk.seen("staff-enrol")
    expect(page.get_by_role("img", name="認証アプリ登録用のQRコード")).to_be_visible()
    labelled(page, "確認コード（6桁）").fill(pyotp.TOTP(clerk["secret"]).now())
    page.get_by_role("button", name="ログイン").click()
    walk.seen("staff-search")
    expect(page.get_by_role("heading", level=1)).to_have_text("お客様検索")

    # find the customer the caller names, typed the way the caller reads it
    labelled(page, "お客様番号・カナ・氏名・住所・メーターID").fill("0-0000009901")
    page.get_by_role("button", name="検索").click()
    walk.seen("staff-results")
    page.get_by_role("link", name=UME["display"]).click()
    walk.seen("staff-contract")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"お客様番号 {UME['display']}")
    expect(page.get_by_role("cell", name=SON_MASKED)).to_be_visible()
    page.get_by_role("button", name="メールアドレスを表示する（記録されます）").click()
    walk.seen()
    expect(page.get_by_role("cell", name=SON)).to_be_visible()

    # the tick for 12:30 of that day: preview first, then send (the server refuses it)
    nav(walk, "見守り実行")
    labelled(page, "日付").fill(DAY.isoformat())
    labelled(page, "時刻").fill("12:30")
    page.get_by_role("button", name="プレビュー").click()
    walk.seen("staff-tick-preview")
    preview = page.locator(".tick-preview").filter(has_text=UME["display"])
    expect(preview.locator(".preview-to")).to_have_text(f"宛先: {SON_MASKED}")
    expect(preview.locator(".preview-subject")).to_contain_text("：使用あり 12.5 L ／")
    live_server.smtp.refuse_rcpt = "550 5.1.1 mailbox unavailable"
    try:
        page.get_by_role("button", name="この時刻で実行して送信する").click()
        walk.seen("staff-tick-result")
        expect(page.get_by_role("heading", level=1)).to_have_text("見守り実行の結果")

        # the deliveries of that day: the mail failed
        nav(walk, "配信状況")
        labelled(page, "見守り期間の日付").fill(DAY.isoformat())
        labelled(page, "お客様番号").fill(UME["display"])
        page.get_by_role("button", name="絞り込む").click()
        walk.seen("staff-deliveries")
        page.locator("table.staff-deliveries tbody tr").first.get_by_role("link").first.click()
        walk.seen("staff-delivery")
        wait_for_status(walk, "失敗")
    finally:
        live_server.smtp.refuse_rcpt = None
    expect(page.get_by_text("550")).to_be_visible()

    # re-send: a new attempt on the same row, and the son gets his mail
    page.get_by_role("button", name="再送する").click()
    walk.seen("staff-resent")
    expect(page.get_by_role("status")).to_have_text("再送を受け付けました。まもなく送信されます。")
    mails = live_server.wait_for_mail(SON, match=lambda m: "使用あり 12.5 L" in m["Subject"])
    wait_for_status(walk, "送信済み")

    # pressed again by mistake: nothing goes out without the deliberate-repeat box
    page.get_by_role("button", name="再送する").click()
    walk.seen()
    expect(page.get_by_role("alert")).to_contain_text("送信済みのため、再送しませんでした")
    time.sleep(2)
    assert len(live_server.smtp.to(SON)) == len(mails)

    # read exactly what the son got
    page.get_by_role("link", name=mails[-1]["Subject"]).click()
    walk.seen("staff-mail")
    expect(page.locator(".mail-to")).to_have_text(SON_MASKED)
    expect(page.locator("pre.mail-text")).to_contain_text("12.5 L")
    frame = page.frame_locator("iframe.mail-html")
    expect(frame.locator("p.headline")).to_contain_text("使用あり 12.5 L")

    # the test mode: a registration made just now, its last window, sent marked 【テスト】
    nav(walk, "見守り実行")
    page.get_by_role("link", name=re.compile("テストモード")).click()
    walk.seen("staff-tick-test")
    end = made_just_now
    labelled(page, "お客様番号").fill(FRESH["display"])
    labelled(page, "見守り期間の終了日").fill(end.date().isoformat())
    labelled(page, "見守り期間の終了時刻").fill(end.strftime("%H:%M"))
    page.get_by_role("button", name="プレビュー").click()
    walk.seen("staff-tick-test-preview")
    expect(page.locator(".preview-subject")).to_contain_text("【テスト】【見守り】")
    expect(page.locator(".preview-subject")).to_contain_text("：使用あり 6.0 L ／")
    expect(page.get_by_role("link", name="CSV取込（検針データ）へ")).to_be_visible()
    page.get_by_role("button", name="テストとして送信する").click()
    walk.seen()
    expect(page.get_by_role("status")).to_have_text("テストとして1通を送信しました。")
    test_mail = live_server.wait_for_mail(FRESH_SON, match=lambda m: "【テスト】" in m["Subject"])
    assert "使用あり 6.0 L" in test_mail[-1]["Subject"]

    # and every step is in the audit log
    nav(walk, "監査ログ")
    actions = page.locator("table.staff-audit tbody td[data-action]").all_inner_texts()
    for action in (
        "ログイン",
        "検索",
        "お客様情報の閲覧",
        "見守り実行のプレビュー",
        "見守り実行",
        "再送",
        "メールアドレスの表示",
        "見守り実行（テスト）のプレビュー",
        "見守り実行（テスト）の送信",
    ):
        assert action in actions, actions
    walk.close()
