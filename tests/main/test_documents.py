"""利用規約 and 個人情報の取扱い: pages of their own, open without login, in every language,
each with its edition and date; linked from every footer, sign-up, 契約の追加 and the FAQ."""

from __future__ import annotations

import pytest

from kodaira_app.auth.agreement import PRIVACY, TERMS
from tests.support.i18n import TARGET_LOCALES
from tests.support.pages import get_page, text

TITLES = {
    "ja": ("利用規約", "個人情報の取扱い"),
    "en": ("Terms of Use", "Privacy Policy"),
    "zh_Hans": ("使用条款", "个人信息的处理"),
    "ko": ("이용약관", "개인정보 처리방침"),
    "vi": ("Điều khoản sử dụng", "Chính sách bảo vệ thông tin cá nhân"),
}
EDITIONS = {
    "ja": "第1版 2026年12月1日",
    "en": "Version 1, December 1, 2026",
    "zh_Hans": "第1版 2026年12月1日",
    "ko": "제1판 2026년 12월 1일",
    "vi": "Phiên bản 1, 1 tháng 12, 2026",
}


def test_the_edition_of_each_document_is_written_once():
    assert (TERMS.version, PRIVACY.version) == ("1", "1")


@pytest.mark.parametrize("locale", ["ja", *TARGET_LOCALES])
@pytest.mark.parametrize(("path", "index"), [("/terms", 0), ("/privacy", 1)])
def test_each_page_opens_without_login_in_every_language_with_its_edition(
    client, locale, path, index
):
    client.set_cookie("lang", locale)
    soup = get_page(client, path)
    assert text(soup.h1) == TITLES[locale][index]
    assert text(soup.select_one(".document-version")) == EDITIONS[locale]
    assert len(soup.main.find_all("h2")) == 8


@pytest.mark.parametrize("path", ["/", "/faq", "/login", "/terms", "/privacy"])
def test_every_footer_links_both_documents(client, path):
    footer = get_page(client, path).select_one("footer")
    links = {text(a): a["href"] for a in footer.find_all("a")}
    assert links["利用規約"] == "/terms" and links["個人情報の取扱い"] == "/privacy"


def test_the_footer_links_them_for_a_resident_too(auth, client):
    auth.signed_in()
    footer = get_page(client, "/").select_one("footer")
    assert {"利用規約", "個人情報の取扱い"} <= {text(a) for a in footer.find_all("a")}


def test_the_footer_marks_the_page_being_read(client):
    footer = get_page(client, "/privacy").select_one("footer")
    assert text(footer.select_one('[aria-current="page"]')) == "個人情報の取扱い"


def test_privacy_names_the_retention_settings_and_the_office(app, client):
    app.config.update(
        READINGS_RETENTION_MONTHS=37, REPORTS_RETENTION_MONTHS=19, OUTBOX_RETENTION_DAYS=45
    )
    soup = get_page(client, "/privacy")
    stored = text(soup.find(id="stored").find_next("dl"))
    assert "1時間ごとの使用水量を37か月分保存" in stored
    assert "通知先ごとのメールの記録を19か月分保存" in stored
    assert "メールの本文は45日後に消去" in stored
    third = text(soup.find(id="third-parties").find_next("p"))
    assert "第三者に渡すことはありません" in third and "メールサーバーの事業者" in third
    contact = soup.select_one(".document-contact")
    assert app.config["CONTACT_OFFICE_NAME"] in text(contact)
    assert contact.a["href"].startswith("tel:")


def test_terms_say_how_to_leave_and_that_the_watch_guarantees_no_one(client):
    soup = get_page(client, "/terms")
    body = text(soup.main)
    assert "「各種お手続き」の「アプリの退会」から、いつでも退会できます。" in body
    assert "安否や生命を保証するものではありません" in body
    assert soup.main.find("a", href="/privacy")


def test_the_faq_privacy_answer_links_the_page(client):
    soup = get_page(client, "/faq")
    privacy = soup.find(id="privacy").find_parent("section")
    assert privacy.find("a", href="/privacy")


def test_adding_a_contract_links_the_privacy_page_without_a_second_box(auth, client):
    auth.signed_in()
    soup = get_page(client, "/contracts/add")
    form = soup.select_one("form.contract-add")
    link = form.find("a", href="/privacy")
    assert link["target"] == "_blank"
    assert "個人情報の取扱い" in text(link)
    boxes = [box["name"] for box in form.find_all("input", type="checkbox")]
    assert boxes == ["consent"]  # 家族 / その他's consent only
