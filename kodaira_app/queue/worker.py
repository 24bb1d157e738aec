"""The one worker: `build_worker` for `python worker.py`, the embedded worker of
`python wsgi.py`, `flask reports run` and the tests.

Every job runs in the application context of the app the worker was built with, so jobs
never build an app themselves: worker.py is the only place that builds one for a worker.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask
from rq import SimpleWorker, Worker
from rq.timeouts import TimerDeathPenalty

from kodaira_app.queue.connection import QUEUES, get_queue, get_redis
from kodaira_app.queue.periodic import run_periodic

log = logging.getLogger(__name__)


class _AppJobs:
    """Runs each job inside the application context of `self.app` (a fresh session each)."""

    app: Flask
    burst: bool

    def perform_job(self, job, queue) -> bool:
        with self.app.app_context():
            return super().perform_job(job, queue)

    def run(self, max_jobs: int | None = None, logging_level: str = "WARNING") -> bool:
        """Work the queues: what is queued now (burst), or for ever with the RQ scheduler."""
        return self.work(
            burst=self.burst,
            max_jobs=max_jobs,
            with_scheduler=not self.burst,
            logging_level=logging_level,
        )


class ProcessWorker(_AppJobs, Worker):
    """`python worker.py`: each job in a forked child, signals handled by RQ."""


class ThreadWorker(_AppJobs, SimpleWorker):
    """Jobs in this process: a burst run, or the embedded worker in a non-main thread."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:  # signals only work in the main thread
        pass


def build_worker(app: Flask, burst: bool = False, queues: tuple[str, ...] = QUEUES) -> Worker:
    """The worker over `queues`: forking on a real Redis, in-process for a burst or when the
    queue is this process's own (no REDIS_URL)."""
    connection = get_redis(app)
    cls = ThreadWorker if burst or not app.config["REDIS_URL"] else ProcessWorker
    worker = cls([get_queue(name, app, connection) for name in queues], connection=connection)
    worker.app = app
    worker.burst = burst or cls is ThreadWorker
    return worker


def start_embedded_worker(
    app: Flask,
    poll_seconds: float = 1.0,
    periodic_seconds: float = 60.0,
    stop: threading.Event | None = None,
) -> threading.Thread:
    """Run the queues and the periodic jobs in a daemon thread of this process.

    `stop` ends the loop (tests); otherwise it lives as long as the process.
    """
    stop = stop or threading.Event()

    def loop() -> None:
        worker = build_worker(app, burst=True)
        last_periodic = None
        while not stop.is_set():
            try:
                if last_periodic is None or time.monotonic() - last_periodic >= periodic_seconds:
                    last_periodic = time.monotonic()
                    with app.app_context():
                        run_periodic()
                worker.run()
            except Exception:  # keep the embedded worker alive; the error is logged
                log.exception("embedded worker loop failed")
            stop.wait(poll_seconds)

    thread = threading.Thread(target=loop, name="embedded-worker", daemon=True)
    thread.start()
    return thread


def periodic_loop(app: Flask, stop: threading.Event) -> None:
    """Enqueue the periodic jobs at the start of every minute until `stop` is set."""
    minute = app.config["PERIODIC_MINUTE_SECONDS"]
    while not stop.is_set():
        try:
            with app.app_context():
                run_periodic()
        except Exception:  # a Redis or database outage must not end the loop
            log.exception("could not enqueue the periodic jobs")
        stop.wait(minute - time.time() % minute + min(0.5, minute / 10))
