"""Failed attempts counted in the database (ThrottleEvent), so every process sees them.

Used for logins (per e-mail and per IP) and for the identity check of 契約の追加 (per
customer number, across accounts, and per account).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from kodaira_app.extensions import db
from kodaira_app.models import ThrottleEvent
from kodaira_app.timeutil import utcnow


@dataclass(frozen=True)
class Limit:
    scope: str
    attempts: int
    window: timedelta


def blocked_until(limit: Limit, key: str, now: datetime | None = None) -> datetime | None:
    """When `key` may try again, or None when it may try now."""
    now = now or utcnow()
    recent = list(
        db.session.scalars(
            select(ThrottleEvent.created_at)
            .where(
                ThrottleEvent.scope == limit.scope,
                ThrottleEvent.key == key,
                ThrottleEvent.created_at > now - limit.window,
            )
            .order_by(ThrottleEvent.created_at.desc())
            .limit(limit.attempts)
        )
    )
    if len(recent) < limit.attempts:
        return None
    # The oldest of the last `attempts` failures leaves the window at this time.
    return recent[-1] + limit.window


def first_block(checks: list[tuple[Limit, str]], now: datetime | None = None) -> datetime | None:
    """The latest time any of (limit, key) is blocked until, or None."""
    times = [t for limit, key in checks if (t := blocked_until(limit, key, now)) is not None]
    return max(times) if times else None


def record(checks: list[tuple[Limit, str]]) -> None:
    """Count a failed attempt against each key, committed at once (the request may fail)."""
    now = utcnow()
    for limit, key in checks:
        key = key[:255]
        # Events that have left the window count for nothing: keep each key's rows few.
        db.session.execute(
            delete(ThrottleEvent).where(
                ThrottleEvent.scope == limit.scope,
                ThrottleEvent.key == key,
                ThrottleEvent.created_at <= now - limit.window,
            )
        )
        db.session.add(ThrottleEvent(scope=limit.scope, key=key, created_at=now))
    db.session.commit()


def forget(limit: Limit, key: str) -> None:
    db.session.execute(
        delete(ThrottleEvent).where(ThrottleEvent.scope == limit.scope, ThrottleEvent.key == key)
    )


# Longer than any window in use: older events can never block anything.
EVENT_RETENTION = timedelta(days=1)


def purge_expired() -> int:
    """Periodic job: remove events no window can see any more (keys that never came back)."""
    removed = db.session.execute(
        delete(ThrottleEvent).where(ThrottleEvent.created_at <= utcnow() - EVENT_RETENTION)
    ).rowcount
    db.session.commit()
    return removed
