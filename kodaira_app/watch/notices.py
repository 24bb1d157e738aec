"""Mails of the service other than the reports: each carries the recipient's stop link
(their kinds in kodaira_app/mailer/kinds.py say so).

「通知先に登録されました」 is limited, so that nobody can be mailed over and over by being
added: one per registration and address in 24 hours, however often the address is
removed and added again, and NOTICE_DAILY_LIMIT_PER_ADDRESS in 24 hours to one address
from all accounts together. Each notice sent is counted as a ThrottleEvent in the
transaction that queues it (the periodic throttle purge removes the counts after a day).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from flask import current_app

from kodaira_app.auth.throttle import Limit, blocked_until
from kodaira_app.babel_cache import force_locale
from kodaira_app.extensions import db
from kodaira_app.mailer.outbox import queue_mail
from kodaira_app.masking import mask_email
from kodaira_app.models import (
    Account,
    Customer,
    ThrottleEvent,
    WatchRecipient,
    WatchRegistration,
)
from kodaira_app.timeutil import utcnow
from kodaira_app.watch.windows import (
    display_hour,
    email_key,
    end_time,
    report_time,
    window_span,
    window_summary,
)

NOTICE_WINDOW = timedelta(hours=24)
ADDED_PER_REGISTRATION = Limit("watch-added-registration", 1, NOTICE_WINDOW)
# Why an added recipient gets no notice (the codes of watch/forms.py's MESSAGES).
SENT_RECENTLY = "notice_sent_recently"
DAILY_LIMIT = "notice_daily_limit"


def adder_label(account: Account, customer: Customer) -> str:
    """Who set the watch up, as a recipient may recognise them."""
    link = customer.link
    if link is not None and link.account_id == account.id and link.relation == "self":
        return customer.name
    return mask_email(account.email)


def window_lines(registration: WatchRegistration) -> list[dict[str, str]]:
    """Each live window in the one notation (watch/windows.py): its start, end, report time,
    the range 「18:00〜翌0:00」 and the line 「… を見守り、翌0:30 ごろメール」."""
    default_width = current_app.config["WATCH_WINDOW_HOURS"]
    delay = current_app.config["REPORT_DELAY_MINUTES"]
    lines = []
    for w in registration.windows:
        if w.removed_at is not None:
            continue
        width = w.width_hours or default_width
        lines.append(
            {
                "start": display_hour(w.entered_hour),
                "end": end_time(w.entered_hour, width),
                "report": report_time(w.entered_hour, width, delay),
                "window": window_span(w.entered_hour, width),
                "summary": window_summary(w.entered_hour, width, delay),
            }
        )
    return lines


def live_recipients(registration: WatchRegistration) -> list[WatchRecipient]:
    """Recipients that get mails: not removed by the account, not stopped by themselves."""
    return [r for r in registration.recipients if r.removed_at is None and r.stopped_at is None]


def notify(recipient: WatchRecipient, customer: Customer, kind: str, **context) -> None:
    queue_mail(
        to=recipient.email,
        kind=kind,
        locale=recipient.locale or "ja",
        stop_token=recipient.stop_token,
        recipient_name=recipient.name,
        contract_number=customer.masked_number,
        **context,
    )


def added_per_address() -> Limit:
    limit = current_app.config["NOTICE_DAILY_LIMIT_PER_ADDRESS"]
    return Limit("watch-added-address", limit, NOTICE_WINDOW)


def _keys(registration_id: int, address: str) -> tuple[str, str]:
    key = email_key(address)
    return f"{registration_id}:{key}"[:255], key[:255]


def notice_refusal(registration_id: int | None, address: str) -> str | None:
    """Why `address` would get no 「登録されました」 notice now, or None when it would."""
    by_registration, by_address = _keys(registration_id or 0, address)
    if registration_id and blocked_until(ADDED_PER_REGISTRATION, by_registration):
        return SENT_RECENTLY
    if blocked_until(added_per_address(), by_address):
        return DAILY_LIMIT
    return None


def refused_addresses(
    registration: WatchRegistration | None, addresses: Iterable[str], exempt: set[str]
) -> set[str]:
    """The addresses (as email_key) that may not be added now: their daily notices are used.

    Addresses in `exempt` (live on the registration, or stopped: no notice goes to them)
    and those this registration told within 24 hours (no new notice) are never refused.
    """
    registration_id = registration.id if registration is not None else None
    return {
        email_key(address)
        for address in addresses
        if email_key(address) not in exempt
        and notice_refusal(registration_id, address) == DAILY_LIMIT
    }


def recipient_added(
    recipient: WatchRecipient,
    registration: WatchRegistration,
    account: Account,
    customer: Customer,
) -> str | None:
    """Queue the notice, counted; or the code saying why none goes (nothing queued)."""
    refusal = notice_refusal(registration.id, recipient.email)
    if refusal is not None:
        return refusal
    with force_locale(recipient.locale or "ja"):  # the times as the recipient's mail writes them
        windows = window_lines(registration)
    notify(
        recipient,
        customer,
        "watch_added",
        adder=adder_label(account, customer),
        windows=windows,
        helper=bool(recipient.helper),  # a 見守り協力者 gets alerts only, never the reports
    )
    now = utcnow()
    by_registration, by_address = _keys(registration.id, recipient.email)
    for limit, key in (
        (ADDED_PER_REGISTRATION, by_registration),
        (added_per_address(), by_address),
    ):
        db.session.add(ThrottleEvent(scope=limit.scope, key=key, created_at=now))
    return None


def watch_ended(registration: WatchRegistration, customer: Customer) -> None:
    for recipient in live_recipients(registration):
        notify(recipient, customer, "watch_ended")
