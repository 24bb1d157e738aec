"""The guide, step by step, in a real browser: pattern 1 ①–⑦, pattern 2 ①–⑫, 解除 ①–③,
then the report mails the two registrations produce.

Elements are found as a resident finds them: by their visible labels and roles, in the
walk's language (`tr`, GUIDE_LOCALE: Japanese unless set; see tests/e2e/screens.py). The
tests that read the Japanese mails run in the Japanese walk only.
Pattern 1 runs on a phone-sized screen, pattern 2 on a desktop one. The tests build on
each other in file order (one server, one database), like the guide's own story: a parent
(花子) registers herself and her son, a son (一郎's child) adds his father's contract.
"""

from __future__ import annotations

import re
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e import screens
from tests.e2e.conftest import DESKTOP, PASSWORD, PHONE, labelled
from tests.e2e.screens import LOCALE
from tests.e2e.screens import label as tr
from tests.support.mailbox import text_body

TOWN = ZoneInfo("Asia/Tokyo")

HANAKO = {
    "number": "00000008002",
    "display": "0-0000008002",
    "kana": "コダイラ ハナコ",
    "name": "小平 花子",
    "meter": "E2E-M-8002",
    "email": "hanako@example.com",
}
ICHIRO = {
    "number": "00000008003",
    "display": "0-0000008003",
    "kana": "コダイラ イチロウ",
    "name": "小平 一郎",
    "meter": "E2E-M-8003",
}
# 一郎's other house, whose old meter sends nothing: no 見守り there.
BESSO = {"number": "00000008005", "display": "0-0000008005", "kana": "コダイラ イチロウ"}
SON = "musuko@example.com"  # 花子's son, the recipient of pattern 1
CHILD = "kodomo@example.com"  # 一郎's child: an account (pattern 2) and its recipient
# How each language's resident names the recipient "child" on the input screen.
CHILD_NAME = {"ja": "子", "en": "Child", "zh_Hans": "子女", "ko": "자녀", "vi": "Con"}
japanese_only = pytest.mark.skipif(
    LOCALE != "ja", reason="reads the Japanese mails and screens (GUIDE_LOCALE=ja)"
)


@pytest.fixture(scope="module")
def story(arrange):
    """The customer master as the utility's import leaves it, and the walks' tabs."""
    from kodaira_app.extensions import db
    from tests.support.factories import make_customer

    with arrange.app_context():
        for person in (HANAKO, ICHIRO):
            make_customer(
                customer_number=person["number"],
                name_kana=person["kana"],
                name=person["name"],
                meter_id=person["meter"],
            )
        make_customer(
            customer_number=BESSO["number"],
            name_kana=BESSO["kana"],
            name=ICHIRO["name"],
            address="北海道留萌郡小平町字鬼鹿1番地",
            smart_meter=False,
        )
        db.session.remove()
    return {}


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=TOWN) + timedelta(
        hours=hour, minutes=minute
    )


# --- steps shared by both patterns ------------------------------------------------------


def sign_up_and_log_in(walk, email: str, shots: str) -> None:
    """アプリへの登録 (利用規約 and 個人情報の取扱い read first) → the confirmation mail's
    link → ログイン → トップ."""
    if shots == "p1":  # the documents the sign-up form links, for axe
        for path in ("/terms", "/privacy"):
            walk.goto(path)
    page = walk.goto("/", f"{shots}-welcome")
    page.get_by_role("main").get_by_role("link", name=tr("アプリへの登録")).click()
    walk.seen(f"{shots}-signup")
    labelled(page, tr("メールアドレス")).fill(email)
    labelled(page, tr("パスワード")).fill(PASSWORD)
    labelled(page, tr("パスワード（確認）")).fill(PASSWORD)
    if shots == "p2":  # without the agreement: refused, the summary names the box
        page.get_by_role("button", name=tr("登録")).click()
        walk.seen()
        summary = page.locator("#error-summary")
        expect(summary).to_be_focused()
        expect(summary).to_contain_text(tr("利用規約と個人情報の取扱いに同意します"))
        labelled(page, tr("パスワード")).fill(PASSWORD)
        labelled(page, tr("パスワード（確認）")).fill(PASSWORD)
    page.get_by_label(tr("利用規約と個人情報の取扱いに同意します")).check()
    page.get_by_role("button", name=tr("登録")).click()
    walk.seen(f"{shots}-mail-sent")
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("メールを送信しました"))

    walk.goto(walk.server.link_in_mail(email), f"{shots}-confirm")
    page.get_by_role("button", name=tr("確認を完了する")).click()
    walk.seen()
    if page.get_by_role("heading", name=tr("ログイン")).count():
        labelled(page, tr("メールアドレス")).fill(email)
        labelled(page, tr("パスワード")).fill(PASSWORD)
        walk.shoot(f"{shots}-login")
        page.get_by_role("button", name=tr("ログイン")).click()
        walk.seen()
    menu = page.locator("nav .nav-phone summary")  # on a phone ログアウト is in the menu
    if menu.is_visible():
        menu.click()
    expect(page.get_by_role("button", name=tr("ログアウト"))).to_be_visible()


def open_menu(walk, label: str):
    """A global navigation item; on a phone it may sit behind the menu button."""
    page = walk.page
    nav = page.get_by_role("navigation", name=tr("メインメニュー"))
    link = nav.get_by_role("link", name=tr(label), exact=True)
    if not link.is_visible():
        nav.locator(".nav-phone summary").click()
    link.click()
    return page


def register_watch(walk, display_number: str, hour: str, name: str, email: str, shots: str):
    """各種お手続き → 見守り登録 → the contract → 登録 → start + 通知先 → 確認 → 登録."""
    page = open_menu(walk, "各種お手続き")
    walk.seen(f"{shots}-procedures")
    page.get_by_role("link", name=tr("見守り登録")).click()
    walk.seen()
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("見守り会員情報変更"))
    page.get_by_label(re.compile(re.escape(display_number))).check()
    walk.shoot(f"{shots}-select")
    page.get_by_role("button", name=tr("登録")).click()

    walk.seen()
    expect(page.get_by_text(display_number)).to_be_visible()
    labelled(page, "1.").select_option(label=hour)
    labelled(page, tr("名前")).first.fill(name)
    labelled(page, tr("メールアドレス")).first.fill(email)
    walk.shoot(f"{shots}-input")
    if shots == "p1":  # the guide's 「異変のお知らせ」 section pictures the fieldset once
        walk.shoot("alerts-input", around=page.locator("fieldset.watch-alerts"))
    page.get_by_role("button", name=tr("確認")).click()

    walk.seen(f"{shots}-check")
    expect(page.get_by_text(f"1. {hour}")).to_be_visible()
    expect(page.get_by_text(f"{name} {email}")).to_be_visible()
    page.get_by_role("button", name=tr("登録")).click()
    walk.seen(f"{shots}-done")
    expect(page.get_by_text(tr("見守り会員情報の登録が完了しました"))).to_be_visible()


def add_contract(walk, person: dict, relation: str, shots: str) -> None:
    """契約内容のご確認 → 契約の追加 → input → 確認 → 登録 → done."""
    page = open_menu(walk, "契約内容のご確認")
    walk.seen(f"{shots}-contracts")
    page.get_by_role("main").get_by_role("link", name=tr("契約の追加")).click()
    walk.seen()
    labelled(page, tr("お客様番号")).fill(person["display"])
    labelled(page, tr("お客様氏名カナ")).fill(person["kana"])
    labelled(page, tr(relation)).check()
    if relation != "本人":
        labelled(page, tr("確認した")).check()
    walk.shoot(f"{shots}-add")
    page.get_by_role("button", name=tr("確認")).click()

    walk.seen(f"{shots}-add-check")
    expect(page.get_by_text(person["display"])).to_be_visible()
    if relation != "本人":
        notice = (
            "※ パターン②の場合、見守られる方ご自身は(例：親)がアプリに登録することは"
            "できなくなりますので、ご注意ください。"
        )
        expect(page.get_by_text(tr(notice))).to_be_visible()
    page.get_by_role("button", name=tr("登録")).click()
    walk.seen(f"{shots}-add-done")
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("契約の追加が完了しました"))


# --- the guide ----------------------------------------------------------------------------


def test_pattern_1_on_a_phone(walk_factory, story):
    """パターン1: the parent registers herself, then her son's address (①–⑦)."""
    walk = story["hanako"] = walk_factory(PHONE)
    sign_up_and_log_in(walk, HANAKO["email"], "p1")
    # Her own contract, as the holder (本人): no consent needed.
    add_contract(walk, HANAKO, "本人", "p1")
    register_watch(walk, HANAKO["display"], "06:00", tr("息子"), SON, "p1")

    page = walk.goto("/", "p1-top")
    contract = page.get_by_role("region", name=re.compile(HANAKO["display"]))
    expect(contract).to_contain_text("06:00")
    added = walk.server.wait_for_mail(SON)[-1]
    assert HANAKO["display"][-4:] in text_body(added)


def test_pattern_2_on_a_desktop(walk_factory, story):
    """パターン2: a child signs up, adds the father's contract (家族), and watches it (①–⑫)."""
    walk = story["child"] = walk_factory(DESKTOP)
    sign_up_and_log_in(walk, CHILD, "p2")
    # ①–⑤: the father's contract, with his consent.
    add_contract(walk, ICHIRO, "家族", "p2")
    walk.page.get_by_role("link", name=tr("トップページに戻る")).click()
    walk.seen("p2-top")
    # ⑥–⑫: start 24時 (midnight), the child's own address.
    register_watch(walk, ICHIRO["display"], "00:00", CHILD_NAME[LOCALE], CHILD, "p2")

    page = open_menu(walk, "契約内容のご確認")
    walk.seen()
    row = page.get_by_role("row").filter(has_text=ICHIRO["display"])
    expect(row).to_contain_text(tr("家族"))


@japanese_only
def test_the_father_can_no_longer_add_his_own_contract(walk_factory, story):
    """The pattern-2 lockout, as the guide warns: the parent cannot add the contract.

    His other contract he can add, but without a smart meter it cannot be watched.
    """
    walk = walk_factory(PHONE)
    sign_up_and_log_in(walk, "ichiro@example.com", "lockout")
    page = open_menu(walk, "契約内容のご確認")
    page.get_by_role("main").get_by_role("link", name="契約の追加").click()
    labelled(page, "お客様番号").fill(ICHIRO["display"])
    labelled(page, "お客様氏名カナ").fill(ICHIRO["kana"])
    labelled(page, "本人").check()
    page.get_by_role("button", name="確認").click()
    walk.seen()
    refusal = page.get_by_text("この契約はすでにアプリに登録されているため、追加できません。")
    expect(refusal).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("契約の追加")

    labelled(page, "お客様番号").fill(BESSO["display"])
    labelled(page, "お客様氏名カナ").fill(BESSO["kana"])
    page.get_by_role("button", name="確認").click()
    walk.seen()
    page.get_by_role("button", name="登録").click()
    walk.seen()
    expect(page.get_by_text("見守りサービスはご利用できません")).to_be_visible()
    page = open_menu(walk, "各種お手続き")
    page.get_by_role("link", name="見守り登録").click()
    walk.seen()
    expect(page.get_by_role("radio", name=BESSO["display"])).to_be_disabled()
    reason = "水道スマートメーターが設置されていないため、見守りサービスをご利用いただけません。"
    expect(page.get_by_text(reason)).to_be_visible()


def last_end(start_hour: int, now: datetime | None = None) -> datetime:
    """The end of the most recent window starting at `start_hour` that has ended."""
    now = now or datetime.now(TOWN)
    end = at(now.date(), start_hour) + timedelta(hours=6)
    while end > now:
        end -= timedelta(days=1)
    return end


def import_readings(server, tmp_path, hanako_end: datetime, ichiro_end: datetime) -> None:
    """The head-end's hourly figures of each watch's last window: 12.5 L at 花子's,
    nothing at 一郎's."""
    rows = ["meter_id,hour_start,liters"]
    for i, liters in enumerate(("3.0", "5.5", "0", "2.0", "0", "2.0")):
        rows.append(
            f"{HANAKO['meter']},{(hanako_end - timedelta(hours=6 - i)).isoformat()},{liters}"
        )
    for i in range(6):
        rows.append(f"{ICHIRO['meter']},{(ichiro_end - timedelta(hours=6 - i)).isoformat()},0")
    path = tmp_path / "readings.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = server.flask("readings", "import", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def run_tick(server, moment: datetime) -> str:
    result = server.flask("reports", "run", "--at", moment.isoformat())
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def report_about(window: str, day: date, mark: str = "【見守り】"):
    """A report mail (on time or late) about `window` of `day`; mark 【テスト】【見守り】 for
    a test mail."""
    label = f"{day.month}月{day.day}日 {window}"

    def match(message) -> bool:
        return message["Subject"].startswith(mark) and label in message["Subject"]

    return match


def press_test_mail(walk, display_number: str) -> None:
    """見守り登録 → the contract → 登録 → テストメールを送信, on the registration's screen."""
    page = open_menu(walk, "各種お手続き")
    page.get_by_role("link", name=tr("見守り登録")).click()
    page.get_by_label(re.compile(re.escape(display_number))).check()
    page.get_by_role("button", name=tr("登録")).click()
    walk.seen()
    page.get_by_role("button", name=tr("テストメールを送信")).click()
    walk.seen()


def wait_for_state(walk, address: str, state: str, timeout: float = 30.0) -> None:
    """Reload the registration's screen until `address` shows `state`."""
    item = walk.page.locator(".recipient-states li").filter(has_text=address)
    deadline = time.monotonic() + timeout
    while state not in item.inner_text() and time.monotonic() < deadline:
        time.sleep(0.5)
        walk.page.reload()
    expect(item).to_contain_text(state)


@japanese_only
def test_test_mails_report_the_last_window_now(live_server, story, tmp_path):
    """Registered a minute ago: テストメールを送信 brings each address the report of the
    last window at once, marked 【テスト】 — used water at 花子's, none at 一郎's — and the
    screen shows the address's state. No database row is moved back in time."""
    assert {"hanako", "child"} <= story.keys(), "the two registrations of the walk are needed"
    hanako_end, ichiro_end = last_end(6), last_end(0)
    import_readings(live_server, tmp_path, hanako_end, ichiro_end)

    press_test_mail(story["hanako"], HANAKO["display"])
    window = f"{(hanako_end - timedelta(hours=6)):%H:%M}〜{hanako_end:%H:%M}"
    match = report_about(window, (hanako_end - timedelta(hours=6)).date(), "【テスト】【見守り】")
    used = live_server.wait_for_mail(SON, match=match)[-1]
    assert "：使用あり 12.5 L ／" in used["Subject"]
    body = text_body(used)
    assert "これはテストメールです。" in body
    assert "実際のお知らせは、毎日 12:30（日本時間）に届きます。" in body
    assert "12.5 L" in body
    assert "0-******8002" in body
    assert re.search(re.escape(live_server.url) + r"/stop/\S+", body)
    assert used["List-Unsubscribe"]
    wait_for_state(story["hanako"], SON, "送信済み")

    press_test_mail(story["child"], ICHIRO["display"])
    day = (ichiro_end - timedelta(hours=6)).date()
    none = live_server.wait_for_mail(
        CHILD, match=report_about("00:00〜06:00", day, "【テスト】【見守り】")
    )[-1]
    assert "：使用なし ／" in none["Subject"]
    assert "この時間帯に水道の使用はありませんでした" in text_body(none)
    assert "0-******8003" in text_body(none)
    wait_for_state(story["child"], CHILD, "送信済み")


def test_cancel_on_the_phone(story):
    """解除 ①–③ on 花子's phone: her contract is no longer watched."""
    assert "hanako" in story, "pattern 1's registration is needed"
    walk = story["hanako"]
    page = open_menu(walk, "各種お手続き")
    page.get_by_role("link", name=tr("見守り登録")).click()
    walk.seen()
    page.get_by_label(re.compile(re.escape(HANAKO["display"]))).check()
    page.get_by_role("button", name=tr("登録")).click()
    walk.seen()
    # ① at the lower right of the registration's screen.
    end = page.get_by_role("link", name=tr("現在の見守り設定を解除する"))
    walk.shoot("end-1-input", around=end)
    end.click()
    walk.seen("end-2-question")
    expect(page.get_by_text(tr("現在の見守り設定を解除いたします"))).to_be_visible()
    # ③
    page.get_by_role("button", name=tr("はい")).click()
    walk.seen("end-3-done")

    walk.goto("/")
    contract = page.get_by_role("region", name=re.compile(HANAKO["display"]))
    expect(contract).to_contain_text(tr("未登録"))
    story["cancelled"] = True


@japanese_only
def test_cancel_stops_the_mails(live_server, story):
    """After 解除, tomorrow's tick sends 花子's son nothing, and 一郎's child, still
    watched, the report of tomorrow's 00:00〜06:00 (its data not received)."""
    assert "cancelled" in story, "解除 on the phone is needed"
    before = len(live_server.smtp.to(SON))
    tomorrow = datetime.now(TOWN).date() + timedelta(days=1)
    # A tick for a moment to come: both windows of tomorrow existed before they end.
    run_tick(live_server, at(tomorrow, 12, 30))
    live_server.wait_for_mail(CHILD, match=report_about("00:00〜06:00", tomorrow))
    reports = [m for m in live_server.smtp.to(SON)[before:] if report_about("", tomorrow)(m)]
    assert [m["Subject"] for m in reports] == []


def test_the_public_guide_pages(walk_factory):
    """見守りサービスとは and the guide, before any login: every screenshot is there."""
    walk = walk_factory(PHONE)
    page = walk.goto("/about", "about")
    expect(page.get_by_role("main").get_by_role("img").first).to_be_visible()
    guide = tr("登録・解除の方法と通知されるメール（画面つきのご案内）")
    page.get_by_role("link", name=guide).click()
    walk.seen("guide")
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("見守りサービスのご案内"))
    images = page.get_by_role("main").locator("figure.screen img")
    expect(images).to_have_count(len(screens.GUIDE_SHOTS))
    for image in images.all():
        # Each language's own screenshots (after `make guide` in that language).
        assert f"/static/guide/{LOCALE}/" in image.get_attribute("src")
        image.scroll_into_view_if_needed()  # they load lazily
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )
