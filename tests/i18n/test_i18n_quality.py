"""The catalogs read as a native professional writes for a public utility, and stay so.

Beyond completeness (tests/test_i18n.py): the polite register (no "bạn" in Vietnamese, no
한다체 in Korean), the town's real name (Obira; 小平市 in Tokyo is Kodaira), one translation
per glossary term (translations/GLOSSARY.md), and no Japanese punctuation in the mails of
the other languages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import pytest
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup

from kodaira_app.mailer.outbox import render_mail
from kodaira_app.reports.content import Renderer
from kodaira_app.staff import totp
from tests.i18n.test_i18n_pages import MAIL_KINDS, mail_context, report_facts
from tests.support.accounts import make_account
from tests.support.factories import link, make_customer
from tests.support.i18n import TARGET_LOCALES, TRANSLATIONS
from tests.support.pages import page
from tests.support.pages import text as shown
from tests.support.watch import input_data

TEMPLATES = TRANSLATIONS.parent / "templates"
GLOSSARY = TRANSLATIONS / "GLOSSARY.md"
LOCALE_COLUMNS = {"en": 1, "zh_Hans": 2, "ko": 3, "vi": 4}


@cache
def catalog(locale: str):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=locale)


def entries(locale: str) -> list[tuple[str, str]]:
    """(msgid, msgstr) of every entry; each plural form is an entry of its own."""
    out = []
    for message in catalog(locale):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        out += [(ids[0], text) for text in texts]
    return out


def report(found: list[str]) -> str:
    more = f"\n  … {len(found) - 40} more" if len(found) > 40 else ""
    return "\n  " + "\n  ".join(found[:40]) + more


# --- Register ------------------------------------------------------------------------

BAN = re.compile(r"(?<![\w])bạn(?![\w])", re.IGNORECASE)


def informal_vietnamese(text: str) -> bool:
    """ "bạn" addresses a friend; a utility writes "Quý khách" / "quý vị"."""
    return bool(BAN.search(text))


# A sentence ending in 다 after anything but 니 (합니다, 입니다, 습니다 are 합니다체):
# 한다, 된다, 있다, 없다, 이다, 했다 … are the plain 한다체 of a textbook, not of a notice.
PLAIN_ENDING = re.compile(r"(?<!니)다(?=\s*(?:[.!?)\]'\"]|$))", re.MULTILINE)


def plain_korean(text: str) -> bool:
    return bool(PLAIN_ENDING.search(text))


def test_the_register_checks_can_fail():
    assert informal_vietnamese("Bạn đã đăng ký.")
    assert informal_vietnamese("Cảm ơn bạn")
    assert not informal_vietnamese("Quý khách đã đăng ký.")
    assert plain_korean("앱에 등록한다.")
    assert plain_korean("메일 주소를 설정한다")
    assert plain_korean("알림이 발송된다. 다음")
    assert plain_korean("데이터가 없다.")
    assert not plain_korean("앱에 등록합니다.")
    assert not plain_korean("'등록' 버튼을 누릅니다")
    assert not plain_korean("(아래는 예시 이미지입니다)")


def test_vietnamese_addresses_residents_as_quy_khach():
    found = [f"{mid!r}: {text!r}" for mid, text in entries("vi") if informal_vietnamese(text)]
    assert not found, "Vietnamese says bạn:" + report(found)


def test_korean_is_written_in_the_formal_style_throughout():
    found = [f"{mid!r}: {text!r}" for mid, text in entries("ko") if plain_korean(text)]
    assert not found, "Korean 한다체 endings:" + report(found)


# --- The town's name -----------------------------------------------------------------

WRONG_NAME = re.compile(r"kodaira|고다이라|コダイラ|こだいら", re.IGNORECASE)
JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)


def test_the_name_check_can_fail():
    assert WRONG_NAME.search("Kodaira Town Water App")
    assert WRONG_NAME.search("고다이라초")
    assert not WRONG_NAME.search("Obira Town Water App 오비라초")


@pytest.mark.parametrize("locale", TARGET_LOCALES)
def test_catalogs_name_the_town_obira(locale):
    found = [f"{mid!r}: {text!r}" for mid, text in entries(locale) if WRONG_NAME.search(text)]
    header = f"{catalog(locale).last_translator} {catalog(locale).language_team}"
    if WRONG_NAME.search(header):
        found.append(f"header: {header}")
    assert not found, f"{locale} calls the town Kodaira:" + report(found)


def test_templates_name_the_town_obira():
    found = []
    for path in sorted(TEMPLATES.rglob("*")):
        if path.suffix not in (".html", ".txt") or not path.is_file():
            continue
        text = JINJA_COMMENT.sub("", path.read_text(encoding="utf-8"))  # code paths, not read
        found += [
            f"{path.relative_to(TEMPLATES)}: {line.strip()}"
            for line in text.splitlines()
            if WRONG_NAME.search(line)
        ]
    assert not found, "Templates call the town Kodaira:" + report(found)


def test_the_staff_authenticator_names_the_town():
    assert "Obira" in totp.ISSUER and not WRONG_NAME.search(totp.ISSUER)


@pytest.mark.parametrize("locale", TARGET_LOCALES)
def test_the_town_keeps_its_name_in_every_mention(locale):
    """Every msgid naming 小平町 says Obira (Chinese: 小平町)."""
    term = {"en": "Obira", "zh_Hans": "小平町", "ko": "오비라초", "vi": "Obira"}[locale]
    found = [
        f"{mid!r}: {text!r}"
        for mid, text in entries(locale)
        if "小平町" in mid and term not in text
    ]
    assert not found, f"{locale} leaves the town unnamed:" + report(found)


# --- Glossary ------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    japanese: str
    translations: dict[str, str]
    label: bool  # a button, menu item or screen name: checked where it is the label or quoted

    def applies_to(self, msgid: str) -> bool:
        if self.label:
            return msgid == self.japanese or f"「{self.japanese}」" in msgid
        return self.japanese in msgid


NOTE = re.compile(r"\s*[(（][^)）]*[)）]")


def cell_terms(cell: str) -> list[str]:
    return [NOTE.sub("", part).strip() for part in cell.split(" / ")]


def glossary_terms() -> list[Term]:
    """The rows of the glossary's term table, one Term per Japanese variant."""
    lines = GLOSSARY.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| 日本語"))
    terms = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        japanese = cells[0].split(" / ")
        per_locale = {locale: cell_terms(cells[col]) for locale, col in LOCALE_COLUMNS.items()}
        for n, variant in enumerate(japanese):
            label = variant.startswith("「")
            translations = {
                locale: words[n] if len(words) == len(japanese) else words[0]
                for locale, words in per_locale.items()
            }
            terms.append(Term(variant.strip("「」"), translations, label))
    return terms


def mismatches(locale: str, terms: list[Term]) -> list[str]:
    found = []
    for term in terms:
        wanted = term.translations[locale]
        for msgid, text in entries(locale):
            if term.applies_to(msgid) and wanted.casefold() not in text.casefold():
                found.append(f"{term.japanese} → {wanted!r} missing in {msgid!r}: {text!r}")
    return found


def test_the_glossary_is_read_as_written():
    terms = {t.japanese: t for t in glossary_terms()}
    assert terms["小平町"].translations["ko"] == "오비라초"
    assert terms["確認"].label and terms["確認"].translations["en"] == "Review"
    assert terms["戻る"].translations["vi"] == "Quay lại"
    assert terms["見守り期間"].translations["zh_Hans"] == "守护时段"
    assert terms["お客様氏名カナ"].translations["en"] == "customer name"  # the note dropped
    assert not terms["口座振替"].label
    assert terms["口座振替"].applies_to("口座振替のお申し込み")
    assert terms["確認"].applies_to("入力後、「確認」ボタンをクリックします。")
    assert not terms["確認"].applies_to("確認メールを送る")
    # A translation the catalog does not use is reported, once per entry.
    unused = Term("見守りサービスとは", {"en": "Guardian service"}, False)
    assert mismatches("en", [unused]) == [
        "見守りサービスとは → 'Guardian service' missing in '見守りサービスとは': "
        "'What is the watch service?'"
    ]


@pytest.mark.parametrize("locale", TARGET_LOCALES)
def test_each_glossary_term_has_one_translation(locale):
    found = mismatches(locale, glossary_terms())
    assert not found, f"{locale}: glossary terms translated another way:" + report(found)


@pytest.mark.parametrize("locale", TARGET_LOCALES)
def test_the_cancel_notice_is_not_the_button(locale):
    """The guide says: press 「…解除する」 and 「…解除いたします」 is shown; they must differ."""
    strings = dict(entries(locale))
    assert strings["現在の見守り設定を解除いたします"] != strings["現在の見守り設定を解除する"]


# --- Japanese punctuation in the mails ----------------------------------------------

# English, Korean and Vietnamese use none of these; Chinese writes 、。（）【】 itself, but
# not the Japanese corner brackets, the wave dash (Chinese has ～) or the katakana dot.
JAPANESE_PUNCTUATION = {
    "en": "「」『』、。〜（）・【】",
    "ko": "「」『』、。〜（）・【】",
    "vi": "「」『』、。〜（）・【】",
    "zh_Hans": "「」『』〜・",
}


def punctuation_in(locale: str, part: str, text: str) -> list[str]:
    marks = JAPANESE_PUNCTUATION[locale]
    return [
        f"{part}: {line.strip()}"
        for line in text.splitlines()
        if any(mark in line for mark in marks)
    ]


def mail_parts(subject: str, text: str, html: str) -> list[tuple[str, str]]:
    return [
        ("subject", subject),
        ("text", text),
        ("html", BeautifulSoup(html, "html.parser").get_text("\n")),
    ]


def rendered_mails(locale: str) -> dict[str, list[tuple[str, str]]]:
    """Every mail kind, every report status, as the app renders it for `locale`."""
    mails = {}
    for kind in MAIL_KINDS:
        if kind == "report":
            continue
        mails[kind] = mail_parts(*render_mail(kind, locale, **mail_context()))
    renderer = Renderer()
    for status in ("used", "none", "partial", "missing"):
        for late in (False, True):
            mail = renderer.render(report_facts(locale, "report", status, late))
            mails[f"report/{status}/{'late' if late else 'on time'}"] = mail_parts(
                mail["subject"], mail["body_text"], mail["body_html"]
            )
    mail = renderer.render(report_facts(locale, "followup", "partial", False))
    mails["followup"] = mail_parts(mail["subject"], mail["body_text"], mail["body_html"])
    return mails


def test_the_punctuation_check_can_fail():
    assert punctuation_in("ko", "text", "안부 확인 시간(일본 시간)、06:00")
    assert punctuation_in("zh_Hans", "text", "请按「登记」")
    assert not punctuation_in("zh_Hans", "text", "【小平町自来水应用】请按“登记”。")


@pytest.mark.parametrize("locale", TARGET_LOCALES)
def test_mails_carry_no_japanese_punctuation(app, locale):
    found = []
    for kind, parts in rendered_mails(locale).items():
        for part, text in parts:
            found += [f"{kind} {line}" for line in punctuation_in(locale, part, text)]
    assert not found, f"Japanese punctuation in {locale} mails:" + report(found)


# --- Japan time and the labels on the screens ---------------------------------------

ALL_LOCALES = ["ja", *TARGET_LOCALES]


def glossary_term(japanese: str, locale: str) -> str:
    if locale == "ja":
        return japanese
    return next(t for t in glossary_terms() if t.japanese == japanese).translations[locale]


@pytest.mark.parametrize("locale", ALL_LOCALES)
def test_the_watch_screens_say_the_hours_are_japan_time(app, auth, client, locale):
    """A son abroad picking 06:00 reads that it is 06:00 in Japan, on input and review."""
    japan_time = glossary_term("日本時間", locale)
    customer = make_customer()
    link(auth.signed_in(), customer)
    client.set_cookie("lang", locale)
    note = page(client.get(f"/watch/{customer.id}/edit")).select_one(".watch-hours .time-zone-note")
    assert japan_time.casefold() in shown(note).casefold()
    client.post(f"/watch/{customer.id}/edit", data=input_data(hours=("6", "")))
    soup = page(client.get(f"/watch/{customer.id}/confirm"))
    assert [shown(d) for d in soup.select(".watch-hour")] == ["1. 06:00"]
    assert japan_time.casefold() in shown(soup.select_one(".time-zone-note")).casefold()
    client.post(f"/watch/{customer.id}/confirm")
    soup = page(client.get(f"/watch/{customer.id}/pause"))
    assert japan_time.casefold() in shown(soup.select_one(".time-zone-note")).casefold()
    soup = page(client.get("/"))
    assert japan_time.casefold() in shown(soup.select_one(".watch-windows")).casefold()


@pytest.mark.parametrize("locale", ALL_LOCALES)
def test_the_login_lockout_names_a_japan_time(client, locale):
    make_account()
    client.set_cookie("lang", locale)
    for _ in range(6):
        response = client.post("/login", data={"email": "taro@example.com", "password": "x"})
    message = shown(page(response).select_one(".form-errors"))
    assert re.search(r"\d\d:\d\d", message)
    assert glossary_term("日本時間", locale).casefold() in message.casefold()


@pytest.mark.parametrize("locale", ALL_LOCALES)
def test_the_guide_quotes_the_menu_label_its_reader_sees(auth, client, locale):
    """Both patterns send the reader to the 見守り登録 item of 各種お手続き, as labelled."""
    auth.signed_in()
    client.set_cookie("lang", locale)
    menu = page(client.get("/procedures")).select_one("ul.menu a[href='/watch']")
    label = shown(menu)
    assert label == glossary_term("見守り登録", locale)
    guide = page(client.get("/guide"))
    for pattern, mark in (("pattern-1", "②"), ("pattern-2", "⑦")):
        section = guide.find(id=pattern).find_parent("section")
        [step] = [
            li
            for li in section.select(".guide-steps > li")
            if shown(li.select_one(".step-mark")) == mark
        ]
        assert label in shown(step.p), f"{pattern} {mark}: {shown(step.p)}"


@pytest.mark.parametrize("locale", TARGET_LOCALES)
def test_the_consent_line_reads_as_a_condition(locale):
    """「申込者が契約者ご本人ではありません。」 introduces the question after it."""
    line = dict(entries(locale))["申込者が契約者ご本人ではありません。"]
    assert line.endswith((":", "："))
