"""Migration 0002 on a database that holds rows of the 0001 schema: each survives with the
meaning it had, on SQLite and (TEST_DB=postgres) PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy.exc import IntegrityError

from kodaira_app.timeutil import UTCDateTime
from tests.support import database

T0 = datetime(2026, 11, 25, 3, 30, tzinfo=UTC)


def _table(name, *columns):
    return sa.table(name, sa.column("id", sa.Integer), *columns)


def _times(*names):
    return [sa.column(n, UTCDateTime()) for n in names]


EVALUATIONS = _table(
    "window_evaluations",
    *[sa.column(n) for n in ("registration_id", "window_id", "status", "hours_expected")],
    *[sa.column(n) for n in ("hours_received", "usual_pending", "late", "deciliters")],
    *_times("window_start", "window_end", "evaluated_at"),
)
MAILS = _table(
    "outbox_mails",
    *[sa.column(n) for n in ("kind", "locale", "to_addr", "subject", "body_text", "status")],
    *[sa.column(n) for n in ("attempts", "last_error", "message_id")],
    sa.column("headers", sa.JSON),
    *_times("created_at", "claimed_at", "next_attempt_at", "sent_at"),
)
DELIVERIES = _table(
    "deliveries",
    *[sa.column(n) for n in ("evaluation_id", "recipient_id", "kind", "status", "attempts")],
    *[sa.column(n) for n in ("last_error", "message_id", "outbox_id")],
    *_times("queued_at", "claimed_at", "next_attempt_at", "sent_at"),
)


@pytest.fixture
def app_at_0001(tmp_path):
    with database.app_at_revision("0001", tmp_path) as app:
        yield app


def _mail(conn, status, **values) -> int:
    row = {
        "kind": "watch_report",
        "locale": "ja",
        "to_addr": "son@example.com",
        "subject": "【見守り】",
        "body_text": "本文",
        "headers": {},
        "status": status,
        "attempts": 0,
        "last_error": None,
        "message_id": f"<{uuid.uuid4().hex}@town>",
        "created_at": T0,
        "claimed_at": None,
        "next_attempt_at": None,
        "sent_at": None,
        **values,
    }
    return conn.execute(MAILS.insert().returning(MAILS.c.id), row).scalar_one()


def _delivery(conn, evaluation_id, recipient_id, status, outbox_id=None, **values) -> int:
    row = {
        "evaluation_id": evaluation_id,
        "recipient_id": recipient_id,
        "kind": "report",
        "status": status,
        "attempts": 0,
        "last_error": None,
        "message_id": None,
        "outbox_id": outbox_id,
        "queued_at": T0,
        "claimed_at": None,
        "next_attempt_at": None,
        "sent_at": None,
        **values,
    }
    return conn.execute(DELIVERIES.insert().returning(DELIVERIES.c.id), row).scalar_one()


def _old_rows(conn) -> dict[str, int]:
    """One row of every state the 0001 code could leave, keyed by what it is."""
    evaluations = {}
    for i, status in enumerate(("used", "missing", "paused", "missed")):
        evaluations[status] = conn.execute(
            EVALUATIONS.insert().returning(EVALUATIONS.c.id),
            {
                "registration_id": i + 1,
                "window_id": i + 1,
                "status": status,
                "hours_expected": 6,
                "hours_received": 0 if status == "missing" else 6,
                "usual_pending": False,
                "late": False,
                "deciliters": 60,
                "window_start": T0 - timedelta(hours=6),
                "window_end": T0,
                "evaluated_at": T0,
            },
        ).scalar_one()
    used, retry_at = evaluations["used"], T0 + timedelta(minutes=2)
    sent_copy = _mail(conn, "sent", attempts=0, message_id="<sent@town>", sent_at=T0)
    retry_copy = _mail(conn, "queued", attempts=2, last_error="451 later")
    failed_copy = _mail(conn, "failed", attempts=1, last_error="550 no such user")
    kept_copy = _mail(conn, "kept")
    in_flight_copy = _mail(conn, "sending", claimed_at=T0)
    sent_at = T0 + timedelta(minutes=1)
    return {
        "account mail": _mail(conn, "queued", kind="account_confirm", to_addr="a@example.com"),
        "sent": _delivery(
            conn, used, 1, "sent", sent_copy, attempts=1, sent_at=sent_at, message_id="<sent@town>"
        ),
        "retry": _delivery(
            conn,
            used,
            2,
            "pending",
            retry_copy,
            attempts=2,
            last_error="451 later",
            next_attempt_at=retry_at,
        ),
        "failed": _delivery(
            conn, used, 3, "failed", failed_copy, attempts=1, last_error="550 no such user"
        ),
        "kept": _delivery(conn, used, 4, "kept", kept_copy, attempts=1),
        "in flight": _delivery(conn, used, 5, "sending", in_flight_copy, attempts=1, claimed_at=T0),
        "unwritten": _delivery(conn, evaluations["missing"], 1, "pending"),
        "claimed, unwritten": _delivery(conn, evaluations["missing"], 2, "sending", attempts=1),
        "paused": _delivery(conn, evaluations["paused"], 1, "paused"),
        "missed": _delivery(conn, evaluations["missed"], 1, "missed"),
    }


def _state(conn, delivery_id):
    return conn.execute(
        sa.text(
            "SELECT d.status, o.status AS mail, o.attempts, o.last_error, o.message_id"
            " FROM deliveries d LEFT JOIN outbox_mails o ON o.id = d.outbox_id WHERE d.id = :id"
        ),
        {"id": delivery_id},
    ).one()


def test_upgrade_moves_each_delivery_state_to_its_mail(app_at_0001):
    from kodaira_app.extensions import db

    with db.engine.begin() as conn:
        ids = _old_rows(conn)
    upgrade(revision="0002")
    with db.engine.connect() as conn:
        assert tuple(_state(conn, ids["sent"])) == ("mailed", "sent", 1, None, "<sent@town>")
        assert tuple(_state(conn, ids["retry"]))[:4] == ("mailed", "queued", 2, "451 later")
        assert tuple(_state(conn, ids["failed"]))[:4] == ("mailed", "failed", 1, "550 no such user")
        assert tuple(_state(conn, ids["kept"]))[:3] == ("mailed", "kept", 1)
        assert tuple(_state(conn, ids["in flight"]))[:3] == ("mailed", "sending", 1)
        for name, status in (
            ("unwritten", "pending"),
            ("claimed, unwritten", "pending"),
            ("paused", "paused"),
            ("missed", "missed"),
        ):
            assert tuple(_state(conn, ids[name]))[:2] == (status, None), name
        account = conn.execute(
            sa.text("SELECT status, queued_at FROM outbox_mails WHERE id = :id"),
            {"id": ids["account mail"]},
        ).one()
        assert account.status == "queued" and account.queued_at is not None
        statuses = conn.execute(sa.text("SELECT status FROM window_evaluations ORDER BY id"))
        assert statuses.scalars().all() == ["used", "missing", "paused", "missed"]
    # The CHECK constraints hold from now on.
    for sql in (
        "UPDATE outbox_mails SET status = 'lost'",
        "UPDATE deliveries SET status = 'sent'",
        "UPDATE window_evaluations SET status = 'fine'",
    ):
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text(sql))


def test_upgraded_rows_are_what_the_app_reads(app_at_0001):
    from kodaira_app.extensions import db
    from kodaira_app.mailer.pipeline import sweep
    from kodaira_app.models import Delivery

    with db.engine.begin() as conn:
        ids = _old_rows(conn)
    upgrade()
    status = {d.id: d.status for d in db.session.scalars(sa.select(Delivery))}
    assert {name: status[i] for name, i in ids.items() if name != "account mail"} == {
        "sent": "sent",
        "retry": "pending",
        "failed": "failed",
        "kept": "kept",
        "in flight": "sending",
        "unwritten": "pending",
        "claimed, unwritten": "pending",
        "paused": "paused",
        "missed": "missed",
    }
    retry = db.session.get(Delivery, ids["retry"])
    assert (retry.attempts, retry.next_attempt_at) == (2, T0 + timedelta(minutes=2))
    db.session.rollback()
    # The sweeper takes the retry when it is due, the stale claim, and the lost account mail.
    assert sweep(now=T0 + timedelta(minutes=1)) == 0
    assert sweep(now=T0 + timedelta(minutes=16)) == 3


def test_downgrade_gives_the_deliveries_their_state_back(app_at_0001):
    from kodaira_app.extensions import db

    with db.engine.begin() as conn:
        ids = _old_rows(conn)
    upgrade(revision="0002")
    downgrade(revision="0001")
    with db.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT id, status, attempts, last_error FROM deliveries ORDER BY id")
        ).all()
    got = {row.id: (row.status, row.attempts, row.last_error) for row in rows}
    assert got[ids["sent"]] == ("sent", 1, None)
    assert got[ids["retry"]] == ("pending", 2, "451 later")
    assert got[ids["failed"]] == ("failed", 1, "550 no such user")
    assert got[ids["unwritten"]] == ("pending", 0, None)
    assert got[ids["paused"]] == ("paused", 0, None)
