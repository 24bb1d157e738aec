"""Account rules apart from the views: sign-up, password check, confirmation, reset.

Every answer a visitor sees is the same, and takes as long, whether an address is known
or not; what differs is only the mail that goes to the address (decided in a job, see
auth/jobs.py), which only its owner reads.
"""

from __future__ import annotations

import functools
from datetime import timedelta

from flask import current_app
from flask_babel import get_locale
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from kodaira_app.auth import agreement, sessions
from kodaira_app.auth.throttle import Limit, blocked_until, record
from kodaira_app.extensions import db
from kodaira_app.models import Account
from kodaira_app.queue import enqueue_now
from kodaira_app.timeutil import utcnow

LOGIN_PER_EMAIL = Limit("login-email", 5, timedelta(minutes=15))
LOGIN_PER_IP = Limit("login-ip", 20, timedelta(minutes=15))
MAIL_PER_EMAIL = Limit("account-mail", 5, timedelta(hours=1))


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@functools.cache
def _dummy_hash(method: str) -> str:
    """Checked against when the address is unknown, so both answers take as long.

    Made once per hash method: making it costs a hash, which a known address never pays.
    """
    return generate_password_hash("not a password", method=method)


def find_account(email: str) -> Account | None:
    return db.session.scalar(select(Account).where(Account.email == email))


def check_login(email: str, password: str) -> Account | None:
    """The account when the password matches (confirmed or not), else None."""
    account = find_account(email)
    if account is None or account.closed_at is not None or not account.password_hash:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return None
    return account if check_password_hash(account.password_hash, password) else None


def request_locale() -> str:
    return str(get_locale() or "ja")


def _may_mail(email: str) -> bool:
    """At most a few account mails an hour to one address: no mail bombing through us."""
    if blocked_until(MAIL_PER_EMAIL, email) is not None:
        return False
    record([(MAIL_PER_EMAIL, email)])
    return True


# The visitor's answer never waits for what differs between a known and an unknown
# address: the request checks the limit, does the same work either way and leaves the
# deciding (which mail, if any) to a job.


def sign_up(email: str, password: str) -> None:
    """Hash the password whatever the address, and let a job create or tell the owner."""
    if not _may_mail(email):
        return
    password_hash = hash_password(password)
    agreed = agreement.current(utcnow())
    enqueue_now("kodaira_app.auth.jobs.sign_up", email, password_hash, request_locale(), agreed)


def resend_confirmation(email: str) -> None:
    if _may_mail(email):
        enqueue_now("kodaira_app.auth.jobs.resend_confirmation", email, request_locale())


def send_reset(email: str) -> None:
    if _may_mail(email):
        enqueue_now("kodaira_app.auth.jobs.send_reset", email, request_locale())


def confirm(account: Account) -> None:
    if account.email_confirmed_at is None:
        account.email_confirmed_at = utcnow()
    db.session.commit()


def set_password(account: Account, password: str, keep: str | None = None) -> None:
    """The one way a password changes (reset link or 各種お手続き).

    Every session of the account ends but `keep` (the browser that changed it); a reset
    proves the mailbox, so an unconfirmed address counts as confirmed.
    """
    account.password_hash = hash_password(password)
    if account.email_confirmed_at is None:
        account.email_confirmed_at = utcnow()
    db.session.commit()
    sessions.revoke_all(account_id=account.id, keep=keep)
