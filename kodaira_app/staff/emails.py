"""E-mail addresses on staff pages: masked, unless an admin revealed them on this page.

A reveal is a POST (audited by the view) that renders the page once with the addresses in
full; nothing is remembered, so the next page masks them again.
"""

from __future__ import annotations

from flask import g

from kodaira_app.staff.queries import mask_email


def reveal_emails() -> None:
    g.staff_emails_revealed = True


def emails_revealed() -> bool:
    return bool(g.get("staff_emails_revealed"))


def shown_email(address: str | None) -> str:
    """The address as this page may show it."""
    if not address:
        return ""
    return address if emails_revealed() else mask_email(address)


def shown_value(value):
    """An audit detail value: an e-mail address in it is masked like everywhere else."""
    if isinstance(value, str) and "@" in value:
        return shown_email(value)
    return value
