"""お支払い実績 one contract at a time (12 months, then 「もっと見る」), the unpaid total with
「お支払い方法へ」 on トップ, and customer numbers that never break across lines."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from bs4 import BeautifulSoup

from tests.support.accounts import make_account
from tests.support.billing import account_of, make_bill, signed_in_contract
from tests.support.factories import link, make_customer

NOW = datetime(2026, 3, 10, 3, tzinfo=UTC)  # 12:00 JST on 2026-03-10


@pytest.fixture
def contract(app, auth, clock):
    return signed_in_contract(auth, clock, NOW)


def soup_of(client, url, status=200):
    response = client.get(url, follow_redirects=True)
    assert response.status_code == status
    return BeautifulSoup(response.data, "html.parser")


def paid_days(soup) -> list[str]:
    table = soup.find("table", class_="payments")
    return [tr.td.get_text(strip=True) for tr in table.tbody.find_all("tr")] if table else []


def test_each_contract_has_its_own_page_with_a_switch(client, contract):
    second = make_customer()
    link(account_of(contract), second)
    make_bill(contract, date(2025, 11, 1), date(2025, 12, 31), paid_on=date(2026, 1, 20))
    make_bill(second, date(2025, 9, 1), date(2025, 10, 31), paid_on=date(2025, 11, 25))

    first = soup_of(client, "/payments")  # the first contract
    assert paid_days(first) == ["2026/01/20"]
    switch = first.find("ul", class_="contract-switch")
    current = switch.find("a", attrs={"aria-current": "page"})
    assert current["href"] == f"/payments/{contract.id}"
    other = switch.find("a", href=f"/payments/{second.id}")
    assert other.find(class_="customer-number").get_text() == second.display_number

    page = soup_of(client, f"/payments/{second.id}")
    assert page.h2.get_text(" ", strip=True) == f"お客様番号 {second.display_number}"
    assert paid_days(page) == ["2025/11/25"]


def test_another_accounts_contract_is_404(client, contract):
    other = make_customer()
    link(make_account("hanako@example.com"), other)
    assert client.get(f"/payments/{other.id}").status_code == 404


def test_twelve_months_then_more(client, contract):
    paid = {
        date(2025, 11, 1): date(2026, 2, 20),
        date(2025, 9, 1): date(2025, 12, 20),
        date(2025, 1, 1): date(2025, 3, 11),  # 12 months ago tomorrow: still shown
        date(2024, 11, 1): date(2025, 3, 10),  # 12 months ago: behind 「もっと見る」
    }
    for start, paid_on in paid.items():
        make_bill(contract, start, start.replace(day=28), paid_on=paid_on)
    soup = soup_of(client, f"/payments/{contract.id}")
    assert paid_days(soup) == ["2026/02/20", "2025/12/20", "2025/03/11"]
    assert soup.find(class_="payments-range").get_text() == "過去12 か月のお支払いです。"
    more = soup.find("a", string="もっと見る")
    assert more["href"] == f"/payments/{contract.id}?all=1"

    everything = soup_of(client, more["href"])
    assert paid_days(everything) == ["2026/02/20", "2025/12/20", "2025/03/11", "2025/03/10"]
    assert everything.find("a", string="もっと見る") is None
    assert everything.find(class_="payments-range").get_text() == "すべてのお支払いです。"


def test_no_more_link_when_nothing_is_older(client, contract):
    make_bill(contract, date(2025, 11, 1), date(2025, 12, 31), paid_on=date(2026, 1, 20))
    soup = soup_of(client, f"/payments/{contract.id}")
    assert soup.find("a", string="もっと見る") is None


def test_only_older_payments_say_so_and_offer_more(client, contract):
    make_bill(contract, date(2024, 11, 1), date(2024, 12, 31), paid_on=date(2025, 1, 20))
    soup = soup_of(client, f"/payments/{contract.id}")
    assert "過去12 か月のお支払いはありません。" in soup.main.get_text()
    assert soup.find("a", string="もっと見る") is not None


def unpaid_block(client, contract):
    soup = soup_of(client, "/")
    card = soup.find(id=f"contract-{contract.id}").find_parent("section")
    return card.find(class_="top-unpaid")


def test_top_shows_every_unpaid_bill_total_and_the_way_to_pay(client, contract):
    make_bill(contract, date(2025, 11, 1), date(2025, 12, 31), due=date(2026, 2, 1))  # overdue
    make_bill(contract, date(2026, 1, 1), date(2026, 2, 28), water=4000, due=date(2026, 3, 31))
    block = unpaid_block(client, contract)
    lines = [p.get_text(" ", strip=True) for p in block.find_all("p")]
    assert lines[:2] == [
        "未払いの料金が2件、合計 ￥11,000 あります。",
        "うち1件は納期限を過ぎています。",
    ]
    link_ = block.find("a", string="お支払い方法へ")
    assert link_["href"] == "/pay#ways-heading"
    assert soup_of(client, "/pay").find(id="ways-heading") is not None


def test_top_without_unpaid_bills_has_no_unpaid_line(client, contract):
    make_bill(contract, date(2025, 11, 1), date(2025, 12, 31), paid_on=date(2026, 1, 20))
    assert unpaid_block(client, contract) is None


LANGUAGES = {
    "en": ["2 unpaid bills, ¥11,000 in total.", "1 of them is past its due date.", "Ways to pay"],
    "vi": [
        "Có 2 hóa đơn chưa thanh toán, tổng cộng 11.000\xa0¥.",
        "Trong đó có 1 hóa đơn đã quá hạn thanh toán.",
        "Xem cách thanh toán",
    ],
    "zh_Hans": ["有 2 笔未缴费用，合计 JP¥11,000。", "其中 1 笔已过缴费期限。", "查看缴费方式"],
    "ko": [
        "미납 요금이 2건, 합계 JP¥11,000 있습니다.",
        "그중 1건은 납부 기한이 지났습니다.",
        "납부 방법 보기",
    ],
}


@pytest.mark.parametrize("locale", list(LANGUAGES))
def test_the_unpaid_line_in_each_language(client, contract, locale):
    make_bill(contract, date(2025, 11, 1), date(2025, 12, 31), due=date(2026, 2, 1))
    make_bill(contract, date(2026, 1, 1), date(2026, 2, 28), water=4000, due=date(2026, 3, 31))
    client.set_cookie("lang", locale)
    block = unpaid_block(client, contract)
    assert [p.get_text(" ", strip=True) for p in block.find_all("p")] == LANGUAGES[locale]


@pytest.mark.parametrize("url", ["/", "/payments", "/pay", "/contracts", "/usage", "/watch"])
def test_customer_numbers_are_kept_on_one_line(client, contract, url):
    make_bill(contract, date(2025, 11, 1), date(2025, 12, 31), paid_on=date(2026, 1, 20))
    make_bill(contract, date(2026, 1, 1), date(2026, 2, 28))
    soup = soup_of(client, url)
    shown = [n for n in soup.main.find_all(string=True) if contract.display_number in n]
    assert shown, url
    for node in shown:
        assert node.parent.name == "span" and "customer-number" in node.parent["class"], url


def test_the_customer_number_class_does_not_wrap(app):
    css = (app.static_folder + "/css/app.css").replace("//", "/")
    with open(css, encoding="utf-8") as sheet:
        rules = sheet.read()
    assert ".customer-number { font-variant-numeric: tabular-nums; white-space: nowrap; }" in rules
