"""Bills of the account's contracts, read for the pages (no Flask request needed)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import bindparam, select

from kodaira_app.extensions import db
from kodaira_app.models.billing import Bill


def _by_customer(rows: Iterable[Bill], customer_ids: list[int]) -> dict[int, list[Bill]]:
    grouped: dict[int, list[Bill]] = {cid: [] for cid in customer_ids}
    for row in rows:
        grouped[row.customer_id].append(row)
    return grouped


def bills_by_customer(customer_ids: list[int]) -> dict[int, list[Bill]]:
    """Every bill of these contracts, newest period first."""
    if not customer_ids:
        return {}
    rows = db.session.scalars(
        select(Bill).where(Bill.customer_id.in_(customer_ids)).order_by(Bill.period_start.desc())
    )
    return _by_customer(rows, customer_ids)


def payments_by_customer(customer_ids: list[int]) -> dict[int, list[Bill]]:
    """Paid bills of these contracts, the latest payment first."""
    if not customer_ids:
        return {}
    rows = db.session.scalars(
        select(Bill)
        .where(Bill.customer_id.in_(customer_ids), Bill.paid_on.is_not(None))
        .order_by(Bill.paid_on.desc(), Bill.period_start.desc())
    )
    return _by_customer(rows, customer_ids)


_UNPAID = (
    select(Bill)
    .where(Bill.customer_id.in_(bindparam("ids", expanding=True)), Bill.paid_on.is_(None))
    .order_by(Bill.due_date, Bill.customer_id)
)


def unpaid_bills(customer_ids: list[int]) -> list[Bill]:
    """Unpaid bills of these contracts, the earliest due date first."""
    if not customer_ids:
        return []
    return list(db.session.scalars(_UNPAID, {"ids": list(customer_ids)}))


def latest_bill(bills: list[Bill]) -> Bill | None:
    return max(bills, key=lambda b: b.period_start, default=None)


def current_period_start(bills: list[Bill]) -> date | None:
    """The day after the last billed period: the period now being used."""
    last = latest_bill(bills)
    return last.period_end + timedelta(days=1) if last else None
