"""Login sessions the server can end (LoginSession rows), for residents and staff alike.

The browser holds a random id (in the session cookie and in the "remember me" cookie);
every request looks its row up and is signed out when the row is revoked or expired.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from flask import current_app, has_request_context, request
from sqlalchemy import bindparam, select, update

from kodaira_app.extensions import db
from kodaira_app.models import Account, LoginSession
from kodaira_app.timeutil import utcnow

# last_seen_at is written at most this often: no write per request.
SEEN_EVERY = timedelta(minutes=1)

_BROWSERS = [
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
]
_SYSTEMS = [
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "Mac"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def device_hint(user_agent: str) -> str:
    """A short name of the browser and system ("Firefox / Windows"), or the agent's start."""
    browser = next((name for key, name in _BROWSERS if key in user_agent), None)
    system = next((name for key, name in _SYSTEMS if key in user_agent), None)
    if browser or system:
        return " / ".join(part for part in (browser, system) if part)
    return re.sub(r"\s+", " ", user_agent).strip()[:60]


def open_session(
    *, account: Account | None = None, staff_id: int | None = None, remember: bool = False
) -> str:
    """A new row for this login; returns the random id for the cookie. The caller commits."""
    token = secrets.token_urlsafe(32)
    agent = request.headers.get("User-Agent", "") if has_request_context() else ""
    db.session.add(
        LoginSession(
            token_hash=_hash(token),
            account_id=account.id if account is not None else None,
            staff_id=staff_id,
            remember=remember,
            device=device_hint(agent)[:100],
        )
    )
    return token


def ends_at(row: LoginSession) -> datetime:
    """When the row stops opening anything, revocation aside."""
    config = current_app.config
    if row.staff_id is not None:
        absolute = row.created_at + timedelta(hours=config["STAFF_SESSION_MAX_HOURS"])
        # The idle limit is also kept in the cookie; a minute of slack covers SEEN_EVERY.
        idle = row.last_seen_at + timedelta(minutes=config["STAFF_IDLE_MINUTES"]) + SEEN_EVERY
        return min(absolute, idle)
    absolute = row.created_at + config["REMEMBER_COOKIE_DURATION"]
    if row.remember:
        return absolute
    return min(absolute, row.last_seen_at + timedelta(hours=config["SESSION_IDLE_HOURS"]))


def find_session(token: str | None, now: datetime | None = None) -> LoginSession | None:
    """The live row of `token`, its last_seen_at brought up to date; None when it has ended."""
    if not token:
        return None
    row = db.session.scalar(select(LoginSession).where(LoginSession.token_hash == _hash(token)))
    return _live(row, now or utcnow())


def _live(row: LoginSession | None, now: datetime) -> LoginSession | None:
    if row is None or row.revoked_at is not None:
        return None
    if now >= ends_at(row):
        revoke_rows([row.id], now)
        return None
    if now - row.last_seen_at >= SEEN_EVERY:
        row.last_seen_at = now
        db.session.commit()
    return row


def revoke_rows(ids: list[int], now: datetime | None = None) -> None:
    if ids:
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.id.in_(ids), LoginSession.revoked_at.is_(None))
            .values(revoked_at=now or utcnow())
        )
        db.session.commit()


def revoke_token(token: str | None) -> None:
    if token:
        ids = db.session.scalars(
            select(LoginSession.id).where(LoginSession.token_hash == _hash(token))
        ).all()
        revoke_rows(list(ids))


def revoke_all(
    *, account_id: int | None = None, staff_id: int | None = None, keep: str | None = None
) -> int:
    """End every live session of an account or a staff member (but `keep`'s). Commits."""
    query = select(LoginSession.id).where(LoginSession.revoked_at.is_(None))
    if account_id is not None:
        query = query.where(LoginSession.account_id == account_id)
    elif staff_id is not None:
        query = query.where(LoginSession.staff_id == staff_id)
    else:
        raise ValueError("revoke_all needs an account or a staff member")
    if keep:
        query = query.where(LoginSession.token_hash != _hash(keep))
    ids = list(db.session.scalars(query))
    revoke_rows(ids)
    return len(ids)


def live_sessions(account: Account, now: datetime | None = None) -> list[LoginSession]:
    """The account's signed-in browsers, most recently seen first."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(LoginSession)
        .where(LoginSession.account_id == account.id, LoginSession.revoked_at.is_(None))
        .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
    )
    return [row for row in rows if now < ends_at(row)]


def is_token_of(row: LoginSession, token: str | None) -> bool:
    return bool(token) and secrets.compare_digest(row.token_hash, _hash(token))


_SESSION_ACCOUNT = (
    select(LoginSession, Account)
    .join(Account, Account.id == LoginSession.account_id)
    .where(LoginSession.token_hash == bindparam("token_hash"))
)


def load_account(token: str) -> Account | None:
    """Flask-Login's user loader (session and remember cookie): the row decides."""
    if not token:
        return None
    # One statement for the session row and its account: every page pays for it.
    found = db.session.execute(_SESSION_ACCOUNT, {"token_hash": _hash(token)}).first()
    if found is None or _live(found[0], utcnow()) is None:
        return None
    account = found[1]
    if account.closed_at is not None:
        return None
    account.login_token = token
    return account


def current_token() -> str | None:
    """The random id of this browser's resident session (cookie or remember cookie)."""
    from flask_login import current_user

    return getattr(current_user, "login_token", None) if current_user.is_authenticated else None


def sign_in(account: Account, remember: bool = False) -> None:
    """A new session row, then Flask-Login's cookies carrying its id."""
    from flask_login import login_user

    token = open_session(account=account, remember=remember)
    db.session.commit()
    account.login_token = token
    login_user(account, remember=remember, duration=current_app.config["REMEMBER_COOKIE_DURATION"])


def sign_out(everywhere: bool = False) -> None:
    """End this browser's session (or every one of the account's) and clear its cookies."""
    from flask_login import current_user, logout_user

    if current_user.is_authenticated:
        if everywhere:
            revoke_all(account_id=current_user.id)
        else:
            revoke_token(current_token())
    logout_user()
