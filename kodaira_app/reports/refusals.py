"""A report refused for good (5xx) tells the account holder, once per address.

A typo in a 通知先 is then found the same day: the holder gets one mail naming the
address, and the registration screen shows 「このアドレスには届きませんでした」
(watch/recipient_states.py). A periodic job, database-driven and idempotent: the claim of
`refusal_notified_at` decides, so two workers never send the notice twice.
"""

from __future__ import annotations

from sqlalchemy import select, union, update

from kodaira_app.extensions import db
from kodaira_app.links import absolute_url
from kodaira_app.mailer.outbox import queue_mail
from kodaira_app.models import (
    Account,
    Customer,
    Delivery,
    OutboxMail,
    TestDelivery,
    WatchRecipient,
    WatchRegistration,
)
from kodaira_app.models.mail import MailStatus
from kodaira_app.timeutil import utcnow

REPORT_KINDS = ("watch_report", "watch_followup", "watch_report_test")
# The stored error of a 5xx reply: "SMTPRecipientsRefused: {'a@b': (550, b'...')}".
_REFUSED = OutboxMail.last_error.like("%(5__,%")


def _refused(link_model):
    return (
        select(link_model.recipient_id)
        .join(OutboxMail, OutboxMail.id == link_model.outbox_id)
        .where(
            OutboxMail.status == MailStatus.FAILED,
            OutboxMail.kind.in_(REPORT_KINDS),
            _REFUSED,
        )
    )


def notify_refusals() -> int:
    """Mail the holder of each address whose report was refused, once; how many."""
    refused = union(_refused(Delivery), _refused(TestDelivery)).subquery()
    rows = db.session.execute(
        select(WatchRecipient, Account, Customer)
        .join(WatchRegistration, WatchRegistration.id == WatchRecipient.registration_id)
        .join(Account, Account.id == WatchRegistration.account_id)
        .join(Customer, Customer.id == WatchRegistration.customer_id)
        .where(
            WatchRecipient.id.in_(select(refused.c.recipient_id)),
            WatchRecipient.refusal_notified_at.is_(None),
            WatchRecipient.removed_at.is_(None),
            WatchRegistration.ended_at.is_(None),
            Account.closed_at.is_(None),
        )
    ).all()
    sent = 0
    for recipient, account, customer in rows:
        claimed = db.session.execute(
            update(WatchRecipient)
            .where(WatchRecipient.id == recipient.id, WatchRecipient.refusal_notified_at.is_(None))
            .values(refusal_notified_at=utcnow())
        ).rowcount
        if not claimed:
            continue
        queue_mail(
            to=account.email,
            kind="watch_refused",
            locale=account.locale or "ja",
            name=recipient.name,
            address=recipient.email,
            masked_number=customer.masked_number,
            link=absolute_url(f"/watch/{customer.id}/edit"),
        )
        sent += 1
    db.session.commit()
    return sent
