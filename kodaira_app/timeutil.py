"""Time helpers: the database keeps UTC, people read the town's time zone."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

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
