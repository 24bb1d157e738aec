"""お支払い実績 and 料金のお支払い: payments newest first, unpaid bills, overdue marked."""

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


def soup_of(client, url):
    response = client.get(url, follow_redirects=True)
    assert response.status_code == 200
    return BeautifulSoup(response.data, "html.parser")


def table_rows(table):
    return [
        [cell.get_text(" ", strip=True) for cell in tr.find_all(["th", "td"])]
        for tr in table.tbody.find_all("tr")
    ]


def test_payments_newest_first_with_period_amount_method_and_date(client, contract):
    make_bill(
        contract,
        date(2025, 9, 1),
        date(2025, 10, 31),
        water=3300,
        sewer=2640,
        paid_on=date(2025, 12, 31),
        method="direct_debit",
    )
    make_bill(
        contract,
        date(2025, 11, 1),
        date(2025, 12, 31),
        water=4356,
        sewer=3476,
        paid_on=date(2026, 2, 20),
        method="convenience",
    )
    make_bill(
        contract,
        date(2025, 7, 1),
        date(2025, 8, 31),
        water=3000,
        sewer=2000,
        paid_on=date(2025, 10, 3),
        method="bank",
    )
    make_bill(contract, date(2026, 1, 1), date(2026, 2, 28))  # unpaid: not a payment
    soup = soup_of(client, "/payments")
    section = soup.find(attrs={"aria-labelledby": f"payments-{contract.id}"})
    assert section.h2.get_text(" ", strip=True) == f"お客様番号 {contract.display_number}"
    headers = [th.get_text() for th in section.thead.find_all("th")]
    assert headers == ["お支払い日", "期間", "金額", "お支払い方法"]
    assert table_rows(section.table) == [
        ["2026/02/20", "2025/11/01〜2025/12/31", "￥7,832", "コンビニエンスストア（納付書）"],
        ["2025/12/31", "2025/09/01〜2025/10/31", "￥5,940", "口座振替"],
        ["2025/10/03", "2025/07/01〜2025/08/31", "￥5,000", "金融機関窓口（納付書）"],
    ]


def test_payments_without_any(client, contract):
    make_bill(contract, date(2026, 1, 1), date(2026, 2, 28))
    soup = soup_of(client, "/payments")
    assert soup.find("table") is None
    assert "お支払いの記録はまだありません。" in soup.main.get_text()


def test_payments_in_english(client, contract):
    make_bill(
        contract,
        date(2025, 11, 1),
        date(2025, 12, 31),
        water=10000,
        sewer=2345,
        paid_on=date(2026, 2, 20),
        method="smartphone",
    )
    client.set_cookie("lang", "en")
    row = table_rows(soup_of(client, "/payments").find("table"))[0]
    assert row[0] == "Feb 20, 2026"
    assert row[2] == "¥12,345"


def test_pay_lists_unpaid_bills_and_marks_overdue(client, contract):
    second = make_customer()
    link(account_of(contract), second)
    make_bill(
        contract,
        date(2025, 11, 1),
        date(2025, 12, 31),
        water=3300,
        sewer=2640,
        due=date(2026, 3, 9),
    )
    make_bill(
        contract, date(2026, 1, 1), date(2026, 2, 28), water=4356, sewer=3476, due=date(2026, 3, 10)
    )
    make_bill(
        second, date(2026, 1, 1), date(2026, 2, 28), due=date(2026, 4, 30), method="direct_debit"
    )
    make_bill(contract, date(2025, 9, 1), date(2025, 10, 31), paid_on=date(2025, 12, 1))
    soup = soup_of(client, "/pay")
    table = soup.find("table", class_="unpaid")
    assert table_rows(table) == [
        [
            contract.display_number,
            "2025/11/01〜2025/12/31",
            "￥5,940",
            "2026/03/09",
            "納期限を過ぎています",
        ],
        [contract.display_number, "2026/01/01〜2026/02/28", "￥7,832", "2026/03/10", "未払い"],
        [second.display_number, "2026/01/01〜2026/02/28", "￥5,000", "2026/04/30", "口座振替予定"],
    ]
    overdue = table.tbody.find_all("tr")[0]
    assert overdue["class"] == ["overdue"]
    assert "納期限を過ぎた料金があります。" in soup.find(class_="notice").get_text()


def test_pay_without_unpaid_bills(client, contract):
    make_bill(contract, date(2025, 9, 1), date(2025, 10, 31), paid_on=date(2025, 12, 1))
    soup = soup_of(client, "/pay")
    assert soup.find("table") is None
    assert "未払いの料金はありません。" in soup.main.get_text()
    assert soup.find(class_="notice") is None


def test_pay_shows_the_ways_to_pay_with_what_each_needs(client, contract):
    soup = soup_of(client, "/pay")
    ways = soup.find("dl", class_="pay-ways")
    terms = [dt.get_text() for dt in ways.find_all("dt")]
    assert terms == [
        "金融機関・コンビニエンスストア（納付書）",
        "スマートフォン決済",
        "役場窓口",
        "口座振替",
    ]
    debit = ways.find_all("dd")[-1].get_text()
    assert "通帳と届出印" in debit
    assert soup.find("a", string="口座振替を申し込む")["href"] == "/pay/direct-debit"


def test_another_accounts_bills_are_not_shown(client, contract):
    other = make_customer()
    link(make_account("hanako@example.com"), other)
    make_bill(other, date(2026, 1, 1), date(2026, 2, 28), due=date(2026, 3, 1))
    make_bill(other, date(2025, 11, 1), date(2025, 12, 31), paid_on=date(2026, 1, 5))
    assert "未払いの料金はありません。" in soup_of(client, "/pay").main.get_text()
    assert soup_of(client, "/payments").find("table") is None


def test_pages_need_login(client):
    for url in ("/payments", "/pay", "/pay/direct-debit"):
        assert client.get(url).status_code == 302
