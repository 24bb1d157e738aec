"""よくある質問: the ※ notes explained, every report status, mails, stopping, pauses,
privacy and languages; reached from the footer and the guide."""

from __future__ import annotations

import re

import pytest

from kodaira_app.config import PROJECT_ROOT
from kodaira_app.reports import followups, usual
from kodaira_app.watch.history import STATUS
from kodaira_app.watch.pauses import MAX_PAUSE_DAYS
from tests.support.pages import get_page, text

SEED_NOTES = PROJECT_ROOT / "templates" / "mail" / "_report_notes.txt"


@pytest.fixture
def faq(client):
    return get_page(client, "/faq")


def section(soup, anchor: str):
    return soup.find(id=anchor).find_parent("section")


def test_contents_lead_to_every_section(faq):
    links = [a["href"] for a in faq.select(".faq-contents a")]
    assert links == [
        "#notes",
        "#statuses",
        "#no-mail",
        "#stop",
        "#pause",
        "#privacy",
        "#languages",
    ]
    for link in links:
        assert faq.find(id=link[1:]).name == "h2"


def test_every_note_of_the_mails_is_explained(faq):
    """The ※ notes of every report mail, each followed by what it means."""
    mail_notes = re.findall(r'_\("(※[^"]+)"\)', SEED_NOTES.read_text(encoding="utf-8"))
    assert len(mail_notes) == 4
    notes = section(faq, "notes")
    terms = [text(dt) for dt in notes.find_all("dt")]
    assert terms[:4] == mail_notes
    assert terms[4].startswith("※ パターン②の場合")
    for dt in notes.find_all("dt"):
        assert len(text(dt.find_next_sibling("dd"))) > 20


def test_every_status_of_the_history_is_explained(faq):
    statuses = section(faq, "statuses")
    terms = [text(dt) for dt in statuses.find_all("dt")]
    assert [str(label) for label in STATUS.values()] == terms[:6]
    assert terms[6] == "ふだんの使用量"
    explained = text(statuses)
    # The figures the page states are the tick's own.
    assert f"{followups.FOLLOWUP_HOURS}時間以内にデータが届いたときは" in explained
    assert f"過去{usual.HISTORY_DAYS}日間の同じ時間帯" in explained
    assert "約30分後" in explained and "（6時間）" in explained


def test_no_mail_stop_pause_privacy_and_languages(faq):
    assert "迷惑メール" in text(section(faq, "no-mail"))
    stop = text(section(faq, "stop"))
    assert "ログインは不要です" in stop and "現在の見守り設定を解除する" in stop
    assert f"最長{MAX_PAUSE_DAYS}日間" in text(section(faq, "pause"))
    privacy = section(faq, "privacy")
    assert [text(dt) for dt in privacy.find_all("dt")] == [
        "保存する情報",
        "見ることができる人",
        "保存期間",
        "退会したとき",
    ]
    assert "過去60日分" in text(privacy)
    languages = text(section(faq, "languages"))
    assert "日本語、English、简体中文、한국어、Tiếng Việt" in languages


def test_reached_from_the_footer_of_every_page_and_the_guide(client):
    for url in ("/", "/about", "/guide", "/login"):
        footer = get_page(client, url).select_one("footer")
        assert footer.find("a", string="よくある質問")["href"] == "/faq"
    guide = get_page(client, "/guide").select_one("main")
    assert guide.find("a", href="/faq") is not None


def test_faq_in_vietnamese(client):
    client.get("/lang/vi?next=/")
    soup = get_page(client, "/faq")
    assert text(soup.h1) == "Câu hỏi thường gặp"
    assert text(soup.find(id="privacy")) == "Xử lý thông tin cá nhân"
    current = soup.select_one("footer a[aria-current='page']")
    assert text(current) == "Câu hỏi thường gặp"
