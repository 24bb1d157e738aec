"""Bearer tokens of the meter head-end: created by staff, stored as a SHA-256 hash only.

The token is shown once, when it is created; a lost token is revoked and replaced.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from kodaira_app.extensions import db
from kodaira_app.models import ApiToken
from kodaira_app.timeutil import utcnow

# Recognisable in logs and by secret scanners; the random part carries the strength.
PREFIX = "kdr_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(name: str) -> tuple[ApiToken, str]:
    """Store a new token for `name`; return the row and the token (never stored)."""
    name = name.strip()
    if not name:
        raise ValueError("a token needs a name")
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name[:100], token_hash=hash_token(token))
    db.session.add(row)
    db.session.commit()
    return row, token


def revoke_token(token_id: int) -> ApiToken | None:
    """Revoke a token (once; revoking again keeps the first time). None if unknown."""
    row = db.session.get(ApiToken, token_id)
    if row is None:
        return None
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        db.session.commit()
    return row


def verify_token(token: str) -> ApiToken | None:
    """The live token row for `token`, its last use recorded; None if unknown or revoked."""
    if not token:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None:
        return None
    row.last_used_at = utcnow()
    db.session.commit()
    return row


def list_tokens() -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.id)))
