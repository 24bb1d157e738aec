"""Languages: complete catalogs, the language switch, and mails in the recipient's language."""

from __future__ import annotations

import re

import pytest
from babel.messages.catalog import Catalog

from kodaira_app.extensions import db
from kodaira_app.i18n import LANGUAGES
from kodaira_app.translate import catalog_path, extract, problems, read_catalog
from tests.support.accounts import DEFAULT_PASSWORD, make_account
from tests.support.factories import link, make_customer
from tests.support.i18n import TARGET_LOCALES, TRANSLATIONS
from tests.support.mailbox import text_body
from tests.support.pages import page, text
from tests.support.watch import input_data, register

PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]")


@pytest.fixture(scope="module")
def fresh_template(tmp_path_factory):
    """The msgids of the code and templates as they are now, in source order."""
    path = tmp_path_factory.mktemp("pot") / "messages.pot"
    extract(path)
    return read_catalog(path)


def load_catalog(locale: str):
    po = catalog_path(locale)
    assert po.exists(), f"{locale}: {po.relative_to(TRANSLATIONS.parent)} is missing"
    return read_catalog(po, locale)


def strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


@pytest.mark.parametrize("locale", TARGET_LOCALES)
def test_catalog_translates_every_msgid(fresh_template, locale):
    first = next(problems(fresh_template, load_catalog(locale)), None)
    assert first is None, f"{locale}: msgid {first[1]}: {first[0]!r}"


def test_the_completeness_check_names_what_is_missing(fresh_template):
    catalog = load_catalog("en")
    some = next(m for m in catalog if m.id and not isinstance(m.id, tuple))
    catalog.get(some.id).string = ""
    assert next(problems(fresh_template, catalog)) == (some.id, "not translated")
    catalog.get(some.id).string = "x"
    catalog.get(some.id).flags.add("fuzzy")
    assert next(problems(fresh_template, catalog)) == (some.id, "marked fuzzy")
    empty = Catalog(locale="en", fuzzy=False)
    first = next(m.id for m in fresh_template if m.id)
    first = first[0] if isinstance(first, tuple) else first
    assert next(problems(fresh_template, empty)) == (first, "missing (run flask translate update)")


@pytest.mark.parametrize("locale", TARGET_LOCALES)
def test_catalog_format_strings_are_valid(locale):
    catalog = load_catalog(locale)
    problems = [f"{m.id!r}: {errors}" for m, errors in catalog.check()]
    assert not problems, f"{locale}: " + "; ".join(problems[:5])
    for message in catalog:
        if not message.id or not all(strings(message)):
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for translated in strings(message):
            assert set(PLACEHOLDER.findall(translated)) == wanted, (
                f"{locale}: placeholders differ in {ids[0]!r}: {translated!r}"
            )
            # A lone % would break the new-style gettext of the templates.
            assert "%" not in PLACEHOLDER.sub("", translated).replace("%%", ""), (
                f"{locale}: stray % in {translated!r}"
            )


def test_the_glossary_names_every_language():
    glossary = (TRANSLATIONS / "GLOSSARY.md").read_text(encoding="utf-8")
    header = next(line for line in glossary.splitlines() if line.startswith("| 日本語"))
    assert [cell.strip() for cell in header.strip("|").split("|")] == list(LANGUAGES.values())


# --- The language switch -------------------------------------------------------------


def switch(soup):
    """The language switch: (its current language, {language name: link})."""
    nav = soup.select_one(".language-switch")
    current = text(nav.select_one("summary [lang]"))
    return current, {text(a): a["href"] for a in nav.select("a[lang]")}


def test_first_visit_follows_accept_language(client):
    response = client.get("/", headers={"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"})
    # Caches keep one copy per language.
    assert {"Accept-Language", "Cookie"} <= set(response.vary)
    soup = page(response)
    assert soup.html["lang"] == "vi"
    assert switch(soup)[0] == "Tiếng Việt"
    assert text(soup.select_one("nav a[href='/login']")) == "Đăng nhập"


@pytest.mark.parametrize(
    ("header", "lang"),
    [("zh-CN,zh;q=0.9", "zh-Hans"), ("ko-KR", "ko"), ("fr-FR", "ja"), ("", "ja")],
)
def test_accept_language_maps_to_our_languages(client, header, lang):
    headers = {"Accept-Language": header} if header else {}
    assert page(client.get("/login", headers=headers)).html["lang"] == lang


def test_switch_names_each_language_in_itself_and_remembers_the_choice(client):
    current, links = switch(page(client.get("/login")))
    assert current == "日本語"
    assert list(links) == ["日本語", "English", "简体中文", "한국어", "Tiếng Việt"]
    response = client.get(links["English"])
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    soup = page(client.get("/login"))
    assert soup.html["lang"] == "en"
    assert switch(soup)[0] == "English"
    assert text(soup.h1) == "Log in"
    # The cookie outranks the browser's languages.
    soup = page(client.get("/signup", headers={"Accept-Language": "ko"}))
    assert soup.html["lang"] == "en"


def test_an_unknown_language_changes_nothing(client):
    client.get("/lang/fr?next=/login")
    assert page(client.get("/login")).html["lang"] == "ja"


@pytest.mark.parametrize("locale", TARGET_LOCALES)
def test_switch_works_on_a_resident_page_and_is_kept_on_the_account(app, auth, client, locale):
    account = auth.signed_in()
    link(account, make_customer())
    response = client.get(f"/lang/{locale}?next=/contracts")
    assert response.headers["Location"].endswith("/contracts")
    soup = page(client.get("/contracts"))
    assert soup.html["lang"] == locale.replace("_", "-")
    assert switch(soup)[0] == LANGUAGES[locale]
    db.session.refresh(account)
    assert account.locale == locale


def test_a_new_device_shows_the_account_language_after_login(app, client):
    account = make_account()
    account.locale = "vi"
    db.session.commit()
    assert page(client.get("/login")).html["lang"] == "ja"
    client.post("/login", data={"email": account.email, "password": DEFAULT_PASSWORD})
    soup = page(client.get("/"))
    assert soup.html["lang"] == "vi"
    assert switch(soup)[0] == "Tiếng Việt"


def test_a_language_chosen_before_login_is_kept_on_the_account(app, client):
    account = make_account()
    client.get("/lang/en?next=/login")
    client.post("/login", data={"email": account.email, "password": DEFAULT_PASSWORD})
    db.session.refresh(account)
    assert account.locale == "en"
    assert page(client.get("/")).html["lang"] == "en"


# --- Mails in the recipient's language -----------------------------------------------


def test_signup_mail_is_in_the_language_of_the_page(app, client, smtp, run_jobs):
    client.get("/lang/en?next=/signup")
    client.post(
        "/signup",
        data={
            "email": "ken@example.com",
            "password": DEFAULT_PASSWORD,
            "password_confirm": DEFAULT_PASSWORD,
            "confirm": DEFAULT_PASSWORD,
            "agree": "y",
        },
    )
    run_jobs()
    [message] = smtp.messages
    assert message["Subject"].strip() == "[Obira Town Water App] Confirm your email address"
    assert "Please open the following link to confirm your email address." in text_body(message)


def test_reset_mail_follows_the_account_not_the_browser(app, client, smtp, run_jobs):
    account = make_account()
    account.locale = "vi"
    db.session.commit()
    client.post("/reset", data={"email": account.email}, headers={"Accept-Language": "en"})
    run_jobs()
    [message] = smtp.messages
    assert message["Subject"] == "[Ứng dụng Cấp nước Thị trấn Obira] Đặt lại mật khẩu"


def test_watch_recipient_language_is_chosen_on_the_input_screen(app, auth, client, smtp, run_jobs):
    account = auth.signed_in()
    customer = make_customer()
    link(account, customer)
    client.get(f"/lang/vi?next=/watch/{customer.id}/edit")
    soup = page(client.get(f"/watch/{customer.id}/edit"))
    # Each recipient's language, named in itself; new rows start in the adder's language.
    select = soup.find("select", attrs={"name": "recipients-0-locale"})
    assert select is not None
    label = soup.find("label", attrs={"for": select["id"]})
    assert text(label).rstrip("*") == "Ngôn ngữ thư"
    assert [text(o) for o in select.find_all("option")] == list(LANGUAGES.values())
    assert select.find("option", selected=True)["value"] == "vi"

    data = input_data(hours=("6", ""), recipients=(("息子", "son@example.com"),), locale="en")
    client.post(f"/watch/{customer.id}/edit", data=data)
    client.post(f"/watch/{customer.id}/confirm")
    run_jobs()
    [message] = smtp.messages
    assert message["Subject"].strip() == (
        "[Obira Town Water App] You have been added as a notification recipient of watch emails"
    )
    body = text_body(message)
    assert body.startswith("Dear 息子,")
    # Times are Japan time, and the mail says so.
    assert "Japan time" in body


def stop_token_of(locale: str) -> str:
    account = make_account("hanako@example.com")
    registration = register(account, make_customer())
    recipient = registration.recipients[0]
    recipient.locale = locale
    db.session.commit()
    return recipient.stop_token


def test_stop_page_is_in_the_recipients_language(app, client):
    token = stop_token_of("en")
    soup = page(client.get(f"/stop/{token}", headers={"Accept-Language": "ja"}))
    assert soup.html["lang"] == "en"
    assert text(soup.h1) == "Stop watch emails"
    assert switch(soup)[0] == "English"
    client.post(f"/stop/{token}")
    soup = page(client.get(f"/stop/{token}"))
    assert text(soup.select_one(".stop-result")) == (
        "Watch emails to this email address have been stopped."
    )


def test_stop_page_follows_a_language_chosen_with_the_switch(app, client):
    token = stop_token_of("en")
    client.get(f"/lang/vi?next=/stop/{token}")
    soup = page(client.get(f"/stop/{token}"))
    assert soup.html["lang"] == "vi"
    assert text(soup.h1) == "Ngừng nhận thư theo dõi"


def test_each_pages_language_links_come_back_to_that_page(app, auth, client):
    """The header is kept once per page and language; the way back is each request's own."""
    auth.signed_in()
    for path in ("/usage", "/usage?month=2026-11&x=%E6%B0%B4+1", "/usage?month=2026-10"):
        current, links = switch(page(client.get(path)))
        assert current == "日本語"
        response = client.get(links["English"])
        assert response.headers["Location"] == path
        client.get("/lang/ja?next=/")


def test_the_header_follows_the_login_on_the_same_page(app, auth, client):
    names = lambda soup: [text(a) for a in soup.select(".nav-wide > li > a")]  # noqa: E731
    assert names(page(client.get("/faq"))) == ["見守りサービスとは", "ログイン", "アプリへの登録"]
    auth.signed_in()
    soup = page(client.get("/faq"))
    assert names(soup)[:2] == ["トップ", "ご利用実績"]
    assert text(soup.select_one(".nav-wide button")) == "ログアウト"
    client.get("/lang/ko?next=/faq")
    assert names(page(client.get("/faq")))[0] == "홈"


def test_error_pages_are_in_the_visitors_language(app, client):
    soup = page(client.get("/no-such-page"), status=404)
    assert text(soup.h1) == "ページが見つかりません"
    client.get("/lang/en?next=/")
    soup = page(client.get("/no-such-page"), status=404)
    assert soup.html["lang"] == "en"
    assert text(soup.h1) == "Page not found"
    assert text(soup.select_one("main a")) == "Back to Home"


def test_api_errors_are_left_to_the_api(app, client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert b"language-switch" not in response.data


def test_email_change_mails_follow_the_account_language(app, auth, client, smtp, run_jobs):
    account = auth.signed_in()
    client.get("/lang/vi?next=/procedures/email")
    client.post(
        "/procedures/email",
        data={"email": "new@example.com", "current_password": DEFAULT_PASSWORD},
        headers={"Accept-Language": "en"},
    )
    run_jobs()
    [message] = smtp.messages
    assert message["To"] == "new@example.com"
    assert message["Subject"].strip() == (
        "[Ứng dụng Cấp nước Thị trấn Obira] Xác nhận thay đổi địa chỉ email"
    )
    db.session.refresh(account)
    assert account.locale == "vi"


def test_customer_data_is_marked_untranslated_japanese(app, auth, client):
    account = auth.signed_in()
    link(account, make_customer(name="小平 太郎", address="北海道留萌郡小平町字小平町1番地"))
    client.get("/lang/en?next=/")
    soup = page(client.get("/"))
    marked = {text(node): node.get("lang") for node in soup.select("main [translate=no]")}
    assert marked["小平 太郎"] == "ja"  # browsers leave it, screen readers read it as Japanese
    assert marked["北海道留萌郡小平町字小平町1番地"] == "ja"


@pytest.fixture
def csrf_on(app_config):
    app_config["WTF_CSRF_ENABLED"] = True


def test_a_form_sent_without_its_token_gets_a_page_in_the_visitors_language(csrf_on, app, client):
    client.get("/lang/vi?next=/login")
    response = client.post("/login", data={"email": "taro@example.com", "password": "x"})
    soup = page(response, status=400)
    assert soup.html["lang"] == "vi"
    assert text(soup.h1) == "Vui lòng thử lại"
