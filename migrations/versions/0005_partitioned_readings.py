"""readings partitioned by month on PostgreSQL

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 01:10:00

Written by hand (autogenerate knows nothing of partitions). On PostgreSQL the plain
`readings` table becomes a table partitioned by range of hour_start: one partition per
UTC month in the schema `readings_partitions`, for every month that holds rows and for
the current month and the three after it, plus a DEFAULT partition for any other row.
Existing rows are copied over in one statement (a large table takes minutes: plan the
upgrade in a quiet hour). SQLite keeps its one table: nothing happens there.

The SQL is spelled out here rather than imported from the app, so this file keeps
meaning the same whatever the app's code becomes.
"""

from datetime import UTC, datetime

from alembic import op
from sqlalchemy import text

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SCHEMA = "readings_partitions"
MONTHS_AHEAD = 3

COLUMNS = """
    meter_id varchar(32) NOT NULL,
    hour_start timestamptz NOT NULL,
    deciliters integer NOT NULL,
    previous_deciliters integer,
    received_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
"""
COLUMN_NAMES = "meter_id, hour_start, deciliters, previous_deciliters, received_at"


def _month(index: int) -> datetime:
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE readings RENAME TO readings_unpartitioned")
    op.execute(
        "ALTER TABLE readings_unpartitioned RENAME CONSTRAINT pk_readings TO pk_readings_old"
    )
    op.execute(
        f"CREATE TABLE readings ({COLUMNS}, CONSTRAINT pk_readings"
        " PRIMARY KEY (meter_id, hour_start)) PARTITION BY RANGE (hour_start)"
    )
    op.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    op.execute(f"CREATE TABLE {SCHEMA}.readings_default PARTITION OF readings DEFAULT")
    months = {
        (m.year * 12 + m.month - 1)
        for m in bind.execute(
            text(
                "SELECT DISTINCT date_trunc('month', hour_start AT TIME ZONE 'UTC')"
                " FROM readings_unpartitioned"
            )
        ).scalars()
    }
    now = datetime.now(UTC)
    current = now.year * 12 + now.month - 1
    months.update(range(current, current + MONTHS_AHEAD + 1))
    for index in sorted(months):
        lo, hi = _month(index), _month(index + 1)
        op.execute(
            f"CREATE TABLE {SCHEMA}.readings_y{lo.year:04d}m{lo.month:02d} PARTITION OF readings"
            f" FOR VALUES FROM ('{lo.isoformat()}') TO ('{hi.isoformat()}')"
        )
    op.execute(
        f"INSERT INTO readings ({COLUMN_NAMES}) SELECT {COLUMN_NAMES} FROM readings_unpartitioned"
    )
    op.execute("DROP TABLE readings_unpartitioned")
    op.execute("ANALYZE readings")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE readings RENAME TO readings_partitioned")
    op.execute(
        "ALTER TABLE readings_partitioned RENAME CONSTRAINT pk_readings TO pk_readings_partitioned"
    )
    op.execute(
        f"CREATE TABLE readings ({COLUMNS}, CONSTRAINT pk_readings"
        " PRIMARY KEY (meter_id, hour_start))"
    )
    op.execute(
        f"INSERT INTO readings ({COLUMN_NAMES}) SELECT {COLUMN_NAMES} FROM readings_partitioned"
    )
    op.execute("DROP TABLE readings_partitioned")
    op.execute(f"DROP SCHEMA {SCHEMA} CASCADE")
