"""What leaving the app (退会) removes, and what it keeps.

Removed: the password hash, the names and addresses of the account's 通知先, the bodies
of the mails sent to the account and to those 通知先 (reports, notices and alerts), the
名前 of whoever pressed 確認しました on an alert of the account's registrations, and any
口座振替 application staff have not processed yet (withdrawn: staff see it as such and can
no longer process it).

Kept: consent records (they prove what the resident agreed to, and when) and the staff
audit trail (who saw or did what); both are append-only and hold no password or body.
Mails still waiting to go (the 「見守りサービスが解除されました」 notices queued by the
leaving itself) keep their bodies until sent; the retention purge blanks them later.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update

from kodaira_app.extensions import db
from kodaira_app.models import (
    Account,
    AlertConfirmation,
    Delivery,
    OutboxMail,
    WatchRecipient,
    WatchRegistration,
)
from kodaira_app.models.billing import DirectDebitApplication
from kodaira_app.models.reports import DeliveryStatus

UNSENT = ("queued", "sending")
# The kinds that went to the 通知先 by address alone (no Delivery row names them).
RECIPIENT_KINDS = ("watch\\_%", "alert\\_%")


def forget_account(account: Account, now: datetime) -> None:
    """Run inside close_account's transaction, before the address is replaced."""
    recipients = list(
        db.session.scalars(
            select(WatchRecipient)
            .join(WatchRegistration, WatchRegistration.id == WatchRecipient.registration_id)
            .where(WatchRegistration.account_id == account.id)
        )
    )
    _blank_mails(account.email, recipients)
    _withdraw_direct_debits(account.id)
    ids = [r.id for r in recipients]
    registrations = select(WatchRegistration.id).where(WatchRegistration.account_id == account.id)
    db.session.execute(
        update(AlertConfirmation)
        .where(AlertConfirmation.registration_id.in_(registrations))
        .values(recipient_name="")
        .execution_options(synchronize_session=False)
    )
    if ids:
        db.session.execute(
            update(Delivery)
            .where(Delivery.recipient_id.in_(ids), Delivery.stage == DeliveryStatus.PENDING)
            .values(stage=DeliveryStatus.STOPPED)
        )
    for recipient in recipients:
        recipient.name = ""
        recipient.email = f"removed-{recipient.id}@closed.invalid"
        recipient.removed_at = recipient.removed_at or now
        recipient.stopped_at = recipient.stopped_at or now
    account.password_hash = ""  # nosec B105  # no hash: no password can ever match


def _blank_mails(email: str, recipients: list[WatchRecipient]) -> None:
    delivered = select(Delivery.outbox_id).where(
        Delivery.recipient_id.in_([r.id for r in recipients]), Delivery.outbox_id.is_not(None)
    )
    addresses = sorted({r.email for r in recipients})
    db.session.execute(
        update(OutboxMail)
        .where(
            OutboxMail.status.not_in(UNSENT),
            or_(
                OutboxMail.to_addr == email,
                OutboxMail.id.in_(delivered),
                OutboxMail.to_addr.in_(addresses)
                & or_(*(OutboxMail.kind.like(kind, escape="\\") for kind in RECIPIENT_KINDS)),
            ),
        )
        .values(body_text="", body_html=None)
        .execution_options(synchronize_session=False)
    )


def _withdraw_direct_debits(account_id: int) -> None:
    db.session.execute(
        update(DirectDebitApplication)
        .where(
            DirectDebitApplication.account_id == account_id,
            DirectDebitApplication.status == "submitted",
        )
        .values(status="withdrawn")
        .execution_options(synchronize_session=False)
    )
