from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from kodaira_app.extensions import db
from kodaira_app.timeutil import UTCDateTime, utcnow


class Account(UserMixin, db.Model):
    """A resident's login. One account may hold several contracts."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locale: Mapped[str | None] = mapped_column(String(16))
    # No longer read: each login is a LoginSession row, revoked on a password change.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The editions of 利用規約 and 個人情報の取扱い agreed at sign-up (auth/agreement.py) and
    # when; NULL for accounts made before the documents existed.
    terms_version: Mapped[str | None] = mapped_column(String(16))
    privacy_version: Mapped[str | None] = mapped_column(String(16))
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # The random id of the LoginSession this request runs under (not a column): it is what
    # Flask-Login puts in the session and the remember cookie.
    login_token = None

    def get_id(self) -> str:
        return self.login_token or ""

    @property
    def is_active(self) -> bool:
        return self.closed_at is None


class ThrottleEvent(db.Model):
    """A failed attempt (login, contract identity check) counted against a key."""

    __tablename__ = "throttle_events"
    __table_args__ = (Index("ix_throttle_events_scope_key_at", "scope", "key", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
