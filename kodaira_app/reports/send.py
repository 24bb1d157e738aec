"""Writing 見守り mails into the outbox, once, and handing them to the mail pipeline.

The tick leaves one Delivery row per mail (pending). A send job carries a list of their
ids: in one transaction it locks the rows still pending, renders their mails and writes
them as OutboxMail rows claimed by itself (pending → mailed); then the mail pipeline
(kodaira_app/mailer/pipeline.py) sends them over one connection and marks each, and from
then on the outbox row alone holds the mail's state: retries, the stale-claim sweep and
staff re-sends go through the pipeline like every other mail. A job that dies before its
commit leaves the rows pending, for `requeue_unwritten`.
"""

from __future__ import annotations

import logging
from datetime import datetime
from email.utils import make_msgid

from sqlalchemy import bindparam, or_, select, update

from kodaira_app.extensions import db
from kodaira_app.mailer.pipeline import deliver, lost_after, message_domain, send_job_timeout
from kodaira_app.models import (
    Customer,
    Delivery,
    OutboxMail,
    WatchRecipient,
    WatchRegistration,
    WindowEvaluation,
)
from kodaira_app.models.mail import MailStatus
from kodaira_app.models.reports import DeliveryStatus
from kodaira_app.queue import enqueue_batches
from kodaira_app.reports.content import Renderer, ReportFacts, mail_kind
from kodaira_app.reports.usual import fill_usual_use
from kodaira_app.timeutil import utcnow

log = logging.getLogger(__name__)

SEND_JOB = "kodaira_app.reports.send.send_deliveries"
BATCH_SIZE = 100  # deliveries per job: one render pass, one SMTP connection
SWEEP_LIMIT = 20000

_OUTBOX = OutboxMail.__table__
_DELIVERIES = Delivery.__table__
# The 通知先 of a delivery no longer takes mail (stopped, removed, gone with its account).
_GONE = or_(
    WatchRecipient.id.is_(None),
    WatchRecipient.stopped_at.is_not(None),
    WatchRecipient.removed_at.is_not(None),
    WatchRegistration.ended_at.is_not(None),
).label("gone")


def enqueue_deliveries(ids: list[int], batch_size: int = BATCH_SIZE) -> int:
    """Enqueue send jobs for `ids` in one Redis round trip; 0, logged, if Redis is down."""
    # The job claims the mails it writes: RQ must stop it before those claims go stale.
    return enqueue_batches(
        SEND_JOB, list(ids), batch_size, queue="mail", timeout=send_job_timeout()
    )


def _take(ids: list[int]) -> list[int]:
    """pending → mailed, in the caller's transaction, for the rows no other job holds.

    A 通知先 who pressed 配信停止 or was removed, or a registration ended (解除, 退会),
    after the tick wrote these rows gets no mail: pending → stopped instead.
    """
    rows = db.session.execute(
        select(Delivery.id, _GONE)
        .outerjoin(WatchRecipient, WatchRecipient.id == Delivery.recipient_id)
        .outerjoin(WatchRegistration, WatchRegistration.id == WatchRecipient.registration_id)
        .where(Delivery.id.in_(ids), Delivery.stage == DeliveryStatus.PENDING)
        .with_for_update(skip_locked=True, of=Delivery)
    ).all()
    gone = [delivery_id for delivery_id, is_gone in rows if is_gone]
    if gone:
        db.session.execute(
            update(Delivery)
            .where(Delivery.id.in_(gone), Delivery.stage == DeliveryStatus.PENDING)
            .values(stage=DeliveryStatus.STOPPED)
        )
        log.info("%d report mails not written: their 通知先 or registration ended", len(gone))
    free = [delivery_id for delivery_id, is_gone in rows if not is_gone]
    if not free:
        return []
    # The condition again: without row locks (SQLite) this UPDATE is what decides.
    return sorted(
        db.session.scalars(
            update(Delivery)
            .where(Delivery.id.in_(free), Delivery.stage == DeliveryStatus.PENDING)
            .values(stage=DeliveryStatus.MAILED)
            .returning(Delivery.id)
        ).all()
    )


def _facts(ids: list[int]) -> list[tuple[int, ReportFacts]]:
    fill_usual_use(ids)  # left by the tick to the first send of each window's mails
    rows = db.session.execute(
        select(
            Delivery.id,
            Delivery.kind,
            WindowEvaluation,
            WatchRecipient,
            Customer,
            WatchRegistration.home_name,
        )
        .join(WindowEvaluation, WindowEvaluation.id == Delivery.evaluation_id)
        .join(WatchRecipient, WatchRecipient.id == Delivery.recipient_id)
        .join(WatchRegistration, WatchRegistration.id == WindowEvaluation.registration_id)
        .join(Customer, Customer.id == WatchRegistration.customer_id)
        .where(Delivery.id.in_(ids))
        .order_by(Delivery.id)
    ).all()
    return [(d_id, facts_for(kind, e, r, c, home)) for d_id, kind, e, r, c, home in rows]


def reported_status(e: WindowEvaluation) -> str:
    """The status a mail states; a paused or missed window sent deliberately by staff
    states what its readings say."""
    if e.status not in ("paused", "missed"):
        return e.status
    if not e.hours_received:
        return "missing"
    if e.hours_received < e.hours_expected:
        return "partial"
    return "used" if e.deciliters else "none"


def facts_for(
    kind: str, e: WindowEvaluation, r: WatchRecipient, c: Customer, home_name: str | None = None
) -> ReportFacts:
    return ReportFacts(
        kind=kind,
        status=reported_status(e),
        window_start=e.window_start,
        window_end=e.window_end,
        deciliters=e.deciliters,
        usual_deciliters=e.usual_deciliters,
        missing_hours=e.missing_hours or [],
        late=e.late,
        followup_deciliters=e.followup_deciliters,
        recipient_name=r.name,
        recipient_email=r.email,
        locale=r.locale or "ja",
        stop_token=r.stop_token,
        masked_number=c.masked_number,
        home_name=home_name or c.name,
        customer_id=c.id,
    )


_OUTBOX_ID = (
    _DELIVERIES.update()
    .where(_DELIVERIES.c.id == bindparam("d_id"))
    .values(outbox_id=bindparam("o_id"))
)


def write_mails(delivery_ids: list[int], claimed_at: datetime | None = None) -> list[dict]:
    """Render the mails of the deliveries still pending into the outbox, in one commit
    (pending → mailed); the outbox rows written, with their ids.

    With `claimed_at`, the mails are written claimed by the caller (sending, first
    attempt), for it to send at once; otherwise they are queued for the pipeline.
    """
    taken = _take(list(delivery_ids))
    if not taken:
        db.session.commit()
        return []
    items = _facts(taken)
    rendered = Renderer().render_many([facts for _, facts in items])
    now = utcnow()
    domain = message_domain()
    state = (
        {"status": MailStatus.QUEUED, "attempts": 0, "claimed_at": None}
        if claimed_at is None
        else {"status": MailStatus.SENDING, "attempts": 1, "claimed_at": claimed_at}
    )
    rows = [
        {
            **mail,
            **state,
            "kind": mail_kind(facts),
            "locale": facts.locale,
            "to_addr": facts.recipient_email,
            "message_id": make_msgid(domain=domain),
            "created_at": now,
            "queued_at": now,
        }
        for (_, facts), mail in zip(items, rendered, strict=True)
    ]
    ids = db.session.execute(
        _OUTBOX.insert().returning(_OUTBOX.c.id, sort_by_parameter_order=True), rows
    ).scalars()
    for row, outbox_id in zip(rows, ids, strict=True):
        row["id"] = outbox_id
    db.session.execute(
        _OUTBOX_ID,
        [{"d_id": d, "o_id": row["id"]} for (d, _), row in zip(items, rows, strict=True)],
    )
    db.session.commit()
    return rows


def send_deliveries(delivery_ids: list[int]) -> dict:
    """Write the mails of these deliveries, claimed, and send them with the pipeline.
    Raises if any mail failed (each outbox row holds its error and next attempt)."""
    return deliver(write_mails(delivery_ids, claimed_at=utcnow()))


def requeue_unwritten(now: datetime | None = None) -> int:
    """Re-enqueue deliveries whose send job was lost before it wrote their mails."""
    now = now or utcnow()
    lost = (Delivery.stage == DeliveryStatus.PENDING) & (Delivery.queued_at <= now - lost_after())
    candidates = db.session.scalars(
        select(Delivery.id).where(lost).order_by(Delivery.id).limit(SWEEP_LIMIT)
    ).all()
    if not candidates:
        return 0
    # The condition again in the UPDATE: of two sweepers, only one takes each row.
    ids = db.session.scalars(
        update(Delivery)
        .where(Delivery.id.in_(candidates), lost)
        .values(queued_at=now)
        .returning(Delivery.id)
    ).all()
    db.session.commit()
    enqueue_deliveries(sorted(ids))
    return len(ids)
