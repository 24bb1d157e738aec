"""Migration 0010 on a database holding readings of the 0009 schema: they stay, the
evaluation finds their last hours through the new index, and the downgrade removes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from kodaira_app.timeutil import UTCDateTime
from tests.support import database

FIRST = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
READINGS = sa.table(
    "readings",
    sa.column("meter_id"),
    sa.column("hour_start", UTCDateTime()),
    sa.column("deciliters", sa.Integer),
    sa.column("received_at", UTCDateTime()),
)


@pytest.fixture
def app_at_0009(tmp_path):
    with database.app_at_revision("0009", tmp_path) as app:
        yield app


def _indexes(conn) -> set[str]:
    return {index["name"] for index in sa.inspect(conn).get_indexes("readings")}


def test_0010_indexes_the_hours_of_existing_readings(app_at_0009):
    from kodaira_app.extensions import db

    rows = [
        {
            "meter_id": f"M-{m}",
            "hour_start": FIRST + timedelta(hours=h),
            "deciliters": 10 * h,
            "received_at": FIRST + timedelta(hours=h + 1),
        }
        for m in range(3)
        for h in range(30)  # across the end of a month
    ]
    with db.engine.begin() as conn:
        conn.execute(READINGS.insert(), rows)
    upgrade(revision="0010")
    since = FIRST + timedelta(hours=24)
    with db.engine.connect() as conn:
        assert "ix_readings_hour_start" in _indexes(conn)
        found = conn.execute(
            sa.select(sa.func.count()).where(READINGS.c.hour_start >= since)
        ).scalar_one()
        total = conn.execute(sa.select(sa.func.count()).select_from(READINGS)).scalar_one()
    assert (found, total) == (18, 90)
    db.session.remove()
    downgrade(revision="0009")
    with db.engine.connect() as conn:
        assert "ix_readings_hour_start" not in _indexes(conn)
        total = conn.execute(sa.select(sa.func.count()).select_from(READINGS)).scalar_one()
    assert total == 90
