from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kodaira_app.extensions import db
from kodaira_app.models.mail import OutboxMail
from kodaira_app.timeutil import UTCDateTime, utcnow


class TestDelivery(db.Model):
    """One test mail: a report of a past window, marked 【テスト】, sent on request.

    A delivery of its own kind, in its own table: it holds no place under the UNIQUE
    keys of window_evaluations and deliveries, so a test never stands in the way of the
    real report of the same window, never replaces it and is never counted as one. Its
    sending state is its outbox row's, like every mail's.
    """

    __tablename__ = "test_deliveries"
    __test__ = False  # not a pytest class, whatever its name says
    __table_args__ = (
        # The daily limit counts a registration's presses; the screens read its last mails.
        Index("ix_test_deliveries_registration_created", "registration_id", "created_at"),
        Index("ix_test_deliveries_recipient", "recipient_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column()  # watch_registrations.id
    # NULL: a staff copy sent only to the clerk's own address.
    recipient_id: Mapped[int | None] = mapped_column()  # watch_recipients.id
    # One press of the button (or one staff send): the daily limit counts these.
    batch: Mapped[str] = mapped_column(String(32))
    origin: Mapped[str] = mapped_column(String(16))  # resident / staff / cli
    account_id: Mapped[int | None] = mapped_column()  # who pressed it (resident)
    staff_id: Mapped[int | None] = mapped_column()  # who sent it (staff)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))  # what the evaluation said
    deciliters: Mapped[int | None] = mapped_column()
    outbox_id: Mapped[int | None] = mapped_column()  # outbox_mails.id: its mail
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    outbox: Mapped[OutboxMail | None] = relationship(
        primaryjoin="foreign(TestDelivery.outbox_id) == OutboxMail.id",
        lazy="selectin",
        viewonly=True,
    )
