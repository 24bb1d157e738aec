"""The tick as the worker's job runs it: the tick itself, then the sends of what it wrote.

`kodaira_app.reports.tick.run_tick` enqueues nothing; a test that wants the mails to go
out (with `run_jobs`) runs the tick through this, at the moment it chooses.
"""

from __future__ import annotations

from datetime import datetime

from kodaira_app.reports import tick
from kodaira_app.reports.send import enqueue_deliveries


def run_tick(now: datetime, dry_run: bool = False) -> tick.TickResult:
    result = tick.run_tick(now, dry_run=dry_run)
    enqueue_deliveries(result.delivery_ids)
    return result
