"""The tick run from the console: the moment chosen in town time, and what the run did."""

from __future__ import annotations

from datetime import datetime

from kodaira_app.reports.tick import TickResult
from kodaira_app.timeutil import town_tz, utcnow


def _tz():
    return town_tz()


def default_tick_time() -> dict:
    """Now in town time, to the minute, as the form's starting values."""
    now = utcnow().astimezone(_tz())
    return {"day": now.date(), "time": now.time().replace(second=0, microsecond=0)}


def tick_moment(form) -> datetime:
    """The aware moment of the form's town date and time."""
    return datetime.combine(form.day.data, form.time.data, tzinfo=_tz())


def tick_summary(result: TickResult) -> dict:
    """What a run did, kept in its audit row and shown on the result page."""
    return {
        "at": result.now.isoformat(),
        "slots": [
            {
                "window_end": slot.window_end.isoformat(),
                "mode": slot.mode,
                "statuses": dict(slot.statuses),
                "mails": len(slot.delivery_ids),
            }
            for slot in result.slots
        ],
        "mails": len(result.delivery_ids),
        "followups": len(result.followup_ids),
    }
