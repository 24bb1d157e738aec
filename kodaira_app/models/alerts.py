"""Alerts between the reports: episodes of a rule holding, and who confirmed them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kodaira_app.extensions import db
from kodaira_app.models.checks import one_of
from kodaira_app.models.mail import OutboxMail
from kodaira_app.timeutil import UTCDateTime, utcnow


class AlertRule(StrEnum):
    FLOW = "flow"  # 水が出続けています
    IDLE = "idle"  # 長い時間、水が使われていません
    NODATA = "nodata"  # メーターのデータが届いていません
    LEAK = "leak"  # use in every hour of the last 24 (to the account holder)


class AlertEpisode(db.Model):
    """One stretch of time during which a rule held for a registration.

    UNIQUE per (registration, rule, start), and at most one open episode per registration
    and rule, so re-runs, late or replaced readings and two workers add nothing.
    """

    __tablename__ = "alert_episodes"
    __table_args__ = (
        UniqueConstraint("registration_id", "rule", "started_at"),
        Index(
            "uq_alert_episodes_open",
            "registration_id",
            "rule",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        one_of(AlertRule, "rule"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(index=True)  # watch_registrations.id
    rule: Mapped[str] = mapped_column(String(16))
    # The first hour of the span that made the rule hold (UTC hour start).
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    hours: Mapped[int] = mapped_column()  # the rule's N when it started
    # Held by a town-wide outage: the recipients were told the town's data is late.
    held: Mapped[bool] = mapped_column(default=False)
    start_mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    town_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The hour whose reading ended it (the use seen, the data back).
    end_hour: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlertConfirmation(db.Model):
    """確認しました: who pressed it, when. `key` makes pressing twice record once."""

    __tablename__ = "alert_confirmations"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    registration_id: Mapped[int] = mapped_column(index=True)
    episode_id: Mapped[int | None] = mapped_column(index=True)
    recipient_id: Mapped[int] = mapped_column()
    recipient_name: Mapped[str] = mapped_column(String(50))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlertMail(db.Model):
    """Which episode, and which 通知先, an alert mail was about: 配信状況 reads it, whether
    or not the mail's body is still kept (retention, leaving blank it)."""

    __tablename__ = "alert_mails"

    outbox_id: Mapped[int] = mapped_column(primary_key=True)  # outbox_mails.id: the mail
    episode_id: Mapped[int] = mapped_column(index=True)  # alert_episodes.id
    recipient_id: Mapped[int | None] = mapped_column()  # None: the account holder (leak)
    # Set with the mail itself: its id is given when both are flushed (outbox.bulk).
    mail: Mapped[OutboxMail] = relationship(
        primaryjoin="foreign(AlertMail.outbox_id) == OutboxMail.id"
    )


class TownOutage(db.Model):
    """More than ALERT_TOWN_SILENT_SHARE of the smart meters silent together."""

    __tablename__ = "alert_town_outages"
    __table_args__ = (
        Index(
            "uq_alert_town_outages_open",
            "open",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    open: Mapped[bool] = mapped_column(default=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    silent: Mapped[int] = mapped_column()
    meters: Mapped[int] = mapped_column()
    staff_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
