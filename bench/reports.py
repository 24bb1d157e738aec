"""`make bench`: the 見守り reports at full scale on PostgreSQL + Redis, with its figures.

In a database of its own (created, then dropped): N registrations (100,000) whose windows
all end on one tick, 2 recipients each, and a day of hourly readings for N meters.
Measured in one run, each against a bare baseline doing the same work:
  ingest  the 2.4 M readings through the CSV import and the API function vs a bare COPY
  tick    the tick's evaluation (evaluations + deliveries) vs the bare SQL aggregate, first
          on the first day (no history), then at steady state: the same slot again after
          --history-days (14) earlier days of evaluations and deliveries, from which the
          usual use (the median of the same window over 14 days) is computed
  mails   2N mails rendered and handed to a loopback SMTP sink by the send job (which
          also computes each window's usual use from the 14 days before) vs bare
          smtplib + email building and sending the same mails
  memory  peak RSS (ru_maxrss) after each phase
Targets on a 2-core machine: evaluation <= 2 s and <= 2.5 x the bare aggregate + median,
ingest >= 0.6 x COPY, mails >= 0.8 x bare.

    .venv/bin/python -m bench.reports [--registrations 100000] [--history-days 14]
        [--reading-days 14] [--only tick|ingest] [--tick-runs 3] [--workers 1,2]

--workers 1,2: after the in-process send, the same mails again (pending again, the usual
use to compute again) sent by 1, then 2 `python worker.py` processes against the same
sink, timed from the enqueue to the last 'sent' mark, each beside the bare figure.

--reading-days 14: before the tick, 13 earlier days of readings are written (INSERT ...
SELECT, in their months' partitions), so the tick runs with 24 x 14 x N readings present.
--only ingest: the ingest figures alone.
--only mails: like --only tick (no ingest), then the mails.

--only tick leaves out the ingest and the mails: the day of readings is written by one
INSERT ... SELECT, and the steady-state tick is measured --tick-runs times (the slot's
evaluations and deliveries are deleted between runs).
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import signal
import smtplib
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import psycopg
from sqlalchemy import insert, text

from bench.smtp_sink import start_sink

PG_SERVER_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
TOWN_TZ = "Asia/Tokyo"
API_CHUNK = 50_000  # rows per POST /api/v1/readings (its maximum)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Figures:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, label: str, value: str) -> None:
        line = f"{label:<48} {value}"
        self.lines.append(line)
        print(line, flush=True)


def create_database(prefix: str = "kodaira_bench", server: str = PG_SERVER_URL) -> str:
    """A database of this run's own on `server`, so two runs never see each other."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = server.rsplit("/", 1)[0]
    return f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://")


def drop_database(url: str, server: str = PG_SERVER_URL) -> None:
    name = url.rsplit("/", 1)[-1]
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_app(url: str, **settings):
    """The app a bench runs: its own database and queue names; mail as `settings` say."""
    from kodaira_app import create_app

    return create_app(
        {
            "APP_ENV": "testing",
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "REDIS_URL": REDIS_URL,
            "QUEUE_PREFIX": f"kodaira-bench-{uuid.uuid4().hex[:8]}",
            "APP_BASE_URL": "http://127.0.0.1:5000",
            **settings,
        }
    )


def plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def seed(n: int, created: datetime, start_hour: int) -> None:
    """N contracts with a watch each (one window, two recipients), through the models."""
    from kodaira_app.extensions import db
    from kodaira_app.models import (
        Account,
        Customer,
        WatchRecipient,
        WatchRegistration,
        WatchWindow,
    )

    account_id = db.session.scalar(
        insert(Account).values(email="bench@example.com", password_hash="-").returning(Account.id)
    )
    step = 20_000
    for first in range(1, n + 1, step):
        numbers = range(first, min(first + step, n + 1))
        customer_ids = db.session.scalars(
            insert(Customer).returning(Customer.id, sort_by_parameter_order=True),
            [
                {
                    "customer_number": f"{i:011d}",
                    "name_kana": "コダイラ タロウ",
                    "name": "小平 太郎",
                    "address": "北海道留萌郡小平町字小平町",
                    "meter_id": f"M{i:09d}",
                    "smart_meter": True,
                }
                for i in numbers
            ],
        ).all()
        reg_ids = db.session.scalars(
            insert(WatchRegistration).returning(WatchRegistration.id, sort_by_parameter_order=True),
            [
                {"customer_id": c, "account_id": account_id, "created_at": created}
                for c in customer_ids
            ],
        ).all()
        db.session.execute(
            insert(WatchWindow),
            [
                {
                    "registration_id": r,
                    "position": 1,
                    "start_hour": start_hour,
                    "entered_hour": start_hour,
                    "width_hours": 6,
                    "created_at": created,
                }
                for r in reg_ids
            ],
        )
        db.session.execute(
            insert(WatchRecipient),
            [
                {
                    "registration_id": r,
                    "position": p,
                    "name": name,
                    "email": f"watcher{r}-{p}@example.com",
                    "locale": "ja",
                    "stop_token": secrets.token_urlsafe(24),
                    "created_at": created,
                }
                for r in reg_ids
                for p, name in ((1, "息子"), (2, "娘"))
            ],
        )
        db.session.commit()


def write_readings_csv(path: str, n: int, day_start: datetime) -> int:
    """A day of hourly readings for N meters: meter_id,hour_start,liters (+09:00 offsets)."""
    from zoneinfo import ZoneInfo

    hours = [
        (day_start + timedelta(hours=h)).astimezone(ZoneInfo(TOWN_TZ)).isoformat()
        for h in range(24)
    ]
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("meter_id,hour_start,liters\n")
        for i in range(1, n + 1):
            meter = f"M{i:09d}"
            lines = []
            for h, hour in enumerate(hours):
                liters = ((i * 7 + h * 13) % 40) / 2  # 0.0 .. 19.5, zero now and then
                lines.append(f"{meter},{hour},{liters:.1f}\n")
            out.write("".join(lines))
            rows += 24
    return rows


# The same day of readings as write_readings_csv's file, written by the database itself.
FILL_READINGS = """
INSERT INTO readings (meter_id, hour_start, deciliters, received_at)
SELECT 'M' || lpad(i::text, 9, '0'), CAST(:day_start AS timestamptz) + h * interval '1 hour',
       ((i * 7 + h * 13) % 40) * 5, now()
FROM generate_series(1, :n) AS i, generate_series(0, 23) AS h
"""


def fill_readings(n: int, day_start: datetime) -> int:
    from kodaira_app.extensions import db

    db.session.execute(text(FILL_READINGS), {"n": n, "day_start": day_start})
    db.session.execute(text("ANALYZE readings"))
    db.session.commit()
    return 24 * n


# All earlier days in one statement, hour after hour as the imports write them (the
# primary key is built afterwards, so the order of arrival costs nothing).
FILL_EARLIER_READINGS = """
INSERT INTO readings (meter_id, hour_start, deciliters, received_at)
SELECT 'M' || lpad(i::text, 9, '0'), CAST(:first AS timestamptz) + h * interval '1 hour',
       ((i * 7 + h * 13) % 40) * 5, now()
FROM generate_series(0, :hours - 1) AS h, LATERAL generate_series(1, :n) AS i
"""


def create_partitions(first: datetime, last: datetime) -> None:
    """The months' partitions of readings from first to last, as the periodic job makes them."""
    from kodaira_app.extensions import db
    from kodaira_app.readings import partitions

    conn = db.session.connection()
    month, have = partitions.month_start(first), partitions.existing_months(conn)
    while month <= last:
        if month not in have:
            partitions.create_partition(conn, month)
        month = partitions.add_months(month, 1)


def fill_earlier_readings(n: int, day_start: datetime, days: int) -> int:
    """The `days` days of readings before day_start, in their months' partitions (made
    first, as the periodic job would have made them when they came), written without the
    primary key, which is built once afterwards (a sort, not 24 x days x N insertions into
    a B-tree; as bench/alerts.py loads them)."""
    from kodaira_app.extensions import db
    from kodaira_app.readings import partitions

    first = day_start - timedelta(days=days)
    if partitions.is_partitioned():
        create_partitions(first, day_start)
    conn = db.session.connection()
    conn.execute(text("ALTER TABLE readings DROP CONSTRAINT pk_readings"))
    params = {"n": n, "first": first, "hours": 24 * days}
    conn.execute(text(FILL_EARLIER_READINGS), params)
    conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
    conn.execute(
        text("ALTER TABLE readings ADD CONSTRAINT pk_readings PRIMARY KEY (meter_id, hour_start)")
    )
    db.session.commit()
    vacuum_analyze()
    return 24 * n * days


# Earlier days of the same windows as the tick wrote them: mostly used, some none, a few
# missing (half of those with a follow-up figure), a few paused; two sent deliveries each.
# One INSERT per day, so each day's rows lie together as the daily ticks leave them.
FILL_HISTORY = """
INSERT INTO window_evaluations (registration_id, window_id, window_start, window_end, status,
    deciliters, hours_expected, hours_received, usual_deciliters, usual_pending, late,
    evaluated_at, followup_at, followup_deciliters)
SELECT ww.registration_id, ww.id, CAST(:ws AS timestamptz), CAST(:we AS timestamptz), v.status,
       CASE WHEN v.status IN ('used', 'none') THEN v.d END, 6,
       CASE WHEN v.status = 'missing' THEN 0 ELSE 6 END, v.d, false, false,
       CAST(:we AS timestamptz) + interval '30 minutes',
       CASE WHEN v.status = 'missing' AND ww.id % 2 = 0
            THEN CAST(:we AS timestamptz) + interval '90 minutes' END,
       CASE WHEN v.status = 'missing' AND ww.id % 2 = 0 THEN v.d END
FROM watch_windows ww
CROSS JOIN LATERAL (
    SELECT CASE WHEN (ww.id + :day) % 97 = 0 THEN 'missing'
                WHEN (ww.id + :day) % 89 = 0 THEN 'paused'
                WHEN (ww.id * 3 + :day) % 41 = 0 THEN 'none'
                ELSE 'used' END AS status,
           CASE WHEN (ww.id * 3 + :day) % 41 = 0 THEN 0
                ELSE 50 + (ww.id * 31 + :day * 17) % 600 END AS d
) v
WHERE ww.removed_at IS NULL
ORDER BY ww.registration_id
"""

FILL_HISTORY_DELIVERIES = """
WITH src AS (
    SELECT e.id AS evaluation_id, wr.id AS recipient_id, wr.email, e.status, e.evaluated_at,
           '<h' || e.id || '.' || wr.id || '@localhost>' AS message_id
    FROM window_evaluations e
    JOIN watch_recipients wr ON wr.registration_id = e.registration_id
    WHERE e.window_start = CAST(:ws AS timestamptz)
), mails AS (
    INSERT INTO outbox_mails (kind, locale, to_addr, subject, body_text, headers, status,
        attempts, message_id, created_at, queued_at, claimed_at, sent_at)
    SELECT 'watch_report', 'ja', s.email, '【見守り】', '', '{}', 'sent', 1, s.message_id,
           s.evaluated_at, s.evaluated_at, s.evaluated_at, s.evaluated_at + interval '1 minute'
    FROM src s WHERE s.status <> 'paused'
    RETURNING id, message_id
)
INSERT INTO deliveries (evaluation_id, recipient_id, kind, status, queued_at, outbox_id)
SELECT s.evaluation_id, s.recipient_id, 'report',
       CASE WHEN s.status = 'paused' THEN 'paused' ELSE 'mailed' END, s.evaluated_at, m.id
FROM src s LEFT JOIN mails m ON m.message_id = s.message_id
"""


def fill_history(days: int, window_end: datetime) -> None:
    """`days` earlier days of evaluations (and their deliveries) of every window."""
    from kodaira_app.extensions import db

    for day in range(days, 0, -1):
        we = window_end - timedelta(days=day)
        params = {"ws": we - timedelta(hours=6), "we": we, "day": day}
        db.session.execute(text(FILL_HISTORY), params)
        db.session.execute(text(FILL_HISTORY_DELIVERIES), params)
        db.session.commit()
    vacuum_analyze()


def vacuum_analyze() -> None:
    """What autovacuum does between the daily ticks (statistics, visibility map)."""
    from kodaira_app.extensions import db

    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE)"))


def undo_slot(window_end: datetime) -> None:
    """Delete what the tick wrote for the slot, so it can be measured again."""
    from kodaira_app.extensions import db

    params = {"we": window_end}
    db.session.execute(
        text(
            "DELETE FROM deliveries WHERE evaluation_id IN"
            " (SELECT id FROM window_evaluations WHERE window_end = :we)"
        ),
        params,
    )
    db.session.execute(text("DELETE FROM window_evaluations WHERE window_end = :we"), params)
    db.session.execute(text("DELETE FROM report_slots WHERE window_end >= :we"), params)
    db.session.commit()
    empty_queues()
    vacuum_analyze()


def empty_queues() -> None:
    from kodaira_app.queue import QUEUES, get_queue

    for name in QUEUES:  # the tick queued jobs for these
        get_queue(name).empty()


def truncate_readings() -> None:
    from kodaira_app.extensions import db

    db.session.execute(text("TRUNCATE readings, reading_changes"))
    db.session.commit()


def bench_ingest(figures: Figures, url: str, path: str, rows: int) -> None:
    from kodaira_app.extensions import db
    from kodaira_app.readings.importer import import_readings_csv, import_readings_rows

    # Bare COPY of the same file into a table of the same shape (key included).
    with psycopg.connect(plain(url), autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE bare_readings (meter_id varchar(32), hour_start timestamptz,"
            " liters numeric(10, 1), PRIMARY KEY (meter_id, hour_start))"
        )
        started = time.perf_counter()
        with conn.cursor() as cur, open(path, "rb") as src:
            with cur.copy("COPY bare_readings FROM STDIN (FORMAT csv, HEADER true)") as copy:
                while chunk := src.read(1 << 20):
                    copy.write(chunk)
        copy_s = time.perf_counter() - started
        conn.execute("DROP TABLE bare_readings")
    copy_rate = rows / copy_s
    figures.add("ingest: bare COPY of the file", f"{copy_s:7.2f} s  {copy_rate:>10,.0f} rows/s")

    truncate_readings()
    started = time.perf_counter()
    with open(path, "rb") as src:
        result = import_readings_csv(src, source="bench")
    csv_s = time.perf_counter() - started
    assert result.imported == rows and not result.errors, (result.imported, result.errors[:3])
    figures.add(
        "ingest: flask readings import (CSV path)",
        f"{csv_s:7.2f} s  {rows / csv_s:>10,.0f} rows/s  = {copy_s / csv_s:.2f} x COPY",
    )

    truncate_readings()
    api_s = 0.0
    stored = 0
    with open(path, encoding="utf-8") as src:
        next(src)
        while True:
            chunk = []
            for line in src:
                meter, hour, liters = line.rstrip("\n").split(",")
                chunk.append({"meter_id": meter, "hour_start": hour, "liters": liters})
                if len(chunk) == API_CHUNK:
                    break
            if not chunk:
                break
            started = time.perf_counter()
            stored += import_readings_rows(chunk, source="api:bench").imported
            api_s += time.perf_counter() - started
    assert stored == rows
    figures.add(
        "ingest: API function (50,000-row requests)",
        f"{api_s:7.2f} s  {rows / api_s:>10,.0f} rows/s  = {copy_s / api_s:.2f} x COPY",
    )
    figures.add("peak memory after ingest", f"{peak_mb():7.0f} MB")
    db.session.execute(text("ANALYZE"))
    db.session.commit()


BARE_AGGREGATE = """
SELECT ww.id, COUNT(rd.hour_start), SUM(rd.deciliters)
FROM watch_windows ww
JOIN watch_registrations r ON r.id = ww.registration_id
JOIN customers cu ON cu.id = r.customer_id
LEFT JOIN readings rd ON rd.meter_id = cu.meter_id AND rd.hour_start >= :ws AND rd.hour_start < :we
WHERE ww.start_hour = :sh AND ww.width_hours = 6 AND ww.removed_at IS NULL
GROUP BY ww.id
"""


# The usual use alone: the median of the same window over the previous days.
BARE_MEDIAN = """
SELECT registration_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY d)
FROM (SELECT registration_id,
             CASE WHEN status IN ('used', 'none') THEN deciliters
                  ELSE followup_deciliters END AS d
      FROM window_evaluations
      WHERE window_start = ANY(:starts) AND hours_expected = 6) h
WHERE d IS NOT NULL
GROUP BY registration_id
"""


def bench_tick(
    figures: Figures, window_end: datetime, start_hour: int, n: int, label: str, first: bool
) -> list[int]:
    from kodaira_app.extensions import db
    from kodaira_app.reports.send import enqueue_deliveries
    from kodaira_app.reports.tick import run_tick
    from kodaira_app.reports.usual import HISTORY_DAYS

    window_start = window_end - timedelta(hours=6)
    started = time.perf_counter()
    rows = db.session.execute(
        text(BARE_AGGREGATE), {"ws": window_start, "we": window_end, "sh": start_hour}
    ).all()
    bare_s = time.perf_counter() - started
    assert len(rows) == n
    starts = [window_start - timedelta(days=d) for d in range(1, HISTORY_DAYS + 1)]
    started = time.perf_counter()
    medians = db.session.execute(text(BARE_MEDIAN), {"starts": starts}).all()
    median_s = time.perf_counter() - started
    db.session.rollback()
    figures.add(
        f"tick ({label}): bare SQL aggregate",
        f"{bare_s:7.2f} s  {n:,} windows (SELECT only)",
    )
    if medians:
        figures.add(
            f"tick ({label}): bare median of {HISTORY_DAYS} days",
            f"{median_s:7.2f} s  {len(medians):,} medians (SELECT only)",
        )

    started = time.perf_counter()
    result = run_tick(window_end + timedelta(minutes=30))
    evaluation_s = time.perf_counter() - started
    started = time.perf_counter()  # then the sends, as the tick's job enqueues them
    jobs = enqueue_deliveries(result.delivery_ids)
    enqueue_s = time.perf_counter() - started
    [slot] = result.slots
    assert slot.evaluations == n, slot.statuses
    usual = db.session.scalar(  # the usual use is left to the first send of each window
        text("SELECT COUNT(*) FROM window_evaluations WHERE window_end = :we AND usual_pending"),
        {"we": window_end},
    )
    db.session.rollback()
    figures.add(
        f"tick ({label}): evaluation",
        f"{evaluation_s:7.2f} s  {n:,} windows ({usual:,} usual uses left to the send),"
        f" {len(slot.delivery_ids):,} deliveries  {dict(slot.statuses)}"
        f"  target <= 2 s: {'met' if evaluation_s <= 2 else 'MISSED'}",
    )
    bare_total = bare_s + (median_s if medians else 0.0)
    ratio = evaluation_s / bare_total
    figures.add(
        f"tick ({label}): evaluation / bare",
        f"{ratio:7.2f} x the bare aggregate{' + median' if medians else ''}"
        f"  target <= 2.5 x: {'met' if ratio <= 2.5 else 'MISSED'}",
    )
    figures.add(
        f"tick ({label}): enqueue of the send jobs",
        f"{enqueue_s:7.2f} s  {jobs:,} jobs (pipeline)",
    )
    if first:
        again = time.perf_counter()
        assert run_tick(window_end + timedelta(minutes=31)).slots == []
        figures.add(
            "tick: the next minute's tick (nothing due)", f"{time.perf_counter() - again:7.2f} s"
        )
    figures.add("peak memory after tick", f"{peak_mb():7.0f} MB")
    return slot.delivery_ids


def bench_ticks(
    figures: Figures, window_end: datetime, start_hour: int, n: int, history: int, runs: int
) -> list[int]:
    """The tick on the first day, then (after `history` earlier days) `runs` times."""
    ids = bench_tick(figures, window_end, start_hour, n, "no history", first=True)
    if not history or not runs:
        return ids
    undo_slot(window_end)
    started = time.perf_counter()
    fill_history(history, window_end)
    figures.add(
        f"setup: {history} days of history",
        f"{time.perf_counter() - started:7.2f} s  {history * n:,} evaluations,"
        f" {2 * history * n:,} deliveries",
    )
    for run in range(1, runs + 1):
        if run > 1:
            undo_slot(window_end)
        ids = bench_tick(figures, window_end, start_hour, n, f"{history} days, run {run}", False)
    return ids


def bench_send(figures: Figures, app, ids: list[int], workers: list[int] | None = None) -> None:
    from kodaira_app.reports.send import BATCH_SIZE, send_deliveries

    empty_queues()  # this process sends them itself
    started = time.perf_counter()
    sent = 0
    for i in range(0, len(ids), BATCH_SIZE):
        sent += send_deliveries(ids[i : i + BATCH_SIZE])["sent"]
    ours_s = time.perf_counter() - started
    assert sent == len(ids), sent
    ours = sent / ours_s

    bare_s = bare_smtplib(app, len(ids))
    bare = len(ids) / bare_s
    figures.add("mails: bare smtplib + email", f"{bare_s:7.2f} s  {bare:>10,.0f} mails/s")
    figures.add(
        "mails: send job (take, render, outbox, claim, send, mark)",
        f"{ours_s:7.2f} s  {ours:>10,.0f} mails/s  = {ours / bare:.2f} x bare"
        f"  target >= 0.8: {'met' if ours / bare >= 0.8 else 'MISSED'}",
    )
    figures.add("peak memory after mails", f"{peak_mb():7.0f} MB")
    if workers:
        bench_workers(figures, app, ids, workers, bare)


RESET_SLOT = """
UPDATE deliveries SET status = 'pending', outbox_id = NULL, queued_at = now()
WHERE id = ANY(:ids)
"""


def reset_sent(ids: list[int]) -> None:
    """The slot's deliveries pending again, their mails gone, the usual use to compute:
    each worker run does the whole job."""
    from kodaira_app.extensions import db

    db.session.execute(text(RESET_SLOT), {"ids": ids})
    db.session.execute(
        text(
            "UPDATE window_evaluations SET usual_pending = true, usual_deciliters = NULL"
            " WHERE id IN (SELECT evaluation_id FROM deliveries WHERE id = ANY(:ids))"
        ),
        {"ids": ids},
    )
    db.session.execute(text("DELETE FROM outbox_mails"))
    db.session.commit()
    vacuum_analyze()


def worker_env(app) -> dict[str, str]:
    return {
        **os.environ,
        "APP_ENV": "testing",
        "SECRET_KEY": "bench",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "QUEUE_PREFIX": app.config["QUEUE_PREFIX"],
        "MAIL_SERVER": app.config["MAIL_SERVER"],
        "MAIL_PORT": str(app.config["MAIL_PORT"]),
        "APP_BASE_URL": app.config["APP_BASE_URL"],
        "PYTHONPATH": os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    }


def sent_count(ids: list[int]) -> int:
    from kodaira_app.extensions import db

    count = db.session.scalar(
        text(
            "SELECT count(*) FROM deliveries d JOIN outbox_mails o ON o.id = d.outbox_id"
            " WHERE d.id = ANY(:ids) AND o.status = 'sent'"
        ),
        {"ids": ids},
    )
    db.session.rollback()
    return count


def bench_workers(figures: Figures, app, ids: list[int], counts: list[int], bare: float) -> None:
    """The same mails sent by N `python worker.py` processes against the same sink, timed
    from the enqueue (the workers are up and idle) to the last 'sent' mark."""
    import subprocess

    from kodaira_app.reports.send import enqueue_deliveries

    root = worker_env(app)["PYTHONPATH"]
    for n in counts:
        reset_sent(ids)
        empty_queues()
        procs = [
            subprocess.Popen(
                [sys.executable, "worker.py", "--no-periodic"],
                cwd=root,
                env=worker_env(app),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            for _ in range(n)
        ]
        try:
            time.sleep(5)  # imported, connected, waiting on the queue
            started = time.perf_counter()
            enqueue_deliveries(ids)
            while sent_count(ids) < len(ids):
                time.sleep(0.5)
            took = time.perf_counter() - started
        finally:
            for proc in procs:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        rate = len(ids) / took
        figures.add(
            f"mails: {n} worker process{'es' if n > 1 else ''}",
            f"{took:7.2f} s  {rate:>10,.0f} mails/s  = {rate / bare:.2f} x bare",
        )


BARE_TEXT = """{name} 様

小平町水道アプリの見守りサービスからのお知らせです。

お客様番号: {number}
見守り時間: {window}（日本時間 Asia/Tokyo）
使用水量: {liters}L
水道の使用がありました。

見守り設定の変更はアプリの「各種お手続き」からできます。
http://127.0.0.1:5000/procedures

このメールの配信を停止する場合は、次のリンクを開いてください。
{stop}
"""


def bare_smtplib(app, count: int) -> float:
    """The same number of mails, built with `email` and sent with `smtplib`, 100 a session."""
    host, port = app.config["MAIL_SERVER"], app.config["MAIL_PORT"]
    started = time.perf_counter()
    for first in range(0, count, 100):
        with smtplib.SMTP(host, port, timeout=20) as smtp:
            for i in range(first, min(first + 100, count)):
                stop = f"http://127.0.0.1:5000/stop/{secrets.token_urlsafe(24)}"
                values = {
                    "name": "息子",
                    "number": "0-******0001",
                    "liters": f"{i % 40 / 2:.1f}",
                    "window": "11月25日 06:00〜12:00",
                    "stop": stop,
                }
                body = BARE_TEXT.format(**values)
                msg = EmailMessage()
                msg["Subject"] = (
                    f"【見守り】{values['window']} 水道の使用がありました（{values['liters']}L）"
                )
                msg["From"] = "小平町水道 <noreply@localhost>"
                msg["To"] = f"watcher{i}@example.com"
                msg["Message-ID"] = make_msgid(domain="localhost")
                msg["List-Unsubscribe"] = f"<{stop}>"
                msg.set_content(body, cte="base64")
                msg.add_alternative(
                    f"<html><body><pre>{body}</pre></body></html>", subtype="html", cte="base64"
                )
                smtp.send_message(msg)
    return time.perf_counter() - started


def bench_after_ingest(
    figures: Figures, app, args: argparse.Namespace, day_start: datetime, start_hour: int
) -> None:
    """The earlier days of readings, the ticks and (unless --only tick) the mails."""
    n, window_end = args.registrations, day_start + timedelta(hours=24)
    if args.reading_days > 1:
        started = time.perf_counter()
        rows = fill_earlier_readings(n, day_start, args.reading_days - 1)
        figures.add(
            f"setup: {args.reading_days - 1} earlier days of readings",
            f"{time.perf_counter() - started:7.2f} s  {rows:,} rows"
            f" ({24 * n * args.reading_days:,} present)",
        )
    ids = bench_ticks(figures, window_end, start_hour, n, args.history_days, args.tick_runs)
    if args.only == "tick":
        empty_queues()
    else:
        bench_send(figures, app, ids, args.workers)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=100_000)
    parser.add_argument(
        "--history-days",
        type=int,
        default=14,
        help="earlier days of evaluations for the steady-state tick (0: first day only)",
    )
    parser.add_argument(
        "--only",
        choices=("all", "tick", "ingest", "mails"),
        default="all",
        help="tick: no ingest, no mails; ingest: the ingest alone; mails: no ingest",
    )
    parser.add_argument("--tick-runs", type=int, default=3, help="steady-state tick runs")
    parser.add_argument(
        "--reading-days",
        type=int,
        default=14,
        help="days of hourly readings present for the tick (the last one is the ingested day)",
    )
    parser.add_argument(
        "--workers",
        type=lambda v: [int(x) for x in v.split(",")],
        default=None,
        help="also send the mails with N worker processes each, e.g. 1,2",
    )
    args = parser.parse_args(argv)
    n = args.registrations

    from zoneinfo import ZoneInfo

    from flask_migrate import upgrade

    tz = ZoneInfo(TOWN_TZ)
    # The readings' day ends at the last full hour in the town (the import refuses the future).
    day_end = datetime.now(tz).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    day_start = day_end - timedelta(hours=24)
    window_end = day_end.astimezone(UTC)
    start_hour = (day_end - timedelta(hours=6)).hour

    # A `kill` ends the run through the finally below: the database is dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    sink, port = start_sink()
    url = create_database()
    figures = Figures()
    print(
        f"bench: {n:,} registrations, {2 * n:,} recipients, {24 * n:,} readings; "
        f"windows {start_hour:02d}:00-{day_end.hour:02d}:00 {TOWN_TZ}; "
        f"database {url.rsplit('/', 1)[-1]}",
        flush=True,
    )
    try:
        app = bench_app(url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SUPPRESS_SEND=False)
        with app.app_context():
            from kodaira_app.extensions import db

            upgrade()
            started = time.perf_counter()
            seed(n, created=window_end - timedelta(hours=7), start_hour=start_hour)
            figures.add("setup: registrations seeded", f"{time.perf_counter() - started:7.2f} s")
            if args.only in ("tick", "mails"):
                started = time.perf_counter()
                rows = fill_readings(n, day_start.astimezone(UTC))
                figures.add(
                    "setup: readings (INSERT ... SELECT)",
                    f"{time.perf_counter() - started:7.2f} s  {rows:,} rows",
                )
            else:
                with tempfile.TemporaryDirectory() as tmp:
                    path = os.path.join(tmp, "readings.csv")
                    rows = write_readings_csv(path, n, day_start.astimezone(UTC))
                    size = os.path.getsize(path) / 1e6
                    figures.add("setup: readings file", f"{rows:,} rows, {size:.0f} MB")
                    bench_ingest(figures, url, path, rows)
            if args.only != "ingest":
                bench_after_ingest(figures, app, args, day_start.astimezone(UTC), start_hour)
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_database(url)
        sink.terminate()
    print("\n".join(["", "figures:", *figures.lines]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
