"""Follow-ups: a window reported missing or partial whose hours have all arrived since gets,
once, a second mail with the real figure, to every recipient still receiving its report.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, text

from kodaira_app.extensions import db
from kodaira_app.models import Delivery, WatchRecipient
from kodaira_app.timeutil import UTCDateTime, utcnow

FOLLOWUP_HOURS = 24  # missing data that arrives within this is sent as a follow-up

# Windows reported missing or partial whose hours have all arrived since.
_FOLLOWUPS = text(
    """
UPDATE window_evaluations
SET followup_at = :now, followup_deciliters = (
    SELECT SUM(rd.deciliters) FROM readings rd
    JOIN customers cu ON cu.meter_id = rd.meter_id
    JOIN watch_registrations r ON r.customer_id = cu.id
    WHERE r.id = window_evaluations.registration_id
      AND rd.hour_start >= window_evaluations.window_start
      AND rd.hour_start < window_evaluations.window_end)
WHERE status IN ('missing', 'partial') AND followup_at IS NULL AND window_end > :since
  AND hours_expected = (
    SELECT COUNT(*) FROM readings rd
    JOIN customers cu ON cu.meter_id = rd.meter_id
    JOIN watch_registrations r ON r.customer_id = cu.id
    WHERE r.id = window_evaluations.registration_id
      AND rd.hour_start >= window_evaluations.window_start
      AND rd.hour_start < window_evaluations.window_end)
RETURNING id
"""
).bindparams(bindparam("now", type_=UTCDateTime()), bindparam("since", type_=UTCDateTime()))


def write_followups(now: datetime) -> list[int]:
    """One 'followup' delivery per recipient of the report, once; in the caller's transaction.
    The ids of the deliveries written."""
    since = now - timedelta(hours=FOLLOWUP_HOURS)
    params = {"now": utcnow(), "since": since}
    evaluation_ids = [row.id for row in db.session.execute(_FOLLOWUPS, params)]
    if not evaluation_ids:
        return []
    reports = db.session.execute(
        select(Delivery.evaluation_id, Delivery.recipient_id)
        .join(WatchRecipient, WatchRecipient.id == Delivery.recipient_id)
        .where(
            Delivery.evaluation_id.in_(evaluation_ids),
            Delivery.kind == "report",
            WatchRecipient.stopped_at.is_(None),
            WatchRecipient.removed_at.is_(None),
        )
    ).all()
    rows = [
        Delivery(evaluation_id=e, recipient_id=r, kind="followup", queued_at=now)
        for e, r in reports
    ]
    db.session.add_all(rows)
    db.session.flush()
    return [row.id for row in rows]
