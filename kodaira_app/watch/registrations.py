"""Saving, changing and ending a registration, each in one transaction."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kodaira_app.alerts import settings as alert_settings
from kodaira_app.contracts.queries import active_registration
from kodaira_app.extensions import db
from kodaira_app.models import Account, Customer, WatchRecipient, WatchRegistration, WatchWindow
from kodaira_app.timeutil import utcnow
from kodaira_app.watch import notices
from kodaira_app.watch.home_name import check_home_name, stored_home_name
from kodaira_app.watch.windows import Recipient, email_key, start_hour


@dataclass
class Draft:
    """What the input screen produced, kept in the session until 登録."""

    customer_id: int
    hours: list[int]
    recipients: list[Recipient] = field(default_factory=list)
    home_name: str = ""  # "": the contract holder's name (watch/home_name.py)
    # 異変のお知らせ (kodaira_app/alerts/forms.py settings()); None leaves them as they are.
    alerts: dict | None = None

    def to_session(self) -> dict:
        return {
            "customer_id": self.customer_id,
            "hours": list(self.hours),
            "recipients": [[r.name, r.email, r.locale] for r in self.recipients],
            "home_name": self.home_name,
            "alerts": self.alerts,
        }

    @classmethod
    def from_session(cls, data: dict | None) -> Draft | None:
        if not data:
            return None
        try:
            return cls(
                customer_id=int(data["customer_id"]),
                hours=[int(h) for h in data["hours"]],
                recipients=[Recipient(*row) for row in data["recipients"]],
                home_name=check_home_name(data.get("home_name")),
                alerts=data.get("alerts"),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            return None


def stopped_addresses(customer_id: int) -> set[str]:
    """Addresses (compared lower-case) that said stop to this contract's mails."""
    rows = db.session.scalars(
        select(WatchRecipient.email)
        .join(WatchRegistration, WatchRegistration.id == WatchRecipient.registration_id)
        .where(WatchRegistration.customer_id == customer_id, WatchRecipient.stopped_at.is_not(None))
    )
    return {email_key(address) for address in rows}


def save_registration(
    account: Account,
    customer: Customer,
    draft: Draft,
    width: int,
    notify: bool = True,
    on_held: Callable[[WatchRecipient, str], None] | None = None,
) -> WatchRegistration:
    """Create or replace the registration of `customer` with `draft`, and commit.

    Saving the same draft twice changes nothing the second time: windows and recipients
    that stay are kept (reports keep pointing at them), so no notice goes out twice.
    A recipient added whose notice the limits of watch/notices.py hold back is passed to
    `on_held` with the reason's code.
    """
    now = utcnow()
    registration = active_registration(customer.id)
    if registration is None:
        registration = WatchRegistration(
            customer_id=customer.id, account_id=account.id, created_at=now, updated_at=now
        )
        db.session.add(registration)
        try:
            db.session.flush()
        except IntegrityError:
            # Another request registered this contract a moment ago: keep that one.
            db.session.rollback()
            return active_registration(customer.id)
    changed = _replace_windows(registration, draft.hours, width, now)
    home_name = stored_home_name(draft.home_name, customer)
    if registration.home_name != home_name:
        registration.home_name, changed = home_name, True
    added, recipients_changed = _replace_recipients(registration, customer, draft.recipients, now)
    if draft.alerts is not None:
        recipients_changed |= alert_settings.apply(registration, account, customer, draft.alerts)
    if changed or recipients_changed:
        registration.updated_at = now
    db.session.flush()
    if notify:
        for recipient in added:
            held = notices.recipient_added(recipient, registration, account, customer)
            if held is not None and on_held is not None:
                on_held(recipient, held)
    db.session.commit()
    return registration


def _replace_windows(
    registration: WatchRegistration, hours: Sequence[int], width: int, now
) -> bool:
    # Compared on the clock: 24 typed once and 00:00 chosen later are the same window.
    entered = {(position, start_hour(hour)): hour for position, hour in enumerate(hours, start=1)}
    wanted = set(entered)
    changed = False
    kept = set()
    for window in registration.windows:
        key = (window.position, window.start_hour)
        if window.removed_at is not None:
            continue
        if key in wanted and window.width_hours == width and key not in kept:
            kept.add(key)
        else:
            window.removed_at = now
            changed = True
    for position, clock_hour in sorted(wanted - kept):
        registration.windows.append(
            WatchWindow(
                position=position,
                start_hour=clock_hour,
                entered_hour=entered[(position, clock_hour)],
                width_hours=width,
                created_at=now,
            )
        )
        changed = True
    return changed


def _replace_recipients(
    registration: WatchRegistration, customer: Customer, rows: Sequence[Recipient], now
) -> tuple[list[WatchRecipient], bool]:
    """Returns the recipients that start getting mails now, and whether anything changed."""
    current = {email_key(r.email): r for r in registration.recipients if r.removed_at is None}
    earlier = {email_key(r.email): r for r in registration.recipients if r.removed_at is not None}
    stopped = stopped_addresses(customer.id)
    wanted = {email_key(row.email) for row in rows}
    added: list[WatchRecipient] = []
    changed = False
    for key, recipient in current.items():
        if key not in wanted:
            recipient.removed_at = now
            changed = True
    for position, row in enumerate(rows, start=1):
        key = email_key(row.email)
        recipient = current.get(key)
        if recipient is None:
            changed = True
            recipient = earlier.get(key)
            if recipient is not None:
                recipient.removed_at = None
            else:
                recipient = WatchRecipient(
                    email=row.email, stop_token=secrets.token_urlsafe(32), created_at=now
                )
                registration.recipients.append(recipient)
            # An address that said stop stays stopped when someone adds it again.
            if recipient.stopped_at is None and key in stopped:
                recipient.stopped_at = now
            if recipient.stopped_at is None:
                added.append(recipient)
        if (recipient.name, recipient.locale, recipient.position) != (
            row.name,
            row.locale,
            position,
        ):
            recipient.name, recipient.locale, recipient.position = row.name, row.locale, position
            changed = True
    return added, changed


def end_registration(registration: WatchRegistration, customer: Customer) -> None:
    """解除: no more mails; the recipients get a short notice. The caller commits."""
    if registration.ended_at is not None:
        return
    notices.watch_ended(registration, customer)
    registration.ended_at = utcnow()
    for pause in registration.pauses:
        if pause.cancelled_at is None:
            pause.cancelled_at = registration.ended_at
            # Recipients were told the watch ended; no pause notice follows.
            pause.start_notified_at = pause.start_notified_at or registration.ended_at
            pause.end_notified_at = pause.end_notified_at or registration.ended_at


def stop_recipient(token: str) -> WatchRecipient | None:
    """The one-click stop: idempotent. None for an unknown token."""
    recipient = find_recipient(token)
    if recipient is None:
        return None
    if recipient.stopped_at is None:
        recipient.stopped_at = utcnow()
        db.session.commit()
    return recipient


def find_recipient(token: str) -> WatchRecipient | None:
    return db.session.scalar(select(WatchRecipient).where(WatchRecipient.stop_token == token))
