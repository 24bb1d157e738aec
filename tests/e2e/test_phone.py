"""The header on a 360 px phone: one row, so every page's first heading starts within the
first 120 px; 「メニュー」 (details/summary, no script) opens the other items and the
languages, by touch and by keyboard, each target at least 44 px high. Every page seen here
is checked by axe with the rest of the walk (test_zz_accessibility.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PASSWORD, labelled

PHONE_360 = {"width": 360, "height": 740}
HEADING_WITHIN = 120  # px from the top of the screen
EMAIL = "phone@example.com"
NUMBER = "00000008090"


@pytest.fixture(scope="module")
def resident(arrange):
    """An account with its own watched contract, made as the import and 登録 would."""
    from kodaira_app.extensions import db
    from tests.support.accounts import make_account
    from tests.support.factories import link, make_customer
    from tests.support.watch_rows import make_watch

    with arrange.app_context():
        account = make_account(EMAIL, PASSWORD)
        customer = make_customer(customer_number=NUMBER, name="小平 三郎", meter_id="E2E-M-8090")
        link(account, customer)
        make_watch(customer=customer, recipients=(("息子", "phone-son@example.com"),))
        ids = {"contract": customer.id}
        db.session.remove()
    return ids


def heading_top(page) -> float:
    return page.locator("main h1").first.bounding_box()["y"]


def log_in(walk) -> None:
    page = walk.goto("/login")
    labelled(page, "メールアドレス").fill(EMAIL)
    labelled(page, "パスワード").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="ログイン").click()
    walk.seen()


def test_first_heading_of_every_page_is_near_the_top(walk_factory, resident):
    walk = walk_factory(PHONE_360)
    for path in ("/", "/about", "/faq", "/login", "/signup"):
        page = walk.goto(path)
        assert heading_top(page) < HEADING_WITHIN, (path, heading_top(page))
    log_in(walk)
    contract = resident["contract"]
    for path in (
        "/",
        f"/usage/{contract}",
        "/payments",
        "/pay",
        "/contracts",
        "/procedures",
        "/watch",
        f"/watch/{contract}/edit",
        f"/watch/{contract}/history",
        "/faq",
        "/guide",
        "/no-such-page",
    ):
        page = walk.goto(path)
        top = heading_top(page)
        assert top < HEADING_WITHIN, f"{path}: the first heading starts {top} px down"
        header = page.locator("header.site-header").bounding_box()
        # One row of 48 px targets (two rows would pass 100 px).
        assert header["height"] <= 72, f"{path}: the header is {header['height']} px high"


def test_menu_opens_without_script_and_each_target_is_large(walk_factory, resident):
    walk = walk_factory(PHONE_360)
    log_in(walk)
    page = walk.goto("/contracts")
    nav = page.get_by_role("navigation", name="メインメニュー")
    expect(nav.get_by_role("link", name="トップ", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="各種お手続き")).to_be_hidden()
    menu = nav.locator("summary", has_text="メニュー")
    assert menu.bounding_box()["height"] >= 44
    menu.click()
    walk.seen("phone-menu-open")
    panel = nav.locator(".nav-menu-panel")
    for name in (
        "ご利用実績",
        "お支払い実績",
        "料金のお支払い",
        "契約内容のご確認",
        "各種お手続き",
    ):
        link = panel.get_by_role("link", name=name)
        expect(link).to_be_visible()
        assert link.bounding_box()["height"] >= 44, name
    expect(panel.get_by_role("link", name="契約内容のご確認")).to_have_attribute(
        "aria-current", "page"
    )
    logout = panel.get_by_role("button", name="ログアウト")
    expect(logout).to_be_visible()
    assert logout.bounding_box()["height"] >= 44
    for language in ("日本語", "English", "简体中文", "한국어", "Tiếng Việt"):
        link = panel.get_by_role("link", name=language)
        expect(link).to_be_visible()
        assert link.bounding_box()["height"] >= 44, language
    # The open menu lies over the page, inside the screen's width.
    box = panel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_360["width"]
    with page.expect_navigation():
        panel.get_by_role("link", name="English").click()
    walk.seen()
    # The page comes back in English (its text too once `make catalogs` has run).
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url.endswith("/contracts")
    page.goto(walk.server.url + "/lang/ja?next=/")


def test_menu_by_keyboard(walk_factory, resident):
    walk = walk_factory(PHONE_360)
    log_in(walk)
    page = walk.goto("/")
    summary = page.locator("nav .nav-phone summary")
    for _ in range(10):
        if summary.evaluate("el => el === document.activeElement"):
            break
        page.keyboard.press("Tab")
    else:
        raise AssertionError("Tab never reached メニュー")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    first = page.locator(".nav-menu-panel a").first
    expect(first).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    walk.seen()
    expect(page.locator("main h1")).to_have_text("ご利用実績")


def test_wide_screens_keep_every_item_in_the_header(walk_factory, resident):
    walk = walk_factory(DESKTOP)
    log_in(walk)
    page = walk.goto("/")
    nav = page.get_by_role("navigation", name="メインメニュー")
    expect(nav.locator(".nav-phone")).to_be_hidden()
    for name in ("トップ", "ご利用実績", "契約内容のご確認", "各種お手続き"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(nav.get_by_role("button", name="ログアウト")).to_be_visible()
