"""The periodic jobs, in one list, each with its own interval and timeout.

Every periodic job is database-driven and idempotent: a duplicate trigger (two worker
processes, a restart) does nothing twice, and a missed one is made up by the next. Each
run has a deterministic id per interval slot, so of the processes that enqueue the same
slot only the first one's job runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app

from kodaira_app.queue.enqueue import enqueue_now
from kodaira_app.timeutil import utcnow

MINUTE = 60
HOUR = 3600


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: str  # dotted path of the job
    queue: str
    interval: int  # seconds; slots start at multiples of it (UTC)
    timeout: int  # seconds a run may take before RQ stops it


PERIODIC_JOBS: list[PeriodicJob] = [
    # Evaluates whatever windows have become due (usually nothing) and queues their mails.
    PeriodicJob("reports-tick", "kodaira_app.reports.jobs.tick", "reports", MINUTE, 600),
    # Report mails whose making was queued but never ran (Redis lost the job).
    PeriodicJob("reports-sweep", "kodaira_app.reports.jobs.sweep", "mail", MINUTE, 300),
    # Every outbox mail: lost send jobs, retries that have come due, stale claims.
    PeriodicJob("mail-sweep", "kodaira_app.mailer.pipeline.sweep", "mail", MINUTE, 300),
    # A report refused for good (5xx) tells the account holder, once per address.
    PeriodicJob(
        "report-refusals", "kodaira_app.reports.refusals.notify_refusals", "mail", MINUTE, 300
    ),
    PeriodicJob(
        "watch-pause-notices",
        "kodaira_app.watch.pauses.send_due_pause_notices",
        "mail",
        MINUTE,
        300,
    ),
    PeriodicJob("alerts", "kodaira_app.alerts.jobs.evaluate", "reports", MINUTE, 300),
    PeriodicJob("throttle-purge", "kodaira_app.auth.throttle.purge_expired", "mail", HOUR, 300),
    # Readings: next months' partitions (PostgreSQL), months past READINGS_RETENTION_MONTHS.
    PeriodicJob(
        "readings-partitions",
        "kodaira_app.readings.partitions.ensure_partitions",
        "reports",
        HOUR,
        600,
    ),
    PeriodicJob(
        "readings-purge",
        "kodaira_app.readings.partitions.purge_old_readings",
        "reports",
        HOUR,
        600,
    ),
    # Evaluations older than REPORTS_RETENTION_MONTHS, with their deliveries and mails.
    PeriodicJob(
        "reports-retention", "kodaira_app.reports.retention.purge_old_reports", "reports", HOUR, 600
    ),
    # Mail bodies older than OUTBOX_RETENTION_DAYS are blanked.
    PeriodicJob(
        "outbox-retention", "kodaira_app.mailer.retention.purge_old_bodies", "mail", HOUR, 600
    ),
]


def interval_seconds(job: PeriodicJob, minute: int = MINUTE) -> int:
    """The job's interval in a periodic minute of `minute` seconds (PERIODIC_MINUTE_SECONDS)."""
    return max(1, job.interval * minute // MINUTE)


def slot_id(job: PeriodicJob, now: datetime, prefix: str, minute: int = MINUTE) -> str:
    """`<prefix>-<name>-<start of the slot, UTC>`: the same in every process.

    The prefix (QUEUE_PREFIX) keeps two installations, or two test runs, on one Redis from
    taking each other's slots.
    """
    interval = interval_seconds(job, minute)
    start = int(now.timestamp()) // interval * interval
    stamp = "%Y%m%d%H%M" if interval % MINUTE == 0 else "%Y%m%d%H%M%S"
    return f"{prefix}-{job.name}-{datetime.fromtimestamp(start, UTC):{stamp}}"


def run_periodic(now: datetime | None = None) -> int:
    """Enqueue each periodic job once for its current slot; the number enqueued by this call.

    Called every minute; a job whose slot was enqueued already (here or by another process)
    is refused by RQ's `unique`. The finished job is kept for one interval, so that
    refusal holds for the rest of its slot.
    """
    now = now or utcnow()
    prefix = current_app.config["QUEUE_PREFIX"]
    minute = current_app.config["PERIODIC_MINUTE_SECONDS"]
    enqueued = 0
    for job in PERIODIC_JOBS:
        enqueued += enqueue_now(
            job.func,
            queue=job.queue,
            job_id=slot_id(job, now, prefix, minute),
            unique=True,
            job_timeout=job.timeout,
            result_ttl=interval_seconds(job, minute),
        )
    return enqueued
