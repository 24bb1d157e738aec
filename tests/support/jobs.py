"""Working the queues in a test, with the same worker class the embedded mode uses."""

from __future__ import annotations

from kodaira_app.jobs import QUEUES, ThreadWorker, get_queue, get_redis


def run_jobs(app, queues=QUEUES, max_jobs: int | None = None) -> bool:
    connection = get_redis(app)
    worker = ThreadWorker(
        [get_queue(name, app, connection) for name in queues], connection=connection
    )
    return worker.work(burst=True, max_jobs=max_jobs, logging_level="WARNING")
