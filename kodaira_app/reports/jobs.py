"""The periodic jobs of reports (PERIODIC_JOBS in kodaira_app/schedule.py)."""

from __future__ import annotations

from kodaira_app.reports.send import enqueue_deliveries, sweep_deliveries
from kodaira_app.reports.tick import run_tick
from kodaira_app.timeutil import utcnow
from kodaira_app.worker_app import app_context


@app_context
def tick() -> dict:
    """Every minute: evaluate whatever has become due (usually nothing)."""
    result = run_tick(utcnow())
    enqueue_deliveries(result.delivery_ids)
    return {
        "slots": [slot.window_end.isoformat() for slot in result.slots],
        "deliveries": len(result.delivery_ids),
    }


@app_context
def sweep() -> int:
    return sweep_deliveries()
