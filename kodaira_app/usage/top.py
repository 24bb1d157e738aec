"""What トップ shows per contract, read in a fixed number of statements.

One statement for the account's contracts with their active registration (its windows
joined) and latest bill, one for every meter's readings summary: a page with three
contracts costs what a page with one does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import aliased, joinedload

from kodaira_app.extensions import db
from kodaira_app.models import ContractLink, Customer, WatchRegistration
from kodaira_app.models.billing import Bill
from kodaira_app.usage.series import meter_summaries


@dataclass(frozen=True)
class TopSummary:
    latest_bill: Bill | None
    period_start: date | None  # the period being used now
    so_far_deciliters: int | None  # read since period_start (smart meters only)
    continuous_use: bool  # use in every hour of the last 24: a possible leak


@dataclass
class TopPage:
    contracts: list[Customer] = field(default_factory=list)
    registrations: dict[int, WatchRegistration] = field(default_factory=dict)
    summaries: dict[int, TopSummary] = field(default_factory=dict)


def _latest_bill_id():
    newer = aliased(Bill)
    return (
        select(newer.id)
        .where(newer.customer_id == Customer.id)
        .order_by(newer.period_start.desc(), newer.id.desc())
        .limit(1)
        .correlate(Customer)
        .scalar_subquery()
    )


@cache
def _overview_query():
    """Built once: the statement is the same for every account (its id is a parameter)."""
    return (
        select(Customer, WatchRegistration, Bill)
        .join(ContractLink, ContractLink.customer_id == Customer.id)
        .outerjoin(
            WatchRegistration,
            and_(
                WatchRegistration.customer_id == Customer.id,
                WatchRegistration.ended_at.is_(None),
            ),
        )
        .outerjoin(Bill, Bill.id == _latest_bill_id())
        .where(ContractLink.account_id == bindparam("account_id"))
        .order_by(ContractLink.linked_at, ContractLink.id)
        .options(joinedload(WatchRegistration.windows))
    )


def contracts_overview(
    account_id: int,
) -> list[tuple[Customer, WatchRegistration | None, Bill | None]]:
    """The account's contracts in the order they were linked, each with its active
    registration (windows loaded) and its latest bill."""
    rows = db.session.execute(_overview_query(), {"account_id": account_id}).unique()
    return [tuple(row) for row in rows]


def linked_contracts(account_id: int) -> list[Customer]:
    """The account's contracts in the order they were linked (their links not loaded)."""
    return list(
        db.session.scalars(
            select(Customer)
            .join(ContractLink, ContractLink.customer_id == Customer.id)
            .where(ContractLink.account_id == account_id)
            .order_by(ContractLink.linked_at, ContractLink.id)
        )
    )


def top_page(account_id: int, now: datetime, tz: ZoneInfo) -> TopPage:
    page = TopPage()
    since: dict[str, datetime] = {}
    bills: dict[int, Bill | None] = {}
    for contract, registration, bill in contracts_overview(account_id):
        page.contracts.append(contract)
        bills[contract.id] = bill
        if registration is not None:
            page.registrations[contract.id] = registration
        if contract.smart_meter and contract.meter_id and bill is not None:
            since[contract.meter_id] = _period_start(bill)
    meters = [c.meter_id for c in page.contracts if c.smart_meter and c.meter_id]
    readings = meter_summaries(meters, since, now, tz)
    for contract in page.contracts:
        bill = bills[contract.id]
        summary = readings.get(contract.meter_id) if contract.smart_meter else None
        page.summaries[contract.id] = TopSummary(
            latest_bill=bill,
            period_start=_period_start(bill) if bill else None,
            so_far_deciliters=summary.since_deciliters if summary and bill else None,
            continuous_use=bool(summary and summary.continuous_use),
        )
    return page


def _period_start(bill: Bill) -> date:
    """The day after the last billed period: the period now being used."""
    return bill.period_end + timedelta(days=1)
