"""Contracts seen through an account: the only way views reach a contract."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kodaira_app.extensions import db
from kodaira_app.models import ContractLink, Customer, WatchRegistration


def account_contracts(account) -> list[Customer]:
    """The account's contracts in the order they were linked."""
    return list(
        db.session.scalars(
            select(Customer)
            .join(ContractLink, ContractLink.customer_id == Customer.id)
            .where(ContractLink.account_id == account.id)
            .options(selectinload(Customer.link))
            .order_by(ContractLink.linked_at, ContractLink.id)
        )
    )


def get_contract(account, customer_id: int) -> Customer:
    """The account's contract with this id, or 404 (also for another account's)."""
    customer = db.session.scalar(
        select(Customer)
        .join(ContractLink, ContractLink.customer_id == Customer.id)
        .where(Customer.id == customer_id, ContractLink.account_id == account.id)
    )
    if customer is None:
        abort(404)
    return customer


def active_registration(customer_id: int) -> WatchRegistration | None:
    return db.session.scalar(
        select(WatchRegistration).where(
            WatchRegistration.customer_id == customer_id, WatchRegistration.ended_at.is_(None)
        )
    )


def registrations_by_customer(customer_ids: list[int]) -> dict[int, WatchRegistration]:
    if not customer_ids:
        return {}
    rows = db.session.scalars(
        select(WatchRegistration)
        .where(
            WatchRegistration.customer_id.in_(customer_ids), WatchRegistration.ended_at.is_(None)
        )
        .options(selectinload(WatchRegistration.windows))
    )
    return {row.customer_id: row for row in rows}
