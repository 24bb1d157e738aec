from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kodaira_app.extensions import db
from kodaira_app.timeutil import UTCDateTime, utcnow


class WatchRegistration(db.Model):
    """The 見守り registration of one contract. Ended registrations are kept for history."""

    __tablename__ = "watch_registrations"
    __table_args__ = (
        # One live registration per contract.
        Index(
            "uq_watch_registrations_active_customer",
            "customer_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 「鬼鹿の実家」, as the registrant calls the watched home; None: the holder's name.
    home_name: Mapped[str | None] = mapped_column(String(50))
    # 異変のお知らせ (kodaira_app/alerts/rules.py): each rule's N hours; NULL is off.
    alert_flow_hours: Mapped[int | None] = mapped_column()
    alert_idle_hours: Mapped[int | None] = mapped_column()
    alert_nodata_hours: Mapped[int | None] = mapped_column()

    windows: Mapped[list[WatchWindow]] = relationship(
        back_populates="registration", order_by="WatchWindow.position"
    )
    recipients: Mapped[list[WatchRecipient]] = relationship(
        back_populates="registration", order_by="WatchRecipient.position"
    )
    pauses: Mapped[list[WatchPause]] = relationship(
        back_populates="registration", order_by="WatchPause.start_date"
    )

    def home_label(self, holder_name: str) -> str:
        """The watched home's name in the mails: the one chosen, else the holder's name."""
        return self.home_name or holder_name


class WatchWindow(db.Model):
    """A daily window of WATCH_WINDOW_HOURS starting at start_hour (town time)."""

    __tablename__ = "watch_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("watch_registrations.id"), index=True)
    position: Mapped[int] = mapped_column()  # 1 or 2, as on the input screen
    start_hour: Mapped[int] = mapped_column()  # 0..23
    entered_hour: Mapped[int] = mapped_column()  # 0..24, as the user typed it (24 = midnight)
    width_hours: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when a change replaces the window; evaluations keep pointing at it.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    registration: Mapped[WatchRegistration] = relationship(back_populates="windows")


class WatchRecipient(db.Model):
    """A 通知先: a name and an address that receives the reports."""

    __tablename__ = "watch_recipients"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("watch_registrations.id"), index=True)
    position: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(String(50))
    email: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(16), default="ja")
    # Secret for the one-click stop link (no login needed).
    stop_token: Mapped[str] = mapped_column(String(64), unique=True)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the account holder was told a report to this address was refused (once).
    refusal_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 見守り協力者: no reports, only the alerts nobody in the family confirmed in time.
    helper: Mapped[bool] = mapped_column(default=False, server_default=text("false"))

    registration: Mapped[WatchRegistration] = relationship(back_populates="recipients")


class WatchPause(db.Model):
    """一時停止: no reports from start_date to end_date (town dates, inclusive)."""

    __tablename__ = "watch_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("watch_registrations.id"), index=True)
    start_date: Mapped[date] = mapped_column()
    end_date: Mapped[date] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    start_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    registration: Mapped[WatchRegistration] = relationship(back_populates="pauses")
