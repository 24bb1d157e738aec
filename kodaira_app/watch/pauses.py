"""一時停止: no reports from one town date to another, with a notice at each end.

`is_paused` is what the reports tick asks for each window; `send_due_pause_notices` is a
periodic job, idempotent through start_notified_at / end_notified_at.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import or_, select

from kodaira_app.extensions import db
from kodaira_app.models import Customer, WatchPause, WatchRegistration
from kodaira_app.timeutil import town_tz, utcnow
from kodaira_app.watch import notices

MAX_PAUSE_DAYS = 60


class PauseError(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def town_date(moment: datetime) -> date:
    return moment.astimezone(town_tz()).date()


def check_pause(start: date, end: date, today: date) -> None:
    """From `start` to `end` inclusive: not in the past, end ≥ start, at most 60 days."""
    if start < today:
        raise PauseError("pause_in_past")
    if end < start:
        raise PauseError("pause_end_before_start")
    if (end - start).days + 1 > MAX_PAUSE_DAYS:
        raise PauseError("pause_too_long")


def open_pauses(registration: WatchRegistration, today: date) -> list[WatchPause]:
    """Pauses not cancelled that have not ended yet."""
    return [p for p in registration.pauses if p.cancelled_at is None and p.end_date >= today]


def add_pause(registration: WatchRegistration, start: date, end: date) -> WatchPause:
    today = town_date(utcnow())
    check_pause(start, end, today)
    for other in open_pauses(registration, today):
        if other.start_date <= end and start <= other.end_date:
            raise PauseError("pause_overlap")
    pause = WatchPause(start_date=start, end_date=end)
    registration.pauses.append(pause)
    db.session.commit()
    return pause


def cancel_pause(pause: WatchPause) -> None:
    """Idempotent. A pause that already began ends now; its end notice follows."""
    if pause.cancelled_at is None:
        pause.cancelled_at = utcnow()
        db.session.commit()


def is_paused(registration: WatchRegistration, window_start_utc: datetime) -> bool:
    """Whether the window starting at this moment falls in a pause of the registration.

    A pause cancelled after the window began still covers it.
    """
    day = town_date(window_start_utc)
    return any(
        p.start_date <= day <= p.end_date
        and (p.cancelled_at is None or p.cancelled_at > window_start_utc)
        for p in registration.pauses
    )


def send_due_pause_notices(now: datetime | None = None) -> int:
    """Tell the recipients once when a pause begins and once when it ends."""
    now = now or utcnow()
    today = town_date(now)
    due = db.session.scalars(
        select(WatchPause)
        .join(WatchRegistration, WatchRegistration.id == WatchPause.registration_id)
        .where(
            WatchRegistration.ended_at.is_(None),
            or_(
                WatchPause.start_notified_at.is_(None)
                & WatchPause.cancelled_at.is_(None)
                & (WatchPause.start_date <= today),
                WatchPause.start_notified_at.is_not(None)
                & WatchPause.end_notified_at.is_(None)
                & (WatchPause.cancelled_at.is_not(None) | (WatchPause.end_date < today)),
            ),
        )
        .order_by(WatchPause.id)
        .with_for_update(skip_locked=True)
    ).all()
    sent = 0
    for pause in due:
        registration = pause.registration
        customer = db.session.get(Customer, registration.customer_id)
        if pause.start_notified_at is None:
            pause.start_notified_at = now
            sent += _tell(registration, customer, "watch_pause_start", pause)
        if pause.cancelled_at is not None or pause.end_date < today:
            pause.end_notified_at = now
            sent += _tell(registration, customer, "watch_pause_end", pause)
    db.session.commit()
    return sent


def _tell(registration, customer, kind: str, pause: WatchPause) -> int:
    recipients = notices.live_recipients(registration)
    for recipient in recipients:
        notices.notify(
            recipient,
            customer,
            kind,
            start_date=pause.start_date,
            end_date=pause.end_date,
            cancelled=pause.cancelled_at is not None,
        )
    return len(recipients)
