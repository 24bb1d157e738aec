"""The jobs of reports; the periodic ones are listed in kodaira_app/queue/periodic.py."""

from __future__ import annotations

from kodaira_app.reports.send import enqueue_deliveries, requeue_unwritten
from kodaira_app.reports.tick import run_tick
from kodaira_app.timeutil import utcnow


def tick() -> dict:
    """Every minute: evaluate whatever has become due (usually nothing), queue its mails."""
    result = run_tick(utcnow())
    enqueue_deliveries(result.delivery_ids)  # the slots' reports and the follow-ups
    return {
        "slots": [slot.window_end.isoformat() for slot in result.slots],
        "deliveries": len(result.delivery_ids),
    }


def sweep() -> int:
    """Every minute: the report mails whose writing job Redis lost."""
    return requeue_unwritten()
