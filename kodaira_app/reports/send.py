"""Sending 見守り mails exactly once, and the sweeper that finds what Redis lost.

A send job carries a list of delivery ids. It claims each row (pending → sending) before
anything goes out, so a job that runs twice, or two workers holding the same ids, send each
mail once. The batch shares one SMTP connection; each row is marked sent as soon as the
server accepted its mail, so a killed worker leaves at most the mail in flight unsure.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta
from email.utils import make_msgid
from types import SimpleNamespace

import redis
from flask import current_app
from rq import Queue
from sqlalchemy import and_, bindparam, or_, select, text, update

from kodaira_app.extensions import db, mail
from kodaira_app.mailer.jobs import message_domain, record_failure
from kodaira_app.mailer.smtp import build_bytes, send_bytes
from kodaira_app.models import (
    Customer,
    Delivery,
    OutboxMail,
    WatchRecipient,
    WatchRegistration,
    WindowEvaluation,
)
from kodaira_app.queue import get_queue
from kodaira_app.reports.content import Renderer, ReportFacts
from kodaira_app.reports.tick import fill_usual_use
from kodaira_app.timeutil import utcnow

log = logging.getLogger(__name__)

SEND_JOB = "kodaira_app.reports.send.send_deliveries"
BATCH_SIZE = 100  # deliveries per job: one SMTP connection, one render pass
JOB_TIMEOUT = 600
# A pending row whose job has not run in this long was lost (Redis down or restarted).
LOST_AFTER = timedelta(minutes=5)
# A claim older than this belongs to a worker that died between claim and send.
STALE_CLAIM = timedelta(minutes=15)
SWEEP_LIMIT = 20000


class DeliveryFailed(Exception):
    """Some mails of a batch failed; each row holds its own error and next attempt."""


def enqueue_deliveries(ids: list[int], batch_size: int = BATCH_SIZE) -> int:
    """Enqueue send jobs for `ids` in one Redis round trip; 0, logged, if Redis is down."""
    if not ids:
        return 0
    chunks = [list(ids[i : i + batch_size]) for i in range(0, len(ids), batch_size)]
    try:
        queue = get_queue("mail")
        jobs = [
            Queue.prepare_data(SEND_JOB, args=(chunk,), timeout=JOB_TIMEOUT, result_ttl=600)
            for chunk in chunks
        ]
        with queue.connection.pipeline() as pipe:
            queue.enqueue_many(jobs, pipeline=pipe)
            pipe.execute()
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
        log.warning("queue unreachable, %d deliveries left for the sweeper: %s", len(ids), exc)
        return 0
    return len(chunks)


def claim(ids: list[int], now: datetime) -> list[int]:
    """pending → sending for the rows still pending and due; the ids this job now owns."""
    rows = db.session.execute(
        update(Delivery)
        .where(
            Delivery.id.in_(ids),
            Delivery.status == "pending",
            or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
        )
        .values(status="sending", attempts=Delivery.attempts + 1, claimed_at=now)
        .returning(Delivery.id, Delivery.attempts)
    ).all()
    db.session.commit()
    return sorted(rows)


def _facts(ids: list[int]) -> list[tuple[int, int | None, ReportFacts]]:
    fill_usual_use(ids)  # left by the tick to the first send of each window's mails
    rows = db.session.execute(
        select(Delivery, WindowEvaluation, WatchRecipient, Customer)
        .join(WindowEvaluation, WindowEvaluation.id == Delivery.evaluation_id)
        .join(WatchRecipient, WatchRecipient.id == Delivery.recipient_id)
        .join(WatchRegistration, WatchRegistration.id == WindowEvaluation.registration_id)
        .join(Customer, Customer.id == WatchRegistration.customer_id)
        .where(Delivery.id.in_(ids))
        .order_by(Delivery.id)
    ).all()
    return [(d.id, d.outbox_id, facts_for(d.kind, e, r, c)) for d, e, r, c in rows]


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


def facts_for(kind: str, e: WindowEvaluation, r: WatchRecipient, c: Customer) -> ReportFacts:
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
    )


_OUTBOX = OutboxMail.__table__
_DELIVERIES = Delivery.__table__
_COPY_FIELDS = ("id", "to_addr", "subject", "body_text", "body_html", "headers", "message_id")


def _outbox_copies(items) -> dict[int, dict]:
    """The rendered copy of each delivery: rendered and stored now, or the earlier one."""
    fresh = [(d, facts) for d, outbox_id, facts in items if outbox_id is None]
    copies: dict[int, dict] = {}
    if fresh:
        domain = message_domain()
        now = utcnow()
        rendered = Renderer().render_many([facts for _, facts in fresh])
        for (delivery_id, facts), mail_ in zip(fresh, rendered, strict=True):
            mail_.update(
                kind=f"watch_{facts.kind}",
                locale=facts.locale,
                to_addr=facts.recipient_email,
                status="sending",
                attempts=0,
                message_id=make_msgid(domain=domain),
                created_at=now,
            )
            copies[delivery_id] = mail_
        rows = list(copies.values())
        ids = (
            db.session.execute(
                _OUTBOX.insert().returning(_OUTBOX.c.id, sort_by_parameter_order=True), rows
            )
            .scalars()
            .all()
        )
        for row, outbox_id in zip(rows, ids, strict=True):
            row["id"] = outbox_id
        db.session.execute(
            _DELIVERIES.update()
            .where(_DELIVERIES.c.id == bindparam("d_id"))
            .values(outbox_id=bindparam("o_id")),
            [{"d_id": d, "o_id": row["id"]} for d, row in copies.items()],
        )
    earlier = {outbox_id: d for d, outbox_id, _ in items if outbox_id is not None}
    if earlier:
        columns = [_OUTBOX.c[name] for name in _COPY_FIELDS]
        for row in db.session.execute(select(*columns).where(_OUTBOX.c.id.in_(earlier))):
            copies[earlier[row.id]] = dict(row._mapping)
    db.session.commit()
    return copies


_SENT = (
    _DELIVERIES.update()
    .where(_DELIVERIES.c.id == bindparam("d_id"), _DELIVERIES.c.status == "sending")
    .values(status="sent", sent_at=bindparam("at"), message_id=bindparam("mid"), last_error=None)
)


def _mark_sent(delivery_id: int, copy: dict, now: datetime) -> None:
    """Recorded at once, each in its own commit: a worker killed after this never sends
    the mail again."""
    db.session.execute(_SENT, {"d_id": delivery_id, "at": now, "mid": copy["message_id"]})
    db.session.commit()


def _mark_copies_sent(outbox_ids: list[int], now: datetime) -> None:
    if outbox_ids:
        db.session.execute(
            _OUTBOX.update().where(_OUTBOX.c.id.in_(outbox_ids)).values(status="sent", sent_at=now)
        )
        db.session.commit()


def _fast_commits(on: bool) -> None:
    """On PostgreSQL, the 'sent' marks do not wait for the WAL flush: a crash of the
    database server (not of the worker) could lose the last few, never a killed worker."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SET synchronous_commit TO OFF" if on else "RESET synchronous_commit")
        )
        db.session.commit()


def _mark_failed(delivery_id: int, attempts: int, copy: dict, exc: BaseException) -> str:
    row = SimpleNamespace(
        attempts=attempts, status="sending", last_error=None, next_attempt_at=None
    )
    record_failure(row, exc)
    db.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == "sending")
        .values(status=row.status, last_error=row.last_error, next_attempt_at=row.next_attempt_at)
    )
    db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == copy["id"])
        .values(
            status="failed" if row.status == "failed" else "queued",
            last_error=row.last_error,
            attempts=attempts,
        )
    )
    db.session.commit()
    return row.status


def _mark_kept(claimed: list[tuple[int, int]], copies: dict[int, dict]) -> None:
    for delivery_id, _ in claimed:
        copy = copies[delivery_id]
        log.info(
            "mail kept in outbox (no MAIL_SERVER): #%s to %s: %s",
            copy["id"],
            copy["to_addr"],
            copy["subject"],
        )
    ids = [d for d, _ in claimed]
    db.session.execute(update(Delivery).where(Delivery.id.in_(ids)).values(status="kept"))
    db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id.in_([copies[d]["id"] for d in ids]))
        .values(status="kept")
    )
    db.session.commit()


def _connection_lost(exc: BaseException) -> bool:
    """The session is gone (the rest of the batch waits), not just this one mail refused.

    SMTPException derives from OSError, so refusals are told apart first."""
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)


def send_deliveries(delivery_ids: list[int]) -> dict:
    """Claim, render, send over one SMTP connection, mark. Raises if any mail failed."""
    claimed = claim(list(delivery_ids), utcnow())
    outcome = {"claimed": len(claimed), "sent": 0, "failed": 0}
    if not claimed:
        return outcome
    attempts = dict(claimed)
    copies = _outbox_copies(_facts(list(attempts)))
    if current_app.config["MAIL_SUPPRESS_SEND"]:
        _mark_kept(claimed, copies)
        return outcome
    errors: list[str] = []
    remaining = [d for d, _ in claimed]
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    sent_copies: list[int] = []
    _fast_commits(True)
    try:
        with mail.connect() as conn:
            while remaining:
                delivery_id = remaining[0]
                copy = copies[delivery_id]
                data = build_bytes(
                    sender=sender,
                    to=copy["to_addr"],
                    subject=copy["subject"],
                    body_text=copy["body_text"],
                    body_html=copy["body_html"],
                    headers=copy["headers"],
                    message_id=copy["message_id"],
                )
                try:
                    send_bytes(conn, sender, copy["to_addr"], data)
                except Exception as exc:
                    if _connection_lost(exc):
                        raise
                    remaining.pop(0)
                    _mark_failed(delivery_id, attempts[delivery_id], copy, exc)
                    errors.append(f"#{delivery_id}: {exc}")
                    continue
                remaining.pop(0)
                _mark_sent(delivery_id, copy, utcnow())
                sent_copies.append(copy["id"])
                outcome["sent"] += 1
    except Exception as exc:  # the connection failed: every mail not yet sent waits
        db.session.rollback()
        for delivery_id in remaining:
            _mark_failed(delivery_id, attempts[delivery_id], copies[delivery_id], exc)
        errors.append(f"{len(remaining)} unsent: {type(exc).__name__}: {exc}")
    finally:
        _mark_copies_sent(sent_copies, utcnow())
        _fast_commits(False)
    outcome["failed"] = len(claimed) - outcome["sent"]
    if errors:
        raise DeliveryFailed("; ".join(errors)[:2000])
    return outcome


def sweep_deliveries(now: datetime | None = None) -> int:
    """Re-enqueue deliveries whose job was lost, whose retry is due, or whose claim is stale."""
    now = now or utcnow()
    due = or_(
        and_(
            Delivery.status == "pending",
            Delivery.next_attempt_at.is_(None),
            Delivery.queued_at <= now - LOST_AFTER,
        ),
        and_(Delivery.status == "pending", Delivery.next_attempt_at <= now),
        and_(Delivery.status == "sending", Delivery.claimed_at <= now - STALE_CLAIM),
    )
    candidates = db.session.scalars(
        select(Delivery.id).where(due).order_by(Delivery.id).limit(SWEEP_LIMIT)
    ).all()
    if not candidates:
        return 0
    # The condition again in the UPDATE: of two sweepers, only one takes each row.
    ids = db.session.scalars(
        update(Delivery)
        .where(Delivery.id.in_(candidates), due)
        .values(status="pending", queued_at=now, next_attempt_at=None)
        .returning(Delivery.id)
    ).all()
    db.session.commit()
    enqueue_deliveries(sorted(ids))
    return len(ids)
