"""Staff accounts and console sessions for tests."""

from __future__ import annotations

import time

import pyotp
from werkzeug.security import generate_password_hash

from kodaira_app.extensions import db
from kodaira_app.models.staff import StaffUser
from kodaira_app.timeutil import utcnow

STAFF_PASSWORD = "staff password 12345"


def make_staff(
    email: str = "clerk@town.example",
    role: str = "staff",
    password: str = STAFF_PASSWORD,
    enrolled: bool = True,
) -> StaffUser:
    staff = StaffUser(
        email=email,
        role=role,
        password_hash=generate_password_hash(password, method="scrypt:16384:8:1"),
        totp_secret=pyotp.random_base32(),
        totp_confirmed_at=utcnow() if enrolled else None,
    )
    db.session.add(staff)
    db.session.commit()
    return staff


def current_code(staff: StaffUser) -> str:
    return pyotp.TOTP(staff.totp_secret).now()


def sign_in_staff(client, staff: StaffUser) -> StaffUser:
    """Put the staff member's id in the test client's session, as a finished login does."""
    from kodaira_app.auth.sessions import open_session

    token = open_session(staff_id=staff.id)
    db.session.commit()
    with client.session_transaction() as session:
        session["staff_session"] = token
        session["staff_seen"] = int(time.time())
    return staff
