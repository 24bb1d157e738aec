"""`flask billing import` and the demo bills."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from kodaira_app.demo import billing as demo_billing
from kodaira_app.extensions import db
from kodaira_app.models.billing import Bill
from tests.support.accounts import make_account, session_id
from tests.support.factories import link, make_customer

HEADER = (
    "customer_number,period_start,period_end,reading_date,meter_reading,usage_m3,"
    "water_charge,sewer_charge,tax,total,due_date,paid_on,payment_method"
)
GOOD = [
    "00000008001,2026-01-01,2026-02-28,2026-02-28,1234,24,4356,3476,712,7832,2026-03-31,,",
    "0-0000008001,2025-11-01,2025-12-31,2025-12-31,1210,20,3300,2640,540,5940,2026-01-31,"
    "2026-01-20,convenience",
]


@pytest.fixture
def customer(app):
    return make_customer(customer_number="00000008001")


def run_import(runner, tmp_path, lines, name="bills.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return runner.invoke(args=["billing", "import", str(path)]), str(path)


def bills():
    return list(db.session.scalars(select(Bill).order_by(Bill.period_start)))


def test_import_adds_bills(runner, tmp_path, customer):
    result, path = run_import(runner, tmp_path, GOOD)
    assert result.exit_code == 0, result.output
    assert result.output == f"{path}: 2 imported, 0 unchanged, 0 errors\n"
    older, newer = bills()
    assert (newer.period_start, newer.period_end, newer.reading_date) == (
        date(2026, 1, 1),
        date(2026, 2, 28),
        date(2026, 2, 28),
    )
    assert (
        newer.meter_reading,
        newer.usage_m3,
        newer.water_charge,
        newer.sewer_charge,
        newer.tax,
        newer.total,
    ) == (1234, 24, 4356, 3476, 712, 7832)
    assert (newer.due_date, newer.paid_on, newer.payment_method) == (date(2026, 3, 31), None, None)
    assert (older.paid_on, older.payment_method) == (date(2026, 1, 20), "convenience")


def test_import_again_is_unchanged_and_a_change_updates(runner, tmp_path, customer):
    run_import(runner, tmp_path, GOOD)
    result, path = run_import(runner, tmp_path, GOOD)
    assert result.output == f"{path}: 0 imported, 2 unchanged, 0 errors\n"
    paid = GOOD[0].replace(",2026-03-31,,", ",2026-03-31,2026-03-31,direct_debit")
    result, path = run_import(runner, tmp_path, [paid, GOOD[1]])
    assert result.output == f"{path}: 1 imported, 1 unchanged, 0 errors\n"
    assert len(bills()) == 2
    assert (bills()[1].paid_on, bills()[1].payment_method) == (date(2026, 3, 31), "direct_debit")


def test_import_accepts_a_bom(runner, tmp_path, customer):
    path = tmp_path / "bom.csv"
    path.write_bytes(("\ufeff" + HEADER + "\r\n" + GOOD[0] + "\r\n").encode("utf-8"))
    result = runner.invoke(args=["billing", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert len(bills()) == 1


BAD = [
    (
        "00000009999,2026-01-01,2026-02-28,2026-02-28,1,1,1,1,0,2,2026-03-31,,",
        "お客様番号 00000009999 のお客様が登録されていません",
    ),
    (
        "123,2026-01-01,2026-02-28,2026-02-28,1,1,1,1,0,2,2026-03-31,,",
        "customer_number は11桁の数字にしてください（123）",
    ),
    (
        "00000008001,2026/01/01,2026-02-28,2026-02-28,1,1,1,1,0,2,2026-03-31,,",
        "period_start は YYYY-MM-DD の日付にしてください（2026/01/01）",
    ),
    ("00000008001,2026-01-01,2026-02-28,2026-02-28,1,1,1,1,0,2,,,", "due_date が空です"),
    (
        "00000008001,2026-03-01,2026-02-28,2026-02-28,1,1,1,1,0,2,2026-03-31,,",
        "period_end が period_start より前です",
    ),
    (
        "00000008001,2026-01-01,2026-02-28,2026-02-28,1,1,-1,1,0,0,2026-03-31,,",
        "water_charge は0以上の整数にしてください（-1）",
    ),
    (
        "00000008001,2026-01-01,2026-02-28,2026-02-28,1,1.5,1,1,0,2,2026-03-31,,",
        "usage_m3 は0以上の整数にしてください（1.5）",
    ),
    (
        "00000008001,2026-01-01,2026-02-28,2026-02-28,1,1,1,1,0,3,2026-03-31,,",
        "total は water_charge と sewer_charge の合計にしてください",
    ),
    (
        "00000008001,2026-01-01,2026-02-28,2026-02-28,1,1,1,1,5,2,2026-03-31,,",
        "tax が total より大きくなっています",
    ),
    (
        "00000008001,2026-01-01,2026-02-28,2026-02-28,1,1,1,1,0,2,2026-03-31,2026-03-01,cash",
        "payment_method は direct_debit, bank, convenience, town_office, smartphone "
        "のどれかにしてください（cash）",
    ),
    (
        "00000008001,2026-01-01,2026-02-28,2026-02-28,1,1,1,1,0,2,2026-03-31,2026-03-01,",
        "paid_on があるときは payment_method が必要です",
    ),
    ("00000008001,2026-01-01", "列の数が正しくありません（2 columns, expected 13）"),
]


@pytest.mark.parametrize(("line", "reason"), BAD)
def test_a_bad_row_is_reported_with_its_line_and_the_good_ones_kept(
    runner, tmp_path, customer, line, reason
):
    result, path = run_import(runner, tmp_path, [GOOD[0], line, GOOD[1]])
    assert result.exit_code == 1
    assert f"{path}: 2 imported, 0 unchanged, 1 errors\n" in result.output
    assert f"line 3: {reason}\n" in result.output
    assert len(bills()) == 2


def test_a_wrong_header_imports_nothing(runner, tmp_path, customer):
    path = tmp_path / "wrong.csv"
    path.write_text("customer_number,period\n00000008001,2026-01\n", encoding="utf-8")
    result = runner.invoke(args=["billing", "import", str(path)])
    assert result.exit_code == 1
    assert "the header must be customer_number,period_start," in result.output
    assert bills() == []


def test_demo_bills(app, client, clock):
    now = datetime(2026, 11, 25, 3, tzinfo=UTC)  # 12:00 JST
    clock.freeze(now)
    demo = make_account(demo_billing.DEMO_EMAIL)
    first, second = make_customer(), make_customer(smart_meter=False)
    link(demo, first)
    link(demo, second)
    neighbour = make_customer()
    said = []
    demo_billing.load(said.append)
    assert said == ["billing: 78 bills added for 3 customers"]
    demo_billing.load(said.append)  # idempotent
    assert said[-1] == "billing: 0 bills added for 3 customers"
    counts = dict(
        db.session.execute(select(Bill.customer_id, func.count()).group_by(Bill.customer_id)).all()
    )
    assert counts == {first.id: 26, second.id: 26, neighbour.id: 26}
    latest = db.session.scalars(
        select(Bill).where(Bill.customer_id == first.id).order_by(Bill.period_start.desc())
    ).all()
    assert (latest[0].period_start, latest[0].period_end) == (date(2026, 9, 1), date(2026, 10, 31))
    assert (latest[-1].period_start) == date(2022, 7, 1)
    assert latest[0].paid_on is None and not latest[0].is_overdue(date(2026, 11, 25))
    assert latest[1].paid_on is None and latest[1].is_overdue(date(2026, 11, 25))
    assert all(b.paid_on for b in latest[2:])
    assert all(b.total == b.water_charge + b.sewer_charge for b in latest)
    with client.session_transaction() as session:
        session["_user_id"] = session_id(demo)
    soup = BeautifulSoup(client.get("/pay").data, "html.parser")
    states = [
        tr.find_all("td")[-1].get_text(strip=True)
        for tr in soup.find("table", class_="unpaid").tbody.find_all("tr")
    ]
    assert states[:2] == ["納期限を過ぎています", "未払い"]
