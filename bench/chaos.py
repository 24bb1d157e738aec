"""`python -m bench.chaos`: the whole system under real faults, counted at the SMTP server.

Real processes: three `python worker.py`, a redis-server of its own on a free loopback port
(nothing on disk), and an aiosmtpd server in a process of its own that answers 4xx to 10 %
of messages, drops 5 % of connections mid-DATA (after the data, before any reply) and now
and then stalls before it answers. In a PostgreSQL database of its own (created, then
dropped): N windows (10,000) ending on one tick, 2 recipients each, and N / 5 account mails.

Faults while it runs: two ticks at once (two `flask reports run` processes, beside the
workers' own periodic tick); SIGKILL of a random worker (and its work horse) every few
seconds, a new one started each time; Redis stopped and started again empty; the SMTP
server stopped for a minute (12 s with --short).

At the end it counts what the SMTP server received per (window, recipient) and per
Message-ID and prints: delivered, lost (must be 0), duplicates (only in the documented
crash window: a worker killed after the server accepted a mail and before the 'sent'
commit; each is explained by its row having been claimed at least as often as it arrived),
and the time to drain after the last fault. Exit status 1 on any loss, an unexplained
duplicate, or no drain within the limit.

The app's clock is shortened, through its settings, so that the sweepers act within the
run: the periodic minute, the time after which a job counts as lost, the stale claim and
the retry waits (printed at the start).

    .venv/bin/python -m bench.chaos [--short] [--windows 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import multiprocessing
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER_URL = os.environ.get(
    "CHAOS_DATABASE_URL",
    os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
)
TOWN_TZ = "Asia/Tokyo"
WORKERS = 3


class Plan:
    """How long each fault lasts and the app's shortened clock, per mode."""

    def __init__(self, short: bool, windows: int) -> None:
        self.windows = windows
        self.account_mails = max(1, windows // 5)
        self.kill_every = (2.0, 4.0) if short else (3.0, 6.0)
        self.redis_down_at, self.redis_down_for = (5.0, 3.0) if short else (20.0, 10.0)
        self.smtp_down_at, self.smtp_down_for = (10.0, 12.0) if short else (40.0, 60.0)
        self.faults_end = 24.0 if short else 110.0
        self.drain_limit = 110.0 if short else 900.0
        minute = 10 if short else 15
        self.settings = {
            "PERIODIC_MINUTE_SECONDS": str(minute),
            "QUEUE_LOST_AFTER_SECONDS": str(2 * minute),
            "MAIL_STALE_CLAIM_SECONDS": str(5 * minute),
            "MAIL_RETRY_SECONDS": "1,2,4,8,16" if short else "5,10,20,40,80",
            "MAIL_TIMEOUT": "10",
        }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, up: bool, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                if up:
                    return
        except OSError:
            if not up:
                return
        time.sleep(0.05)
    raise RuntimeError(f"port {port} did not come {'up' if up else 'down'}")


# --- the misbehaving SMTP server ------------------------------------------------------------

_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)


class _FlakyHandler:
    def __init__(self, log_path: str, seed: int) -> None:
        self.fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self.random = random.Random(seed)

    async def handle_DATA(self, server, session, envelope):
        roll = self.random.random()
        if roll < 0.10:
            return "451 4.3.0 Try again later"
        if roll < 0.15:  # the data came in, no reply ever goes out
            server.transport.close()
            return "421 4.3.0 Closing"
        if roll < 0.17:
            await asyncio.sleep(1.0)
        found = _MESSAGE_ID.search(envelope.original_content or envelope.content)
        message_id = found.group(1).decode() if found else "-"
        for rcpt in envelope.rcpt_tos:
            os.write(self.fd, f"{message_id}\t{rcpt}\n".encode())  # before the 250
        return "250 2.0.0 Accepted"


def _serve_smtp(port: int, log_path: str, seed: int, ready) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(_FlakyHandler(log_path, seed), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    signal.sigwait({signal.SIGTERM})
    controller.stop()


class SmtpServer:
    def __init__(self, log_path: str) -> None:
        self.port = free_port()
        self.log_path = log_path
        self.process: multiprocessing.Process | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        ready = multiprocessing.Event()
        self.process = multiprocessing.Process(
            target=_serve_smtp, args=(self.port, self.log_path, self.starts, ready), daemon=True
        )
        self.process.start()
        ready.wait(20)
        wait_port(self.port, up=True)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()  # no goodbye to the clients in the middle of a session
            self.process.join(10)
            self.process = None
            wait_port(self.port, up=False)

    def received(self) -> list[tuple[str, str]]:
        with open(self.log_path, encoding="utf-8") as f:
            return [tuple(line.rstrip("\n").split("\t", 1)) for line in f if "\t" in line]


# --- Redis and the workers --------------------------------------------------------------------


class Redis:
    def __init__(self, folder: str) -> None:
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.folder,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(self.port, up=True)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


class Workers:
    def __init__(self, env: dict[str, str], folder: str) -> None:
        self.env = env
        self.folder = folder
        self.procs: list[subprocess.Popen] = []
        self.started = 0
        self.killed = 0

    def spawn(self) -> None:
        self.started += 1
        log = open(os.path.join(self.folder, f"worker-{self.started}.log"), "wb")  # noqa: SIM115
        self.procs.append(
            subprocess.Popen(
                [sys.executable, "worker.py"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # the worker and its work horse: one group to kill
            )
        )
        log.close()

    def keep(self, n: int = WORKERS) -> None:
        """Replace the workers that have exited (Redis going away ends a worker)."""
        self.procs = [p for p in self.procs if p.poll() is None]
        while len(self.procs) < n:
            self.spawn()

    def kill_one(self, rng: random.Random) -> None:
        alive = [p for p in self.procs if p.poll() is None]
        if alive:
            victim = rng.choice(alive)
            _kill_group(victim)
            self.killed += 1
        self.keep()

    def stop(self) -> None:
        for proc in self.procs:
            _kill_group(proc)
        self.procs = []


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(10)


# --- the database -------------------------------------------------------------------------------


def create_database() -> str:
    from bench.reports import create_database as create

    return create("kodaira_chaos", PG_SERVER_URL)


def drop_database(url: str) -> None:
    from bench.reports import drop_database as drop

    drop(url, PG_SERVER_URL)


def queue_account_mails(n: int) -> None:
    from kodaira_app.extensions import db
    from kodaira_app.mailer.outbox import queue_mail

    for first in range(0, n, 100):
        for i in range(first, min(first + 100, n)):
            queue_mail(
                to=f"account{i}@example.com",
                kind="account_confirm",
                link=f"http://127.0.0.1:5000/confirm/{i}",
                hours=48,
            )
        db.session.commit()  # enqueued after each commit, like a sign-up's


DONE_QUERY = """
SELECT
  (SELECT count(*) FROM deliveries WHERE outbox_id IS NULL),
  (SELECT count(*) FROM outbox_mails WHERE status IN ('queued', 'sending')),
  (SELECT count(*) FROM deliveries)
"""

ROWS_QUERY = """
SELECT o.id, o.message_id, o.kind, o.status, o.attempts, o.last_error,
       d.id, e.registration_id, e.window_end, d.recipient_id
FROM outbox_mails o
LEFT JOIN deliveries d ON d.outbox_id = o.id
LEFT JOIN window_evaluations e ON e.id = d.evaluation_id
"""


def progress(db) -> str:
    rows = db.session.execute(
        text("SELECT status, count(*) FROM outbox_mails GROUP BY status ORDER BY status")
    ).all()
    db.session.rollback()
    return ", ".join(f"{status} {count}" for status, count in rows)


def drained(db, expected_deliveries: int) -> bool:
    unwritten, in_flight, deliveries = db.session.execute(text(DONE_QUERY)).one()
    db.session.rollback()
    return deliveries >= expected_deliveries and unwritten == 0 and in_flight == 0


# --- the run -------------------------------------------------------------------------------


def run(plan: Plan, folder: str) -> int:
    from zoneinfo import ZoneInfo

    from flask_migrate import upgrade

    from bench.reports import bench_app, fill_readings, seed
    from kodaira_app.extensions import db

    tz = ZoneInfo(TOWN_TZ)
    day_end = datetime.now(tz).replace(minute=0, second=0, microsecond=0)
    window_end = day_end.astimezone(UTC)
    start_hour = (day_end - timedelta(hours=6)).hour
    rng = random.Random(os.getpid())

    redis = Redis(folder)
    smtp = SmtpServer(os.path.join(folder, "received.tsv"))
    url = create_database()
    workers: Workers | None = None
    prefix = f"kodaira-chaos-{uuid.uuid4().hex[:8]}"
    try:
        redis.start()
        smtp.start()
        env = {
            **os.environ,
            "APP_ENV": "testing",
            "SECRET_KEY": "chaos",
            "DATABASE_URL": url,
            "REDIS_URL": redis.url,
            "QUEUE_PREFIX": prefix,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp.port),
            "APP_BASE_URL": "http://127.0.0.1:5000",
            "REPORT_DELAY_MINUTES": "0",
            "FLASK_APP": "wsgi",
            "PYTHONPATH": str(ROOT),
            **plan.settings,
        }
        print(
            f"chaos: {plan.windows:,} windows x 2 recipients + {plan.account_mails:,} account "
            f"mails; {WORKERS} workers; database {url.rsplit('/', 1)[-1]}; "
            + ", ".join(f"{k}={v}" for k, v in plan.settings.items()),
            flush=True,
        )
        app = bench_app(
            url,
            SECRET_KEY="chaos",
            REDIS_URL=redis.url,
            QUEUE_PREFIX=prefix,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=smtp.port,
            MAIL_SUPPRESS_SEND=False,
        )
        with app.app_context():
            upgrade()
            seed(plan.windows, created=window_end - timedelta(hours=7), start_hour=start_hour)
            fill_readings(plan.windows, window_end - timedelta(hours=24))
            db.session.commit()

            # Load: two ticks at once, the workers (whose periodic tick comes too), the
            # account mails.
            started = time.monotonic()
            tick_at = datetime.now(UTC).isoformat()
            ticks = [
                subprocess.Popen(
                    [sys.executable, "-m", "flask", "reports", "run", "--at", tick_at],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                )
                for _ in range(2)
            ]
            workers = Workers(env, folder)
            workers.keep()
            queue_account_mails(plan.account_mails)
            last_fault = faults(plan, rng, started, redis, smtp, workers)
            for tick in ticks:
                out, _ = tick.communicate(timeout=120)
                print("  tick:", out.decode().strip().splitlines()[-1:], flush=True)

            expected = 2 * plan.windows
            shown = time.monotonic()
            while not drained(db, expected):
                if time.monotonic() - last_fault > plan.drain_limit:
                    break
                workers.keep()
                time.sleep(0.5)
                if time.monotonic() - shown >= 10:
                    shown = time.monotonic()
                    print(f"  {shown - started:6.1f} s  {progress(db)}", flush=True)
            drain_s = time.monotonic() - last_fault
            time.sleep(1.0)  # the last 'sent' marks were committed after the server's 250
            return report(plan, db, smtp, workers, drain_s, expected)
    finally:
        if workers is not None:
            workers.stop()
        smtp.stop()
        redis.stop()
        drop_database(url)


def faults(plan: Plan, rng, started: float, redis: Redis, smtp: SmtpServer, workers) -> float:
    """Run the faults on their schedule; the moment the last one ended."""
    next_kill = started + rng.uniform(*plan.kill_every)
    redis_down = smtp_down = False
    redis_done = smtp_done = False
    last = started
    while True:
        now = time.monotonic()
        at = now - started
        if at >= plan.faults_end and redis_done and smtp_done:
            return last
        if now >= next_kill and at < plan.faults_end:
            workers.kill_one(rng)
            print(f"  {at:6.1f} s  SIGKILL a worker ({workers.killed} so far)", flush=True)
            next_kill = now + rng.uniform(*plan.kill_every)
            last = now
        if not redis_down and not redis_done and at >= plan.redis_down_at:
            redis.stop()
            redis_down = True
            print(f"  {at:6.1f} s  Redis stopped", flush=True)
        elif redis_down and at >= plan.redis_down_at + plan.redis_down_for:
            redis.start()
            redis_down, redis_done, last = False, True, time.monotonic()
            print(f"  {at:6.1f} s  Redis started again, empty", flush=True)
        if not smtp_down and not smtp_done and at >= plan.smtp_down_at:
            smtp.stop()
            smtp_down = True
            print(f"  {at:6.1f} s  SMTP server stopped", flush=True)
        elif smtp_down and at >= plan.smtp_down_at + plan.smtp_down_for:
            smtp.start()
            smtp_down, smtp_done, last = False, True, time.monotonic()
            print(f"  {at:6.1f} s  SMTP server started again", flush=True)
        if not redis_down:
            workers.keep()
        time.sleep(0.1)


def report(plan: Plan, db, smtp: SmtpServer, workers: Workers, drain_s: float, expected) -> int:
    received = smtp.received()
    per_message = collections.Counter(message_id for message_id, _ in received)
    rows = db.session.execute(text(ROWS_QUERY)).all()
    db.session.rollback()
    by_message = {row[1]: row for row in rows}

    lost_reports, lost_accounts, per_pair = [], [], collections.defaultdict(set)
    for row in rows:
        _, message_id, kind, *_rest = row
        if row[6] is not None:
            per_pair[(row[7], row[8], row[9])].add(message_id)
        if not per_message.get(message_id):
            (lost_reports if row[6] is not None else lost_accounts).append(row)
    windows_done = db.session.execute(
        text("SELECT count(*) FROM deliveries WHERE outbox_id IS NOT NULL")
    ).scalar()
    db.session.rollback()
    unwritten = expected - windows_done
    two_mails = [pair for pair, ids in per_pair.items() if len(ids) > 1]
    strangers = [m for m in per_message if m not in by_message]

    duplicates, unexplained = [], []
    for message_id, count in per_message.items():
        if count < 2 or message_id not in by_message:
            continue
        row = by_message[message_id]
        duplicates.append((row, count))
        if row[4] < count:  # each arrival needs a claim of its own
            unexplained.append((row, count))

    lost = len(lost_reports) + len(lost_accounts) + max(0, unwritten)
    delivered = sum(1 for row in rows if per_message.get(row[1]))
    print()
    print(f"workers started {workers.started}, SIGKILLed {workers.killed}")
    print(f"delivered        {delivered:,} of {expected + plan.account_mails:,} mails")
    print(
        f"lost             {lost} (reports {len(lost_reports)}, account mails "
        f"{len(lost_accounts)}, never written {max(0, unwritten)})"
    )
    extra = sum(count - 1 for _, count in duplicates)
    print(f"duplicates       {extra} (Message-IDs received twice or more: {len(duplicates)})")
    for row, count in duplicates:
        why = (
            "the crash window: accepted, worker killed before the sent mark, claimed again"
            if row[4] >= count
            else "UNEXPLAINED"
        )
        print(f"  #{row[0]} {row[2]} received {count}x, claimed {row[4]}x, now {row[3]}: {why}")
    print(f"unexplained      {len(unexplained)} duplicates, {len(two_mails)} (window, recipient)")
    print(f"                 pairs with two mails, {len(strangers)} unknown Message-IDs")
    print(f"time to drain    {drain_s:.1f} s after the last fault")
    for row in (lost_reports + lost_accounts)[:10]:
        print(f"  lost #{row[0]} {row[2]} {row[3]} attempts {row[4]}: {row[5]}")
    ok = (
        lost == 0
        and not unexplained
        and not two_mails
        and not strangers
        and drain_s <= plan.drain_limit
    )
    print("chaos: " + ("OK" if ok else "FAILED"))
    return 0 if ok else 1


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="1,000 windows, shorter outages")
    parser.add_argument("--windows", type=int, default=None)
    args = parser.parse_args(argv)
    plan = Plan(args.short, args.windows or (1_000 if args.short else 10_000))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # the finally drops the database
    with tempfile.TemporaryDirectory(prefix="kodaira-chaos-") as folder:
        return run(plan, folder)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
