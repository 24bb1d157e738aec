"""Each 通知先's state, as the registration screen and トップ show it: the last mail (when,
what kind) and whether it went — 送信済み, 送信待ち, 送信失敗 with the server's reason in
plain words, or 配信停止.

The last mail is the newest of the address's reports (deliveries) and test mails
(test_deliveries); its state is its outbox row's, like every mail's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, bindparam, func, literal, select, union_all

from kodaira_app.extensions import db
from kodaira_app.models import Delivery, OutboxMail, TestDelivery, WatchRecipient
from kodaira_app.models.mail import MailStatus
from kodaira_app.models.reports import DeliveryStatus
from kodaira_app.timeutil import town_tz
from kodaira_app.watch.history import day_label

KINDS = {
    "report": _l("見守りメール"),
    "followup": _l("見守りメール（続報）"),
    "test": _l("テストメール"),
}
STATES = {
    "sent": _l("送信済み"),
    "pending": _l("送信待ち"),
    "failed": _l("送信失敗"),
    "stopped": _l("配信停止"),
    "kept": _l("送信せず保管（メール送信の設定なし）"),
    "none": _l("まだメールは送っていません"),
}
REASONS = {
    "refused": _l("このアドレスには届きませんでした"),
    "unreachable": _l("相手のメールサーバーにつながらず、届けられませんでした"),
}
# An SMTP reply code of the 5xx class in a stored error ("(550, b'...')"): refused for good.
_PERMANENT = re.compile(r"\(5\d\d,")


@dataclass
class RecipientState:
    name: str
    email: str
    state: str  # a key of STATES
    kind: str | None = None  # a key of KINDS; None before the first mail
    at: datetime | None = None  # when the last mail was sent (or written)
    reason: str | None = None  # a key of REASONS, for 'failed'

    @property
    def state_label(self) -> str:
        return str(STATES[self.state])

    @property
    def kind_label(self) -> str | None:
        return str(KINDS[self.kind]) if self.kind else None

    @property
    def at_label(self) -> str | None:
        """「12月2日 12:30」, town time."""
        if self.at is None:
            return None
        tz = town_tz()
        return f"{day_label(self.at, tz)} {self.at.astimezone(tz):%H:%M}"

    @property
    def reason_label(self) -> str | None:
        return str(REASONS[self.reason]) if self.reason else None


def refused_for_good(error: str | None) -> bool:
    """The server answered 5xx: the address does not take mail (a typo, mostly)."""
    return bool(error and _PERMANENT.search(error))


def _mail_state(status: str | None, error: str | None) -> tuple[str, str | None]:
    if status in (None, MailStatus.QUEUED, MailStatus.SENDING):
        return "pending", None
    if status == MailStatus.FAILED:
        return "failed", "refused" if refused_for_good(error) else "unreachable"
    return str(status), None  # sent / kept


def _last_mails(registration_ids: list[int]):
    """Every recipient not removed with its newest report or test mail, in one statement
    (a page shows many registrations: a query each would make it slow)."""
    return db.session.execute(_last_mails_query(), {"ids": list(registration_ids)}).all()


@cache
def _last_mails_query():
    """Built once: the same statement for every page (the registrations are one parameter)."""
    recipients = (
        select(WatchRecipient.id)
        .where(
            WatchRecipient.registration_id.in_(bindparam("ids", expanding=True)),
            WatchRecipient.removed_at.is_(None),
        )
        .scalar_subquery()
    )
    # Missed and paused windows, and rows of a recipient gone, never became a mail.
    reports = select(
        Delivery.recipient_id.label("recipient_id"),
        Delivery.kind.label("kind"),
        Delivery.queued_at.label("at"),
        Delivery.outbox_id.label("outbox_id"),
    ).where(
        Delivery.recipient_id.in_(recipients),
        Delivery.stage.in_([DeliveryStatus.PENDING, DeliveryStatus.MAILED]),
    )
    tests = select(
        TestDelivery.recipient_id,
        literal("test", String()).label("kind"),
        TestDelivery.created_at,
        TestDelivery.outbox_id,
    ).where(TestDelivery.recipient_id.in_(recipients))
    mails = union_all(reports, tests).subquery()
    ranked = select(
        mails,
        func.row_number()
        .over(partition_by=mails.c.recipient_id, order_by=(mails.c.at.desc(), mails.c.kind))
        .label("rank"),
    ).subquery()
    last = select(ranked).where(ranked.c.rank == 1).subquery()
    return (
        select(
            WatchRecipient.registration_id,
            WatchRecipient.name,
            WatchRecipient.email,
            WatchRecipient.stopped_at,
            last.c.kind,
            last.c.at,
            OutboxMail.status,
            OutboxMail.last_error,
            OutboxMail.sent_at,
        )
        .outerjoin(last, last.c.recipient_id == WatchRecipient.id)
        .outerjoin(OutboxMail, OutboxMail.id == last.c.outbox_id)
        .where(WatchRecipient.id.in_(recipients))
        .order_by(WatchRecipient.registration_id, WatchRecipient.position)
    )


def states_by_registration(registration_ids: list[int]) -> dict[int, list[RecipientState]]:
    """Each registration's recipients not removed, with their state, in screen order."""
    out: dict[int, list[RecipientState]] = {i: [] for i in registration_ids}
    if not registration_ids:
        return out
    for row in _last_mails(list(registration_ids)):
        state = RecipientState(name=row.name, email=row.email, state="none")
        if row.kind is not None:
            state.kind = row.kind
            state.at = row.sent_at or row.at
            state.state, state.reason = _mail_state(row.status, row.last_error)
        if row.stopped_at is not None:
            state.state, state.reason = "stopped", None
        out[row.registration_id].append(state)
    return out
