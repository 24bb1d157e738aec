"""契約の追加: the お客様番号 hint outside the field (no value-like placeholder), the 検針票
drawing with the number's box, and the consent box marked for 家族 / その他 only."""

from __future__ import annotations

import pytest

from tests.support.pages import get_page, text


@pytest.fixture
def add_page(client, auth):
    auth.signed_in()
    return get_page(client, "/contracts/add")


def test_the_number_field_has_a_hint_not_a_placeholder(add_page):
    field = add_page.find("input", id="customer_number")
    assert field.get("placeholder") is None
    assert field.get("value") in (None, "")
    hint = add_page.find(id="customer_number-help")
    assert text(hint) == "例：0-0000001234（検針票の「お客様番号」欄の番号）"
    assert "customer_number-help" in field["aria-describedby"].split()


def test_the_slip_drawing_shows_where_the_number_is(add_page):
    help_ = add_page.select_one("details.slip-help")
    assert text(help_.summary) == "お客様番号は検針票のどこに書いてありますか？"
    svg = help_.find("svg")
    assert svg["role"] == "img"
    assert text(svg.title) == "検針票の見本"
    assert "「お客様番号」の欄" in text(svg.desc)
    box = svg.find("rect", class_="slip-number")
    labels = [t.get_text() for t in svg.find_all("text")]
    assert "お客様番号" in labels and "0-0000001234" in labels
    assert box is not None and box["stroke"] == "#c0392b"


@pytest.mark.parametrize(
    ("locale", "summary"),
    [
        ("en", "Where is the customer number on the meter reading slip?"),
        ("vi", "Mã khách hàng nằm ở đâu trên phiếu ghi chỉ số đồng hồ?"),
        ("zh_Hans", "客户编号在抄表单的哪里？"),
        ("ko", "고객 번호는 검침표의 어디에 적혀 있나요?"),
    ],
)
def test_the_slip_help_in_each_language(client, auth, locale, summary):
    auth.signed_in()
    client.set_cookie("lang", locale)
    soup = get_page(client, "/contracts/add")
    assert text(soup.select_one("details.slip-help summary")) == summary
    assert "0-0000001234" in text(soup.find(id="customer_number-help"))


def test_the_consent_box_is_not_required_in_html_and_hides_for_the_holder(app, add_page):
    consent = add_page.find("input", id="consent")
    assert consent.get("required") is None
    with open(app.static_folder + "/css/app.css", encoding="utf-8") as sheet:
        css = sheet.read()
    rule = '.contract-add:has(input[name="relation"][value="self"]:checked) .consent'
    assert rule + " { display: none; }" in css
