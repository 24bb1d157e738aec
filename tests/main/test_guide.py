"""The public pages 見守りサービスとは and the illustrated guide, and the guide's screenshots.

In every language the guide shows that language's screenshots (static/guide/<locale>/,
taken by `make guide`), and every label it quotes is on the screen it names.
"""

from __future__ import annotations

import re
import shutil
import struct

import pytest
from bs4 import BeautifulSoup, NavigableString

from kodaira_app.auth import tokens
from tests.e2e import screens
from tests.support.accounts import make_account
from tests.support.factories import make_customer
from tests.support.pages import get_page, page
from tests.support.watch import input_data, own_contract, register

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
        " ".join(li.p.get_text().split())
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
    assert "2. 00:00〜06:00の使用水量を06:30にメールでお知らせします" in name
    labels = [t.get_text() for t in svg.find_all("text")]
    assert "1. 06:00〜12:00" in labels
    assert "12:30 メール送信" in labels
    assert "2. 00:00〜06:00" in labels
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
        "（例：1に06:00と入力⇒12:30に06:00〜12:00の水の使用量のお知らせメールが発信される）"
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


@pytest.mark.parametrize("locale", screens.LOCALES)
def test_every_screenshot_of_the_guide_is_there_at_phone_size(client, locale):
    """Each language's guide shows its own screenshots, described in that language."""
    client.set_cookie("lang", locale)
    soup = get_page(client, "/guide")
    images = soup.select("figure.screen img")
    shown = [re.search(r"/static/guide/([^/]+)/(.+)\.png$", img["src"]).groups() for img in images]
    assert sorted(name for _, name in shown) == sorted(screens.GUIDE_SHOTS), "run `make guide`"
    assert {folder for folder, _ in shown} == {locale}, "run `make guide`"
    for img, (_, name) in zip(images, shown, strict=True):
        assert img["alt"].strip(), f"{name} has no alternative text"
        path = screens.shots_dir(locale) / f"{name}.png"
        assert path.exists(), f"{path} is missing: run `make guide`"
        width, _ = png_size(path)
        assert width == 390
        assert path.stat().st_size < 150_000, f"{path} is too large: is pngquant installed?"
    alts = {name: img["alt"] for img, (_, name) in zip(images, shown, strict=True)}
    for name, (text, labels) in ALT_TEXTS.items():
        quoted = {key: quote(label, locale) for key, label in labels.items()}
        assert alts[name] == screens.label(text, locale) % quoted


def quote(label: str, locale: str) -> str:
    """A label as the screens show it, in the language's quotation marks."""
    return screens.label("「%(label)s」", locale) % {"label": screens.label(label, locale)}


# A few alternative texts: they name the screens and buttons with the screens' own words.
ALT_TEXTS = {
    "p1-signup": ("%(name)s画面", {"name": "アプリへの登録"}),
    "end-2-question": ("%(notice)sの画面", {"notice": "現在の見守り設定を解除いたします"}),
    "p2-contracts": (
        "%(name)s画面と%(add)sボタン",
        {"name": "契約内容のご確認", "add": "契約の追加"},
    ),
}


def test_a_language_without_its_screenshot_shows_the_japanese_one_and_says_so(
    app, client, tmp_path
):
    static = tmp_path / "static"
    for folder in ("ja", "en"):
        (static / "guide" / folder).mkdir(parents=True)
    for name in screens.GUIDE_SHOTS:
        if (screens.shots_dir("ja") / f"{name}.png").exists():  # a new shot: before `make guide`
            shutil.copy(screens.shots_dir("ja") / f"{name}.png", static / "guide" / "ja")
    shutil.copy(screens.shots_dir("en") / "p1-login.png", static / "guide" / "en")
    app.static_folder = str(static)
    client.set_cookie("lang", "en")
    images = {
        img["src"].rsplit("/", 1)[-1]: img for img in get_page(client, "/guide").select("img")
    }
    assert images["p1-login.png"]["src"] == "/static/guide/en/p1-login.png"
    assert images["p1-login.png"]["alt"] == 'The "Log in" screen'
    assert images["p1-signup.png"]["src"] == "/static/guide/ja/p1-signup.png"
    assert images["p1-signup.png"]["alt"] == 'The "Sign up" screen (screen in Japanese)'
    fallback = client.get(images["p1-signup.png"]["src"])
    fallback.close()
    assert fallback.status_code == 200


def test_sample_mails_are_rendered_from_the_report_templates(client):
    soup = get_page(client, "/guide")
    used = section(soup, "水道の使用がある場合")
    assert used.dd.get_text() == "【見守り】鬼鹿の実家：使用あり 12.5 L ／ 11月25日 06:00〜12:00"
    body = used.find("pre").get_text()
    assert "使用水量: 12.5 L" in body
    assert "0-******8002" in body
    assert body.startswith("鬼鹿の実家：使用あり 12.5 L ／ 11月25日 06:00〜12:00\n")
    assert "ご注意を見る" in body  # the ※ notes: once, in the 通知先 notice, linked here

    none = section(soup, "水道の使用がない場合")
    assert none.dd.get_text() == "【見守り】鬼鹿の実家：使用なし ／ 11月25日 06:00〜12:00"
    assert "この時間帯に水道の使用はありませんでした。" in none.find("pre").get_text()


@pytest.mark.parametrize("locale", screens.LOCALES)
def test_screenshots_show_the_current_screens(locale):
    """The templates the screenshots picture have not changed since they were taken."""
    recorded = screens.recorded_hashes(locale)
    current = screens.current_hashes(locale)
    changed = sorted(
        name for name in recorded.keys() | current.keys() if recorded.get(name) != current.get(name)
    )
    assert not changed, (
        f"The guide's screenshots (static/guide/{locale}/) show older versions of: "
        + ", ".join(changed)
        + ". Run `make guide` to retake them, and commit static/guide/."
    )


def test_a_changed_translation_of_a_pictured_label_makes_the_screenshots_old(monkeypatch):
    before = screens.current_hashes("en")
    catalog = dict(screens._catalog("en"))
    monkeypatch.setattr(screens, "_catalog", lambda locale: catalog)
    catalog["（取消済み）"] = "(withdrawn)"  # a string no pictured screen shows
    assert screens.current_hashes("en") == before
    catalog["見守り登録"] = "Sign up for watching"
    after = screens.current_hashes("en")
    changed = [name for name in before if before[name] != after[name]]
    assert changed == ["translations/en/LC_MESSAGES/messages.po (pictured strings)"]
    assert screens.current_hashes("ja") == {
        name: digest for name, digest in before.items() if not name.startswith("translations/")
    }


def test_the_pictured_pages_exist():
    """The record covers real templates (a renamed page must be renamed here too)."""
    missing = [
        p for p in screens.PICTURED_PAGES if not (screens.PROJECT_ROOT / "templates" / p).exists()
    ]
    assert not missing
    pictured = screens.pictured_files()
    assert {"templates/_layout.html", "templates/_header.html", "templates/_contact.html"} <= set(
        pictured
    )


# --- the labels the guide quotes, on the screens they name ---------------------------------

GUIDE_NUMBER = "00000009001"  # the contract the screens add
CONTROLS = ("a", "button", "label", "h1", "h2", "h3", "legend", "th", "option", "summary")


def screens_of_the_walk(client, auth) -> dict[str, BeautifulSoup]:
    """Each screen the guide names (the data-screen of its labels), as the walk meets it."""

    def get(url: str) -> BeautifulSoup:
        return page(client.get(url, follow_redirects=True))

    def post(url: str, data: dict) -> BeautifulSoup:
        return page(client.post(url, data=data, follow_redirects=True))

    unconfirmed = make_account("new@example.com", confirmed=False)
    shown = {
        "welcome": get("/"),
        "signup": get("/signup"),
        "confirm": get(f"/confirm/{tokens.make_token(unconfirmed, tokens.CONFIRM_SALT)}"),
    }
    account = auth.signed_in()
    own = own_contract(account)
    watched = own_contract(account)
    register(account, watched)
    make_customer(customer_number=GUIDE_NUMBER, name_kana="コダイラ ハナコ")
    added = {"customer_number": GUIDE_NUMBER, "name_kana": "コダイラ ハナコ", "relation": "self"}
    shown |= {
        "top": get("/"),
        "contracts": get("/contracts"),
        "contracts-add": get("/contracts/add"),
        "contracts-confirm": post("/contracts/add", added),
        "contracts-done": post("/contracts/add/confirm", {}),
        "procedures": get("/procedures"),
        "watch-select": get("/watch"),
        "watch-input": get(f"/watch/{own.id}/edit"),
        "watch-overlap": post(f"/watch/{own.id}/edit", input_data(hours=("6", "8"))),
        "watch-confirm": post(f"/watch/{own.id}/edit", input_data(hours=("6", ""))),
        "watch-registered": get(f"/watch/{watched.id}/edit"),
        "watch-end": get(f"/watch/{watched.id}/end"),
    }
    return shown


def texts_on(soup: BeautifulSoup) -> set[str]:
    """What a reader finds on a screen: each control's whole text, and each piece of text."""
    normal = " ".join
    found = {normal(node.get_text().split()) for node in soup.body.find_all(CONTROLS)}
    found |= {
        normal(piece.split())
        for piece in soup.body.find_all(string=True)
        if isinstance(piece, NavigableString) and piece.parent.name not in ("script", "style")
    }
    return found - {""}


def quoted_labels(soup: BeautifulSoup, locale: str) -> list[tuple[str, str]]:
    """(screen, label) of each label the guide quotes, without the language's quote marks."""
    before, after = screens.label("「%(label)s」", locale).split("%(label)s")
    found = []
    for span in soup.select("main .ui-label"):
        text = span.get_text()
        assert text.startswith(before) and text.endswith(after), text
        found.append((span["data-screen"], text[len(before) : len(text) - len(after)]))
    return found


@pytest.mark.parametrize("locale", screens.LOCALES)
def test_every_label_the_guide_quotes_is_on_the_screen_it_names(client, auth, locale):
    client.set_cookie("lang", locale)
    labels = quoted_labels(get_page(client, "/guide"), locale)
    assert len(labels) >= 30
    shown = screens_of_the_walk(client, auth)
    assert {screen for screen, _ in labels} <= shown.keys()
    texts = {screen: texts_on(soup) for screen, soup in shown.items()}
    missing = [f"{screen}: {label!r}" for screen, label in labels if label not in texts[screen]]
    assert not missing, "the guide quotes labels its screens do not show:\n" + "\n".join(missing)


def test_the_label_check_finds_a_label_that_is_not_on_the_screen(client, auth):
    """The check above can fail: the old step ⑦ named a button the menu does not have."""
    shown = screens_of_the_walk(client, auth)
    assert "見守り登録" in texts_on(shown["procedures"])
    assert "見守り会員登録" not in texts_on(shown["procedures"])
    assert "登録" not in texts_on(shown["procedures"])


# --- 異変のお知らせ ---------------------------------------------------------------------------

RULES = ("水が出続けています", "長い時間、水が使われていません", "メーターのデータが届いていません")


@pytest.mark.parametrize("locale", screens.LOCALES)
def test_the_alerts_section_and_its_sample_alert_in_each_language(client, locale):
    client.set_cookie("lang", locale)
    soup = get_page(client, "/guide")
    alerts = soup.find("h2", id="alerts").find_parent("section")
    assert [dt.get_text() for dt in alerts.select("dl dt")] == [
        screens.label(rule, locale) for rule in RULES
    ]
    headings = [h3.get_text() for h3 in alerts.find_all("h3")]
    assert headings == [
        screens.label(h, locale) for h in ("確認しました", "見守り協力者", "漏水の可能性")
    ]
    assert alerts.find("a", href="/faq#alerts") is not None
    assert soup.select_one("nav.guide-contents a[href='#alerts']") is not None
    sample = soup.find(id="mail-alert").find_parent("section")
    subject, body = sample.dd.get_text(), sample.find("pre").get_text()
    assert screens.label(RULES[0], locale) in subject
    assert screens.label("鬼鹿の実家", locale) in subject
    assert body.startswith(screens.label("鬼鹿の実家", locale))
    assert "/alerts/confirm/" in body and "0-******8002" in body


def test_the_sample_alert_reads_as_the_real_one(client):
    soup = get_page(client, "/guide")
    sample = soup.find(id="mail-alert").find_parent("section")
    assert sample.dd.get_text() == (
        "【小平町水道アプリ】異変のお知らせ 水が出続けています（鬼鹿の実家）"
    )
    body = sample.find("pre").get_text()
    assert body.startswith("鬼鹿の実家：水が出続けています\n")
    assert "11月25日 14:00 から、3時間続けて1時間に60L以上の水が使われています。" in body
    assert "「確認しました」を押してください" in body
    alerts = soup.find("h2", id="alerts").find_parent("section")
    text = " ".join(alerts.get_text().split())
    assert "24時間のあいだ毎時間、水が使われ続けているときは" in text
    assert "一時停止中の見守りには、異変のお知らせもお送りしません。" in text
    assert "ご家族が2時間以内に確認しなかった異変のお知らせだけ" in text


def test_a_step_whose_screenshot_was_never_taken_shows_no_picture(app, client, tmp_path):
    (tmp_path / "static" / "guide" / "ja").mkdir(parents=True)
    shutil.copy(screens.shots_dir("ja") / "p1-login.png", tmp_path / "static" / "guide" / "ja")
    app.static_folder = str(tmp_path / "static")
    soup = get_page(client, "/guide")
    assert [img["src"] for img in soup.select("figure.screen img")] == [
        "/static/guide/ja/p1-login.png"
    ]
    alerts = soup.find("h2", id="alerts").find_parent("section")
    assert "「異変のお知らせ」で" in alerts.select_one("ol.guide-steps li").get_text()
