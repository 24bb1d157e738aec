"""見守り rows for the report tests, written directly (the screens are tested elsewhere)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from kodaira_app.extensions import db
from kodaira_app.models import (
    WatchPause,
    WatchRecipient,
    WatchRegistration,
    WatchWindow,
)
from tests.support.accounts import make_account
from tests.support.factories import make_customer

JST = ZoneInfo("Asia/Tokyo")
# The registration of most tests: made the day before the guide's example day.
REGISTERED = datetime(2026, 11, 24, 13, tzinfo=JST).astimezone(UTC)


def jst(*args: int) -> datetime:
    """A town time, as the aware UTC datetime the code is given (the server runs in UTC)."""
    return datetime(*args, tzinfo=JST).astimezone(UTC)


def make_watch(
    hours: tuple[int, ...] = (6,),
    recipients: tuple[tuple[str, str], ...] = (("息子", "son@example.com"),),
    locale: str = "ja",
    customer=None,
    width: int = 6,
    created_at: datetime = REGISTERED,
) -> WatchRegistration:
    customer = customer or make_customer()
    account = make_account(f"holder{customer.id}@example.com")
    registration = WatchRegistration(
        customer_id=customer.id, account_id=account.id, created_at=created_at
    )
    db.session.add(registration)
    db.session.flush()
    for position, hour in enumerate(hours, start=1):
        db.session.add(
            WatchWindow(
                registration_id=registration.id,
                position=position,
                start_hour=hour % 24,
                entered_hour=hour,
                width_hours=width,
                created_at=created_at,
            )
        )
    for position, (name, email) in enumerate(recipients, start=1):
        db.session.add(
            WatchRecipient(
                registration_id=registration.id,
                position=position,
                name=name,
                email=email,
                locale=locale,
                stop_token=secrets.token_urlsafe(24),
                created_at=created_at,
            )
        )
    db.session.commit()
    return registration


def pause(registration: WatchRegistration, start, end) -> WatchPause:
    row = WatchPause(registration_id=registration.id, start_date=start, end_date=end)
    db.session.add(row)
    db.session.commit()
    return row
