"""The same flows once by keyboard only: Tab to move, Enter and Space to act, arrows in a
radio group, typing in fields and selects. No click, no fill.

Sign up, log in, 契約の追加 (家族, with the consent box), 見守り登録, and 解除.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PASSWORD, labelled

JIRO = {"number": "00000008004", "display": "0-0000008004", "kana": "コダイラ ジロウ"}
EMAIL = "keyboard@example.com"
RECIPIENT = "mago@example.com"
TAB_LIMIT = 80


class Keyboard:
    """Drives a page the way a keyboard user does, and checks each focus can be seen."""

    def __init__(self, walk) -> None:
        self.walk = walk
        self.page = walk.page

    def focus(self, target) -> None:
        for _ in range(TAB_LIMIT):
            if target.evaluate("el => el === document.activeElement"):
                self._check_focus_visible(target)
                return
            self.page.keyboard.press("Tab")
        raise AssertionError(f"Tab never reached {target}")

    def _check_focus_visible(self, target) -> None:
        shown = target.evaluate(
            """el => {
                const s = getComputedStyle(el);
                return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
                    || s.boxShadow !== 'none';
            }"""
        )
        assert shown, f"no visible focus indicator on {target}"

    def press(self, target, key: str = "Enter", navigates: bool = True) -> None:
        self.focus(target)
        if navigates:
            with self.page.expect_navigation():
                self.page.keyboard.press(key)
            self.walk.seen()
        else:
            self.page.keyboard.press(key)

    def type(self, target, text: str) -> None:
        self.focus(target)
        self.page.keyboard.type(text)
        expect(target).to_have_value(text)

    def choose(self, radio) -> None:
        """Tab into the radio group, then arrow to the wanted one (arrows check it)."""
        name = radio.get_attribute("name")
        for _ in range(TAB_LIMIT):
            if self.page.evaluate("n => document.activeElement.name === n", name):
                break
            self.page.keyboard.press("Tab")
        for _ in range(10):
            if radio.evaluate("el => el === document.activeElement"):
                self.page.keyboard.press("Space")
                break
            self.page.keyboard.press("ArrowDown")
        expect(radio).to_be_checked()

    def check(self, box) -> None:
        self.focus(box)
        self.page.keyboard.press("Space")
        expect(box).to_be_checked()

    def select(self, select, label: str) -> None:
        """A closed select takes typed characters (type-ahead) and arrows."""
        self.focus(select)
        self.page.keyboard.type(label[:2])
        for _ in range(30):
            if select.evaluate("el => el.options[el.selectedIndex].text") == label:
                return
            self.page.keyboard.press("ArrowDown")
        raise AssertionError(f"{label} could not be chosen by keyboard")


@pytest.fixture(scope="module")
def jiro(arrange):
    from kodaira_app.extensions import db
    from tests.support.factories import make_customer

    with arrange.app_context():
        make_customer(
            customer_number=JIRO["number"],
            name_kana=JIRO["kana"],
            name="小平 次郎",
            meter_id="E2E-M-8004",
        )
        db.session.remove()
    return JIRO


def test_every_flow_by_keyboard_only(walk_factory, jiro):
    walk = walk_factory(DESKTOP)
    page = walk.page
    keys = Keyboard(walk)
    main = page.get_by_role("main")
    nav = page.get_by_role("navigation", name="メインメニュー")

    walk.goto("/")
    keys.press(main.get_by_role("link", name="アプリへの登録"))
    keys.type(labelled(page, "メールアドレス"), EMAIL)
    keys.type(labelled(page, "パスワード"), PASSWORD)
    keys.type(labelled(page, "パスワード（確認）"), PASSWORD)
    keys.check(page.get_by_role("checkbox", name="利用規約と個人情報の取扱いに同意します"))
    keys.press(page.get_by_role("button", name="登録"))
    expect(page.get_by_role("heading", level=1)).to_have_text("メールを送信しました")

    # The link is opened from the mail program, as any resident opens it.
    walk.goto(walk.server.link_in_mail(EMAIL))
    keys.press(page.get_by_role("button", name="確認を完了する"), key="Space")
    if page.get_by_role("heading", name="ログイン").count():
        keys.type(labelled(page, "メールアドレス"), EMAIL)
        keys.type(labelled(page, "パスワード"), PASSWORD)
        keys.press(main.get_by_role("button", name="ログイン"))
    expect(page.get_by_role("button", name="ログアウト")).to_be_visible()

    # 契約の追加 for a family member, with the consent box.
    keys.press(nav.get_by_role("link", name="契約内容のご確認"))
    keys.press(main.get_by_role("link", name="契約の追加"))
    keys.type(labelled(page, "お客様番号"), jiro["display"])
    keys.type(labelled(page, "お客様氏名カナ"), jiro["kana"])
    keys.choose(labelled(page, "家族"))
    keys.check(labelled(page, "確認した"))
    keys.press(page.get_by_role("button", name="確認"))
    keys.press(page.get_by_role("button", name="登録"), key="Space")
    expect(page.get_by_role("heading", level=1)).to_have_text("契約の追加が完了しました")

    # 見守り登録: the contract, 08:00, one recipient, 確認, 登録.
    keys.press(nav.get_by_role("link", name="各種お手続き"))
    keys.press(main.get_by_role("link", name="見守り登録"))
    keys.choose(page.get_by_role("radio", name=jiro["display"]))
    keys.press(page.get_by_role("button", name="登録"))
    keys.select(labelled(page, "1."), "08:00")
    keys.type(labelled(page, "名前").first, "孫")
    keys.type(labelled(page, "メールアドレス").first, RECIPIENT)
    keys.press(page.get_by_role("button", name="確認"))
    expect(page.get_by_text("1. 08:00")).to_be_visible()
    keys.press(page.get_by_role("button", name="登録"), key="Space")
    expect(page.get_by_text("見守り会員情報の登録が完了しました")).to_be_visible()

    # 解除: back on the registration's screen, the button at its lower right, then はい.
    keys.press(main.get_by_role("link", name="見守り会員情報を確認する"))
    keys.press(page.get_by_role("link", name="現在の見守り設定を解除する"))
    expect(page.get_by_text("現在の見守り設定を解除いたします")).to_be_visible()
    keys.press(page.get_by_role("button", name="はい"), key="Space")
    keys.press(nav.get_by_role("link", name="トップ", exact=True))
    contract = page.get_by_role("region", name=jiro["display"])
    expect(contract).to_contain_text("未登録")
