"""What the console reads: customer search, a contract's whole story, delivery lists, the
outbox and the audit trail. The views only call these; no query is written in a view."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from kodaira_app.alerts.confirm import confirmed_line
from kodaira_app.billing.bills import bills_by_customer
from kodaira_app.contracts.normalize import kana_key, normalize_customer_number
from kodaira_app.extensions import db
from kodaira_app.models import (
    Account,
    AlertConfirmation,
    AlertEpisode,
    AlertMail,
    Consent,
    ContractLink,
    Customer,
    Delivery,
    OutboxMail,
    Reading,
    WatchRecipient,
    WatchRegistration,
    WindowEvaluation,
)
from kodaira_app.models.billing import Bill
from kodaira_app.models.staff import AuditLog
from kodaira_app.timeutil import town_tz, utcnow

SEARCH_LIMIT = 50
DELIVERY_LIMIT = 100
OUTBOX_LIMIT = 100
AUDIT_LIMIT = 200
READING_DAYS = 7
BILL_LIMIT = 12  # two years of two-month periods: enough to answer a billing call

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


@dataclass
class ContractOverview:
    customer: Customer
    account: Account | None
    link: ContractLink | None
    consents: list[Consent]
    registrations: list[WatchRegistration]
    deliveries: list[Delivery]
    readings: list[Reading] = field(default_factory=list)
    bills: list[Bill] = field(default_factory=list)  # the latest BILL_LIMIT, newest first


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
        bills=bills_by_customer([customer.id])[customer.id][:BILL_LIMIT],
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


def reading_hours(
    readings: list[Reading], now: datetime, days: int = READING_DAYS
) -> list[tuple[datetime, int | None]]:
    """(hour start, decilitres or None) of each complete hour of the last `days` days,
    oldest first: the readings of recent_readings() laid on the hours they belong to."""
    end = now.replace(minute=0, second=0, microsecond=0)
    by_hour = {r.hour_start: r.deciliters for r in readings}
    starts = [end - timedelta(hours=h) for h in range(days * 24, 0, -1)]
    return [(start, by_hour.get(start)) for start in starts]


def town_day_bounds(day: date) -> tuple[datetime, datetime]:
    tz = town_tz()
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    return start, start + timedelta(days=1)


# The status filters of the delivery list (the filter form offers exactly these).
DELIVERY_FILTERS = {
    "failed": lambda: Delivery.status == "failed",
    "late": lambda: WindowEvaluation.late.is_(True),
    "missed": lambda: or_(Delivery.status == "missed", WindowEvaluation.status == "missed"),
    "pending": lambda: Delivery.status.in_(("pending", "sending")),
}


def customer_id_by_number(text: str) -> int | None:
    """The id of the contract whose number is typed in `text`; None for no number, -1 for
    a number no contract has (so that a filter by it finds nothing)."""
    number = customer_number_digits(text or "")
    if not number:
        return None
    found = db.session.scalar(
        select(Customer.id).where(Customer.customer_number == number.zfill(11))
    )
    return found if found is not None else -1


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
    if status:
        query = query.where(DELIVERY_FILTERS[status]())
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


def outbox_mails(to: str = "", limit: int = OUTBOX_LIMIT) -> list[OutboxMail]:
    """The newest mails of the outbox, those to an address containing `to` when given."""
    query = select(OutboxMail).order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc())
    if to:
        query = query.where(OutboxMail.to_addr.ilike(like_pattern(to), escape="\\"))
    return list(db.session.scalars(query.limit(limit)))


def audit_rows(
    action: str | None = None, customer_id: int | None = None, limit: int = AUDIT_LIMIT
) -> list[AuditLog]:
    """The newest audit rows, of one action and of one customer when given."""
    query = select(AuditLog).order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
    if action:
        query = query.where(AuditLog.action == action)
    if customer_id is not None:
        query = query.where(
            AuditLog.target_type == "customer", AuditLog.target_id == str(customer_id)
        )
    return list(db.session.scalars(query.limit(limit)))


def audit_row(audit_id: int, action: str) -> AuditLog | None:
    """One audit row of the given action (the result pages of uploads and tick runs)."""
    row = db.session.get(AuditLog, audit_id)
    return row if row is not None and row.action == action else None


def delivery_outbox(delivery: Delivery) -> OutboxMail | None:
    """The outbox row of a delivery's last mail, if it has one."""
    return db.session.get(OutboxMail, delivery.outbox_id) if delivery.outbox_id else None


# The alert mails (異変のお知らせ) in the delivery list, by their outbox rows.
ALERT_MAIL_KINDS = ("alert_start", "alert_end", "alert_helper", "alert_leak", "alert_town_delay")
# The status filters that apply to them; 遅延 and 期限切れ are the reports' only.
ALERT_MAIL_FILTERS = {
    "failed": lambda: OutboxMail.status == "failed",
    "pending": lambda: OutboxMail.status.in_(("queued", "sending")),
}


@dataclass
class AlertMailRow:
    mail: OutboxMail
    episode: AlertEpisode | None = None  # None: a mail written before alert_mails (0011)
    recipient: WatchRecipient | None = None  # None: the account holder (the leak notice)
    customer: Customer | None = None
    confirmation: AlertConfirmation | None = None

    @property
    def confirmed(self) -> str | None:
        """「息子さんが 14:25 に確認しました」, in the reader's language."""
        return confirmed_line(self.confirmation)


def list_alert_mails(
    status: str | None = None,
    day: date | None = None,
    customer_id: int | None = None,
    limit: int = DELIVERY_LIMIT,
) -> list[AlertMailRow]:
    """Alert mails, newest first, filtered as the deliveries are (the day: when written),
    each with the episode and 通知先 recorded beside it (alert_mails)."""
    if status and status not in ALERT_MAIL_FILTERS:
        return []
    query = (
        select(OutboxMail, AlertMail)
        .outerjoin(AlertMail, AlertMail.outbox_id == OutboxMail.id)
        .where(OutboxMail.kind.in_(ALERT_MAIL_KINDS))
    )
    if status:
        query = query.where(ALERT_MAIL_FILTERS[status]())
    if day is not None:
        start, end = town_day_bounds(day)
        query = query.where(OutboxMail.created_at >= start, OutboxMail.created_at < end)
    if customer_id is not None:
        registrations = select(WatchRegistration.id).where(
            WatchRegistration.customer_id == customer_id
        )
        episodes = select(AlertEpisode.id).where(AlertEpisode.registration_id.in_(registrations))
        query = query.where(AlertMail.episode_id.in_(episodes))
    query = query.order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc()).limit(limit)
    return _alert_mail_rows(db.session.execute(query).all())


def _alert_mail_rows(found) -> list[AlertMailRow]:
    """Each mail with its episode, 通知先, contract and the episode's confirmation."""
    links = [link for _mail, link in found if link is not None]
    episodes = _by_id(AlertEpisode, {link.episode_id for link in links})
    recipients = _by_id(WatchRecipient, {link.recipient_id for link in links} - {None})
    customers = registration_customers({e.registration_id for e in episodes.values()})
    confirmations = {
        c.episode_id: c
        for c in db.session.scalars(
            select(AlertConfirmation).where(AlertConfirmation.episode_id.in_(episodes))
        )
    }
    rows = []
    for mail, link in found:
        row = AlertMailRow(mail)
        if link is not None and link.episode_id in episodes:
            row.episode = episodes[link.episode_id]
            row.recipient = recipients.get(link.recipient_id)
            row.customer = customers.get(row.episode.registration_id)
            row.confirmation = confirmations.get(row.episode.id)
        rows.append(row)
    return rows


def _by_id(model, ids: set[int]) -> dict:
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))}
