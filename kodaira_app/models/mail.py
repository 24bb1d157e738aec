from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kodaira_app.extensions import db
from kodaira_app.models.checks import one_of
from kodaira_app.timeutil import UTCDateTime, utcnow


class MailStatus(StrEnum):
    QUEUED = "queued"  # waiting for its send job (or, after next_attempt_at, a retry)
    SENDING = "sending"  # claimed by a send job
    SENT = "sent"  # accepted by the SMTP server
    KEPT = "kept"  # no SMTP server configured: kept here and logged
    FAILED = "failed"  # refused for good, or out of attempts


class OutboxMail(db.Model):
    """Every mail the app sends, rendered, with its fate: the one place of its sending state.

    Without an SMTP server the mail stays here with status 'kept' (and is logged), so
    nothing is silently dropped; with one it is sent and this row is the copy staff read.
    The pipeline that sends it is kodaira_app/mailer/pipeline.py.
    """

    __tablename__ = "outbox_mails"
    __table_args__ = (
        Index("ix_outbox_mails_status_created", "status", "created_at"),
        one_of(MailStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # kodaira_app/mailer/kinds.py
    locale: Mapped[str] = mapped_column(String(16), default="ja")
    to_addr: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=MailStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When its send job was last enqueued (the sweeper re-enqueues jobs Redis lost).
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # After a temporary failure: when the sweeper may try again.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
