"""The figures トップ shows per contract."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from kodaira_app.billing.bills import bills_by_customer, current_period_start, latest_bill
from kodaira_app.models import Customer
from kodaira_app.models.billing import Bill
from kodaira_app.usage.series import continuous_use, use_since


@dataclass(frozen=True)
class TopSummary:
    latest_bill: Bill | None
    period_start: date | None  # the period being used now
    so_far_deciliters: int | None  # read since period_start (smart meters only)
    continuous_use: bool  # use in every hour of the last 24: a possible leak


def top_summaries(
    contracts: list[Customer], now: datetime, tz: ZoneInfo
) -> dict[int, TopSummary]:
    bills = bills_by_customer([c.id for c in contracts])
    summaries = {}
    for contract in contracts:
        own = bills[contract.id]
        start = current_period_start(own)
        smart = contract.smart_meter and contract.meter_id
        summaries[contract.id] = TopSummary(
            latest_bill=latest_bill(own),
            period_start=start,
            so_far_deciliters=use_since(contract.meter_id, start, now, tz)
            if smart and start
            else None,
            continuous_use=bool(smart) and continuous_use(contract.meter_id, now),
        )
    return summaries
