"""Mails of the service other than the reports: each carries the recipient's stop link
(their kinds in kodaira_app/mailer/kinds.py say so)."""

from __future__ import annotations

from flask import current_app

from kodaira_app.mailer.outbox import queue_mail
from kodaira_app.models import Account, Customer, WatchRecipient, WatchRegistration
from kodaira_app.watch.windows import display_hour, end_time, report_time


def mask_email(address: str) -> str:
    """taro@example.com → ta***@example.com: recognisable, not harvestable."""
    local, _, domain = address.partition("@")
    return f"{local[:2]}***@{domain}"


def adder_label(account: Account, customer: Customer) -> str:
    """Who set the watch up, as a recipient may recognise them."""
    link = customer.link
    if link is not None and link.account_id == account.id and link.relation == "self":
        return customer.name
    return mask_email(account.email)


def window_lines(registration: WatchRegistration) -> list[dict[str, str]]:
    width = current_app.config["WATCH_WINDOW_HOURS"]
    delay = current_app.config["REPORT_DELAY_MINUTES"]
    return [
        {
            "start": display_hour(w.entered_hour),
            "end": end_time(w.entered_hour, w.width_hours or width),
            "report": report_time(w.entered_hour, w.width_hours or width, delay),
        }
        for w in registration.windows
        if w.removed_at is None
    ]


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


def recipient_added(
    recipient: WatchRecipient,
    registration: WatchRegistration,
    account: Account,
    customer: Customer,
) -> None:
    notify(
        recipient,
        customer,
        "watch_added",
        adder=adder_label(account, customer),
        windows=window_lines(registration),
    )


def watch_ended(registration: WatchRegistration, customer: Customer) -> None:
    for recipient in live_recipients(registration):
        notify(recipient, customer, "watch_ended")
