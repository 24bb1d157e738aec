"""Bills, readings and a fixed clock for the usage and billing tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from kodaira_app.extensions import db
from kodaira_app.models.billing import Bill


def make_bill(
    customer,
    start: date,
    end: date,
    usage_m3: int = 20,
    water: int = 3000,
    sewer: int = 2000,
    due: date | None = None,
    paid_on: date | None = None,
    method: str | None = None,
) -> Bill:
    bill = Bill(
        customer_id=customer.id,
        period_start=start,
        period_end=end,
        reading_date=end,
        meter_reading=1000 + usage_m3,
        usage_m3=usage_m3,
        water_charge=water,
        sewer_charge=sewer,
        tax=(water + sewer) * 10 // 110,
        total=water + sewer,
        due_date=due or end + timedelta(days=30),
        paid_on=paid_on,
        payment_method=method or ("bank" if paid_on else None),
    )
    db.session.add(bill)
    db.session.commit()
    return bill


def signed_in_contract(auth, clock, now: datetime, **customer):
    """A signed-in account holding one new contract, with the clock at `now`."""
    from tests.support.factories import link, make_customer

    clock.freeze(now)
    account = auth.signed_in()
    contract = make_customer(**customer)
    link(account, contract)
    return contract


def account_of(customer):
    """The account holding this contract."""
    from kodaira_app.models import Account

    return db.session.get(Account, customer.link.account_id)
