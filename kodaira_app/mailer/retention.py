"""Outbox mails keep their bodies for OUTBOX_RETENTION_DAYS (90); then only the envelope.

Staff read a mail's body in the outbox while a question about it is fresh; after that the
row (address, subject, kind, fate and times) is what the record needs.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, update

from kodaira_app.extensions import db
from kodaira_app.models import OutboxMail
from kodaira_app.timeutil import utcnow

# A mail still to be sent keeps its body, however old.
UNSENT = ("queued", "sending")


def purge_old_bodies(now: datetime | None = None) -> int:
    """Periodic job: blank the bodies of mails older than the retention; how many."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["OUTBOX_RETENTION_DAYS"])
    blanked = db.session.execute(
        update(OutboxMail)
        .where(
            OutboxMail.created_at < cutoff,
            OutboxMail.status.not_in(UNSENT),
            or_(OutboxMail.body_text != "", OutboxMail.body_html.is_not(None)),
        )
        .values(body_text="", body_html=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return blanked
