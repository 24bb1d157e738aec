"""Demo data: billing. Two-month periods for every customer of the demo town, 26 of
them up to the last finished period, most paid; the demo account's first contract has
the latest bill unpaid (not yet due) and the one before it overdue."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from kodaira_app.extensions import db
from kodaira_app.models import Account, ContractLink, Customer
from kodaira_app.models.billing import Bill
from kodaira_app.timeutil import town_tz, utcnow

DEMO_EMAIL = "demo@example.com"
PERIODS = 26
# Usage is higher in summer (garden, showers) and lower in winter.
SEASON = {1: 0.9, 3: 0.95, 5: 1.05, 7: 1.25, 9: 1.1, 11: 0.9}


def _month_start(year: int, month: int) -> date:
    year += (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1)


def periods_until(today: date, count: int = PERIODS) -> list[tuple[date, date]]:
    """Two-month periods starting in odd months, the last one ended before today."""
    start = _month_start(today.year, today.month - (today.month + 1) % 2 - 2)
    periods = []
    for _ in range(count):
        end = _month_start(start.year, start.month + 2) - timedelta(days=1)
        periods.append((start, end))
        start = _month_start(start.year, start.month - 2)
    return periods[::-1]


def charges(usage_m3: int) -> tuple[int, int, int]:
    """(water, sewerage, tax contained) in yen for two months, tax included (10 %)."""
    water = round((2 * 1500 + max(usage_m3 - 16, 0) * 240) * 1.1)
    sewer = round((2 * 1200 + max(usage_m3 - 16, 0) * 190) * 1.1)
    total = water + sewer
    return water, sewer, total - round(total / 1.1)


def _due(end: date) -> date:
    return _month_start(end.year, end.month + 2) - timedelta(days=1)


def load(echo) -> None:
    today = utcnow().astimezone(town_tz()).date()
    demo = db.session.scalar(select(Account).where(Account.email == DEMO_EMAIL))
    demo_first = None
    if demo is not None:
        demo_first = db.session.scalar(
            select(ContractLink.customer_id)
            .where(ContractLink.account_id == demo.id)
            .order_by(ContractLink.linked_at, ContractLink.id)
        )
    periods = periods_until(today)
    added = 0
    customers = list(db.session.scalars(select(Customer).order_by(Customer.id)))
    for customer in customers:
        added += _load_customer(customer, periods, today, customer.id == demo_first)
    echo(f"billing: {added} bills added for {len(customers)} customers")


def _load_customer(customer: Customer, periods, today: date, demo_first: bool) -> int:
    existing = set(
        db.session.scalars(select(Bill.period_start).where(Bill.customer_id == customer.id))
    )
    # Demo figures, the same on every load; nothing secret is drawn here.
    rng = random.Random(customer.customer_number)  # nosec B311
    base = rng.randint(14, 30)
    method = ("direct_debit", "convenience", "bank")[int(customer.customer_number) % 3]
    reading = rng.randint(300, 2000)
    added = 0
    for index, (start, end) in enumerate(periods):
        usage = max(1, round(base * SEASON[start.month] + rng.randint(-3, 3)))
        reading += usage
        if start in existing:
            continue
        water, sewer, tax = charges(usage)
        due = _due(end)
        from_last = len(periods) - 1 - index  # 0 = the latest period
        unpaid = (demo_first and from_last in (0, 1)) or due > today
        paid_on = None if unpaid else (due if method == "direct_debit" else due - timedelta(9))
        db.session.add(
            Bill(
                customer_id=customer.id,
                period_start=start,
                period_end=end,
                reading_date=end,
                meter_reading=reading,
                usage_m3=usage,
                water_charge=water,
                sewer_charge=sewer,
                tax=tax,
                total=water + sewer,
                due_date=due,
                paid_on=paid_on,
                payment_method=None if demo_first and unpaid else method,
            )
        )
        added += 1
    return added
