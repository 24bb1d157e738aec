"""What a 見守り mail says: the facts of one mail and the context its templates get.

Rendering is per recipient, in the recipient's language, numbers and dates formatted with
Babel for that language, by the mailer's one renderer (kodaira_app/mailer/render.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from babel.dates import format_skeleton
from babel.numbers import format_decimal
from flask import current_app
from flask_babel import force_locale, gettext

from kodaira_app.links import absolute_url
from kodaira_app.mailer.render import MailRenderer
from kodaira_app.reports.usual import HISTORY_DAYS
from kodaira_app.timeutil import town_tz


@dataclass
class ReportFacts:
    """The facts of one mail, read from the evaluation, recipient and contract rows."""

    kind: str  # report / followup
    status: str  # used / none / missing / partial
    window_start: datetime
    window_end: datetime
    deciliters: int | None
    usual_deciliters: int | None
    missing_hours: list[str]
    late: bool
    followup_deciliters: int | None
    recipient_name: str
    recipient_email: str
    locale: str
    stop_token: str
    masked_number: str
    # A test mail (reports/test_mails.py): 【テスト】, and when the real mails come (town
    # times of day, "12:30").
    test: bool = False
    report_times: tuple[str, ...] = ()


@lru_cache(maxsize=4096)
def _liters(deciliters: int | None, locale: str) -> str | None:
    if deciliters is None:
        return None
    return format_decimal(deciliters / 10, format="#,##0.0", locale=locale)


def _hour(moment: datetime, tz) -> str:
    local = moment.astimezone(tz)
    return f"{local.hour:02d}:{local.minute:02d}"


@lru_cache(maxsize=1024)  # a batch mostly shares one window
def window_label(start: datetime, end: datetime, locale: str, tz) -> str:
    """「11月25日 06:00〜12:00」; a window ending at midnight ends at 24:00."""
    local_start = start.astimezone(tz)
    day = format_skeleton("MMMd", local_start, locale=locale)
    end_label = _hour(end, tz)
    if end_label == "00:00":
        end_label = "24:00"
    return f"{day} {_span(_hour(start, tz), end_label, locale)}"


@lru_cache(maxsize=256)
def _span(start: str, end: str, locale: str) -> str:
    """「06:00〜12:00」, "06:00–12:00": the range as the language writes it."""
    with force_locale(locale):
        return gettext("%(start)s〜%(end)s", start=start, end=end)


def mail_context(facts: ReportFacts) -> dict:
    tz = town_tz()
    status = facts.status
    amount = facts.deciliters
    if facts.kind == "followup":
        amount = facts.followup_deciliters
        status = "used" if amount else "none"
    missing = []
    for iso in facts.missing_hours or ():
        start = datetime.fromisoformat(iso)
        missing.append(_span(_hour(start, tz), _hour(start + timedelta(hours=1), tz), facts.locale))
    return {
        "kind": facts.kind,
        "locale": facts.locale,
        "status": status,
        "late": facts.late,
        "name": facts.recipient_name,
        "masked_number": facts.masked_number,
        "window": window_label(facts.window_start, facts.window_end, facts.locale, tz),
        "timezone": current_app.config["TIMEZONE"],
        "liters": _liters(amount, facts.locale),
        "usual_liters": _liters(facts.usual_deciliters, facts.locale),
        "usual_days": HISTORY_DAYS,
        "missing_hours": missing,
        "change_url": absolute_url("/procedures"),
        "stop_token": facts.stop_token,
        "test": facts.test,
        "report_times": list(facts.report_times),
    }


def mail_kind(facts: ReportFacts) -> str:
    """watch_report / watch_followup / watch_report_test (kodaira_app/mailer/kinds.py)."""
    return "watch_report_test" if facts.test else f"watch_{facts.kind}"


class Renderer:
    """Renders report mails from their facts; keep one per batch."""

    def __init__(self) -> None:
        self.mails = MailRenderer()

    def render(self, facts: ReportFacts) -> dict:
        """Subject, bodies and headers of one mail, in the recipient's language."""
        return self.render_many([facts])[0]

    def render_many(self, many: list[ReportFacts]) -> list[dict]:
        """Render a batch, switching the language once per language rather than per mail."""
        return self.mails.render_many(
            [(mail_kind(f), f.locale, lambda f=f: mail_context(f)) for f in many]
        )
