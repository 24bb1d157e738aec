"""One mail layout: every kind, in every language, opens on its news, carries 問い合わせ先 and
よくある質問 in its footer, and says the same in its text and HTML parts."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from kodaira_app.i18n import LANGUAGES
from kodaira_app.mailer.kinds import KINDS
from kodaira_app.mailer.render import MailRenderer
from kodaira_app.reports.content import Renderer
from tests.support.mail_samples import report_facts, sample_context

LOCALES = list(LANGUAGES)  # ja, en, vi, zh_Hans, ko
URL = re.compile(r"https?://\S+")
CONTACT_HEADING = {
    "ja": "問い合わせ先",
    "en": "Contact",
    "vi": "Nơi liên hệ",
    "zh_Hans": "咨询窗口",
    "ko": "문의처",
}


def _squash(text: str) -> str:
    """Text as read: no spaces, no label colons (「電話: 0164」 in text, 電話 | 0164 in HTML)."""
    return re.sub(r"[\s:：]+", "", text)


def _render(kind: str, locale: str) -> dict:
    return MailRenderer().render(kind, locale, sample_context(kind, locale))


def _soup(mail: dict) -> BeautifulSoup:
    return BeautifulSoup(mail["body_html"], "html.parser")


def test_every_kind_has_a_sample_here():
    from tests.support import mail_samples

    for kind in KINDS:
        assert mail_samples.sample_context(kind) is not None, kind


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_has_the_layout_and_the_contact_footer(app, kind, locale):
    mail = _render(kind, locale)
    soup = _soup(mail)
    assert soup.find("meta", attrs={"name": "viewport"})["content"].startswith("width=device-width")
    column = soup.select_one("div.mail")
    assert "max-width:600px" in column["style"].replace(" ", "")
    assert soup.select_one(".mail-header") is not None
    footer = soup.select_one(".mail-footer")
    heading = footer.select_one(".contact h2").get_text(strip=True)
    assert heading == CONTACT_HEADING[locale]
    phone = footer.select_one('.contact a[href="tel:0164560011"]')
    assert phone is not None and phone.get_text(strip=True) == "0164-56-0011"
    assert footer.find("a", href="http://localhost/faq") is not None
    text = mail["body_text"]
    assert f"{CONTACT_HEADING[locale]}\n" in text and "0164-56-0011" in text
    assert "http://localhost/faq\n" in text
    for part in (text, mail["body_html"], mail["subject"]):
        assert "Asia/Tokyo" not in part


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", list(KINDS))
def test_text_and_html_parts_say_the_same(app, kind, locale):
    mail = _render(kind, locale)
    soup = _soup(mail)
    for hidden in soup.select(".preheader"):
        hidden.decompose()
    text = mail["body_text"]
    html_links = {a["href"] for a in soup.find_all("a") if not a["href"].startswith("tel:")}
    assert html_links == set(URL.findall(text)), kind
    seen_html = _squash(soup.get_text(" "))
    for line in text.splitlines():
        line = line.strip().removeprefix("- ")
        if line and not URL.fullmatch(line) and set(line) != {"―"}:
            assert _squash(line) in seen_html, (kind, line)
    seen_text = _squash(text)
    for element in soup.select("p, li, dt, dd, a, h2"):
        if element.find(["p", "li", "ol", "ul"]):
            continue
        words = _squash(element.get_text(" "))
        assert words in seen_text, (kind, element.get_text(" ", strip=True))


def test_buttons_replace_bare_links(app):
    for kind in KINDS:
        soup = _soup(_render(kind, "ja"))
        body = soup.select_one(".mail-body")
        for link in body.find_all("a"):
            # A link names what it does; no long address is shown as its text.
            assert not link.get_text(strip=True).startswith("http"), (kind, link)
    confirm = _soup(_render("account_confirm", "ja"))
    button = confirm.select_one(".mail-body a.button")
    assert button.get_text(strip=True) == "メールアドレスを確認する"
    assert "display:inline-block" in button["style"]


FIRST_LINES = {
    "ja": "鬼鹿の実家：使用あり 12.5 L ／ 11月25日 06:00〜12:00",
    "en": "鬼鹿の実家: 12.5 L used / Nov 25 06:00–12:00",
    "vi": "鬼鹿の実家: Đã dùng 12,5 L / 25 thg 11 06:00–12:00",
    "zh_Hans": "鬼鹿の実家：有用水 12.5 L ／ 11月25日 06:00～12:00",
    "ko": "鬼鹿の実家: 사용 있음 12.5 L / 11월 25일 06:00~12:00",
}
PREFIX = {
    "ja": "【見守り】",
    "en": "[Watch] ",
    "vi": "[Theo dõi] ",
    "zh_Hans": "【守护】",
    "ko": "[안부 확인] ",
}


@pytest.mark.parametrize("locale", LOCALES)
def test_report_opens_on_its_status_with_the_homes_name(app, locale):
    mail = Renderer().render(report_facts("used", locale))
    assert mail["subject"] == PREFIX[locale] + FIRST_LINES[locale]
    first, blank, greeting = mail["body_text"].splitlines()[:3]
    assert first == FIRST_LINES[locale] and blank == ""
    assert "息子" in greeting  # the greeting comes after the news
    soup = _soup(mail)
    assert soup.select_one(".preheader").get_text(strip=True) == FIRST_LINES[locale]
    headline = soup.select_one(".mail-body > p")
    assert "headline" in headline["class"]
    assert _squash(headline.get_text()) == _squash(FIRST_LINES[locale])
    assert headline.select_one("strong.figure").get_text(strip=True) in FIRST_LINES[locale]
    # every report links 見守り履歴 and the ※ notes in よくある質問
    links = {a["href"] for a in soup.select(".mail-body a.button, .mail-body a")}
    assert "http://localhost/watch/7/history" in links
    assert "http://localhost/faq#notes" in links
    assert soup.select("ul.notes") == [] and "※ 「" not in mail["body_text"]


PARTIAL = {
    "ja": (
        "【見守り】鬼鹿の実家：使用あり 25.1 L 以上（一部未受信） ／ 11月25日 06:00〜12:00",
        "受信できなかった時間: 07:00〜09:00、10:00〜11:00",
    ),
    "en": (
        "[Watch] 鬼鹿の実家: At least 25.1 L used (some data missing) / Nov 25 06:00–12:00",
        "Hours not received: 07:00–09:00 and 10:00–11:00",
    ),
    "vi": (
        "[Theo dõi] 鬼鹿の実家: Đã dùng ít nhất 25,1 L (thiếu một phần dữ liệu)"
        " / 25 thg 11 06:00–12:00",
        "Các giờ chưa nhận được: 07:00–09:00 và 10:00–11:00",
    ),
    "zh_Hans": (
        "【守护】鬼鹿の実家：有用水 25.1 L 以上（部分数据未收到） ／ 11月25日 06:00～12:00",
        "未能接收的时间: 07:00～09:00和10:00～11:00",
    ),
    "ko": (
        "[안부 확인] 鬼鹿の実家: 사용 있음 25.1 L 이상(일부 미수신) / 11월 25일 06:00~12:00",
        "수신하지 못한 시간: 07:00~09:00 및 10:00~11:00",
    ),
}


@pytest.mark.parametrize("locale", LOCALES)
def test_partial_subject_says_what_was_used_and_missing_hours_are_ranges(app, locale):
    mail = Renderer().render(report_facts("partial", locale))
    subject, ranges = PARTIAL[locale]
    assert mail["subject"] == subject
    assert ranges in mail["body_text"].splitlines()
    assert _squash(ranges) in _squash(_soup(mail).get_text())


def test_partial_without_any_use_in_the_hours_received_does_not_claim_use(app):
    mail = Renderer().render(report_facts("partial", "ja", deciliters=0))
    assert mail["subject"].startswith(
        "【見守り】鬼鹿の実家：受信できた時間は使用なし（一部未受信） ／"
    )


NO_USE = {
    "ja": ("見守られている方に電話", "（電話 0164-56-0011）"),
    "en": ("Please call the person you are looking after", "(phone 0164-56-0011)"),
    "vi": ("Vui lòng gọi điện", "(điện thoại 0164-56-0011)"),
    "zh_Hans": ("请通过电话等方式联系被守护的人", "（电话 0164-56-0011）"),
    "ko": ("안부 확인 대상이신 분께 전화", "(전화 0164-56-0011)"),
}


@pytest.mark.parametrize("locale", LOCALES)
def test_no_use_mail_says_what_to_do_first(app, locale):
    mail = Renderer().render(report_facts("none", locale))
    call, office = NO_USE[locale]
    lines = mail["body_text"].splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("1. "))
    assert call in lines[first]
    assert lines[first + 1].startswith("2. ") and office in lines[first + 1]
    assert "小平町 建設課 上下水道係" in lines[first + 1]  # the office of 問い合わせ先
    steps = [li.get_text(" ", strip=True) for li in _soup(mail).select(".advice li")]
    assert len(steps) == 2 and call in steps[0] and office in steps[1]
    used = Renderer().render(report_facts("used", locale))
    assert _soup(used).select(".advice") == [] and call not in used["body_text"]


def test_no_use_advice_without_a_phone_names_the_office_alone(app):
    app.config["CONTACT_PHONE"] = ""
    mail = Renderer().render(report_facts("none", "ja"))
    office = "小平町 建設課 上下水道係"
    assert f"2. 連絡がつかない場合や水道の故障が心配な場合は、{office}にご相談ください。" in (
        mail["body_text"].splitlines()
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_notes_once_in_the_registration_notice_as_one_list(app, locale):
    mail = _render("watch_added", locale)
    notes = _soup(mail).select("ul.notes li")
    assert len(notes) == 4
    assert "list-style:none" in _soup(mail).select_one("ul.notes")["style"].replace(" ", "")
    lines = mail["body_text"].splitlines()
    marker = notes[0].get_text(strip=True)[0]  # ※, or the language's own (*)
    assert marker in "※*"
    for item in notes:
        note = item.get_text(strip=True)
        # one marker: the note's own, no bullet (list-style none) or dash in front of it
        assert note.startswith(marker) and note in lines, note
    assert len([line for line in lines if line.startswith(marker)]) == 4
    for kind in KINDS:
        if kind != "watch_added":
            assert 'ul class="notes"' not in _render(kind, locale)["body_html"], kind
