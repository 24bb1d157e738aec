from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Index, String, UniqueConstraint, case, func, select, text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kodaira_app.extensions import db
from kodaira_app.models.checks import one_of
from kodaira_app.models.mail import MailStatus, OutboxMail
from kodaira_app.timeutil import UTCDateTime, utcnow


class EvaluationStatus(StrEnum):
    USED = "used"
    NONE = "none"  # all hours received, nothing used
    MISSING = "missing"  # no hour received
    PARTIAL = "partial"  # some hours received
    PAUSED = "paused"  # in a 一時停止 of the registration: no mail
    MISSED = "missed"  # evaluated too late to be worth a mail


class DeliveryStatus(StrEnum):
    """Where a report mail stands before it is a mail; once it is, its outbox row says
    the rest (Delivery.status)."""

    PENDING = "pending"  # its mail is still to be written into the outbox
    MAILED = "mailed"  # written: outbox_id is its mail
    MISSED = "missed"  # never sent: the window was evaluated too late
    PAUSED = "paused"  # never sent: the window fell in a pause
    # never sent: its 通知先 stopped or was removed, or the registration ended (解除,
    # 退会), before its mail was written
    STOPPED = "stopped"


class ReportSlot(db.Model):
    """An hour boundary the tick has handled: every window ending then was evaluated.

    The tick inserts this row first, in the transaction that evaluates the windows, so a
    second tick running at the same time waits for the first and then skips the slot.
    """

    __tablename__ = "report_slots"

    window_end: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # on_time / late / missed: how the slot's windows were handled.
    mode: Mapped[str] = mapped_column(String(16))
    evaluations: Mapped[int] = mapped_column(default=0)
    deliveries: Mapped[int] = mapped_column(default=0)


# The tick writes these two tables a hundred thousand rows at a time. Their references
# (registration, window, recipient, evaluation, outbox copy) carry no FOREIGN KEY: the
# tick selects them from the parent rows in the same statement, the send job sets the
# outbox copy it has just written, parents are never deleted (they end or are removed by
# a timestamp), and PostgreSQL's per-row foreign key triggers took more time than the
# whole evaluation. Every index is paid for on each of those rows, so there are only the
# ones that are looked up.


class WindowEvaluation(db.Model):
    """One window of one registration on one day, evaluated once by the tick."""

    __tablename__ = "window_evaluations"
    __table_args__ = (
        UniqueConstraint("registration_id", "window_start"),
        # The usual use reads the same window of the previous days; staff list by day;
        # the tick finds the rows of its slot by their starts.
        Index("ix_window_evaluations_window_start", "window_start"),
        # Follow-ups look only at windows still waiting for their data: a small index.
        Index(
            "ix_window_evaluations_awaiting_data",
            "window_end",
            sqlite_where=text("status IN ('missing', 'partial') AND followup_at IS NULL"),
            postgresql_where=text("status IN ('missing', 'partial') AND followup_at IS NULL"),
        ),
        one_of(EvaluationStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column()  # watch_registrations.id
    window_id: Mapped[int] = mapped_column()  # watch_windows.id
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))  # EvaluationStatus
    # Sum of the hours received (for 'partial' only those hours; NULL when none came).
    deciliters: Mapped[int | None] = mapped_column()
    hours_expected: Mapped[int] = mapped_column()
    hours_received: Mapped[int] = mapped_column()
    # For 'partial': the UTC starts (ISO 8601) of the hours that did not arrive.
    missing_hours: Mapped[list | None] = mapped_column(JSON)
    # The median of the same window over the previous 14 days (NULL: no history).
    usual_deciliters: Mapped[int | None] = mapped_column()
    # Set by the tick: the usual use is still to be computed, by the first send of a mail
    # about this window (reports/usual.fill_usual_use), not in the tick's own transaction.
    usual_pending: Mapped[bool] = mapped_column(default=False)
    late: Mapped[bool] = mapped_column(default=False)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set once the follow-up with the complete figure has been written.
    followup_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followup_deciliters: Mapped[int | None] = mapped_column()

    deliveries: Mapped[list[Delivery]] = relationship(
        back_populates="evaluation",
        primaryjoin="WindowEvaluation.id == foreign(Delivery.evaluation_id)",
    )


class Delivery(db.Model):
    """One mail to one recipient about one evaluated window. Sent at most once.

    What is unique to a report lives here: the evaluation, the recipient, the kind. How
    its mail is being sent (claim, attempts, retries, sent or failed) lives in the one
    OutboxMail row it points at, written by the send job (kodaira_app/reports/send.py).
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("evaluation_id", "recipient_id", "kind"),
        # The look-up of mails still to be written; written rows (nearly all) stay out.
        Index(
            "ix_deliveries_unfinished",
            "status",
            "queued_at",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        one_of(DeliveryStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column()  # window_evaluations.id
    recipient_id: Mapped[int] = mapped_column()  # watch_recipients.id
    kind: Mapped[str] = mapped_column(String(16), default="report")  # report / followup
    # The column `status` (the tick writes it in SQL); `status` below is what staff see.
    stage: Mapped[str] = mapped_column("status", String(16), default=DeliveryStatus.PENDING)
    # When its send job was last enqueued (the sweeper re-enqueues jobs Redis lost).
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outbox_id: Mapped[int | None] = mapped_column()  # outbox_mails.id: its mail

    evaluation: Mapped[WindowEvaluation] = relationship(
        back_populates="deliveries",
        primaryjoin="WindowEvaluation.id == foreign(Delivery.evaluation_id)",
    )
    outbox: Mapped[OutboxMail | None] = relationship(
        primaryjoin="foreign(Delivery.outbox_id) == OutboxMail.id",
        lazy="selectin",
        viewonly=True,
    )

    @hybrid_property
    def status(self) -> str:
        """pending / sending / sent / kept / failed (from its mail), or missed / paused."""
        if self.stage != DeliveryStatus.MAILED:
            return self.stage
        mail = self.outbox.status if self.outbox is not None else None
        return DeliveryStatus.PENDING if mail in (None, MailStatus.QUEUED) else mail

    @status.inplace.expression
    @classmethod
    def _status_expression(cls):
        mail = OutboxMail.__table__
        mail_status = (
            select(
                case(
                    (mail.c.status == MailStatus.QUEUED, DeliveryStatus.PENDING.value),
                    else_=mail.c.status,
                )
            )
            .where(mail.c.id == cls.outbox_id)
            .scalar_subquery()
        )
        return case(
            (cls.stage == DeliveryStatus.MAILED, func.coalesce(mail_status, "pending")),
            else_=cls.stage,
        )

    def _mail(self, name: str, default=None):
        return getattr(self.outbox, name) if self.outbox is not None else default

    @property
    def attempts(self) -> int:
        return self._mail("attempts", 0)

    @property
    def last_error(self) -> str | None:
        return self._mail("last_error")

    @property
    def sent_at(self) -> datetime | None:
        return self._mail("sent_at")

    @property
    def next_attempt_at(self) -> datetime | None:
        return self._mail("next_attempt_at")

    @property
    def message_id(self) -> str | None:
        return self._mail("message_id")
