from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from kodaira_app.extensions import db
from kodaira_app.timeutil import UTCDateTime, utcnow


class Reading(db.Model):
    """Water used by one meter in one hour [hour_start, hour_start + 1 h).

    Kept in decilitres (0.1 L, the meters' resolution) as an integer, so sums are exact.
    """

    __tablename__ = "readings"
    # The last hours of every meter (the alert evaluation): readings arrive hour after hour,
    # so on PostgreSQL a BRIN index finds them in a few pages (migration 0010).
    __table_args__ = (
        Index(
            "ix_readings_hour_start",
            "hour_start",
            postgresql_using="brin",
            postgresql_with={"autosummarize": "on"},
        ),
    )

    meter_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    hour_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    deciliters: Mapped[int] = mapped_column()
    # When the hour was delivered again with another value: the value it replaced. Set by
    # the upsert itself, so the change log needs no second look-up of the old rows.
    previous_deciliters: Mapped[int | None] = mapped_column()
    # The bulk import's COPY leaves it to the database to stamp the arrival.
    received_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )

    @property
    def liters(self) -> float:
        return self.deciliters / 10


class ReadingChange(db.Model):
    """An hour delivered again with another value: the old value is kept here."""

    __tablename__ = "reading_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meter_id: Mapped[str] = mapped_column(String(32), index=True)
    hour_start: Mapped[datetime] = mapped_column(UTCDateTime)
    old_deciliters: Mapped[int] = mapped_column()
    new_deciliters: Mapped[int] = mapped_column()
    source: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiToken(db.Model):
    """A bearer token of the meter head-end; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
