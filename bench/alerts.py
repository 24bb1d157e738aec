"""The alert evaluation at full scale on PostgreSQL, against the bare SQL that finds the
same episodes, in one run.

In a database of its own (created, then dropped): N registrations (100,000) with every rule
on (水が出続けて 3 h, 長い時間 12 h, データ 6 h), 2 recipients each, and --days (14) of
hourly readings for N meters: ordinary use with quiet nights, and 1 % of the homes each
running water for the last 3 hours, silent for 12 hours, sending nothing for 6 hours, or
using water in every hour of the last 24. Measured:
  first run   the episodes opened by the evaluation (SQL, committed) vs one bare SELECT
              finding the same registrations per rule; then the mails they are due
              (rendered and queued in the outbox), apart
  steady      the whole periodic job again the next minute (nothing new: the usual case)
The readings end at the current hour of the day, --days into the current month, so that
the month's partition holds all of them (the slice of the last hours is the smallest share
of it). The bare query is timed both with the server's settings and with those the
evaluation sets for itself (work_mem, no JIT); the ratios are to the faster.
Targets on a 2-core machine: evaluation <= 3 x the bare query and <= 2 s.

    .venv/bin/python -m bench.alerts [--registrations 100000] [--days 14]
        [--keep | --database URL]

--keep leaves the database in place and prints its URL; --database URL measures again in
it (its episodes, outages and outbox emptied first) without building it again.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bench.reports import (
    Figures,
    bench_app,
    create_database,
    create_partitions,
    drop_database,
    peak_mb,
    seed,
    vacuum_analyze,
)

# Meter i, hour h of `hours` (age = hours since it, 0 = the last complete hour). Every
# 100th home of each kind: 1 runs water for 3 hours, 2 is silent for 12 hours with data,
# 3 sends nothing for 6 hours, 4 uses water in every hour of the last day. Written hour
# after hour, as the imports write them, so the table's order is that of real arrivals.
FILL = """
INSERT INTO readings (meter_id, hour_start, deciliters, received_at)
SELECT 'M' || lpad(i::text, 9, '0'), CAST(:first AS timestamptz) + h * interval '1 hour',
       CASE WHEN i % 100 = 1 AND :hours - 1 - h < 3 THEN 700
            WHEN i % 100 = 2 AND :hours - 1 - h < 12 THEN 0
            WHEN i % 100 = 4 AND :hours - 1 - h < 24 THEN 15
            WHEN (h + 9) % 24 BETWEEN 1 AND 5 THEN 0
            ELSE ((i * 7 + h * 13) % 40) * 5 END,
       now()
FROM generate_series(0, :hours - 1) AS h, LATERAL generate_series(1, :n) AS i
WHERE NOT (i % 100 = 3 AND :hours - 1 - h < 6)
"""

# The bare query: every registration for which a rule holds now, with no bookkeeping.
BARE = """
SELECT r.id,
       SUM(CASE WHEN rd.hour_start >= :s3 AND rd.deciliters >= 600 THEN 1 ELSE 0 END) AS flow,
       SUM(CASE WHEN rd.hour_start >= :s12 THEN 1 ELSE 0 END) AS got12,
       MAX(CASE WHEN rd.hour_start >= :s12 THEN rd.deciliters END) AS top12,
       SUM(CASE WHEN rd.hour_start >= :s6 THEN 1 ELSE 0 END) AS got6,
       SUM(CASE WHEN rd.deciliters >= 1 THEN 1 ELSE 0 END) AS used24
FROM watch_registrations r
JOIN customers cu ON cu.id = r.customer_id
LEFT JOIN readings rd ON rd.meter_id = cu.meter_id
     AND rd.hour_start >= :s24 AND rd.hour_start < :until
WHERE r.ended_at IS NULL
GROUP BY r.id
HAVING SUM(CASE WHEN rd.hour_start >= :s3 AND rd.deciliters >= 600 THEN 1 ELSE 0 END) = 3
    OR (SUM(CASE WHEN rd.hour_start >= :s12 THEN 1 ELSE 0 END) = 12
        AND MAX(CASE WHEN rd.hour_start >= :s12 THEN rd.deciliters END) = 0)
    OR SUM(CASE WHEN rd.hour_start >= :s6 THEN 1 ELSE 0 END) = 0
    OR SUM(CASE WHEN rd.deciliters >= 1 THEN 1 ELSE 0 END) = 24
"""


def load_readings(n: int, first: datetime, until: datetime, hours: int) -> None:
    """The readings in their months' partitions, written without their primary key, which
    is built once afterwards (a sort, not 24 x days x N insertions into a B-tree)."""
    from kodaira_app.extensions import db

    create_partitions(first, until)
    conn = db.session.connection()
    conn.execute(text("ALTER TABLE readings DROP CONSTRAINT pk_readings"))
    step = time.perf_counter()
    conn.execute(text(FILL), {"n": n, "first": first, "hours": hours})
    print(f"  fill          {time.perf_counter() - step:7.2f} s", flush=True)
    step = time.perf_counter()
    conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
    conn.execute(
        text("ALTER TABLE readings ADD CONSTRAINT pk_readings PRIMARY KEY (meter_id, hour_start)")
    )
    db.session.commit()
    print(f"  primary key   {time.perf_counter() - step:7.2f} s", flush=True)
    step = time.perf_counter()
    vacuum_analyze()
    print(f"  vacuum        {time.perf_counter() - step:7.2f} s", flush=True)


def forget_episodes() -> datetime:
    """A kept database as the first run found it; the hour its readings end at."""
    from kodaira_app.extensions import db

    for table in ("alert_episodes", "alert_town_outages", "outbox_mails"):
        db.session.execute(text(f"DELETE FROM {table}"))  # nosec B608  # our own tables
    db.session.commit()
    vacuum_analyze()
    last = db.session.scalar(text("SELECT MAX(hour_start) FROM readings"))
    return last.astimezone(UTC) + timedelta(hours=1)


# What the evaluation sets for its own transaction (kodaira_app/alerts/episodes.py).
EVALUATION_SETTINGS = ("SET LOCAL work_mem = '64MB'", "SET LOCAL jit = off")


def bare(until: datetime, settings: tuple[str, ...] = ()) -> tuple[float, int]:
    from kodaira_app.extensions import db

    params = {f"s{n}": until - timedelta(hours=n) for n in (3, 6, 12, 24)} | {"until": until}
    for setting in settings:
        db.session.execute(text(setting))
    started = time.perf_counter()
    rows = db.session.execute(text(BARE), params).all()
    elapsed = time.perf_counter() - started
    db.session.rollback()
    return elapsed, len(rows)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument(
        "--keep", action="store_true", help="keep the database (its URL is printed)"
    )
    parser.add_argument(
        "--database", help="measure again in a database kept by --keep (its episodes go first)"
    )
    args = parser.parse_args(argv)
    n = args.registrations

    from flask_migrate import upgrade

    # The current hour of the day, --days into the month: the month's partition holds all
    # the days of readings (its worst case: the last day's hours are found among them all).
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    until = hour.replace(day=1) + timedelta(days=args.days)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    url = args.database or create_database()
    figures = Figures()
    print(f"bench: {n:,} registrations, {24 * args.days * n:,} readings", flush=True)
    try:
        app = bench_app(url, MAIL_SUPPRESS_SEND=True)
        with app.app_context():
            from kodaira_app.alerts.episodes import evaluate, update_episodes, write_due_mails
            from kodaira_app.extensions import db

            if args.database:
                until = forget_episodes()
            else:
                upgrade()
                started = time.perf_counter()
                seed(n, created=until - timedelta(days=args.days + 1), start_hour=8)
                db.session.execute(
                    text(
                        "UPDATE watch_registrations SET alert_flow_hours = 3,"
                        " alert_idle_hours = 12, alert_nodata_hours = 6"
                    )
                )
                load_readings(n, until - timedelta(days=args.days), until, 24 * args.days)
                figures.add("setup", f"{time.perf_counter() - started:7.2f} s")
            now = until + timedelta(minutes=1)

            # The bare query at its best: the fastest of 3 runs with the server's settings
            # and of 3 with the evaluation's; the ratios are to the faster of the two.
            bares = {}
            for label, settings in (
                ("server's settings", ()),
                ("evaluation's", EVALUATION_SETTINGS),
            ):
                runs = [bare(until, settings) for _ in range(3)]
                bares[label] = min(elapsed for elapsed, _ in runs)
                found = runs[0][1]
                figures.add(
                    f"bare SQL ({label}): registrations found", f"{bares[label]:7.3f} s  {found:,}"
                )
            bare_s = min(bares.values())

            started = time.perf_counter()
            opened, _closed, outage = update_episodes(now)
            db.session.commit()
            episodes_s = time.perf_counter() - started
            figures.add(
                "evaluation: episodes opened (SQL, committed)",
                f"{episodes_s:7.3f} s  {opened:,}  ({episodes_s / bare_s:.2f} x bare)",
            )
            started = time.perf_counter()
            mailed = write_due_mails(now, now.date(), outage)
            db.session.commit()
            figures.add(
                "evaluation: their mails written to the outbox",
                f"{time.perf_counter() - started:7.3f} s  {mailed:,} mails",
            )
            started = time.perf_counter()
            result = evaluate(now + timedelta(minutes=1))
            steady_s = time.perf_counter() - started
            figures.add(
                "steady state: the periodic job a minute later",
                f"{steady_s:7.3f} s  opened {result['opened']}  ({steady_s / bare_s:.2f} x bare)",
            )
            figures.add("peak memory", f"{peak_mb():7.0f} MB")
            db.session.remove()
            db.engine.dispose()
    finally:
        if args.keep or args.database:
            print(f"kept: --database {url}")
        else:
            drop_database(url)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
