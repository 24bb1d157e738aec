from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kodaira_app.extensions import db
from kodaira_app.timeutil import UTCDateTime, utcnow


class Customer(db.Model):
    """A water contract as the billing system knows it (customer master)."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Eleven digits, shown as 0-0000008002.
    customer_number: Mapped[str] = mapped_column(String(11), unique=True)
    name_kana: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(255))
    meter_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    smart_meter: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    link: Mapped[ContractLink | None] = relationship(back_populates="customer", uselist=False)

    @property
    def display_number(self) -> str:
        return f"{self.customer_number[0]}-{self.customer_number[1:]}"

    @property
    def masked_number(self) -> str:
        """For mails: enough to recognise the contract, not enough to claim it."""
        return f"{self.customer_number[0]}-******{self.customer_number[-4:]}"


class ContractLink(db.Model):
    """A contract held by an account. A contract belongs to at most one account."""

    __tablename__ = "contract_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    # self (本人) / family (家族) / other (その他)
    relation: Mapped[str] = mapped_column(String(16))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="link")


class Consent(db.Model):
    """Append-only record of the contract holder's consent given by an applicant."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(index=True)
    account_email: Mapped[str] = mapped_column(String(254))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    relation: Mapped[str] = mapped_column(String(16))
    text_version: Mapped[str] = mapped_column(String(32))
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@event.listens_for(Consent, "before_update")
@event.listens_for(Consent, "before_delete")
def _consents_are_append_only(mapper, connection, target) -> None:
    raise PermissionError("consents are append-only: add a new row instead")
