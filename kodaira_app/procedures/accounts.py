"""Account procedures: change the e-mail address, leave the app.

The password change is auth.accounts.set_password, the one way a password changes.
"""

from __future__ import annotations

from flask import current_app, url_for
from sqlalchemy import or_, select

from kodaira_app.auth import sessions, tokens
from kodaira_app.auth.accounts import find_account
from kodaira_app.auth.tokens import EMAIL_CHANGE_MAX_AGE, EMAIL_CHANGE_SALT
from kodaira_app.extensions import db
from kodaira_app.mailer.outbox import queue_mail
from kodaira_app.masking import mask_email
from kodaira_app.models import Account, ContractLink, Customer, WatchRegistration
from kodaira_app.procedures.leaving import forget_account
from kodaira_app.timeutil import utcnow
from kodaira_app.watch.registrations import end_registration


def request_email_change(account: Account, new_email: str, locale: str) -> None:
    """Mail a confirmation link to the new address; nothing changes until it is opened."""
    payload = {"id": account.id, "old": account.email, "new": new_email}
    token = tokens.sign(payload, EMAIL_CHANGE_SALT)
    queue_mail(
        to=new_email,
        kind="account_email_change",
        template="account_email_change",
        locale=locale,
        link=current_app.config["APP_BASE_URL"] + url_for("procedures.confirm_email", token=token),
        hours=EMAIL_CHANGE_MAX_AGE // 3600,
    )
    db.session.commit()


def load_email_change(token: str) -> tuple[Account, str] | None:
    """The account and its new address, while the link is valid and unused."""
    data = tokens.unsign(token, EMAIL_CHANGE_SALT, EMAIL_CHANGE_MAX_AGE)
    if data is None:
        return None
    account = db.session.get(Account, data.get("id"))
    if account is None or account.closed_at is not None or account.email != data.get("old"):
        return None
    return account, str(data.get("new"))


def apply_email_change(account: Account, new_email: str) -> bool:
    """False when another account uses the address by now."""
    other = find_account(new_email)
    if other is not None and other.id != account.id:
        return False
    old_email, account.email = account.email, new_email
    # The old address hears of it: a change its owner did not make is noticed.
    queue_mail(
        to=old_email,
        kind="account_email_changed",
        template="account_email_changed",
        locale=account.locale or "ja",
        new_email=mask_email(new_email),
    )
    db.session.commit()
    return True


def leaving_summary(account: Account) -> tuple[list[Customer], list[WatchRegistration]]:
    """What leaving does: the contracts it frees and the watch registrations it ends."""
    contracts = list(
        db.session.scalars(
            select(Customer)
            .join(ContractLink, ContractLink.customer_id == Customer.id)
            .where(ContractLink.account_id == account.id)
            .order_by(ContractLink.linked_at, ContractLink.id)
        )
    )
    registrations = list(
        db.session.scalars(
            select(WatchRegistration)
            .where(
                WatchRegistration.ended_at.is_(None),
                or_(
                    WatchRegistration.account_id == account.id,
                    WatchRegistration.customer_id.in_([c.id for c in contracts]),
                ),
            )
            .order_by(WatchRegistration.id)
        )
    )
    return contracts, registrations


def close_account(account: Account) -> None:
    """Free the contracts, end every watch (recipients told), close the account.

    What identifies or reaches people goes (procedures/leaving.py); consent records and
    the audit trail stay.
    """
    contracts, registrations = leaving_summary(account)
    for registration in registrations:
        end_registration(registration, db.session.get(Customer, registration.customer_id))
    for link in db.session.scalars(
        select(ContractLink).where(ContractLink.account_id == account.id)
    ):
        db.session.delete(link)
    db.session.flush()
    now = utcnow()
    forget_account(account, now)
    account.closed_at = now
    # The address may sign up again: the closed account keeps a placeholder.
    account.email = f"closed-{account.id}-{int(now.timestamp())}@closed.invalid"
    db.session.commit()
    sessions.revoke_all(account_id=account.id)
