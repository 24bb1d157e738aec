"""A refused 確認 on a 360 px phone puts the reader on the error summary at the top of the
見守り form (autofocus, no script), each of its lines leads to its field, and 通知先を追加
adds a card, focused, keeping what was typed. axe checks every page seen here with the rest
of the walk (test_zz_accessibility.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, labelled

PHONE_360 = {"width": 360, "height": 740}
EMAIL = "form-errors@example.com"
NUMBER = "00000008095"


@pytest.fixture(scope="module")
def resident(arrange):
    """An account with its own contract with a smart meter, not watched yet."""
    from kodaira_app.extensions import db
    from tests.support.accounts import make_account
    from tests.support.factories import link, make_customer

    with arrange.app_context():
        account = make_account(EMAIL, PASSWORD)
        customer = make_customer(customer_number=NUMBER, name="小平 四郎", meter_id="E2E-M-8095")
        link(account, customer)
        ids = {"contract": customer.id}
        db.session.remove()
    return ids


def focused_id(page) -> str:
    return page.evaluate("() => document.activeElement && document.activeElement.id")


def in_view(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and 0 <= box["y"] < PHONE_360["height"]


def test_a_refused_確認_puts_the_reader_on_the_errors(walk_factory, resident):
    walk = walk_factory(PHONE_360)
    page = walk.goto("/login")
    labelled(page, "メールアドレス").fill(EMAIL)
    labelled(page, "パスワード").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="ログイン").click()
    walk.seen()
    page = walk.goto(f"/watch/{resident['contract']}/edit")
    assert page.locator(".recipient-row").count() == 1

    # 通知先を追加 (a plain submit button): a second card, focused, the first one kept.
    labelled(page, "名前").first.fill("息子")
    page.get_by_role("button", name="通知先を追加").click()
    walk.seen()
    assert page.locator(".recipient-row").count() == 2
    assert focused_id(page) == "recipients-1-name"
    expect(page.locator("#recipients-0-name")).to_have_value("息子")

    # Two overlapping windows and no address: 確認 is refused.
    labelled(page, "1.").select_option(label="22:00")
    labelled(page, "2.").select_option(label="02:00")
    page.get_by_role("button", name="確認").click()
    walk.seen()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    assert focused_id(page) == "error-summary"
    assert in_view(page, "#error-summary")
    expect(summary).to_contain_text("1. 22:00〜翌4:00 と 2. 02:00〜08:00 が重なっています")

    # Each line leads to its field, far below on a phone.
    summary.get_by_role("link", name="通知先1のメールアドレス").click()
    assert page.url.endswith("#recipients-0-email")
    assert in_view(page, "#recipients-0-email")
    summary.get_by_role("link", name="見守り開始時刻 2").click()
    assert page.url.endswith("#hour_2")
    assert in_view(page, "#hour_2")
