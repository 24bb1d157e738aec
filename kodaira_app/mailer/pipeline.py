"""Sending outbox mails exactly once, with retries, and the sweeper that finds what Redis lost.

A send job carries a list of outbox ids. It claims each row (queued → sending) before
anything goes out, so a job that runs twice, or two workers holding the same ids, send each
mail once. The batch shares one SMTP connection; each row is marked sent as soon as the
server accepted its mail, so a killed worker leaves at most the mail in flight unsure.
A temporary failure puts the row back in the queue with a time for its next attempt; the
sweeper enqueues it then.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta
from email.utils import formataddr, make_msgid, parseaddr

from flask import current_app
from flask_babel import pgettext
from sqlalchemy import and_, bindparam, or_, select, text, update

from kodaira_app.babel_cache import force_locale
from kodaira_app.extensions import db, mail
from kodaira_app.mailer.smtp import build_bytes, is_permanent, send_bytes
from kodaira_app.models import OutboxMail
from kodaira_app.models.mail import MailStatus
from kodaira_app.queue import enqueue_batches
from kodaira_app.timeutil import utcnow

log = logging.getLogger(__name__)

SEND_JOB = "kodaira_app.mailer.pipeline.send_mails"
BATCH_SIZE = 100  # mails per job: one SMTP connection
JOB_TIMEOUT = 600
SWEEP_LIMIT = 20000

_OUTBOX = OutboxMail.__table__
_COPY_FIELDS = ("id", "locale", "to_addr", "subject", "body_text", "body_html", "headers")


class MailFailed(Exception):
    """Some mails of a batch failed; each row holds its own error and next attempt."""


def message_domain() -> str:
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    return sender.rsplit("@", 1)[-1].strip(" >") or "localhost"


def new_message_id() -> str:
    return make_msgid(domain=message_domain())


def backoff_seconds() -> tuple[int, ...]:
    """Waits between attempts after a temporary failure; after the last one the mail fails."""
    return tuple(current_app.config["MAIL_RETRY_SECONDS"])


def lost_after() -> timedelta:
    """A queued row whose job has not run in this long was lost (Redis down or restarted)."""
    return timedelta(seconds=current_app.config["QUEUE_LOST_AFTER_SECONDS"])


def stale_claim() -> timedelta:
    """A claim older than this belongs to a worker that died between claim and send."""
    return timedelta(seconds=current_app.config["MAIL_STALE_CLAIM_SECONDS"])


def send_job_timeout() -> int:
    """RQ stops a send job after this long, well before its claims count as stale: so a
    stale claim never belongs to a live worker still sending."""
    return max(1, min(JOB_TIMEOUT, int(stale_claim().total_seconds() * 2 / 3)))


def enqueue_mails(ids: list[int], batch_size: int = BATCH_SIZE) -> int:
    """Enqueue send jobs for `ids`, in one Redis round trip; 0, logged, if Redis is down."""
    return enqueue_batches(
        SEND_JOB, list(ids), batch_size, queue="mail", timeout=send_job_timeout()
    )


def sender_for(locale: str) -> str:
    """The From header: MAIL_DEFAULT_SENDER's address under the app's name in `locale`."""
    address = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1]
    with force_locale(locale):
        return formataddr((pgettext("mail sender", "小平町水道アプリ"), address), charset="utf-8")


def claim(ids: list[int], now: datetime) -> list[tuple[int, int]]:
    """queued → sending for the rows still queued and due: (id, attempts) this job owns."""
    rows = db.session.execute(
        update(OutboxMail)
        .where(
            OutboxMail.id.in_(ids),
            OutboxMail.status == MailStatus.QUEUED,
            or_(OutboxMail.next_attempt_at.is_(None), OutboxMail.next_attempt_at <= now),
        )
        .values(status=MailStatus.SENDING, attempts=OutboxMail.attempts + 1, claimed_at=now)
        .returning(OutboxMail.id, OutboxMail.attempts)
    ).all()
    db.session.commit()
    return sorted(tuple(row) for row in rows)


def failure(attempts: int, exc: BaseException, now: datetime) -> dict:
    """The retry policy: the row's new values after a failed attempt."""
    error = f"{type(exc).__name__}: {exc}"[:2000]
    waits = backoff_seconds()
    if is_permanent(exc) or attempts > len(waits):
        return {"status": MailStatus.FAILED, "last_error": error, "next_attempt_at": None}
    retry_at = now + timedelta(seconds=waits[attempts - 1])
    return {"status": MailStatus.QUEUED, "last_error": error, "next_attempt_at": retry_at}


def _mark_failed(outbox_id: int, attempts: int, exc: BaseException) -> None:
    db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == outbox_id, OutboxMail.status == MailStatus.SENDING)
        .values(**failure(attempts, exc, utcnow()))
    )
    db.session.commit()


def _mark_untried(outbox_ids: list[int], exc: BaseException) -> None:
    """Mails the server never saw, because the connection failed before their turn: back
    to the queue for the first wait, without spending one of their attempts. Otherwise a
    flaky or absent server would fail the mails at the end of every batch after a few
    dropped connections, however healthy they are."""
    if not outbox_ids:
        return
    db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id.in_(outbox_ids), OutboxMail.status == MailStatus.SENDING)
        .values(
            status=MailStatus.QUEUED,
            attempts=OutboxMail.attempts - 1,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            next_attempt_at=utcnow() + timedelta(seconds=backoff_seconds()[0]),
        )
    )
    db.session.commit()


_SENT = (
    _OUTBOX.update()
    .where(_OUTBOX.c.id == bindparam("o_id"), _OUTBOX.c.status == MailStatus.SENDING)
    .values(status=MailStatus.SENT, sent_at=bindparam("at"), last_error=None)
)


class _SentMarks:
    """Where the 'sent' marks go, each recorded at once in its own commit: a worker killed
    after one never sends that mail again.

    On PostgreSQL, a connection of their own in autocommit that does not wait for the WAL
    flush: one round trip a mark instead of three (BEGIN, UPDATE, COMMIT); a crash of the
    database server (not of the worker) could lose the last few, never a killed worker.
    Elsewhere, the session (SQLite: one writer).
    """

    def __init__(self) -> None:
        self._conn = None

    def __enter__(self) -> _SentMarks:
        if db.session.get_bind().dialect.name == "postgresql":
            conn = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(text("SET synchronous_commit TO OFF"))
            self._conn = conn
        return self

    def mark(self, outbox_id: int) -> None:
        params = {"o_id": outbox_id, "at": utcnow()}
        if self._conn is None:
            db.session.execute(_SENT, params)
            db.session.commit()
        else:
            self._conn.execute(_SENT, params)

    def __exit__(self, *exc_info) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(text("RESET synchronous_commit"))
            finally:
                self._conn.close()
                self._conn = None


def _fast_commits(on: bool) -> None:
    """On PostgreSQL, the failure marks do not wait for the WAL flush (see _SentMarks)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SET synchronous_commit TO OFF" if on else "RESET synchronous_commit")
        )
        db.session.commit()


def _keep(rows: list[dict]) -> None:
    for row in rows:
        log.info(
            "mail kept in outbox (no MAIL_SERVER): #%s to %s: %s",
            row["id"],
            row["to_addr"],
            row["subject"],
        )
    db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id.in_([row["id"] for row in rows]))
        .values(status=MailStatus.KEPT)
    )
    db.session.commit()


def _connection_lost(exc: BaseException) -> bool:
    """The session is gone (the rest of the batch waits), not just this one mail refused.

    SMTPException derives from OSError, so refusals are told apart first."""
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)


def _load(ids: list[int]) -> list[dict]:
    columns = [_OUTBOX.c[name] for name in (*_COPY_FIELDS, "message_id")]
    rows = db.session.execute(select(*columns).where(_OUTBOX.c.id.in_(ids)).order_by(_OUTBOX.c.id))
    return [dict(row._mapping) for row in rows]


def send_mails(outbox_ids: list[int]) -> dict:
    """Claim, send over one SMTP connection, mark. Raises if any mail failed (RQ keeps it)."""
    claimed = claim(list(outbox_ids), utcnow())
    if not claimed:
        return {"claimed": 0, "sent": 0, "failed": 0}
    attempts = dict(claimed)
    rows = [{**row, "attempts": attempts[row["id"]]} for row in _load(list(attempts))]
    return deliver(rows)


def deliver(rows: list[dict]) -> dict:
    """Send mails this job has claimed (rows with their fields and attempts) and mark each.

    A job that has just written its mails claimed passes them here directly
    (kodaira_app/reports/send.py); every other send goes through `send_mails`.
    """
    outcome = {"claimed": len(rows), "sent": 0, "failed": 0}
    if not rows:
        return outcome
    if current_app.config["MAIL_SUPPRESS_SEND"]:
        _keep(rows)
        return outcome
    errors = _send(rows, {row["id"]: row["attempts"] for row in rows}, outcome)
    outcome["failed"] = len(rows) - outcome["sent"]
    if errors:
        raise MailFailed("; ".join(errors)[:2000])
    return outcome


# Connections one job opens again after the server dropped one mid-batch.
RECONNECTS = 5


def _send(rows: list[dict], attempts: dict[int, int], outcome: dict) -> list[str]:
    """Send `rows` in order, reconnecting while each connection got at least one mail to
    the server: a dropped connection costs the mail in flight one attempt, not the batch."""
    errors: list[str] = []
    remaining = list(rows)
    senders: dict[str, str] = {}
    _fast_commits(True)
    try:
        with _SentMarks() as marks:
            for _ in range(RECONNECTS + 1):
                in_flight, exc = _one_connection(
                    remaining, attempts, senders, outcome, errors, marks
                )
                if exc is None:
                    break
                db.session.rollback()
                if in_flight is None:  # no mail reached the server: it is away, try later
                    break
                _mark_failed(in_flight, attempts[in_flight], exc)
                remaining.pop(0)
                if not remaining:
                    break
            if remaining:
                # The mails the server never saw wait for the next attempt, spending none.
                _mark_untried([row["id"] for row in remaining], exc)
                errors.append(f"{len(remaining)} unsent: {type(exc).__name__}: {exc}")
    finally:
        _fast_commits(False)
    return errors


def _one_connection(
    remaining: list[dict],
    attempts: dict[int, int],
    senders: dict[str, str],
    outcome: dict,
    errors: list[str],
    marks: _SentMarks,
) -> tuple[int | None, BaseException | None]:
    """Send from the front of `remaining` over one connection until it is empty or the
    connection fails: (the id in flight when it failed, or None; the error, or None)."""
    in_flight = None
    try:
        with mail.connect() as conn:
            while remaining:
                row = remaining[0]
                sender = senders.get(row["locale"]) or senders.setdefault(
                    row["locale"], sender_for(row["locale"])
                )
                data = build_bytes(
                    sender=sender,
                    to=row["to_addr"],
                    subject=row["subject"],
                    body_text=row["body_text"],
                    body_html=row["body_html"],
                    headers=row["headers"],
                    message_id=row["message_id"],
                )
                in_flight = row["id"]
                try:
                    send_bytes(conn, sender, row["to_addr"], data)
                except Exception as exc:
                    if _connection_lost(exc):
                        raise
                    in_flight = None
                    remaining.pop(0)
                    _mark_failed(row["id"], attempts[row["id"]], exc)
                    errors.append(f"#{row['id']}: {exc}")
                    continue
                in_flight = None
                remaining.pop(0)
                marks.mark(row["id"])
                outcome["sent"] += 1
    except Exception as exc:  # the connection failed (or could not be opened)
        return in_flight, exc
    return None, None


def sweep(now: datetime | None = None) -> int:
    """Re-enqueue mails whose job was lost, whose retry is due, or whose claim is stale."""
    now = now or utcnow()
    queued = OutboxMail.status == MailStatus.QUEUED
    due = or_(
        and_(
            queued,
            OutboxMail.next_attempt_at.is_(None),
            OutboxMail.queued_at <= now - lost_after(),
        ),
        and_(queued, OutboxMail.next_attempt_at <= now),
        and_(OutboxMail.status == MailStatus.SENDING, OutboxMail.claimed_at <= now - stale_claim()),
    )
    candidates = db.session.scalars(
        select(OutboxMail.id).where(due).order_by(OutboxMail.id).limit(SWEEP_LIMIT)
    ).all()
    if not candidates:
        return 0
    # The condition again in the UPDATE: of two sweepers, only one takes each row.
    ids = db.session.scalars(
        update(OutboxMail)
        .where(OutboxMail.id.in_(candidates), due)
        .values(status=MailStatus.QUEUED, queued_at=now, next_attempt_at=None)
        .returning(OutboxMail.id)
    ).all()
    db.session.commit()
    enqueue_mails(sorted(ids))
    return len(ids)
