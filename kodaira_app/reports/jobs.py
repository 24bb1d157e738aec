"""The periodic jobs of reports (PERIODIC_JOBS in kodaira_app/queue/periodic.py)."""

from __future__ import annotations

from kodaira_app.reports.send import sweep_deliveries
from kodaira_app.reports.tick import run_tick
from kodaira_app.timeutil import utcnow


def tick() -> dict:
    """Every minute: evaluate whatever has become due (usually nothing)."""
    result = run_tick(utcnow())
    return {
        "slots": [slot.window_end.isoformat() for slot in result.slots],
        "deliveries": len(result.delivery_ids),
    }


def sweep() -> int:
    return sweep_deliveries()
