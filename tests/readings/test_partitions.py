"""Readings by month: the partitioning migration, months created ahead, retention."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, func, select, text

from kodaira_app.extensions import db
from kodaira_app.models import Reading, ReadingChange
from kodaira_app.readings.importer import import_readings_csv
from kodaira_app.readings.partitions import ensure_partitions, purge_old_readings
from tests.conftest import TEST_DB
from tests.support import database
from tests.support.factories import make_customer
from tests.support.readings import add_readings

on_postgres = pytest.mark.skipif(TEST_DB != "postgres", reason="partitions are PostgreSQL's")
on_sqlite = pytest.mark.skipif(TEST_DB == "postgres", reason="SQLite keeps one table")


def partition_of(meter: str, hour: datetime) -> str:
    return db.session.scalar(
        text(
            "SELECT tableoid::regclass::text FROM readings WHERE meter_id = :m AND hour_start = :h"
        ),
        {"m": meter, "h": hour},
    )


def partitions() -> set[str]:
    return set(
        db.session.scalars(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'readings_partitions'")
        )
    )


OLD_ROWS = [
    ("M1", datetime(2025, 3, 31, 23, tzinfo=UTC), 125),
    ("M1", datetime(2026, 11, 30, 15, tzinfo=UTC), 40),  # 2026-12-01 00:00 in Tokyo
    ("M2", datetime(2026, 12, 1, 0, tzinfo=UTC), 7),
]


@pytest.fixture
def database_at_0001():
    """A PostgreSQL database of its own migrated to 0001 only, with readings in it."""
    from flask_migrate import upgrade

    from kodaira_app import create_app

    url = database.create_postgres_database()
    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    try:
        with app.app_context():
            upgrade(revision="0001")
            db.session.execute(
                text(
                    "INSERT INTO readings (meter_id, hour_start, deciliters, received_at)"
                    " VALUES (:m, :h, :d, now())"
                ),
                [{"m": m, "h": h, "d": d} for m, h, d in OLD_ROWS],
            )
            db.session.commit()
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        database.drop_postgres_database(url)


@on_postgres
def test_upgrade_moves_rows_into_their_months(database_at_0001, clock):
    from flask_migrate import upgrade

    upgrade()

    kind = db.session.scalar(text("SELECT relkind FROM pg_class WHERE relname = 'readings'"))
    assert kind == "p"
    assert partition_of("M1", OLD_ROWS[0][1]) == "readings_partitions.readings_y2025m03"
    assert partition_of("M1", OLD_ROWS[1][1]) == "readings_partitions.readings_y2026m11"
    assert partition_of("M2", OLD_ROWS[2][1]) == "readings_partitions.readings_y2026m12"
    stored = {(r.meter_id, r.hour_start, r.deciliters) for r in db.session.scalars(select(Reading))}
    assert stored == set(OLD_ROWS)
    assert db.session.get(Reading, ("M1", OLD_ROWS[1][1])).liters == 4.0
    now = clock.now()
    ahead = [(now.year * 12 + now.month - 1 + i) for i in range(4)]
    names = {f"readings_y{i // 12:04d}m{i % 12 + 1:02d}" for i in ahead}
    assert names <= partitions()
    assert "readings_default" in partitions()


@on_postgres
def test_downgrade_gives_back_one_table(database_at_0001):
    from flask_migrate import downgrade, upgrade

    upgrade()
    downgrade(revision="0001")

    kind = db.session.scalar(text("SELECT relkind FROM pg_class WHERE relname = 'readings'"))
    assert kind == "r"
    assert len(db.session.scalars(select(Reading)).all()) == len(OLD_ROWS)


@on_postgres
def test_months_are_created_ahead(app, clock):
    clock.freeze(datetime(2030, 5, 15, 12, tzinfo=UTC))

    created = ensure_partitions()

    assert created == [f"readings_y2030m{m:02d}" for m in (5, 6, 7, 8)]
    assert ensure_partitions() == []  # the next run has nothing to do
    add_readings("M1", datetime(2030, 8, 31, 23, tzinfo=UTC), [1.0])
    assert partition_of("M1", datetime(2030, 8, 31, 23, tzinfo=UTC)).endswith("y2030m08")


@on_postgres
def test_a_month_without_partition_lands_in_default_and_moves_out(app, clock):
    make_customer(meter_id="M1")
    hour = datetime(2031, 9, 10, 3, tzinfo=UTC)
    clock.freeze(datetime(2031, 9, 10, 5, tzinfo=UTC))
    csv = f"meter_id,hour_start,liters\nM1,{hour.isoformat()},2.5\n"
    import io

    assert import_readings_csv(io.BytesIO(csv.encode()), source="test").imported == 1
    assert partition_of("M1", hour) == "readings_partitions.readings_default"

    assert "readings_y2031m09" in ensure_partitions()

    assert partition_of("M1", hour) == "readings_partitions.readings_y2031m09"
    assert db.session.get(Reading, ("M1", hour)).deciliters == 25


@on_postgres
def test_retention_drops_whole_old_months(app, clock):
    app.config["READINGS_RETENTION_MONTHS"] = 25
    clock.freeze(datetime(2022, 1, 15, tzinfo=UTC))
    ensure_partitions()
    add_readings("M1", datetime(2019, 12, 31, 23, tzinfo=UTC), [1.0, 2.0])  # Dec and Jan
    add_readings("M1", datetime(2020, 2, 1, 0, tzinfo=UTC), [3.0])
    clock.freeze(datetime(2020, 1, 5, tzinfo=UTC))
    ensure_partitions()  # the months of 2019-12 .. 2020-04
    assert partition_of("M1", datetime(2020, 1, 1, 0, tzinfo=UTC)).endswith("y2020m01")
    db.session.add(
        ReadingChange(
            meter_id="M1",
            hour_start=datetime(2020, 1, 1, 0, tzinfo=UTC),
            old_deciliters=5,
            new_deciliters=20,
            source="test",
        )
    )
    db.session.commit()
    clock.freeze(datetime(2022, 1, 20, tzinfo=UTC))  # keeps 2020-01 .. 2022-01
    assert purge_old_readings() == ["readings_y2019m12"]

    clock.freeze(datetime(2022, 2, 1, 9, tzinfo=UTC))  # keeps 2020-02 .. 2022-02
    dropped = purge_old_readings()

    assert dropped == ["readings_y2020m01"]
    assert db.session.scalars(select(ReadingChange)).all() == []
    kept = [(r.hour_start, r.deciliters) for r in db.session.scalars(select(Reading))]
    assert kept == [(datetime(2020, 2, 1, 0, tzinfo=UTC), 30)]
    assert "readings_y2020m02" in partitions()


@on_sqlite
def test_sqlite_keeps_one_table_and_deletes_old_rows(app, clock):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.connect() as conn:
        tables = conn.scalars(
            text("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'readings%'")
        ).all()
    engine.dispose()
    assert tables == ["readings"]
    assert ensure_partitions() == []
    add_readings("M1", datetime(2019, 12, 31, 23, tzinfo=UTC), [1.0, 2.0])
    db.session.add(
        ReadingChange(
            meter_id="M1",
            hour_start=datetime(2019, 12, 31, 23, tzinfo=UTC),
            old_deciliters=5,
            new_deciliters=10,
            source="test",
        )
    )
    db.session.commit()
    clock.freeze(datetime(2022, 1, 10, tzinfo=UTC))  # keeps 2020-01 .. 2022-01

    assert purge_old_readings() == []

    kept = [r.hour_start for r in db.session.scalars(select(Reading))]
    assert kept == [datetime(2020, 1, 1, 0, tzinfo=UTC)]
    assert db.session.scalars(select(ReadingChange)).all() == []


@on_postgres
def test_the_demo_keeps_each_month_in_its_own_partition(app, runner):
    """`flask demo load` writes weeks of readings; none is left in the DEFAULT partition."""
    app.config["APP_ENV"] = "development"
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    where = db.session.execute(
        text("SELECT tableoid::regclass::text, count(*) FROM readings GROUP BY 1")
    ).all()
    assert where and all(name != "readings_partitions.readings_default" for name, _ in where)
    assert sum(count for _, count in where) == db.session.scalar(
        select(func.count()).select_from(Reading)
    )
