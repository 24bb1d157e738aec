"""Online 口座振替 applications: stored for staff, who take them to the bank.

The staff console lists them with `list_applications` and records the outcome with
`mark_processed`; both work in the caller's transaction (the caller commits).
"""

from __future__ import annotations

from sqlalchemy import select, update

from kodaira_app.extensions import db
from kodaira_app.models.billing import DirectDebitApplication, DirectDebitStatus
from kodaira_app.timeutil import utcnow

STATUSES = tuple(DirectDebitStatus)


def mask_account_number(number: str) -> tuple[str, str]:
    """(last four digits, masked form) of a bank account number; the rest is dropped."""
    last4 = number[-4:]
    return last4, "*" * (len(number) - 4) + last4


def pending_for(customer_id: int) -> DirectDebitApplication | None:
    return db.session.scalar(
        select(DirectDebitApplication).where(
            DirectDebitApplication.customer_id == customer_id,
            DirectDebitApplication.status == "submitted",
        )
    )


def list_applications(status: str | None = None) -> list[DirectDebitApplication]:
    """Applications with this status (all when None), the oldest first: staff work FIFO."""
    query = select(DirectDebitApplication).order_by(
        DirectDebitApplication.created_at, DirectDebitApplication.id
    )
    if status is not None:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        query = query.where(DirectDebitApplication.status == status)
    return list(db.session.scalars(query))


def mark_processed(
    app_id: int, staff_id: int, status: str, note: str | None = None
) -> DirectDebitApplication:
    """Record the outcome ('processed' or 'rejected') of a submitted application.

    Only a submitted application changes, once: two staff pressing at the same time
    cannot both record an outcome (the second gets ValueError).
    """
    if status not in ("processed", "rejected"):
        raise ValueError("status must be 'processed' or 'rejected'")
    changed = db.session.execute(
        update(DirectDebitApplication)
        .where(DirectDebitApplication.id == app_id, DirectDebitApplication.status == "submitted")
        .values(status=status, processed_at=utcnow(), processed_by=staff_id, note=note)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise ValueError(f"application {app_id} does not exist or was already processed")
    application = db.session.get(DirectDebitApplication, app_id)
    db.session.refresh(application)
    return application
