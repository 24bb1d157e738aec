"""The tick: evaluate every 見守り window that has ended, once, in set-based SQL.

Database-driven and idempotent. Each hour boundary ("slot", reports/slots.py) is handled
in one transaction that first inserts its ReportSlot row: a second tick at the same moment
waits on that row and then skips the slot, and a slot missed while the worker was down is
made up by the next tick (late, up to REPORT_LATE_HOURS; older ones are recorded as
missed, no mail). Evaluations (reports/evaluation.py) and deliveries carry UNIQUE keys as
well, so even a slot row lost by hand cannot make a second mail. Then the follow-ups
(reports/followups.py).

The tick enqueues nothing: whoever runs it (the periodic job, `flask reports run`, the
staff console) enqueues the sends of `TickResult.delivery_ids` once it has returned, its
rows committed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from kodaira_app.extensions import db
from kodaira_app.reports.evaluation import SlotResult, preview_slot, slot_evaluator
from kodaira_app.reports.followups import write_followups
from kodaira_app.reports.slots import Slot, due_slots, insert_slots, live_shapes, widths_ending
from kodaira_app.timeutil import utcnow

log = logging.getLogger(__name__)

__all__ = ["SlotResult", "TickResult", "run_tick"]


@dataclass
class TickResult:
    now: datetime
    dry_run: bool = False
    slots: list[SlotResult] = field(default_factory=list)
    followup_ids: list[int] = field(default_factory=list)

    @property
    def delivery_ids(self) -> list[int]:
        """The deliveries written, to be sent: the slots' pending ones, then follow-ups."""
        return [i for slot in self.slots for i in slot.delivery_ids] + self.followup_ids


def run_tick(now: datetime, dry_run: bool = False) -> TickResult:
    """Evaluate every due window for the moment `now` (aware), each slot committed.

    The result lists the slots that had windows to evaluate and the deliveries written;
    a dry run writes nothing and lists what each slot would evaluate.
    """
    result = TickResult(now=now, dry_run=dry_run)
    slots = due_slots(now)
    shapes = live_shapes(since=slots[0][0]) if slots else {}
    due = [(slot, widths_ending(slot[0], shapes)) for slot in slots]
    if dry_run:
        previews = (preview_slot(end, mode, widths) for (end, mode), widths in due if widths)
        result.slots = [slot for slot in previews if slot.preview]
        return result
    evaluator = slot_evaluator()
    empty: list[Slot] = []
    for (end, mode), widths in due:
        if not widths:
            empty.append((end, mode))
            continue
        slot = evaluator.evaluate(end, mode, now, widths)
        db.session.commit()
        if slot is None or not slot.evaluations:
            continue
        result.slots.append(slot)
        log.info(
            "tick %s: slot %s (%s) %s", now.isoformat(), end.isoformat(), mode, dict(slot.statuses)
        )
    if empty:  # no window ends then: only mark them handled
        insert_slots(empty, utcnow())
        db.session.commit()
    result.followup_ids = write_followups(now)
    db.session.commit()
    return result
