"""What the console reads: customer search, a contract's whole story, delivery lists."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from kodaira_app.contracts.normalize import kana_key, normalize_customer_number
from kodaira_app.extensions import db
from kodaira_app.models import (
    Account,
    Consent,
    ContractLink,
    Customer,
    Delivery,
    Reading,
    WatchRecipient,
    WatchRegistration,
    WindowEvaluation,
)
from kodaira_app.timeutil import town_tz, utcnow

SEARCH_LIMIT = 50
DELIVERY_LIMIT = 100
READING_DAYS = 7
DELIVERY_FILTERS = ("failed", "late", "missed", "pending")

_NUMBER_PART = re.compile(r"[0-9]+(?:[-‐‑‒–—―−ーｰ\s][0-9]+)*")


def normalize(text: str) -> str:
    """NFKC (full-width digits and letters, half-width kana), trimmed."""
    return unicodedata.normalize("NFKC", text or "").strip()


def customer_number_digits(text: str) -> str | None:
    """The digits of a whole or partial customer number typed any way, or None.

    A whole number is read exactly as the contract form reads it (normalize_customer_number);
    a part of one ('8002', '0-00000') is kept as digits, for a clerk's partial search.
    """
    whole = normalize_customer_number(text)
    if whole:
        return whole
    text = normalize(text)
    return re.sub(r"\D", "", text) if _NUMBER_PART.fullmatch(text) else None


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _without_spaces(column):
    return func.replace(func.replace(column, " ", ""), "\u3000", "")


def search_customers(query: str) -> list[Customer]:
    """Customers whose number, kana, name, address or meter id contains the query.

    A mail address finds the contracts of that account and of that 通知先.
    """
    text = normalize(query)
    if not text:
        return []
    compact = re.sub(r"\s", "", text)
    conditions = [
        _without_spaces(Customer.name).like(like_pattern(compact), escape="\\"),
        _without_spaces(Customer.name_kana).like(like_pattern(kana_key(text)), escape="\\"),
        _without_spaces(Customer.address).like(like_pattern(compact), escape="\\"),
        Customer.meter_id.ilike(like_pattern(compact), escape="\\"),
    ]
    digits = customer_number_digits(text)
    if digits:
        conditions.append(Customer.customer_number.like(like_pattern(digits), escape="\\"))
    if "@" in text:
        address = like_pattern(text.lower())
        conditions.append(
            Customer.id.in_(
                select(ContractLink.customer_id)
                .join(Account, Account.id == ContractLink.account_id)
                .where(func.lower(Account.email).like(address, escape="\\"))
            )
        )
        conditions.append(
            Customer.id.in_(
                select(WatchRegistration.customer_id)
                .join(WatchRecipient, WatchRecipient.registration_id == WatchRegistration.id)
                .where(func.lower(WatchRecipient.email).like(address, escape="\\"))
            )
        )
    return list(
        db.session.scalars(
            select(Customer)
            .where(or_(*conditions))
            .order_by(Customer.customer_number)
            .limit(SEARCH_LIMIT)
        )
    )


def mask_email(email: str) -> str:
    """t***@example.com: enough for a clerk to confirm with a caller, not to read out."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


@dataclass
class ContractOverview:
    customer: Customer
    account: Account | None
    link: ContractLink | None
    consents: list[Consent]
    registrations: list[WatchRegistration]
    deliveries: list[Delivery]
    readings: list[Reading] = field(default_factory=list)

    @property
    def masked_email(self) -> str | None:
        return mask_email(self.account.email) if self.account else None


def contract_overview(customer: Customer) -> ContractOverview:
    link = customer.link
    account = db.session.get(Account, link.account_id) if link else None
    consents = db.session.scalars(
        select(Consent).where(Consent.customer_id == customer.id).order_by(Consent.consented_at)
    ).all()
    registrations = db.session.scalars(
        select(WatchRegistration)
        .where(WatchRegistration.customer_id == customer.id)
        .options(
            selectinload(WatchRegistration.windows),
            selectinload(WatchRegistration.recipients),
            selectinload(WatchRegistration.pauses),
        )
        .order_by(WatchRegistration.ended_at.is_not(None), WatchRegistration.created_at.desc())
    ).all()
    return ContractOverview(
        customer=customer,
        account=account,
        link=link,
        consents=list(consents),
        registrations=list(registrations),
        deliveries=list_deliveries(customer_id=customer.id),
        readings=recent_readings(customer),
    )


def recent_readings(customer: Customer, days: int = READING_DAYS) -> list[Reading]:
    if not customer.meter_id:
        return []
    since = utcnow() - timedelta(days=days)
    return list(
        db.session.scalars(
            select(Reading)
            .where(Reading.meter_id == customer.meter_id, Reading.hour_start >= since)
            .order_by(Reading.hour_start.desc())
        )
    )


def town_day_bounds(day: date) -> tuple[datetime, datetime]:
    tz = town_tz(current_app.config["TIMEZONE"])
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    return start, start + timedelta(days=1)


def list_deliveries(
    status: str | None = None,
    day: date | None = None,
    customer_id: int | None = None,
    limit: int = DELIVERY_LIMIT,
) -> list[Delivery]:
    """Deliveries, newest window first, filtered by status, window date and contract."""
    query = (
        select(Delivery)
        .join(WindowEvaluation, WindowEvaluation.id == Delivery.evaluation_id)
        .join(WatchRegistration, WatchRegistration.id == WindowEvaluation.registration_id)
        .options(selectinload(Delivery.evaluation))
    )
    if status == "failed":
        query = query.where(Delivery.status == "failed")
    elif status == "pending":
        query = query.where(Delivery.status.in_(("pending", "sending")))
    elif status == "missed":
        query = query.where(or_(Delivery.status == "missed", WindowEvaluation.status == "missed"))
    elif status == "late":
        query = query.where(WindowEvaluation.late.is_(True))
    if day is not None:
        start, end = town_day_bounds(day)
        query = query.where(
            WindowEvaluation.window_start >= start, WindowEvaluation.window_start < end
        )
    if customer_id is not None:
        query = query.where(WatchRegistration.customer_id == customer_id)
    query = query.order_by(WindowEvaluation.window_start.desc(), Delivery.id.desc()).limit(limit)
    return list(db.session.scalars(query))


def registration_customers(registration_ids: set[int]) -> dict[int, Customer]:
    if not registration_ids:
        return {}
    rows = db.session.execute(
        select(WatchRegistration.id, Customer)
        .join(Customer, Customer.id == WatchRegistration.customer_id)
        .where(WatchRegistration.id.in_(registration_ids))
    )
    return {registration_id: customer for registration_id, customer in rows}


def delivery_context(deliveries: list[Delivery]) -> dict:
    """Recipients and contracts of a list of deliveries, by id, for one table."""
    recipient_ids = {d.recipient_id for d in deliveries}
    recipients = (
        {
            r.id: r
            for r in db.session.scalars(
                select(WatchRecipient).where(WatchRecipient.id.in_(recipient_ids))
            )
        }
        if recipient_ids
        else {}
    )
    customers = registration_customers({d.evaluation.registration_id for d in deliveries})
    return {"recipients": recipients, "customers": customers}
