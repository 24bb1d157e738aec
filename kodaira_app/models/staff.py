"""Staff accounts of the console and the audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from kodaira_app.extensions import db
from kodaira_app.timeutil import UTCDateTime, utcnow

STAFF_ROLES = ("staff", "admin")


class StaffUser(db.Model):
    """A clerk of the utility. Separate from residents' accounts: another table, login, key."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="staff")  # staff / admin
    totp_secret: Mapped[str] = mapped_column(String(64))
    # Set by the first code accepted after the QR code was shown.
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last TOTP time step accepted: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class AuditLog(db.Model):
    """Who did or saw what, when, to which target. Rows are only ever added."""

    __tablename__ = "audit_logs"
    __table_args__ = (Index("ix_audit_logs_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    # Kept as text too, so the trail reads the same whatever happens to the staff row.
    staff_email: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class AppendOnlyError(RuntimeError):
    """An attempt to change or remove an audit row."""


@event.listens_for(AuditLog, "before_update")
def _refuse_update(mapper, connection, target) -> None:
    raise AppendOnlyError("audit rows cannot be changed")


@event.listens_for(AuditLog, "before_delete")
def _refuse_delete(mapper, connection, target) -> None:
    raise AppendOnlyError("audit rows cannot be removed")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and state.statement.table.name == "audit_logs":
        raise AppendOnlyError("audit rows cannot be changed or removed")
