"""問い合わせ先 on every page and error page, in each language; the phone header's menu."""

from __future__ import annotations

import pytest
from flask import render_template
from flask_babel import force_locale

from kodaira_app.config import DEMO_CONTACT, load_config
from tests.support.pages import get_page, page, text
from tests.support.watch import own_contract, register

LABELS = {
    "ja": ("問い合わせ先", "電話", "受付時間", "休日・夜間の漏水・破裂"),
    "en": ("Contact", "Phone", "Office hours", "Leaks and burst pipes on holidays and at night"),
    "zh_Hans": ("咨询窗口", "电话", "受理时间", "节假日及夜间的漏水、水管破裂"),
    "ko": ("문의처", "전화", "접수 시간", "휴일·야간 누수·파열"),
    "vi": ("Nơi liên hệ", "Điện thoại", "Giờ tiếp nhận", "Rò rỉ, vỡ ống vào ngày nghỉ và ban đêm"),
}
DEMO_HOURS = {
    "ja": "平日 8:30〜17:15（土日・祝日・年末年始を除く）",
    "en": "Weekdays 8:30–17:15 (closed on weekends, national holidays and over the New Year)",
    "zh_Hans": "工作日 8:30～17:15（周六、周日、法定节假日及年末年初除外）",
    "ko": "평일 8:30~17:15(토·일요일, 공휴일, 연말연시 제외)",
    "vi": "Ngày thường 8:30–17:15 (trừ thứ Bảy, Chủ nhật, ngày lễ và dịp cuối năm – đầu năm)",
}
PUBLIC_PAGES = ["/", "/about", "/guide", "/faq", "/login", "/signup"]
RESIDENT_PAGES = ["/", "/payments", "/pay", "/contracts", "/procedures", "/watch"]


def footer_contact(soup) -> dict:
    """What the footer's 問い合わせ先 says: heading, office, address, {label: value}."""
    section = soup.select_one("footer .contact")
    assert section is not None, "no 問い合わせ先 in the footer"
    lines = {
        text(group.dt): (text(group.dd), group.dd.a["href"] if group.dd.a else None)
        for group in section.select(".contact-lines > div")
    }
    return {
        "heading": text(section.h2),
        "office": text(section.select_one(".contact-office")),
        "address": text(section.select_one(".contact-address")),
        "lines": lines,
    }


def expected(locale: str) -> dict:
    heading, phone, hours, emergency = LABELS[locale]
    lines = {
        phone: (DEMO_CONTACT["CONTACT_PHONE"], "tel:0164560011"),
        hours: (DEMO_HOURS[locale], None),
        emergency: (DEMO_CONTACT["CONTACT_EMERGENCY_PHONE"], "tel:0164560019"),
    }
    return {
        "heading": heading,
        "office": DEMO_CONTACT["CONTACT_OFFICE_NAME"],  # as configured, in every language
        "address": DEMO_CONTACT["CONTACT_ADDRESS"],
        "lines": lines,
    }


def check(soup, locale: str) -> None:
    assert footer_contact(soup) == expected(locale)


@pytest.mark.parametrize("locale", list(LABELS))
def test_every_public_page_names_the_office_in_each_language(client, locale):
    client.get(f"/lang/{locale}?next=/")
    for url in PUBLIC_PAGES:
        check(get_page(client, url), locale)


@pytest.mark.parametrize("locale", list(LABELS))
def test_every_resident_page_names_the_office(client, auth, locale):
    account = auth.signed_in()
    contract = own_contract(account)
    register(account, contract)
    client.get(f"/lang/{locale}?next=/")
    own = [f"/usage/{contract.id}", f"/watch/{contract.id}/history", f"/watch/{contract.id}/edit"]
    for url in RESIDENT_PAGES + own:
        check(get_page(client, url), locale)


@pytest.mark.parametrize("locale", list(LABELS))
def test_error_pages_name_the_office(client, locale):
    client.get(f"/lang/{locale}?next=/")
    check(page(client.get("/no-such-page"), status=404), locale)
    check(page(client.post("/faq"), status=405), locale)


@pytest.fixture
def configured(app_config):
    app_config.update(
        CONTACT_OFFICE_NAME="別町 水道課",
        CONTACT_ADDRESS="北海道別町1番地",
        CONTACT_PHONE="(0123) 45-6789",
        CONTACT_HOURS="毎日 9:00〜16:00",
        CONTACT_EMERGENCY_PHONE="",
    )
    return app_config


def test_a_town_sets_its_own_office_and_blank_lines_are_left_out(configured, client):
    client.get("/lang/en?next=/")
    found = footer_contact(get_page(client, "/faq"))
    assert found["office"] == "別町 水道課" and found["address"] == "北海道別町1番地"
    assert found["lines"] == {
        "Phone": ("(0123) 45-6789", "tel:0123456789"),
        "Office hours": ("毎日 9:00〜16:00", None),  # configured text is shown as it is
    }


@pytest.fixture
def unset(app_config):
    app_config.update({name: "" for name in DEMO_CONTACT})
    return app_config


def test_without_settings_no_contact_is_shown(unset, client):
    assert get_page(client, "/").select_one("footer .contact") is None


def test_development_defaults_are_the_demo_office_and_production_has_none():
    development = load_config({"APP_ENV": "development"})
    assert {k: development[k] for k in DEMO_CONTACT} == DEMO_CONTACT
    production = load_config({"APP_ENV": "production", "SECRET_KEY": "x"})
    assert all(production[name] == "" for name in DEMO_CONTACT)
    assert all(load_config({})[name] == "" for name in DEMO_CONTACT)  # production by default
    own = load_config({"APP_ENV": "development", "CONTACT_PHONE": "0164-00-0000"})
    assert own["CONTACT_PHONE"] == "0164-00-0000"


def test_the_mail_partials_render_in_a_job_in_the_recipients_language(app):
    with force_locale("ko"):
        body = render_template("_contact.txt")
        html = render_template("_contact.html")
    assert body.splitlines()[:3] == [
        "문의처",
        DEMO_CONTACT["CONTACT_OFFICE_NAME"],
        DEMO_CONTACT["CONTACT_ADDRESS"],
    ]
    assert "전화: 0164-56-0011" in body
    assert "휴일·야간 누수·파열: 0164-56-0019" in body
    assert 'href="tel:0164560019"' in html


# --- the header on a phone: トップ and メニュー, the rest behind it --------------------------


def test_phone_header_keeps_top_and_puts_the_rest_and_the_languages_in_the_menu(client, auth):
    auth.signed_in()
    soup = get_page(client, "/contracts")
    phone = soup.select_one("nav .nav-phone")
    first = phone.find("li", recursive=False)
    assert text(first) == "トップ" and first.a["href"] == "/"
    menu = phone.select_one("details")
    assert text(menu.summary) == "メニュー"
    items = [text(a) for a in menu.select(".nav-menu-panel > ul:not(.nav-languages) a")]
    assert items == [
        "ご利用実績",
        "お支払い実績",
        "料金のお支払い",
        "契約内容のご確認",
        "各種お手続き",
    ]
    assert text(menu.select_one("button")) == "ログアウト"
    assert [text(a) for a in menu.select(".nav-languages a")] == [
        "日本語",
        "English",
        "简体中文",
        "한국어",
        "Tiếng Việt",
    ]
    # The current page is marked in both lists.
    current = [text(a) for a in soup.select("nav a[aria-current='page']")]
    assert current == ["契約内容のご確認", "契約内容のご確認"]


def test_phone_header_before_login_offers_login_first(client):
    phone = get_page(client, "/about").select_one("nav .nav-phone")
    assert text(phone.find("li", recursive=False)) == "ログイン"
    menu_items = [text(a) for a in phone.select(".nav-menu-panel > ul:not(.nav-languages) a")]
    assert menu_items == ["見守りサービスとは", "アプリへの登録"]
