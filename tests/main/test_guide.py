"""The public pages 見守りサービスとは and the illustrated guide, and the guide's screenshots."""

from __future__ import annotations

import re
import struct

import pytest
from bs4 import BeautifulSoup

from tests.e2e import screens
from tests.support.pages import get_page

NOTES = (
    "生命を保証するものではない",
    "水道スマートメーターが設置された水栓でのみ",
    "電波状況によってはご利用できない",
    "本サービスのご利用料金自体は無料",
)


def section(soup: BeautifulSoup, heading: str):
    """The <section> a heading titles."""
    title = soup.find(["h2", "h3"], string=heading)
    assert title is not None, f"no heading {heading}"
    return title.find_parent("section")


def steps(soup: BeautifulSoup, heading: str) -> list[str]:
    return [
        li.p.get_text(" ", strip=True)
        for li in section(soup, heading).select("ol.guide-steps > li")
    ]


@pytest.mark.parametrize("path", ["/about", "/guide"])
def test_service_text_and_the_notes_without_login(client, path):
    soup = get_page(client, path)
    text = soup.main.get_text()
    assert "事前に指定した時間帯の水道の使用水量を監視し" in text
    assert "水の使用量がゼロの場合でもメールは送信されます" in text
    notes = [li.get_text() for li in soup.select("ul.notes li")]
    assert len(notes) == 4
    for note, words in zip(notes, NOTES, strict=True):
        assert note.startswith("※") and words in note
    patterns = [dt.get_text() for dt in section(soup, "見守りサービスの登録パターン").select("dt")]
    assert patterns == ["パターン1", "パターン2"]


def test_about_leads_to_the_guide(client):
    soup = get_page(client, "/about")
    link = soup.main.find("a", string=re.compile("画面つきのご案内"))
    assert link["href"] == "/guide"


def test_timeline_picture_shows_the_window_and_the_mail_half_an_hour_later(client):
    soup = get_page(client, "/guide")
    svg = section(soup, "見守りサービスの仕組み").find("svg")
    assert svg["role"] == "img"
    name = " ".join(soup.find(id=i).get_text() for i in svg["aria-labelledby"].split())
    assert "1. 06:00〜12:00の使用水量を12:30にメールでお知らせします" in name
    assert "2. 24:00〜06:00の使用水量を06:30にメールでお知らせします" in name
    labels = [t.get_text() for t in svg.find_all("text")]
    assert "1. 06:00〜12:00" in labels
    assert "12:30 メール送信" in labels
    assert "2. 24:00〜06:00" in labels
    assert "06:30 メール送信" in labels
    assert "0時" in labels and "24時" in labels


def test_timeline_follows_the_window_setting(app_config):
    """The picture and the sentences come from WATCH_WINDOW_HOURS, never a fixed 6."""
    from kodaira_app import create_app

    app_config["WATCH_WINDOW_HOURS"] = 2
    client = create_app(app_config).test_client()
    soup = get_page(client, "/guide")
    svg_labels = [t.get_text() for t in soup.find("svg").find_all("text")]
    assert "1. 06:00〜08:00" in svg_labels
    assert "08:30 メール送信" in svg_labels
    assert "見守り時間（2時間）" in svg_labels
    four = steps(soup, "見守りサービスの登録方法（パターン1の場合）")
    assert any("見守り設定時間は2時間幅となり" in s for s in four)


def test_both_patterns_and_cancelling_step_by_step(client):
    soup = get_page(client, "/guide")
    pattern_1 = steps(soup, "見守りサービスの登録方法（パターン1の場合）")
    marks = [s.split()[0] for s in pattern_1 if not s.startswith("•")]
    assert marks == list("①②③④⑤⑥⑦")
    assert any("「各種お手続き」をクリック" in s for s in pattern_1)
    assert any("見守り設定時間は6時間幅となり" in s for s in pattern_1)
    example = section(soup, "見守りサービスの登録方法（パターン1の場合）").select(".step-notes li")
    assert example[0].get_text() == (
        "（例：1に06:00と入力⇒12:30に06:00～12:00の水の使用量のお知らせメールが発信される）"
    )
    assert "見守り期間が重複しています" in example[-1].get_text()

    pattern_2 = steps(soup, "見守りサービスの登録方法（パターン2の場合）")
    assert [s.split()[0] for s in pattern_2] == list("①②③④⑤⑥⑦⑧⑨⑩⑪⑫")
    assert "「契約の追加」ボタンをクリック" in pattern_2[1]

    cancel = steps(soup, "見守りサービスを解除する場合")
    assert [s.split()[0] for s in cancel] == list("①②③")
    assert "「現在の見守り設定を解除いたします」と表示されます" in cancel[1]
    assert "「はい」ボタンを押すと" in cancel[2]


def png_size(path) -> tuple[int, int]:
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


def test_every_screenshot_of_the_guide_is_there_at_phone_size(client):
    soup = get_page(client, "/guide")
    images = soup.select("figure.screen img")
    names = [re.search(r"/static/guide/(.+)\.png$", img["src"]).group(1) for img in images]
    assert sorted(names) == sorted(screens.GUIDE_SHOTS)
    for img, name in zip(images, names, strict=True):
        assert img["alt"].strip(), f"{name} has no alternative text"
        path = screens.GUIDE_DIR / f"{name}.png"
        assert path.exists(), f"{path} is missing: run `make guide`"
        width, _ = png_size(path)
        assert width == 390
        assert path.stat().st_size < 150_000, f"{path} is too large: is pngquant installed?"


def test_sample_mails_are_rendered_from_the_report_templates(client):
    soup = get_page(client, "/guide")
    used = section(soup, "水道の使用がある場合")
    assert used.dd.get_text() == "【見守り】11月25日 06:00〜12:00 水道の使用がありました（12.5L）"
    body = used.find("pre").get_text()
    assert "使用水量: 12.5L" in body
    assert "0-******8002" in body
    assert "生命を保証するものではない" in body

    none = section(soup, "水道の使用がない場合")
    assert none.dd.get_text() == "【見守り】11月25日 06:00〜12:00 水道の使用はありませんでした"
    assert "この時間帯に水道の使用はありませんでした。" in none.find("pre").get_text()


def test_screenshots_show_the_current_screens():
    """The templates the screenshots picture have not changed since they were taken."""
    recorded = screens.recorded_hashes()
    current = screens.current_hashes()
    changed = sorted(
        name for name in recorded.keys() | current.keys() if recorded.get(name) != current.get(name)
    )
    assert not changed, (
        "The guide's screenshots (static/guide/) show older versions of: "
        + ", ".join(changed)
        + ". Run `make guide` to retake them, and commit static/guide/."
    )


def test_the_pictured_pages_exist():
    """The record covers real templates (a renamed page must be renamed here too)."""
    missing = [
        p for p in screens.PICTURED_PAGES if not (screens.PROJECT_ROOT / "templates" / p).exists()
    ]
    assert not missing
    assert "templates/_layout.html" in screens.pictured_files()
