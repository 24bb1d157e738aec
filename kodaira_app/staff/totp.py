"""Second factor: TOTP codes (pyotp), enrolled by a QR code drawn as SVG (segno)."""

from __future__ import annotations

import time

import pyotp
import segno

from kodaira_app.models.staff import StaffUser

ISSUER = "Obira Town Water App (staff)"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(staff: StaffUser) -> str:
    return pyotp.TOTP(staff.totp_secret).provisioning_uri(name=staff.email, issuer_name=ISSUER)


def qr_data_uri(staff: StaffUser) -> str:
    """The enrolment QR code as an SVG data URI (an <img>, allowed by the CSP)."""
    return segno.make(provisioning_uri(staff), error="m").svg_data_uri(scale=5, border=4)


def accept_code(staff: StaffUser, code: str, at: float | None = None) -> bool:
    """True for a valid code not used before; remembers its time step (no replay)."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return False
    totp = pyotp.TOTP(staff.totp_secret)
    now = time.time() if at is None else at
    step = int(now // totp.interval)
    # One step either side, for a phone whose clock is a little off.
    for candidate in (step - 1, step, step + 1):
        if staff.totp_last_step is not None and candidate <= staff.totp_last_step:
            continue
        if pyotp.utils.strings_equal(code, totp.generate_otp(candidate)):
            staff.totp_last_step = candidate
            return True
    return False
