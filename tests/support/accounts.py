"""Accounts and logins for tests."""

from __future__ import annotations

from werkzeug.security import generate_password_hash

from kodaira_app.extensions import db
from kodaira_app.models import Account
from kodaira_app.timeutil import utcnow

DEFAULT_PASSWORD = "correct horse battery"


def make_account(
    email: str = "taro@example.com", password: str = DEFAULT_PASSWORD, confirmed: bool = True
) -> Account:
    account = Account(
        email=email,
        password_hash=generate_password_hash(password, method="scrypt:16384:8:1"),
        email_confirmed_at=utcnow() if confirmed else None,
    )
    db.session.add(account)
    db.session.commit()
    return account


class AuthActions:
    def __init__(self, client, app):
        self._client = client
        self._app = app

    def login(self, email: str = "taro@example.com", password: str = DEFAULT_PASSWORD):
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/logout")

    def signed_in(self, email: str = "taro@example.com", password: str = DEFAULT_PASSWORD):
        """An account that exists, confirmed, and is logged in on the test client.

        Sets the Flask-Login session directly, so that feature tests do not depend on
        the login form (which tests/test_auth.py covers).
        """
        account = make_account(email, password)
        with self._client.session_transaction() as session:
            session["_user_id"] = session_id(account)
            session["_fresh"] = True
        return account


def session_id(account: Account, remember: bool = False) -> str:
    """A new login session row of the account: the id its cookies carry."""
    from kodaira_app.auth.sessions import open_session

    token = open_session(account=account, remember=remember)
    db.session.commit()
    return token
