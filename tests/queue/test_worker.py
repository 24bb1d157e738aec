"""The worker: periodic jobs, `python worker.py` processes, the embedded worker of `make run`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from importlib import import_module
from pathlib import Path

import pytest
from sqlalchemy import select

from kodaira_app.extensions import db
from kodaira_app.mailer.pipeline import sweep
from kodaira_app.models import Customer, Delivery
from kodaira_app.queue import QUEUES, get_queue
from kodaira_app.queue.periodic import PERIODIC_JOBS, run_periodic
from kodaira_app.queue.worker import start_embedded_worker
from kodaira_app.reports.send import enqueue_deliveries
from kodaira_app.timeutil import town_tz, utcnow
from tests.support.readings import add_readings
from tests.support.ticks import run_tick
from tests.support.watch_rows import jst, make_watch

ROOT = Path(__file__).resolve().parents[2]
needs_redis = pytest.mark.skipif(
    os.environ.get("TEST_DB") != "postgres",
    reason="worker processes share a real Redis (the PostgreSQL + Redis pass)",
)
RECIPIENTS = (("息子", "son@example.com"), ("娘", "daughter@example.com"))


def due_now_watch():
    """A watch whose window ended at the last hour boundary at least 30 minutes ago."""
    tz = town_tz()
    ready = (utcnow() - timedelta(minutes=30)).astimezone(tz)
    end = ready.replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(hours=6)
    reg = make_watch(hours=(start.hour,), recipients=RECIPIENTS, created_at=start)
    meter = db.session.get(Customer, reg.customer_id).meter_id
    add_readings(meter, start.astimezone(UTC), [1.0] * 6)
    return reg


def queued_jobs(app) -> int:
    return sum(get_queue(name, app).count for name in QUEUES)


def test_periodic_jobs_are_declared_once_with_ids_and_resolve():
    ids = [job.name for job in PERIODIC_JOBS]
    assert len(ids) == len(set(ids))
    assert {"reports-tick", "reports-sweep", "mail-sweep", "throttle-purge"} <= set(ids)
    for job in PERIODIC_JOBS:
        module, _, name = job.func.rpartition(".")
        assert callable(getattr(import_module(module), name))
        assert job.queue in QUEUES
        assert job.interval >= 60 and job.timeout > 0


def test_periodic_jobs_enqueued_once_per_minute(app, clock):
    moment = datetime(2026, 11, 25, 3, 30, 5, tzinfo=UTC)
    clock.freeze(moment)
    assert run_periodic() == len(PERIODIC_JOBS)
    assert run_periodic() == 0  # a second worker process in the same minute
    assert queued_jobs(app) == len(PERIODIC_JOBS)


def test_each_periodic_job_runs_once_per_its_own_interval(app, clock):
    moment = datetime(2026, 11, 25, 3, 30, 5, tzinfo=UTC)
    clock.freeze(moment)
    run_periodic()
    minutely = [job for job in PERIODIC_JOBS if job.interval == 60]
    for _ in range(2):
        clock.advance(timedelta(minutes=1))
        # The next minutes: the minute jobs again, not the hourly jobs.
        assert run_periodic() == len(minutely)
    clock.freeze(datetime(2026, 11, 25, 4, 0, 1, tzinfo=UTC))
    assert run_periodic() == len(PERIODIC_JOBS)


def test_periodic_tick_through_the_worker_sends_the_due_report(app, smtp, run_jobs):
    due_now_watch()
    run_periodic()
    run_jobs()
    assert sorted(m["To"] for m in smtp.messages) == ["daughter@example.com", "son@example.com"]
    assert "：使用あり 6.0 L ／" in smtp.messages[0]["Subject"]


@pytest.mark.slow
def test_embedded_worker_runs_tick_and_mail_in_process(app, smtp):
    due_now_watch()
    stop = threading.Event()
    thread = start_embedded_worker(app, poll_seconds=0.2, stop=stop)
    try:
        messages = smtp.wait_for(2, timeout=20)
    finally:
        stop.set()
        thread.join(timeout=20)
    assert sorted(m["To"] for m in messages) == ["daughter@example.com", "son@example.com"]


def test_worker_without_redis_url_says_to_use_make_run(monkeypatch, capsys, tmp_path):
    import worker

    monkeypatch.setenv("REDIS_URL", "")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite3")
    assert worker.main(["--burst"]) == 2
    assert "REDIS_URL is not set" in capsys.readouterr().err


def worker_env(app, **extra) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        APP_ENV="testing",
        SECRET_KEY="test-secret",
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=app.config["REDIS_URL"],
        QUEUE_PREFIX=app.config["QUEUE_PREFIX"],
        MAIL_SERVER=app.config["MAIL_SERVER"],
        MAIL_PORT=str(app.config["MAIL_PORT"]),
        MAIL_TIMEOUT="5",
        APP_BASE_URL="http://localhost",
    )
    env.update(extra)
    return env


def start_worker(env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "worker.py", "--burst"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


@needs_redis
@pytest.mark.slow
def test_two_worker_processes_with_duplicate_jobs_send_once(app, smtp):
    for _ in range(3):
        make_watch(recipients=RECIPIENTS)
    ids = run_tick(jst(2026, 11, 25, 12, 30)).delivery_ids
    assert len(ids) == 6
    enqueue_deliveries(ids, batch_size=1)  # the same rows again, as a lost-and-found would
    env = worker_env(app)
    workers = [start_worker(env) for _ in range(2)]
    for proc in workers:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()[-2000:]
    assert sorted(m["To"] for m in smtp.messages) == sorted(
        ["son@example.com", "daughter@example.com"] * 3
    )
    db.session.expire_all()
    assert set(db.session.scalars(select(Delivery.status))) == {"sent"}


def descendants(pid: int) -> list[int]:
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


@needs_redis
@pytest.mark.slow
def test_worker_killed_between_claim_and_send(app, smtp, run_jobs):
    make_watch(recipients=RECIPIENTS)
    # An SMTP server that accepts the connection and never answers: the worker hangs
    # after claiming its rows, until it is killed.
    blackhole = socket.socket()
    blackhole.bind(("127.0.0.1", 0))
    blackhole.listen(16)
    try:
        run_tick(jst(2026, 11, 25, 12, 30))
        env = worker_env(app, MAIL_PORT=str(blackhole.getsockname()[1]), MAIL_TIMEOUT="120")
        proc = start_worker(env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            db.session.expire_all()
            if set(db.session.scalars(select(Delivery.status))) == {"sending"}:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the worker never claimed the deliveries")
        for pid in [*descendants(proc.pid), proc.pid]:
            os.kill(pid, signal.SIGKILL)
        proc.communicate(timeout=10)
    finally:
        blackhole.close()
    assert smtp.messages == []
    # The sweeper finds the stale claims and the mails go out once.
    assert sweep(now=utcnow() + timedelta(minutes=16)) == 2
    run_jobs()
    assert sorted(m["To"] for m in smtp.messages) == ["daughter@example.com", "son@example.com"]
