"""RQ queues, enqueueing after commit, and the in-process worker of embedded mode.

The database is the source of truth for every piece of work: a job carries only row
ids, and a lost job (Redis down, worker killed) is found again by a sweeper. So an
enqueue that fails is logged, never raised into the user's request.
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from flask import Flask, current_app
from rq import Queue, SimpleWorker
from rq.exceptions import DuplicateJobError
from rq.timeouts import TimerDeathPenalty
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

QUEUES = ("reports", "mail")
_fake_servers: dict[str, object] = {}
_PENDING_KEY = "kodaira_pending_jobs"


def get_redis(app: Flask | None = None) -> redis.Redis:
    app = app or current_app
    url = app.config["REDIS_URL"]
    if url:
        # One client (and connection pool) per app and URL, closed by close_redis.
        clients = app.extensions.setdefault("kodaira_redis", {})
        if url not in clients:
            clients[url] = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        return clients[url]
    # Embedded mode: one in-memory server per process, shared by web and worker thread.
    import fakeredis

    server = _fake_servers.setdefault(app.config["QUEUE_PREFIX"], fakeredis.FakeServer())
    return fakeredis.FakeRedis(server=server)


def close_redis(app: Flask) -> None:
    """Close the app's Redis connections (end of a test, end of a process)."""
    for client in app.extensions.pop("kodaira_redis", {}).values():
        client.close()


def queue_name(purpose: str, app: Flask | None = None) -> str:
    app = app or current_app
    return f"{app.config['QUEUE_PREFIX']}-{purpose}"


def get_queue(purpose: str, app: Flask | None = None, connection=None) -> Queue:
    app = app or current_app
    return Queue(queue_name(purpose, app), connection=connection or get_redis(app))


def enqueue_now(func: str, *args, queue: str = "mail", **job_kwargs) -> bool:
    """Enqueue `func` (a dotted name) now; False, logged, when Redis cannot be reached."""
    job_kwargs.setdefault("job_timeout", 120)
    try:
        get_queue(queue).enqueue(func, *args, **job_kwargs)
    except DuplicateJobError:
        return False  # the same periodic slot was enqueued by another process
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
        log.warning("queue unreachable, %s%r left for the sweeper: %s", func, args, exc)
        return False
    return True


def enqueue_after_commit(func: str, *args, queue: str = "mail", **job_kwargs) -> None:
    """Enqueue `func` once the current database transaction has committed.

    A job enqueued before the commit could run before its row is visible, or for a row
    that a rollback then removes.
    """
    from kodaira_app.extensions import db

    session = db.session()
    session.info.setdefault(_PENDING_KEY, []).append((func, args, queue, job_kwargs))


@event.listens_for(Session, "after_commit")
def _run_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING_KEY, None)
    for func, args, queue, job_kwargs in pending or ():
        enqueue_now(func, *args, queue=queue, **job_kwargs)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)


class ThreadWorker(SimpleWorker):
    """A SimpleWorker that can live in a non-main thread (embedded mode)."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:  # signals only work in the main thread
        pass


def start_embedded_worker(
    app: Flask,
    poll_seconds: float = 1.0,
    periodic_seconds: float = 60.0,
    stop: threading.Event | None = None,
) -> threading.Thread:
    """Run the queues and the periodic jobs in a daemon thread of this process.

    `stop` ends the loop (tests); otherwise it lives as long as the process.
    """
    from kodaira_app.schedule import run_periodic

    stop = stop or threading.Event()

    def loop() -> None:
        connection = get_redis(app)
        queues = [get_queue(name, app, connection) for name in QUEUES]
        worker = ThreadWorker(queues, connection=connection)
        last_periodic = None
        while not stop.is_set():
            try:
                with app.app_context():
                    if (
                        last_periodic is None
                        or time.monotonic() - last_periodic >= periodic_seconds
                    ):
                        last_periodic = time.monotonic()
                        run_periodic()
                    worker.work(burst=True, logging_level="WARNING")
            except Exception:  # keep the embedded worker alive; the error is logged
                log.exception("embedded worker loop failed")
            stop.wait(poll_seconds)

    thread = threading.Thread(target=loop, name="embedded-worker", daemon=True)
    thread.start()
    return thread
