"""Signed, expiring links for mails: e-mail confirmation and password reset.

Each token carries a fingerprint of the account's current password hash, so a reset link
stops working once it has been used (the password changed) and a confirmation link from
an earlier sign-up stops working when a later sign-up replaced the password.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from kodaira_app.extensions import db
from kodaira_app.models import Account

CONFIRM_SALT = "account-confirm"
RESET_SALT = "password-reset"
CONFIRM_MAX_AGE = 48 * 3600
RESET_MAX_AGE = 3600


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _fingerprint(account: Account) -> str:
    return hashlib.sha256(account.password_hash.encode()).hexdigest()[:16]


def make_token(account: Account, salt: str) -> str:
    payload = {"id": account.id, "e": account.email, "p": _fingerprint(account)}
    return _serializer(salt).dumps(payload)


def load_token(token: str, salt: str, max_age: int) -> Account | None:
    """The account the token was made for, if it is still valid; else None."""
    try:
        data = _serializer(salt).loads(token, max_age=max_age)
    except BadSignature:  # also SignatureExpired
        return None
    if not isinstance(data, dict):
        return None
    account = db.session.scalar(select(Account).where(Account.id == data.get("id")))
    if account is None or account.closed_at is not None or account.email != data.get("e"):
        return None
    if not hmac.compare_digest(_fingerprint(account), str(data.get("p"))):
        return None
    return account
