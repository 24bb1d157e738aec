"""Jobs that send outbox mails, and the sweeper that finds mails whose job was lost."""

from __future__ import annotations

import logging
from datetime import timedelta
from email.utils import make_msgid

from flask import current_app
from sqlalchemy import or_, select, update

from kodaira_app.extensions import db, mail
from kodaira_app.mailer.smtp import build_bytes, is_permanent, send_bytes
from kodaira_app.models import OutboxMail
from kodaira_app.queue import enqueue_now
from kodaira_app.timeutil import utcnow

log = logging.getLogger(__name__)

# Waits between attempts after a temporary failure; after the last one the mail fails.
BACKOFF_SECONDS = (30, 120, 600, 1800, 3600)
# A claim older than this belongs to a worker that died before it could finish.
STALE_CLAIM = timedelta(minutes=10)
# Copies of 見守り mails: their Delivery rows drive the sending (kodaira_app/reports/send.py).
DELIVERY_KINDS = ("watch_report", "watch_followup")


def message_domain() -> str:
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    return sender.rsplit("@", 1)[-1].strip(" >") or "localhost"


def send_outbox(outbox_id: int) -> str:
    """Send one outbox mail, at most once however often this job runs."""
    claimed = db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == outbox_id, OutboxMail.status == "queued")
        .values(status="sending", claimed_at=utcnow(), attempts=OutboxMail.attempts + 1)
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return "not claimed"
    row = db.session.get(OutboxMail, outbox_id)
    if current_app.config["MAIL_SUPPRESS_SEND"]:
        log.info("mail kept in outbox (no MAIL_SERVER): #%s to %s: %s", row.id, row.to_addr,
                 row.subject)
        row.status = "kept"
        db.session.commit()
        return "kept"
    row.message_id = row.message_id or make_msgid(domain=message_domain())
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    # Built like the report mails (email.header): Flask-Mail's Message loses the space
    # where it folds a long non-ASCII subject (Korean, Vietnamese).
    data = build_bytes(
        sender=sender,
        to=row.to_addr,
        subject=row.subject,
        body_text=row.body_text,
        body_html=row.body_html,
        headers=row.headers,
        message_id=row.message_id,
    )
    try:
        with mail.connect() as conn:
            send_bytes(conn, sender, row.to_addr, data)
    except Exception as exc:
        record_failure(row, exc)
        db.session.commit()
        raise
    row.status = "sent"
    row.sent_at = utcnow()
    row.last_error = None
    db.session.commit()
    return "sent"


def record_failure(row, exc: BaseException) -> None:
    """Mark a row (outbox mail or delivery) failed for good, or queued for a retry."""
    row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if is_permanent(exc) or row.attempts > len(BACKOFF_SECONDS):
        row.status = "failed"
        return
    row.status = "queued" if isinstance(row, OutboxMail) else "pending"
    row.next_attempt_at = utcnow() + timedelta(seconds=BACKOFF_SECONDS[row.attempts - 1])


def sweep() -> int:
    """Re-enqueue mails whose job was lost or whose retry time has come."""
    now = utcnow()
    due = db.session.scalars(
        select(OutboxMail.id).where(
            OutboxMail.kind.not_in(DELIVERY_KINDS),
            or_(
                # a job lost on the way (Redis down at commit, Redis restarted)
                (OutboxMail.status == "queued")
                & OutboxMail.next_attempt_at.is_(None)
                & (OutboxMail.created_at <= now - timedelta(seconds=30)),
                # a retry whose time has come
                (OutboxMail.status == "queued") & (OutboxMail.next_attempt_at <= now),
                (OutboxMail.status == "sending") & (OutboxMail.claimed_at <= now - STALE_CLAIM),
            ),
        ).limit(5000)
    ).all()
    if due:
        db.session.execute(
            update(OutboxMail)
            .where(OutboxMail.id.in_(due), OutboxMail.status == "sending")
            .values(status="queued")
        )
        db.session.commit()
    for outbox_id in due:
        enqueue_now("kodaira_app.mailer.jobs.send_outbox", outbox_id, queue="mail")
    return len(due)
