"""Logins the server can end: one row per signed-in browser, resident or staff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from kodaira_app.extensions import db
from kodaira_app.timeutil import UTCDateTime, utcnow


class LoginSession(db.Model):
    """A login. The cookie carries a random id whose SHA-256 is `token_hash`.

    A revoked or expired row opens nothing, whatever cookie a browser still holds: logout,
    a password change or reset and staff resets revoke it here.
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Only the hash: a copy of this table opens no session.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    # "Remember me": the session outlives the browser, up to REMEMBER_COOKIE_DURATION.
    remember: Mapped[bool] = mapped_column(default=False)
    # What the browser said it is (e.g. "Firefox / Windows"), for the list of devices.
    device: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
