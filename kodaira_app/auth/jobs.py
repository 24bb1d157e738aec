"""Account mails decided in a job: the request that asked took the same path either way.

Each job looks the address up and sends what its owner needs (a confirmation link, a
reset link, "you already have an account"), or nothing for an unknown address.
"""

from __future__ import annotations

from flask import current_app, has_request_context, url_for
from sqlalchemy.exc import IntegrityError

from kodaira_app.auth import agreement, tokens
from kodaira_app.auth.accounts import find_account
from kodaira_app.extensions import db
from kodaira_app.mailer.outbox import queue_mail
from kodaira_app.models import Account


def _link(endpoint: str, **values) -> str:
    if has_request_context():
        path = url_for(endpoint, **values)
    else:  # a job: only the routing is needed, the host comes from APP_BASE_URL
        with current_app.test_request_context():
            path = url_for(endpoint, **values)
    return current_app.config["APP_BASE_URL"] + path


def _mail(account: Account, template: str, locale: str, **context) -> None:
    """In the account's language, else in the one the visitor used when asking."""
    queue_mail(
        to=account.email,
        kind=template,
        template=template,
        locale=account.locale or locale,
        **context,
    )


def send_confirmation(account: Account, locale: str) -> None:
    token = tokens.make_token(account, tokens.CONFIRM_SALT)
    _mail(
        account,
        "account_confirm",
        locale,
        link=_link("auth.confirm", token=token),
        hours=tokens.CONFIRM_MAX_AGE // 3600,
    )


def _live(email: str) -> Account | None:
    account = find_account(email)
    return account if account is not None and account.closed_at is None else None


def sign_up(
    email: str, password_hash: str, locale: str, agreed: dict[str, str] | None = None
) -> None:
    """Create the account and mail the confirmation link, or tell the owner by mail.

    A second sign-up of an unconfirmed address replaces the password and the agreement
    and sends a new link (the earlier link stops working): whoever reads the mailbox
    decides. `agreed`: the editions of the documents agreed and when (auth/agreement.py).
    """
    account = find_account(email)
    if account is None:
        account = Account(email=email, password_hash=password_hash, locale=locale)
        if agreed:
            agreement.record(account, agreed)
        db.session.add(account)
        try:
            db.session.flush()
        except IntegrityError:
            # The same address signed up at the same moment: the first one stands.
            db.session.rollback()
            return
        send_confirmation(account, locale)
    elif account.closed_at is not None:
        return
    elif account.email_confirmed_at is None:
        account.password_hash = password_hash
        if agreed:
            agreement.record(account, agreed)
        send_confirmation(account, locale)
    else:
        _mail(
            account,
            "account_exists",
            locale,
            login_link=_link("auth.login"),
            reset_link=_link("auth.reset_request"),
        )
    db.session.commit()


def resend_confirmation(email: str, locale: str) -> None:
    account = _live(email)
    if account is not None and account.email_confirmed_at is None:
        send_confirmation(account, locale)
        db.session.commit()


def send_reset(email: str, locale: str) -> None:
    account = _live(email)
    if account is None:
        return
    token = tokens.make_token(account, tokens.RESET_SALT)
    _mail(
        account,
        "account_reset",
        locale,
        link=_link("auth.reset_password", token=token),
        minutes=tokens.RESET_MAX_AGE // 60,
    )
    db.session.commit()
