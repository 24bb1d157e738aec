"""トップ: the latest bill, this period's use so far and the continuous-use notice."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from bs4 import BeautifulSoup

from kodaira_app.extensions import db
from kodaira_app.usage.series import continuous_use
from tests.support.billing import make_bill, signed_in_contract
from tests.support.factories import make_customer
from tests.support.readings import add_readings

NOW = datetime(2026, 3, 10, 3, tzinfo=UTC)  # 12:00 JST


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def contract(app, auth, clock):
    return signed_in_contract(auth, clock, NOW)


def figures(client, customer) -> dict[str, str]:
    soup = BeautifulSoup(client.get("/").data, "html.parser")
    card = soup.find(attrs={"aria-labelledby": f"contract-{customer.id}"})
    dl = card.find("dl", class_="top-figures")
    return {
        dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(" ", strip=True)
        for dt in dl.find_all("dt")
    }


def notice(client, customer):
    soup = BeautifulSoup(client.get("/").data, "html.parser")
    card = soup.find(attrs={"aria-labelledby": f"contract-{customer.id}"})
    return card.find(class_="leak-notice")


def test_latest_bill_unpaid_with_its_due_date(client, contract):
    make_bill(
        contract, date(2025, 11, 1), date(2025, 12, 31), usage_m3=18, paid_on=date(2026, 1, 20)
    )
    make_bill(
        contract,
        date(2026, 1, 1),
        date(2026, 2, 28),
        usage_m3=24,
        water=4356,
        sewer=3476,
        due=date(2026, 3, 31),
    )
    shown = figures(client, contract)
    assert shown["最新のご請求"] == "2026/01/01〜2026/02/28 24 m³・￥7,832 納期限 2026/03/31"


def test_latest_bill_overdue_and_paid(client, contract):
    bill = make_bill(contract, date(2026, 1, 1), date(2026, 2, 28), due=date(2026, 3, 9))
    assert figures(client, contract)["最新のご請求"].endswith("納期限（2026/03/09）を過ぎています")
    bill.paid_on = date(2026, 3, 8)
    bill.payment_method = "convenience"
    db.session.commit()
    assert figures(client, contract)["最新のご請求"] == (
        "2026/01/01〜2026/02/28 20 m³・￥5,000 2026/03/08 お支払い済み"
    )


def test_due_today_is_not_overdue(client, contract):
    make_bill(contract, date(2026, 1, 1), date(2026, 2, 28), due=date(2026, 3, 10))
    assert figures(client, contract)["最新のご請求"].endswith("納期限 2026/03/10")


def test_use_so_far_counts_from_midnight_jst_of_the_period_start(client, contract):
    make_bill(contract, date(2026, 1, 1), date(2026, 2, 28))
    add_readings(contract.meter_id, utc(2026, 2, 28, 14), [100.0, 3215.4])  # 23:00 2/28, 0:00 3/1
    add_readings(contract.meter_id, utc(2026, 3, 10, 2), [10.0])
    shown = figures(client, contract)
    assert shown["今期の使用水量（2026/03/01 から）"] == "3.2 m³（3,225.4 L）"


def test_use_so_far_without_readings_is_no_data(client, contract):
    make_bill(contract, date(2026, 1, 1), date(2026, 2, 28))
    assert figures(client, contract)["今期の使用水量（2026/03/01 から）"] == "データなし"


def test_without_bills(client, contract):
    shown = figures(client, contract)
    assert shown == {"最新のご請求": "ご請求の記録はまだありません。"}


def test_amounts_in_english(client, contract):
    make_bill(
        contract,
        date(2026, 1, 1),
        date(2026, 2, 28),
        water=10000,
        sewer=2345,
        due=date(2026, 3, 31),
    )
    client.set_cookie("lang", "en")
    soup = BeautifulSoup(client.get("/").data, "html.parser")
    text = soup.find("dl", class_="top-figures").get_text(" ", strip=True)
    assert "¥12,345" in text
    assert "Mar 31, 2026" in text


def test_continuous_use_for_24_hours_shows_the_notice(client, contract):
    add_readings(contract.meter_id, utc(2026, 3, 9, 2), [0.3] * 24)  # up to 02:00 UTC today
    box = notice(client, contract)
    assert box is not None
    assert box.strong.get_text() == "過去24時間、水が使われ続けています。"
    checks = [li.get_text() for li in box.find_all("li")]
    assert "トイレのタンクから水が流れ続けていないか" in checks


@pytest.mark.parametrize(
    ("values", "first"),
    [
        ([0.3] * 11 + [0] + [0.3] * 12, utc(2026, 3, 9, 2)),  # one hour without use
        ([0.3] * 11 + [None] + [0.3] * 12, utc(2026, 3, 9, 2)),  # one hour without data
        ([0.3] * 23, utc(2026, 3, 9, 3)),  # only 23 hours
        ([0.3] * 30, utc(2026, 3, 7, 0)),  # 30 hours of use, but they ended 27 hours ago
    ],
)
def test_no_notice_without_use_in_every_recent_hour(client, contract, values, first):
    add_readings(contract.meter_id, first, values)
    assert notice(client, contract) is None


def test_continuous_use_counts_back_from_the_latest_reading(app):
    customer = make_customer()
    add_readings(customer.meter_id, utc(2026, 3, 9, 0), [0.1] * 24)  # up to 23:00 UTC on 3/9
    assert continuous_use(customer.meter_id, NOW)  # data is 4 hours late: still judged
    assert not continuous_use(customer.meter_id, utc(2026, 3, 10, 23, 30))


def test_contract_without_smart_meter_shows_the_bill_only(client, auth, clock):
    customer = signed_in_contract(auth, clock, NOW, smart_meter=False)
    make_bill(customer, date(2026, 1, 1), date(2026, 2, 28), due=date(2026, 3, 31))
    assert list(figures(client, customer)) == ["最新のご請求"]
    assert notice(client, customer) is None
