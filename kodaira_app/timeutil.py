"""Time helpers: the database keeps UTC, people read the town's time zone."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext
from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class Clock:
    """Where the whole app reads the time. Tests freeze and advance it (the `clock`
    fixture), so every module, column default and job sees the same moment."""

    def __init__(self) -> None:
        self._frozen: datetime | None = None

    def now(self) -> datetime:
        return self._frozen or datetime.now(UTC)

    def freeze(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("the clock takes aware datetimes")
        self._frozen = moment.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self.freeze(self.now() + delta)

    def unfreeze(self) -> None:
        self._frozen = None


clock = Clock()


def utcnow() -> datetime:
    return clock.now()


def town_tz(name: str | None = None) -> ZoneInfo:
    """The town's time zone: the TIMEZONE setting of the running app (Asia/Tokyo)."""
    if name is None:
        from flask import current_app, has_app_context

        name = current_app.config["TIMEZONE"] if has_app_context() else "Asia/Tokyo"
    return _zone(name)


@functools.lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def town_today(now: datetime, tz: ZoneInfo) -> date:
    """The town's date at `now`."""
    return now.astimezone(tz).date()


# --- the one way a time of day is written on every screen, in every mail and in the guide ---

MINUTES_PER_DAY = 24 * 60


def clock_label(minutes: int) -> str:
    """A time `minutes` after midnight of the day something starts: 390 → 「06:30」.

    From 1440 on it is the next day: 1440 → 「翌0:00」, 1470 → 「翌0:30」 (en "0:00 (next
    day)"). Midnight is never 24:00: a window ending at midnight ends 翌0:00, one starting
    at midnight starts 00:00.
    """
    day, rest = divmod(minutes, MINUTES_PER_DAY)
    hour, minute = divmod(rest, 60)
    if day == 0:
        return f"{hour:02d}:{minute:02d}"
    return gettext("翌%(time)s", time=f"{hour}:{minute:02d}")


def span_label(start_minutes: int, end_minutes: int) -> str:
    """「06:00〜12:00」, 「18:00〜翌0:00」: two clock_label times as a range."""
    return gettext(
        "%(start)s〜%(end)s", start=clock_label(start_minutes), end=clock_label(end_minutes)
    )


def minutes_since(moment: datetime, since: datetime, tz: ZoneInfo) -> int:
    """Minutes from midnight of `since`'s town date to `moment` on the town's clock."""
    local, first = moment.astimezone(tz), since.astimezone(tz)
    days = (local.date() - first.date()).days
    return days * MINUTES_PER_DAY + local.hour * 60 + local.minute


def moment_span(start: datetime, end: datetime, tz: ZoneInfo) -> str:
    """span_label of two moments: an end on a later town date than the start is 翌."""
    return span_label(minutes_since(start, start, tz), minutes_since(end, start, tz))


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime stored as UTC on every database.

    SQLite has no time zone type, so values go in as naive UTC and come back aware.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def render_migration_item(type_, obj, autogen_context):
    """Alembic autogenerate: write UTCDateTime as the plain column type it stores."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False
