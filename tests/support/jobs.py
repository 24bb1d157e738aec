"""Working the queues in a test, with the worker `flask reports run` and the embedded mode use."""

from __future__ import annotations

from kodaira_app.queue import QUEUES
from kodaira_app.queue.worker import build_worker


def run_jobs(app, queues=QUEUES, max_jobs: int | None = None) -> bool:
    return build_worker(app, burst=True, queues=queues).run(max_jobs=max_jobs)
