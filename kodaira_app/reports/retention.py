"""Window evaluations and their deliveries are kept for REPORTS_RETENTION_MONTHS (13).

見守り履歴 shows the last 60 days and the usual use reads the 14 days before a window; the
staff console answers "was it sent?" for longer, so a year and the month before it stay.
An evaluation goes with its deliveries and their outbox mails, in one transaction, so no
delivery points at a mail that is gone and no report mail outlives its delivery. Nothing
still to be sent is removed, however old.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import and_, delete, exists, or_, select

from kodaira_app.extensions import db
from kodaira_app.models import Delivery, OutboxMail, WindowEvaluation
from kodaira_app.models.mail import MailStatus
from kodaira_app.models.reports import DeliveryStatus
from kodaira_app.readings.partitions import oldest_kept
from kodaira_app.timeutil import utcnow

# Evaluations removed per run: the hourly job catches up over a few runs, never one long
# transaction (a city evaluates 400,000 windows a day).
BATCH = 20000


def _unsent():
    """A delivery of the evaluation still to be written, or whose mail is still to go."""
    return exists().where(
        Delivery.evaluation_id == WindowEvaluation.id,
        or_(
            Delivery.stage == DeliveryStatus.PENDING,
            exists().where(
                and_(
                    OutboxMail.id == Delivery.outbox_id,
                    OutboxMail.status.in_((MailStatus.QUEUED, MailStatus.SENDING)),
                )
            ),
        ),
    )


def purge_old_reports(now: datetime | None = None) -> int:
    """Periodic job: evaluations whose window ended before the retention, with their
    deliveries and those deliveries' mails; the number of evaluations removed."""
    cutoff = oldest_kept(now or utcnow(), current_app.config["REPORTS_RETENTION_MONTHS"])
    ids = db.session.scalars(
        select(WindowEvaluation.id)
        .where(WindowEvaluation.window_end < cutoff, ~_unsent())
        .order_by(WindowEvaluation.id)
        .limit(BATCH)
    ).all()
    if not ids:
        db.session.rollback()
        return 0
    mails = select(Delivery.outbox_id).where(
        Delivery.evaluation_id.in_(ids), Delivery.outbox_id.is_not(None)
    )
    db.session.execute(
        delete(OutboxMail)
        .where(OutboxMail.id.in_(mails))
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(Delivery)
        .where(Delivery.evaluation_id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(WindowEvaluation)
        .where(WindowEvaluation.id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return len(ids)
