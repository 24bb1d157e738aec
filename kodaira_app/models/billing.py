"""Bills and payments as the billing system knows them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kodaira_app.extensions import db
from kodaira_app.models.checks import one_of
from kodaira_app.models.customers import Customer
from kodaira_app.timeutil import UTCDateTime, utcnow

# How a bill was (or will be) paid, as the billing system codes it.
PAYMENT_METHODS = ("direct_debit", "bank", "convenience", "town_office", "smartphone")


class Bill(db.Model):
    """One billing period of one contract: reading, usage, charges and its payment.

    The period length is data (start and end dates per row), usually two months.
    Amounts are whole yen, tax included; `tax` is the consumption tax contained in `total`.
    """

    __tablename__ = "bills"
    __table_args__ = (UniqueConstraint("customer_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    period_start: Mapped[date] = mapped_column()
    period_end: Mapped[date] = mapped_column()
    reading_date: Mapped[date] = mapped_column()
    meter_reading: Mapped[int] = mapped_column()  # 指針 in m³
    usage_m3: Mapped[int] = mapped_column()
    water_charge: Mapped[int] = mapped_column()
    sewer_charge: Mapped[int] = mapped_column()
    tax: Mapped[int] = mapped_column()
    total: Mapped[int] = mapped_column()
    due_date: Mapped[date] = mapped_column()
    paid_on: Mapped[date | None] = mapped_column()
    payment_method: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    customer: Mapped[Customer] = relationship()

    @property
    def is_paid(self) -> bool:
        return self.paid_on is not None

    def is_overdue(self, today: date) -> bool:
        return not self.is_paid and self.due_date < today


class DirectDebitStatus(StrEnum):
    SUBMITTED = "submitted"  # waiting for staff
    PROCESSED = "processed"  # taken to the bank, registered
    REJECTED = "rejected"  # returned for a mistake in the form
    WITHDRAWN = "withdrawn"  # its account left the app before staff processed it


class DirectDebitApplication(db.Model):
    """An online 口座振替 application; staff take it to the bank and record the outcome."""

    __tablename__ = "direct_debit_applications"
    __table_args__ = (
        Index("ix_direct_debit_applications_status_created", "status", "created_at"),
        one_of(DirectDebitStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    bank_name: Mapped[str] = mapped_column(String(50))
    branch_name: Mapped[str] = mapped_column(String(50))
    account_type: Mapped[str] = mapped_column(String(8))  # ordinary (普通) / current (当座)
    # Only the last four digits are kept; the bank form carries the full number.
    account_number_last4: Mapped[str] = mapped_column(String(4))
    account_number_masked: Mapped[str] = mapped_column(String(16))
    account_holder_kana: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default=DirectDebitStatus.SUBMITTED)
    # A key per filled-in form, so that pressing 申し込む twice stores one application.
    request_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    processed_by: Mapped[int | None] = mapped_column()  # staff id
    note: Mapped[str | None] = mapped_column(Text)

    customer: Mapped[Customer] = relationship()
