"""What the staff console offers on reports: a dry-run preview and a re-send."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from kodaira_app.extensions import db
from kodaira_app.mailer.pipeline import enqueue_mails
from kodaira_app.models import Customer, Delivery, OutboxMail, WatchRecipient, WatchRegistration
from kodaira_app.models.mail import MailStatus
from kodaira_app.models.reports import DeliveryStatus
from kodaira_app.reports.content import Renderer, ReportFacts
from kodaira_app.reports.evaluation import missing_hours
from kodaira_app.reports.send import enqueue_deliveries
from kodaira_app.reports.tick import run_tick
from kodaira_app.timeutil import utcnow


@dataclass
class PreviewMail:
    window_end: datetime
    mode: str  # on_time / late / missed
    status: str
    registration_id: int
    to: str | None  # None: a window without a live recipient, or one that sends nothing
    subject: str | None
    body_text: str | None


def preview(now: datetime) -> list[PreviewMail]:
    """Which windows the tick would evaluate at `now`, for whom, and what each mail says.

    Writes nothing: the same queries as the tick, read only.
    """
    renderer = Renderer()
    mails: list[PreviewMail] = []
    for slot in run_tick(now, dry_run=True).slots:
        for item in slot.preview:
            head = {
                "window_end": slot.window_end,
                "mode": slot.mode,
                "status": item["status"],
                "registration_id": item["registration_id"],
            }
            recipients = _live_recipients(item["registration_id"])
            if not recipients or item["status"] in ("missed", "paused"):
                mails.append(PreviewMail(**head, to=None, subject=None, body_text=None))
                continue
            hours = int((item["window_end"] - item["window_start"]).total_seconds() // 3600)
            for recipient, customer in recipients:
                missing = (
                    missing_hours(customer.meter_id, item["window_start"], hours)
                    if item["status"] == "partial"
                    else []
                )
                facts = ReportFacts(
                    kind="report",
                    status=item["status"],
                    window_start=item["window_start"],
                    window_end=item["window_end"],
                    deciliters=item["deciliters"],
                    usual_deciliters=item["usual_deciliters"],
                    missing_hours=missing,
                    late=item["late"],
                    followup_deciliters=None,
                    recipient_name=recipient.name,
                    recipient_email=recipient.email,
                    locale=recipient.locale or "ja",
                    stop_token=recipient.stop_token,
                    masked_number=customer.masked_number,
                    home_name=recipient.registration.home_label(customer.name),
                    customer_id=customer.id,
                )
                rendered = renderer.render(facts)
                mails.append(
                    PreviewMail(
                        **head,
                        to=recipient.email,
                        subject=rendered["subject"],
                        body_text=rendered["body_text"],
                    )
                )
    return mails


def _live_recipients(registration_id: int) -> list[tuple[WatchRecipient, Customer]]:
    return db.session.execute(
        select(WatchRecipient, Customer)
        .join(WatchRegistration, WatchRegistration.id == WatchRecipient.registration_id)
        .join(Customer, Customer.id == WatchRegistration.customer_id)
        .where(
            WatchRecipient.registration_id == registration_id,
            WatchRecipient.stopped_at.is_(None),
            WatchRecipient.removed_at.is_(None),
            WatchRecipient.helper.is_(False),
        )
        .order_by(WatchRecipient.position)
    ).all()


def resend(delivery_id: int, deliberate: bool = False) -> str:
    """Give a delivery a new attempt on the same row.

    A failed mail is retried (its rendered copy and Message-ID are kept). A row that was
    sent, kept, missed or paused is sent again only when `deliberate` (staff chose to send
    a second mail), rendered anew. A row pending or being sent is left alone.
    Returns what happened: 'queued', 'in progress', 'already sent', 'not sendable'.
    """
    row = db.session.get(Delivery, delivery_id)
    if row is None:
        raise LookupError(f"no delivery #{delivery_id}")
    status = row.status
    if status in ("pending", "sending"):
        return "in progress"
    if status == "failed":
        db.session.execute(
            update(OutboxMail)
            .where(OutboxMail.id == row.outbox_id, OutboxMail.status == MailStatus.FAILED)
            .values(status=MailStatus.QUEUED, next_attempt_at=None, queued_at=utcnow())
        )
        db.session.commit()
        enqueue_mails([row.outbox_id])
        return "queued"
    if not deliberate:
        return "already sent" if status in ("sent", "kept") else "not sendable"
    # A new mail with its own Message-ID; the earlier one stays in the outbox.
    row.stage = DeliveryStatus.PENDING
    row.outbox_id = None
    row.queued_at = utcnow()
    db.session.commit()
    enqueue_deliveries([row.id])
    return "queued"
