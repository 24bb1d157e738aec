"""Migration 0008 on a database holding a registration of the 0005 schema: the home keeps
its registration and is named after the contract holder until the registrant names it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from kodaira_app.timeutil import UTCDateTime
from tests.support import database

T0 = datetime(2026, 11, 25, 3, 30, tzinfo=UTC)


def _table(name, *names, times=()):
    return sa.table(
        name,
        sa.column("id", sa.Integer),
        *[sa.column(n) for n in names],
        *[sa.column(n, UTCDateTime()) for n in times],
    )


ACCOUNTS = _table(
    "accounts", "email", "password_hash", "locale", "session_version", times=("created_at",)
)
CUSTOMERS = _table(
    "customers",
    "customer_number",
    "name_kana",
    "name",
    "address",
    "meter_id",
    "smart_meter",
    times=("created_at", "updated_at"),
)
REGISTRATIONS = _table(
    "watch_registrations", "customer_id", "account_id", times=("created_at", "updated_at")
)


@pytest.fixture
def app_at_0005(tmp_path):
    with database.app_at_revision("0005", tmp_path) as app:
        yield app


def _old_registration(conn) -> int:
    account = conn.execute(
        ACCOUNTS.insert().returning(ACCOUNTS.c.id),
        {
            "email": "son@example.com",
            "password_hash": "x",
            "locale": "ja",
            "session_version": 1,
            "created_at": T0,
        },
    ).scalar_one()
    customer = conn.execute(
        CUSTOMERS.insert().returning(CUSTOMERS.c.id),
        {
            "customer_number": "00000008002",
            "name_kana": "オビラ ハナコ",
            "name": "小平 花子",
            "address": "小平町字鬼鹿1",
            "meter_id": "M-8002",
            "smart_meter": True,
            "created_at": T0,
            "updated_at": T0,
        },
    ).scalar_one()
    return conn.execute(
        REGISTRATIONS.insert().returning(REGISTRATIONS.c.id),
        {"customer_id": customer, "account_id": account, "created_at": T0, "updated_at": T0},
    ).scalar_one()


def test_0008_keeps_registrations_named_after_the_holder_until_named(app_at_0005):
    from kodaira_app.extensions import db
    from kodaira_app.models import Customer, WatchRegistration

    with db.engine.begin() as conn:
        registration_id = _old_registration(conn)
    upgrade(revision="0008")
    db.session.remove()
    registration = db.session.get(WatchRegistration, registration_id)
    holder = db.session.get(Customer, registration.customer_id).name
    assert registration.home_name is None
    assert registration.home_label(holder) == "小平 花子"
    registration.home_name = "鬼鹿の実家"
    db.session.commit()
    db.session.remove()
    named = db.session.get(WatchRegistration, registration_id)
    assert named.home_label(holder) == "鬼鹿の実家"
    db.session.remove()
    downgrade(revision="0005")
    with db.engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("watch_registrations")}
        kept = conn.execute(sa.select(REGISTRATIONS.c.id)).scalars().all()
    assert "home_name" not in columns and kept == [registration_id]
