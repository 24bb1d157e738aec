"""Signed, expiring links for mails, in one place: e-mail confirmation, password reset and
the change of address (procedures/accounts.py).

`sign` / `unsign` are the only use of the secret key for links. The account tokens carry
a fingerprint of the account's current password hash, so a reset link stops working once
it has been used (the password changed) and a confirmation link from an earlier sign-up
stops working when a later sign-up replaced the password.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import select

from kodaira_app.extensions import db
from kodaira_app.models import Account

CONFIRM_SALT = "account-confirm"
RESET_SALT = "password-reset"
EMAIL_CHANGE_SALT = "email-change"
CONFIRM_MAX_AGE = 48 * 3600
RESET_MAX_AGE = 3600
EMAIL_CHANGE_MAX_AGE = 24 * 3600


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def sign(payload: dict, salt: str) -> str:
    return _serializer(salt).dumps(payload)


def unsign(token: str, salt: str, max_age: int) -> dict | None:
    """The payload of a token signed with `salt` and younger than `max_age` seconds."""
    try:
        data = _serializer(salt).loads(token, max_age=max_age)
    except BadSignature:  # also SignatureExpired
        return None
    return data if isinstance(data, dict) else None


def sign_stable(payload: dict, salt: str) -> str:
    """A signed token without a time in it: the same payload always gives the same link
    (a report's 確認しました link reads the same in its preview and in its mail)."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt).dumps(payload)


def unsign_stable(token: str, salt: str) -> dict | None:
    try:
        data = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt).loads(token)
    except BadSignature:
        return None
    return data if isinstance(data, dict) else None


def _fingerprint(account: Account) -> str:
    return hashlib.sha256(account.password_hash.encode()).hexdigest()[:16]


def make_token(account: Account, salt: str) -> str:
    return sign({"id": account.id, "e": account.email, "p": _fingerprint(account)}, salt)


def load_token(token: str, salt: str, max_age: int) -> Account | None:
    """The account the token was made for, if it is still valid; else None."""
    data = unsign(token, salt, max_age)
    if data is None:
        return None
    account = db.session.scalar(select(Account).where(Account.id == data.get("id")))
    if account is None or account.closed_at is not None or account.email != data.get("e"):
        return None
    if not hmac.compare_digest(_fingerprint(account), str(data.get("p"))):
        return None
    return account
