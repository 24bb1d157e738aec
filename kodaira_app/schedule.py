"""The periodic jobs, in one list, each with a deterministic id.

Every periodic job is database-driven and idempotent: a duplicate trigger (two worker
processes, a restart) does nothing twice, and a missed one is made up by the next.
"""

from __future__ import annotations

from flask import current_app

from kodaira_app.jobs import enqueue_now
from kodaira_app.timeutil import utcnow

# (id, dotted function, queue)
PERIODIC_JOBS: list[tuple[str, str, str]] = [
    ("mail-sweep", "kodaira_app.mailer.jobs.sweep", "mail"),
    ("watch-pause-notices", "kodaira_app.watch.pauses.send_due_pause_notices", "mail"),
    ("reports-tick", "kodaira_app.reports.jobs.tick", "reports"),
    ("reports-sweep", "kodaira_app.reports.jobs.sweep", "mail"),
    ("throttle-purge", "kodaira_app.auth.throttle.purge_expired", "mail"),
    ("readings-partitions", "kodaira_app.readings.partitions.ensure_partitions", "reports"),
    ("readings-purge", "kodaira_app.readings.partitions.purge_old_readings", "reports"),
]


def run_periodic() -> None:
    """Enqueue every periodic job once for the current minute.

    The ids carry QUEUE_PREFIX: two installations (or two test runs) on one Redis must
    not take each other's slot for their own.
    """
    minute = utcnow().strftime("%Y%m%d%H%M")
    prefix = current_app.config["QUEUE_PREFIX"]
    for job_id, func, queue in PERIODIC_JOBS:
        enqueue_now(func, queue=queue, job_id=f"{prefix}-{job_id}-{minute}", unique=True)
