"""Migration 0006 on a database holding rows of the 0005 schema: a registration's
recipients and reports keep their meaning, no test mail exists, no holder was told yet;
then test deliveries and the holder's notice can be recorded (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from kodaira_app.timeutil import UTCDateTime
from tests.support import database

T0 = datetime(2026, 11, 25, 3, 30, tzinfo=UTC)


@pytest.fixture
def app_at_0005(tmp_path):
    with database.app_at_revision("0005", tmp_path) as app:
        yield app


def _insert(conn, table: str, values: dict, times: dict) -> int:
    names = [*values, *times]
    stmt = sa.text(
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)})"
        " RETURNING id"
    ).bindparams(*(sa.bindparam(n, type_=UTCDateTime()) for n in times))
    return conn.execute(stmt, {**values, **times}).scalar_one()


def _old_rows(conn) -> dict[str, int]:
    account = _insert(
        conn,
        "accounts",
        {"email": "taro@example.com", "password_hash": "x", "session_version": 1},
        {"created_at": T0},
    )
    customer = _insert(
        conn,
        "customers",
        {
            "customer_number": "00000008002",
            "name_kana": "オビラ タロウ",
            "name": "小平 太郎",
            "address": "小平町",
            "meter_id": "KM00008002",
            "smart_meter": True,
        },
        {"created_at": T0, "updated_at": T0},
    )
    registration = _insert(
        conn,
        "watch_registrations",
        {"customer_id": customer, "account_id": account},
        {"created_at": T0, "updated_at": T0},
    )
    recipient = _insert(
        conn,
        "watch_recipients",
        {
            "registration_id": registration,
            "position": 1,
            "name": "息子",
            "email": "son@example.com",
            "locale": "ja",
            "stop_token": "tok",
        },
        {"created_at": T0},
    )
    return {"registration": registration, "recipient": recipient}


def test_upgrade_keeps_the_recipients_and_records_test_mails_apart(app_at_0005):
    from kodaira_app.extensions import db

    with db.engine.begin() as conn:
        ids = _old_rows(conn)
    upgrade(revision="0006")
    with db.engine.begin() as conn:
        row = conn.execute(
            sa.text("SELECT name, email, refusal_notified_at FROM watch_recipients WHERE id = :i"),
            {"i": ids["recipient"]},
        ).one()
        assert (row.name, row.email, row.refusal_notified_at) == ("息子", "son@example.com", None)
        assert conn.execute(sa.text("SELECT COUNT(*) FROM test_deliveries")).scalar() == 0
        # Two tests of the same window and recipient: nothing unique holds them apart.
        for _ in range(2):
            _insert(
                conn,
                "test_deliveries",
                {
                    "registration_id": ids["registration"],
                    "recipient_id": ids["recipient"],
                    "batch": uuid.uuid4().hex,
                    "origin": "resident",
                    "status": "used",
                },
                {"window_start": T0, "window_end": T0, "created_at": T0},
            )
        assert conn.execute(sa.text("SELECT COUNT(*) FROM test_deliveries")).scalar() == 2
    downgrade(revision="0005")
    with db.engine.begin() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM watch_recipients")).scalar() == 1
        assert "test_deliveries" not in sa.inspect(conn).get_table_names()
