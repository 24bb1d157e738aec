"""Rows for tests, with plausible defaults."""

from __future__ import annotations

from kodaira_app.extensions import db
from kodaira_app.models import ContractLink, Customer

_counter = {"n": 8000}


def make_customer(
    customer_number: str | None = None,
    name_kana: str = "コダイラ タロウ",
    name: str = "小平 太郎",
    address: str = "北海道留萌郡小平町字小平町1番地",
    meter_id: str | None = None,
    smart_meter: bool = True,
) -> Customer:
    _counter["n"] += 1
    number = customer_number or f"{_counter['n']:011d}"
    customer = Customer(
        customer_number=number,
        name_kana=name_kana,
        name=name,
        address=address,
        meter_id=meter_id if meter_id is not None else (f"M{number}" if smart_meter else None),
        smart_meter=smart_meter,
    )
    db.session.add(customer)
    db.session.commit()
    return customer


def link(account, customer, relation: str = "self") -> ContractLink:
    row = ContractLink(account_id=account.id, customer_id=customer.id, relation=relation)
    db.session.add(row)
    db.session.commit()
    return row
