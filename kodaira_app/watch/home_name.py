"""The watched home's name (「鬼鹿の実家」): chosen on the 見守り input screen, shown in the
subject and first line of every report mail; the contract holder's name when none is given."""

from __future__ import annotations

from kodaira_app.models import Customer, WatchRegistration
from kodaira_app.watch.windows import RuleError

HOME_NAME_MAX = 30  # it heads a mail subject on a phone


def check_home_name(value: str | None) -> str:
    """Spaces collapsed; "" means 「the holder's name」. RuleError when too long."""
    name = " ".join((value or "").split())
    if len(name) > HOME_NAME_MAX:
        raise RuleError("home_name_too_long")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise RuleError("name_invalid")
    return name


def stored_home_name(value: str, customer: Customer) -> str | None:
    """What the registration keeps: None when it is the holder's name, so that a name
    the town corrects later reaches the mails too."""
    return None if not value or value == customer.name else value


def initial_home_name(customer: Customer, registration: WatchRegistration | None) -> str:
    """The input screen's value before anything was typed."""
    if registration is not None:
        return registration.home_label(customer.name)
    return customer.name
