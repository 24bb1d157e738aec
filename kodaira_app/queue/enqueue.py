"""Enqueueing: now, in batches, or once the database transaction has committed.

The database is the source of truth for every piece of work: a job carries only row ids,
and a lost job (Redis down, worker killed) is found again by a sweeper. So an enqueue that
fails is logged, never raised into the user's request.
"""

from __future__ import annotations

import logging

import redis
from flask import Flask
from rq import Queue
from rq.exceptions import DuplicateJobError
from sqlalchemy import event
from sqlalchemy.orm import Session

from kodaira_app.extensions import db
from kodaira_app.queue.connection import get_queue

log = logging.getLogger(__name__)

_PENDING_KEY = "kodaira_pending_jobs"
_UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def enqueue_now(func: str, *args, queue: str = "mail", **job_kwargs) -> bool:
    """Enqueue `func` (a dotted name) now; False, logged, when Redis cannot be reached."""
    job_kwargs.setdefault("job_timeout", 120)
    try:
        get_queue(queue).enqueue(func, *args, **job_kwargs)
    except DuplicateJobError:
        return False  # the same periodic slot was enqueued by another process
    except _UNREACHABLE as exc:
        log.warning("queue unreachable, %s%r left for the sweeper: %s", func, args, exc)
        return False
    return True


def enqueue_batches(
    func: str, ids: list[int], batch_size: int, *, queue: str = "mail", timeout: int = 600
) -> int:
    """One job per `batch_size` ids, all in one Redis round trip; the number of jobs, or 0
    (logged) when Redis cannot be reached."""
    if not ids:
        return 0
    chunks = [list(ids[i : i + batch_size]) for i in range(0, len(ids), batch_size)]
    try:
        target = get_queue(queue)
        jobs = [
            Queue.prepare_data(func, args=(chunk,), timeout=timeout, result_ttl=600)
            for chunk in chunks
        ]
        with target.connection.pipeline() as pipe:
            target.enqueue_many(jobs, pipeline=pipe)
            pipe.execute()
    except _UNREACHABLE as exc:
        log.warning("queue unreachable, %s of %d ids left for the sweeper: %s", func, len(ids), exc)
        return 0
    return len(chunks)


def enqueue_after_commit(func: str, *args, queue: str = "mail", **job_kwargs) -> None:
    """Enqueue `func` once the current database transaction has committed.

    A job enqueued before the commit could run before its row is visible, or for a row
    that a rollback then removes.
    """
    db.session().info.setdefault(_PENDING_KEY, []).append((func, args, queue, job_kwargs))


def _run_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING_KEY, None)
    for func, args, queue, job_kwargs in pending or ():
        enqueue_now(func, *args, queue=queue, **job_kwargs)


def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)


def init_app(app: Flask) -> None:
    """Bind the commit listeners to the app's sessions (Flask-SQLAlchemy's session class)."""
    for name, listener in (("after_commit", _run_pending), ("after_rollback", _drop_pending)):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)
