"""Account rules apart from the views: sign-up, password check, confirmation, reset.

Every answer a visitor sees is the same whether an address is known or not; what
differs is only the mail that goes to the address, which only its owner reads.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, url_for
from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from kodaira_app.auth import tokens
from kodaira_app.auth.throttle import Limit, blocked_until, record
from kodaira_app.extensions import db
from kodaira_app.mailer.outbox import queue_mail
from kodaira_app.models import Account
from kodaira_app.timeutil import utcnow

LOGIN_PER_EMAIL = Limit("login-email", 5, timedelta(minutes=15))
LOGIN_PER_IP = Limit("login-ip", 20, timedelta(minutes=15))
MAIL_PER_EMAIL = Limit("account-mail", 5, timedelta(hours=1))

# Checked against when the address is unknown, so both answers take as long.
_DUMMY_HASH: dict[str, str] = {}


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def find_account(email: str) -> Account | None:
    return db.session.scalar(select(Account).where(Account.email == email))


def check_login(email: str, password: str) -> Account | None:
    """The account when the password matches (confirmed or not), else None."""
    account = find_account(email)
    if account is None or account.closed_at is not None:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        dummy = _DUMMY_HASH.setdefault(method, hash_password("not a password"))
        check_password_hash(dummy, password)
        return None
    return account if check_password_hash(account.password_hash, password) else None


def _link(endpoint: str, **values) -> str:
    return current_app.config["APP_BASE_URL"] + url_for(endpoint, **values)


def _locale(account: Account | None = None) -> str:
    return (account.locale if account and account.locale else None) or str(get_locale() or "ja")


def _may_mail(email: str) -> bool:
    """At most a few account mails an hour to one address: no mail bombing through us."""
    if blocked_until(MAIL_PER_EMAIL, email) is not None:
        return False
    record([(MAIL_PER_EMAIL, email)])
    return True


def _mail(account: Account, template: str, **context) -> None:
    queue_mail(to=account.email, kind=template, template=template, locale=_locale(account),
               **context)


def send_confirmation(account: Account) -> None:
    token = tokens.make_token(account, tokens.CONFIRM_SALT)
    _mail(account, "account_confirm", link=_link("auth.confirm", token=token),
          hours=tokens.CONFIRM_MAX_AGE // 3600)


def sign_up(email: str, password: str) -> None:
    """Create the account and mail the confirmation link, or tell the owner by mail.

    A second sign-up of an unconfirmed address replaces the password and sends a new
    link (the earlier link stops working): whoever reads the mailbox decides.
    """
    if not _may_mail(email):
        return
    account = find_account(email)
    if account is None:
        account = Account(email=email, password_hash=hash_password(password), locale=_locale())
        db.session.add(account)
        try:
            db.session.flush()
        except IntegrityError:
            # The same address signed up at the same moment: the first one stands.
            db.session.rollback()
            return
        send_confirmation(account)
    elif account.closed_at is not None:
        return
    elif account.email_confirmed_at is None:
        account.password_hash = hash_password(password)
        send_confirmation(account)
    else:
        _mail(account, "account_exists", login_link=_link("auth.login"),
              reset_link=_link("auth.reset_request"))
    db.session.commit()


def resend_confirmation(email: str) -> None:
    account = find_account(email)
    if account is None or account.closed_at is not None or not _may_mail(email):
        return
    if account.email_confirmed_at is None:
        send_confirmation(account)
        db.session.commit()


def confirm(account: Account) -> None:
    if account.email_confirmed_at is None:
        account.email_confirmed_at = utcnow()
    db.session.commit()


def send_reset(email: str) -> None:
    account = find_account(email)
    if account is None or account.closed_at is not None or not _may_mail(email):
        return
    token = tokens.make_token(account, tokens.RESET_SALT)
    _mail(account, "account_reset", link=_link("auth.reset_password", token=token),
          minutes=tokens.RESET_MAX_AGE // 60)
    db.session.commit()


def set_password(account: Account, password: str) -> None:
    """New password: every session of the account ends; the mailbox is proven too."""
    account.password_hash = hash_password(password)
    account.session_version += 1
    if account.email_confirmed_at is None:
        account.email_confirmed_at = utcnow()
    db.session.commit()
