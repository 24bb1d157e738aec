"""お支払い実績 per contract and the unpaid bills of トップ, apart from the views."""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date

from kodaira_app.billing.bills import unpaid_bills
from kodaira_app.models.billing import Bill

RECENT_MONTHS = 12


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the month's last day when it has no such day)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def recent_payments(bills: list[Bill], today: date) -> tuple[list[Bill], bool]:
    """The payments of the last 12 months (newest first), and whether older ones exist."""
    since = months_before(today, RECENT_MONTHS)
    recent = [b for b in bills if b.paid_on is not None and b.paid_on > since]
    return recent, len(recent) < len(bills)


@dataclass
class Unpaid:
    bills: list[Bill] = field(default_factory=list)
    overdue: int = 0

    @property
    def total(self) -> int:
        return sum(b.total for b in self.bills)


def unpaid_by_contract(customer_ids: list[int], today: date) -> dict[int, Unpaid]:
    """Every contract's unpaid bills, in one statement: トップ shows their total."""
    found: dict[int, Unpaid] = {}
    for bill in unpaid_bills(customer_ids):
        unpaid = found.setdefault(bill.customer_id, Unpaid())
        unpaid.bills.append(bill)
        unpaid.overdue += bill.is_overdue(today)
    return found
