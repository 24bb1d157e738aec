"""Monthly partitions of `readings` on PostgreSQL, and how long readings are kept.

`readings` grows by 24 rows per meter per day for ever. On PostgreSQL it is partitioned
by range of hour_start, one partition per calendar month in UTC, all of them in the
schema `readings_partitions` (so the app's own schema lists only `readings`). A DEFAULT
partition takes any row whose month has no partition yet; `ensure_partitions` creates
the coming months ahead and moves rows that landed in the DEFAULT partition into a month
of their own. Old months go as a whole: dropping a partition is instant, a DELETE of
millions of rows is not.

SQLite (development, tests) keeps one plain table: there the purge is a DELETE.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import delete, text

from kodaira_app.extensions import db
from kodaira_app.models import Reading, ReadingChange
from kodaira_app.timeutil import utcnow

SCHEMA = "readings_partitions"
DEFAULT_PARTITION = f"{SCHEMA}.readings_default"
# Months created ahead of the current one.
MONTHS_AHEAD = 3
DEFAULT_RETENTION_MONTHS = 25


def month_start(moment: datetime) -> datetime:
    """The first instant of moment's month in UTC."""
    moment = moment.astimezone(UTC)
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def add_months(month: datetime, count: int) -> datetime:
    index = month.year * 12 + month.month - 1 + count
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def partition_name(month: datetime) -> str:
    return f"readings_y{month.year:04d}m{month.month:02d}"


def partition_month(name: str) -> datetime | None:
    """The month of a partition named by partition_name, else None."""
    if len(name) != 17 or not name.startswith("readings_y") or name[14] != "m":
        return None
    year, month = name[10:14], name[15:17]
    if not (year.isdigit() and month.isdigit() and 1 <= int(month) <= 12):
        return None
    return datetime(int(year), int(month), 1, tzinfo=UTC)


def is_partitioned() -> bool:
    if db.engine.dialect.name != "postgresql":
        return False
    kind = db.session.scalar(text("SELECT relkind FROM pg_class WHERE oid = 'readings'::regclass"))
    return kind == "p"


def existing_months(conn) -> set[datetime]:
    names = conn.execute(
        text("SELECT tablename FROM pg_tables WHERE schemaname = :schema"), {"schema": SCHEMA}
    ).scalars()
    return {month for name in names if (month := partition_month(name)) is not None}


def create_partition(conn, month: datetime) -> None:
    """Create month's partition; rows of that month in the DEFAULT partition move into it.

    PostgreSQL refuses a new partition while the DEFAULT one holds rows of its range, so
    the DEFAULT partition is detached for the move and attached again, in one transaction.
    """
    upper = add_months(month, 1)
    bounds = {"lo": month, "hi": upper}
    name = f"{SCHEMA}.{partition_name(month)}"
    create = (
        f"CREATE TABLE {name} PARTITION OF readings"
        f" FOR VALUES FROM ('{month.isoformat()}') TO ('{upper.isoformat()}')"
    )
    stray = conn.scalar(
        text(
            f"SELECT EXISTS (SELECT 1 FROM {DEFAULT_PARTITION}"  # nosec B608  # table names are ours, never input
            " WHERE hour_start >= :lo AND hour_start < :hi)"
        ),
        bounds,
    )
    if not stray:
        conn.execute(text(create))
        return
    conn.execute(text(f"ALTER TABLE readings DETACH PARTITION {DEFAULT_PARTITION}"))
    conn.execute(text(create))
    conn.execute(
        text(
            f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION}"  # nosec B608  # table names are ours, never input
            " WHERE hour_start >= :lo AND hour_start < :hi RETURNING *)"
            f" INSERT INTO {name} SELECT * FROM moved"
        ),
        bounds,
    )
    conn.execute(text(f"ALTER TABLE readings ATTACH PARTITION {DEFAULT_PARTITION} DEFAULT"))


def ensure_months(conn, now: datetime, retention_months: int) -> list[datetime]:
    """Create the partitions of the current month, MONTHS_AHEAD ahead, and of every kept
    month found in the DEFAULT partition; returns the months created."""
    current = month_start(now)
    wanted = {add_months(current, i) for i in range(MONTHS_AHEAD + 1)}
    stray = conn.execute(
        text(
            "SELECT DISTINCT date_trunc('month', hour_start AT TIME ZONE 'UTC')"  # nosec B608  # table names are ours, never input
            f" FROM {DEFAULT_PARTITION} WHERE hour_start >= :oldest"
        ),
        {"oldest": add_months(current, 1 - retention_months)},
    ).scalars()
    wanted.update(month.replace(tzinfo=UTC) for month in stray)
    created = sorted(wanted - existing_months(conn))
    for month in created:
        create_partition(conn, month)
    return created


def retention_months() -> int:
    return current_app.config.get("READINGS_RETENTION_MONTHS", DEFAULT_RETENTION_MONTHS)


def oldest_kept(now: datetime, months: int) -> datetime:
    """The first instant kept: the current month and the months - 1 before it."""
    return add_months(month_start(now), 1 - months)


def ensure_partitions(now: datetime | None = None) -> list[str]:
    """Periodic job: the coming months' partitions exist before their first reading."""
    if not is_partitioned():
        db.session.rollback()
        return []
    created = ensure_months(db.session.connection(), now or utcnow(), retention_months())
    db.session.commit()
    return [partition_name(month) for month in created]


def purge_old_readings(now: datetime | None = None) -> list[str]:
    """Periodic job: readings older than READINGS_RETENTION_MONTHS go, with their changes.

    PostgreSQL: whole months are detached and dropped, and when one went, older rows of
    the DEFAULT partition and of reading_changes are deleted; SQLite: a DELETE. Returns
    the partitions dropped.
    """
    cutoff = oldest_kept(now or utcnow(), retention_months())
    dropped: list[str] = []
    if is_partitioned():
        conn = db.session.connection()
        for month in sorted(existing_months(conn)):
            if add_months(month, 1) <= cutoff:
                name = partition_name(month)
                conn.execute(text(f"ALTER TABLE readings DETACH PARTITION {SCHEMA}.{name}"))
                conn.execute(text(f"DROP TABLE {SCHEMA}.{name}"))
                dropped.append(name)
        if not dropped:  # the job runs every minute; a month ends once a month
            db.session.commit()
            return dropped
        old = f"DELETE FROM {DEFAULT_PARTITION} WHERE hour_start < :cutoff"  # nosec B608  # ours
        conn.execute(text(old), {"cutoff": cutoff})
    else:
        db.session.execute(delete(Reading).where(Reading.hour_start < cutoff))
    db.session.execute(delete(ReadingChange).where(ReadingChange.hour_start < cutoff))
    db.session.commit()
    return dropped
