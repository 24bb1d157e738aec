"""The rules of a 見守り registration, apart from Flask so they can be tested on their own.

A window starts at a whole hour of the town's clock and lasts `width` hours (the guide's
6 hours by default). A day has at most two windows, and they may not overlap on the
24-hour clock: 22:00 and 02:00 overlap, 06:00 and 00:00 only touch. Where hours are typed
(an old form, CSV, the API) 24 is accepted for midnight: it means 0 and is written 00:00,
like every time, by kodaira_app.timeutil.clock_label (a window ending at midnight: 翌0:00).

Every refusal is a RuleError with a code; the forms turn codes into the screen's words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email

from kodaira_app.babel_cache import gettext
from kodaira_app.timeutil import clock_label, span_label

DEFAULT_WIDTH = 6
MAX_WINDOWS = 2
MAX_RECIPIENTS = 5
NAME_MAX = 50
EMAIL_MAX = 254
HOURS_PER_DAY = 24
# Characters that could end a header or start another address: never in an address.
_FORBIDDEN_IN_EMAIL = set("\r\n\t\0 ,;<>\"'()[]\\:")


class RuleError(ValueError):
    """A registration that breaks a rule; `code` names which."""

    def __init__(self, code: str, index: int | None = None):
        super().__init__(code)
        self.code = code
        self.index = index


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str
    locale: str = "ja"


def start_hour(entered: int) -> int:
    """The clock hour 0–23 of an entered start 0–24 (24 is midnight, the same as 0)."""
    if not isinstance(entered, int) or isinstance(entered, bool):
        raise RuleError("hour_invalid")
    if not 0 <= entered <= HOURS_PER_DAY:
        raise RuleError("hour_invalid")
    return entered % HOURS_PER_DAY


def display_hour(entered: int) -> str:
    """A start hour as every screen writes it: 8 → 08:00; 24 and 0 → 00:00."""
    return clock_label(start_hour(entered) * 60)


def window_span(start: int, width: int = DEFAULT_WIDTH) -> str:
    """The window of a start hour: 6 → 「06:00〜12:00」, 18 → 「18:00〜翌0:00」."""
    begin = start_hour(start) * 60
    return span_label(begin, begin + width * 60)


def window_summary(start: int, width: int = DEFAULT_WIDTH, delay_minutes: int = 30) -> str:
    """「06:00〜12:00 を見守り、12:30 ごろメール」: beside a chosen hour, on 確認 and done."""
    return gettext(
        "%(window)s を見守り、%(report)s ごろメール",
        window=window_span(start, width),
        report=report_time(start, width, delay_minutes),
    )


def covered_hours(start: int, width: int = DEFAULT_WIDTH) -> set[int]:
    """The clock hours a window starting at `start` (0–24) covers."""
    return {(start + offset) % HOURS_PER_DAY for offset in range(width)}


def overlaps(a: int, b: int, width: int = DEFAULT_WIDTH) -> bool:
    """Whether windows starting at hours a and b (0–24) share any time on the clock."""
    if width >= HOURS_PER_DAY:
        return True
    a, b = a % HOURS_PER_DAY, b % HOURS_PER_DAY
    return (b - a) % HOURS_PER_DAY < width or (a - b) % HOURS_PER_DAY < width


def check_windows(entered: Sequence[int | None], width: int = DEFAULT_WIDTH) -> list[int]:
    """The entered start hours (None for an empty line), checked; returns the kept hours.

    The first line is required, the second optional; hours as entered (24 kept).
    """
    if not 1 <= width <= HOURS_PER_DAY:
        raise ValueError(f"window width must be 1–24 hours, got {width}")
    if len(entered) > MAX_WINDOWS:
        raise RuleError("too_many_windows")
    if not entered or entered[0] is None:
        raise RuleError("first_window_required", 0)
    hours = [h for h in entered if h is not None]
    for index, hour in enumerate(entered):
        if hour is not None:
            try:
                start_hour(hour)
            except RuleError as exc:
                raise RuleError(exc.code, index) from None
    if len(hours) == 2 and overlaps(hours[0], hours[1], width):
        raise RuleError("windows_overlap", 1)
    return hours


def check_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise RuleError("name_required")
    if len(name) > NAME_MAX:
        raise RuleError("name_too_long")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise RuleError("name_invalid")
    return name


def check_email(address: str) -> str:
    """A plain address (local@domain), normalized; refuses anything that could inject."""
    raw = address or ""
    stripped = raw.strip(" ")
    if not stripped:
        raise RuleError("email_required")
    if len(stripped) > EMAIL_MAX or any(ch in _FORBIDDEN_IN_EMAIL for ch in stripped):
        raise RuleError("email_invalid")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in raw):
        raise RuleError("email_invalid")
    try:
        result = validate_email(
            stripped,
            check_deliverability=False,
            allow_smtputf8=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_display_name=False,
        )
    except EmailNotValidError:
        raise RuleError("email_invalid") from None
    return result.normalized


def email_key(address: str) -> str:
    """Addresses compare without regard to case."""
    return address.strip().lower()


def check_recipients(rows: Sequence[Recipient]) -> list[Recipient]:
    """1 to 5 recipients, each a valid name and address, no address twice."""
    if len(rows) > MAX_RECIPIENTS:
        raise RuleError("too_many_recipients")
    if not rows:
        raise RuleError("recipient_required")
    seen: set[str] = set()
    checked = []
    for index, row in enumerate(rows):
        try:
            name = check_name(row.name)
            email = check_email(row.email)
        except RuleError as exc:
            raise RuleError(exc.code, index) from None
        if email_key(email) in seen:
            raise RuleError("email_duplicate", index)
        seen.add(email_key(email))
        checked.append(Recipient(name=name, email=email, locale=row.locale))
    return checked


def window_bounds(
    start: int, day: date, width: int = DEFAULT_WIDTH, tz: str = "Asia/Tokyo"
) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the window that starts at hour `start` (0–24) on `day`.

    `day` is the town date the window starts on; 24 is read as 0 (midnight) of that day.
    """
    zone = ZoneInfo(tz)
    local_start = datetime.combine(day, time(start_hour(start)), tzinfo=zone)
    begin = local_start.astimezone(UTC)
    return begin, begin + timedelta(hours=width)


def report_time(start: int, width: int = DEFAULT_WIDTH, delay_minutes: int = 30) -> str:
    """When the report of a window is sent: start 06:00 → 12:30, start 18:00 → 翌0:30."""
    return clock_label(start_hour(start) * 60 + width * 60 + delay_minutes)


def end_time(start: int, width: int = DEFAULT_WIDTH) -> str:
    """When a window ends: start 06:00 → 12:00, start 24 → 06:00, start 18:00 → 翌0:00."""
    return clock_label((start_hour(start) + width) * 60)
