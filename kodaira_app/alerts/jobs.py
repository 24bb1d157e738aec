"""The periodic job of the alerts (listed in kodaira_app/queue/periodic.py)."""

from __future__ import annotations

from kodaira_app.alerts.episodes import evaluate as _evaluate
from kodaira_app.timeutil import utcnow


def evaluate() -> dict:
    """Every minute: the rules against the readings that have arrived, and their mails."""
    return _evaluate(utcnow())
