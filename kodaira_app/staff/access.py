"""Who is at the staff console: the staff session, its idle timeout, and the gates.

The resident's login (Flask-Login's current_user) plays no part here: the staff member's
id lives in the session under its own key, so a resident's session never opens a staff
page, and a staff login never signs anyone in as a resident.
"""

from __future__ import annotations

import functools
import time
from datetime import timedelta

from flask import abort, current_app, g, request, session

from kodaira_app.auth import sessions, throttle
from kodaira_app.auth.throttle import Limit
from kodaira_app.extensions import db
from kodaira_app.models.staff import StaffUser
from kodaira_app.timeutil import utcnow

STAFF_KEY = "staff_session"  # the random id of the staff member's LoginSession row
SEEN_KEY = "staff_seen"
PENDING_KEY = "staff_pending"  # password accepted, code not yet
PENDING_SECONDS = 300


def idle_limit_seconds() -> int:
    return current_app.config["STAFF_IDLE_MINUTES"] * 60


def current_staff() -> StaffUser | None:
    """The staff member of this request, loaded once by `load_staff`."""
    return g.get("staff")


def load_staff() -> str | None:
    """Put the session's staff member on `g`; why it ended when it just did.

    "expired": the idle timeout; "ended": the 8-hour limit, a logout elsewhere with this
    cookie, a reset or disabling of the account (the LoginSession row decides).
    """
    g.staff = None
    token = session.get(STAFF_KEY)
    if token is None:
        return None
    seen = session.get(SEEN_KEY, 0)
    if time.time() - seen > idle_limit_seconds():
        end_staff_session()
        return "expired"
    row = sessions.find_session(token)
    if row is None or row.staff_id is None:
        end_staff_session()
        return "ended"
    staff = db.session.get(StaffUser, row.staff_id)
    if staff is None or staff.disabled_at is not None:
        end_staff_session()
        return None
    session[SEEN_KEY] = int(time.time())
    g.staff = staff
    return None


def start_staff_session(staff: StaffUser) -> None:
    """A new LoginSession row; the cookie carries only its random id. The caller commits."""
    session.pop(PENDING_KEY, None)
    session[STAFF_KEY] = sessions.open_session(staff_id=staff.id)
    session[SEEN_KEY] = int(time.time())
    staff.last_login_at = utcnow()


def end_staff_session() -> None:
    """Logout: the row is revoked, so a copy of this cookie opens nothing either."""
    sessions.revoke_token(session.get(STAFF_KEY))
    for key in (STAFF_KEY, SEEN_KEY, PENDING_KEY):
        session.pop(key, None)


def set_pending(staff: StaffUser) -> None:
    session[PENDING_KEY] = {"id": staff.id, "at": int(time.time())}


def pending_staff() -> StaffUser | None:
    """The staff member whose password was accepted a moment ago and who owes a code."""
    pending = session.get(PENDING_KEY)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return None
    staff = db.session.get(StaffUser, pending["id"])
    if staff is None or staff.disabled_at is not None:
        session.pop(PENDING_KEY, None)
        return None
    return staff


def staff_required(view):
    """Anyone but a signed-in staff member gets 404: the console does not exist for them."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if current_staff() is None:
            abort(404)
        return view(*args, **kwargs)

    return wrapped


# --- throttling of failed logins -------------------------------------------------------

EMAIL_LIMIT = Limit("staff-login-email", 5, timedelta(minutes=15))
ADDRESS_LIMIT = Limit("staff-login-ip", 20, timedelta(minutes=15))


def _throttle_checks(email: str) -> list[tuple[Limit, str]]:
    return [(EMAIL_LIMIT, email.strip().lower()), (ADDRESS_LIMIT, request.remote_addr or "-")]


def login_throttled(email: str) -> bool:
    return throttle.first_block(_throttle_checks(email)) is not None


def record_login_failure(email: str) -> None:
    """Count a failed password or code (committed at once, whatever the request does)."""
    throttle.record(_throttle_checks(email))


# --- roles: who may use which part of the console ----------------------------------------

STAFF = "staff"
ADMIN = "admin"
_RANK = {STAFF: 1, ADMIN: 2}

# Every console endpoint (its name under "staff.") and the least role that may use it.
# The gate checks each request against this table; an endpoint missing from it is refused
# to everyone, so a new page is closed until it is written down here. README's roles table
# is this table.
PERMISSIONS: dict[str, str] = {
    "logout": STAFF,
    "search.index": STAFF,
    "contracts.show": STAFF,
    "contracts.reveal": ADMIN,
    "deliveries.index": STAFF,
    "deliveries.show": STAFF,
    "deliveries.resend": STAFF,
    "deliveries.reveal": ADMIN,
    "outbox.index": STAFF,
    "outbox.show": STAFF,
    "outbox.html": STAFF,
    "outbox.reveal": ADMIN,
    "tick.preview": STAFF,
    "tick.run": ADMIN,
    "tick.result": ADMIN,
    # Test mode: a test report of any past window, to the recipients or the clerk only.
    "tick_test.preview": STAFF,
    "tick_test.send": STAFF,
    "uploads.index": STAFF,
    "uploads.readings": STAFF,
    "uploads.customers": ADMIN,
    "uploads.billing": ADMIN,
    # A result page is also checked against its upload's kind (uploads.<kind>).
    "uploads.result": STAFF,
    "direct_debit.index": STAFF,
    "direct_debit.process": ADMIN,
    "tokens.index": ADMIN,
    "tokens.create": ADMIN,
    "tokens.revoke": ADMIN,
    "audit.index": ADMIN,
    "episodes.index": STAFF,
    "episodes.preview": STAFF,
}
# Open without a staff session: the login page itself.
PUBLIC = frozenset({"login"})


def action_of(endpoint: str | None) -> str:
    """The PERMISSIONS key of a console endpoint: 'staff.tokens.index' → 'tokens.index'."""
    return (endpoint or "").removeprefix("staff.")


def may(staff: StaffUser | None, action: str) -> bool:
    """Whether this staff member's role reaches the role the action needs."""
    needed = PERMISSIONS.get(action)
    if staff is None or needed is None:
        return False
    return _RANK.get(staff.role, 0) >= _RANK[needed]


def can(action: str) -> bool:
    """`may` for the signed-in staff member (templates use it to hide what they cannot use)."""
    return may(current_staff(), action)


def require(action: str) -> None:
    """403 unless the signed-in staff member may do `action`."""
    if not can(action):
        abort(403)
