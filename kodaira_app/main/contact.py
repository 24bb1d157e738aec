"""問い合わせ先: the water office as configured (CONTACT_* settings), for every footer."""

from __future__ import annotations

import re

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

FIELDS = ("office_name", "address", "phone", "hours", "emergency_phone")

# The demo's hours (config.DEMO_CONTACT), so that its footer reads in every language; hours
# a town configures otherwise are shown as configured, like its name and address.
KNOWN_HOURS = (_l("平日 8:30〜17:15（土日・祝日・年末年始を除く）"),)


def tel_href(number: str) -> str:
    """「0164-56-0011」 → "tel:0164560011": a link a phone dials."""
    return "tel:" + re.sub(r"[^0-9+]", "", number)


def contact_details() -> dict[str, str] | None:
    """The configured office, or None when none is set (the footer then leaves it out)."""
    config = current_app.config
    values = {name: (config.get(f"CONTACT_{name.upper()}") or "").strip() for name in FIELDS}
    if not any(values.values()):
        return None
    if values["hours"]:
        values["hours"] = gettext(values["hours"])
    return values
