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
from flask_babel import gettext

from kodaira_app.babel_cache import force_locale
from kodaira_app.links import absolute_url, external_url
from kodaira_app.mailer.render import MailRenderer
from kodaira_app.reports.usual import HISTORY_DAYS
from kodaira_app.timeutil import moment_span, town_tz


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
    home_name: str = ""  # 「鬼鹿の実家」, else the holder's name (WatchRegistration.home_label)
    customer_id: int | None = None  # for the link to 見守り履歴; None in the guide's samples
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
    """「11月25日 06:00〜12:00」; a window ending at midnight: 「11月25日 18:00〜翌0:00」."""
    day = format_skeleton("MMMd", start.astimezone(tz), locale=locale)
    with force_locale(locale):
        return f"{day} {moment_span(start, end, tz)}"


@lru_cache(maxsize=256)
def _span(start: str, end: str, locale: str) -> str:
    """「06:00〜12:00」, "06:00–12:00": the range as the language writes it."""
    with force_locale(locale):
        return gettext("%(start)s〜%(end)s", start=start, end=end)


def missing_ranges(missing_hours, tz, locale: str) -> list[str]:
    """The hours without data, consecutive ones joined: 03:00〜05:00, not 03:00〜04:00 and
    04:00〜05:00."""
    ranges: list[list[datetime]] = []
    for start in sorted(datetime.fromisoformat(iso) for iso in missing_hours or ()):
        if ranges and ranges[-1][1] == start:
            ranges[-1][1] = start + timedelta(hours=1)
        else:
            ranges.append([start, start + timedelta(hours=1)])
    return [_span(_hour(start, tz), _hour(end, tz), locale) for start, end in ranges]


def status_line(status: str, liters: str | None, received_any_use: bool) -> str:
    """What the subject and the first line say, with the figure (called under the
    reader's language)."""
    if status == "used":
        return gettext("使用あり %(liters)s L", liters=liters)
    if status == "none":
        return gettext("使用なし")
    if status == "partial":
        if received_any_use:
            return gettext("使用あり %(liters)s L 以上（一部未受信）", liters=liters)
        return gettext("受信できた時間は使用なし（一部未受信）")
    return gettext("データ未着")


def mail_context(facts: ReportFacts) -> dict:
    tz = town_tz()
    status = facts.status
    amount = facts.deciliters
    if facts.kind == "followup":
        amount = facts.followup_deciliters
        status = "used" if amount else "none"
    liters = _liters(amount, facts.locale)
    history_url = (
        external_url("watch.history", customer_id=facts.customer_id)
        if facts.customer_id is not None
        else None
    )
    return {
        "kind": facts.kind,
        "locale": facts.locale,
        "status": status,
        "status_line": status_line(status, liters, bool(amount)),
        "home": facts.home_name or facts.masked_number,
        "late": facts.late,
        "name": facts.recipient_name,
        "masked_number": facts.masked_number,
        "window": window_label(facts.window_start, facts.window_end, facts.locale, tz),
        "liters": liters,
        "usual_liters": _liters(facts.usual_deciliters, facts.locale),
        "usual_days": HISTORY_DAYS,
        "missing_hours": missing_ranges(facts.missing_hours, tz, facts.locale),
        "history_url": history_url,
        "change_url": absolute_url("/procedures"),
        "notes_url": external_url("main.faq") + "#notes",
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
