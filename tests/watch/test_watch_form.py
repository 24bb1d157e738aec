"""Errors a reader can find on the 見守り form, one 通知先 card at a time, and the steps
①選択 ②入力 ③確認 ④完了 on every 見守り screen."""

from __future__ import annotations

import pytest

from tests.support.pages import page
from tests.support.watch import input_data

STEPS = ["①選択", "②入力", "③確認", "④完了"]


def shown(node) -> str:
    return " ".join(node.get_text().split())


def summary_links(soup) -> list[tuple[str, str]]:
    return [(a["href"], shown(a)) for a in soup.select("#error-summary li a")]


def test_the_summary_links_each_error_to_its_field(client, contract):
    data = input_data(hours=("", ""), recipients=(("息子", ""), ("", "bad@")))
    soup = page(client.post(f"/watch/{contract.id}/edit", data=data))
    summary = soup.select_one("#error-summary")
    # It is the first thing of the form, and takes the focus when the page opens.
    assert summary.find_next("select")["id"] == "hour_1"
    assert summary.has_attr("autofocus") and summary["tabindex"] == "-1"
    assert shown(summary.h2) == "入力内容に誤りがあります。赤く表示された項目をご確認ください。"
    assert summary_links(soup) == [
        ("#hour_1", "見守り開始時刻 1 見守り開始時刻の1を入力してください"),
        ("#recipients-0-email", "通知先1のメールアドレス メールアドレスを入力してください"),
        ("#recipients-1-name", "通知先2の名前 名前を入力してください"),
        ("#recipients-1-email", "通知先2のメールアドレス メールアドレスの形式が正しくありません"),
    ]
    for href, _text in summary_links(soup):
        assert soup.find(id=href[1:]) is not None, href


def test_no_recipient_links_to_the_first_card(client, contract):
    soup = page(client.post(f"/watch/{contract.id}/edit", data=input_data(recipients=())))
    assert summary_links(soup) == [("#recipients-0-name", "通知先 通知先を1件以上入力してください")]
    assert len(soup.select(".recipient-row")) == 1


def test_a_first_visit_and_an_accepted_form_have_no_summary(client, contract):
    assert page(client.get(f"/watch/{contract.id}/edit")).select_one("#error-summary") is None
    response = client.post(f"/watch/{contract.id}/edit", data=input_data())
    assert response.status_code == 302


@pytest.mark.parametrize(
    "locale, detail",
    [
        (
            "ja",
            "1. 22:00〜翌4:00 と 2. 02:00〜08:00 が重なっています。見守りは開始時刻から6時間の"
            "ため、2つの開始時刻は6時間以上あけてください。",
        ),
        (
            "en",
            "1. 22:00–4:00 (next day) and 2. 02:00–08:00 overlap. Each watch period lasts 6 hours"
            " from its start time, so please choose start times at least 6 hours apart.",
        ),
    ],
)
def test_the_overlap_names_both_windows_and_the_rule(client, contract, locale, detail):
    client.set_cookie("lang", locale)
    soup = page(client.post(f"/watch/{contract.id}/edit", data=input_data(hours=("22", "2"))))
    errors = [shown(li) for li in soup.select("#hour_2-error li")]
    headline = "見守り期間が重複しています" if locale == "ja" else "The watch periods overlap"
    assert errors == [headline, detail]
    [(href, text)] = summary_links(soup)
    assert href == "#hour_2" and detail in text


def add_card(client, contract, data):
    return page(client.post(f"/watch/{contract.id}/edit", data={**data, "add_recipient": "1"}))


def card_values(soup) -> list[tuple[str, str, str]]:
    return [
        (
            row.select_one("input[id$=-name]").get("value", ""),
            row.select_one("input[id$=-email]").get("value", ""),
            row.select_one("select option[selected]")["value"],
        )
        for row in soup.select(".recipient-row")
    ]


def test_通知先を追加_without_javascript_keeps_what_was_typed(client, contract):
    soup = page(client.get(f"/watch/{contract.id}/edit"))
    assert len(soup.select(".recipient-row")) == 1
    data = input_data(hours=("7", ""), recipients=(("息子", "son@example.com"),), locale="en")
    soup = add_card(client, contract, data)
    assert card_values(soup) == [("息子", "son@example.com", "en"), ("", "", "ja")]
    assert soup.select_one("#hour_1 option[selected]")["value"] == "7"
    assert soup.select_one("#recipients-1-name").has_attr("autofocus")  # the new card
    assert soup.select_one("#error-summary") is None  # nothing is checked yet
    with client.session_transaction() as session:
        assert "watch_draft" not in session
    # An emptied card goes; the others keep their order and the next card comes after them.
    rows = (("", ""), ("娘", "daughter@example.com"))
    soup = add_card(client, contract, input_data(hours=("7", ""), recipients=rows))
    assert [v[:2] for v in card_values(soup)] == [("娘", "daughter@example.com"), ("", "")]


def test_通知先を追加_stops_at_five(client, contract):
    four = tuple((f"n{i}", f"n{i}@example.com") for i in range(4))
    soup = add_card(client, contract, input_data(recipients=four))
    assert len(soup.select(".recipient-row")) == 5
    assert soup.find("button", string="通知先を追加") is None
    five = tuple((f"n{i}", f"n{i}@example.com") for i in range(5))
    soup = add_card(client, contract, input_data(recipients=five))  # pressed anyway
    assert len(soup.select(".recipient-row")) == 5
    assert client.post(f"/watch/{contract.id}/edit", data=input_data(recipients=five)).status_code
    assert page(client.get(f"/watch/{contract.id}/confirm")).select(".watch-recipient")


def current_step(soup) -> list[str]:
    steps = soup.select("ol.steps li")
    assert [shown(li).replace(" ", "") for li in steps] == STEPS
    return [shown(li).replace(" ", "") for li in steps if li.get("aria-current") == "step"]


def test_the_steps_mark_where_the_reader_is(client, contract):
    assert current_step(page(client.get("/watch"))) == ["①選択"]
    assert current_step(page(client.get(f"/watch/{contract.id}/edit"))) == ["②入力"]
    refused = client.post(f"/watch/{contract.id}/edit", data=input_data(hours=("", "")))
    assert current_step(page(refused)) == ["②入力"]
    client.post(f"/watch/{contract.id}/edit", data=input_data())
    assert current_step(page(client.get(f"/watch/{contract.id}/confirm"))) == ["③確認"]
    done = client.post(f"/watch/{contract.id}/confirm", follow_redirects=True)
    assert current_step(page(done)) == ["④完了"]


def test_enter_in_a_field_confirms_rather_than_adding_a_card(client, contract):
    # A browser submits a form on Enter with its first submit button: that one is 確認.
    soup = page(client.get(f"/watch/{contract.id}/edit"))
    first = soup.select_one("main form[method=post] button[type=submit]")
    assert shown(first) == "確認" and not first.has_attr("name")
    assert first["tabindex"] == "-1" and first["aria-hidden"] == "true"  # out of the tab order
    data = input_data(hours=("7", ""), recipients=(("息子", "son@example.com"),))
    response = client.post(f"/watch/{contract.id}/edit", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/confirm")
