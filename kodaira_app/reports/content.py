"""What a 見守り mail says: the context its templates get, and the rendering.

Rendering is per recipient, in the recipient's language (`force_locale`), numbers and
dates formatted with Babel for that language. The templates are fetched once and rendered
directly, so that a batch of a hundred mails costs little more than the mails themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from babel.dates import format_skeleton
from babel.numbers import format_decimal
from flask import current_app
from flask_babel import force_locale, gettext

from kodaira_app.timeutil import town_tz
from kodaira_app.watch.links import stop_url, unsubscribe_headers

TEMPLATE = "report"


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
    tz = town_tz(current_app.config["TIMEZONE"])
    base_url = current_app.config["APP_BASE_URL"]
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
        "missing_hours": missing,
        "base_url": base_url,
        "change_url": f"{base_url}/procedures",
        "stop_url": stop_url(facts.stop_token),
    }


class Renderer:
    """Renders report mails; keep one per batch."""

    def __init__(self) -> None:
        env = current_app.jinja_env
        self.subject = env.get_template(f"mail/{TEMPLATE}.subject.txt")
        self.text = env.get_template(f"mail/{TEMPLATE}.txt")
        self.html = env.get_template(f"mail/{TEMPLATE}.html")

    def render(self, facts: ReportFacts) -> dict:
        """Subject, bodies and headers of one mail, in the recipient's language."""
        return self.render_many([facts])[0]

    def render_many(self, many: list[ReportFacts]) -> list[dict]:
        """Render a batch, switching the language once per language rather than per mail."""
        out: list[dict | None] = [None] * len(many)
        by_locale: dict[str, list[int]] = {}
        for i, facts in enumerate(many):
            by_locale.setdefault(facts.locale, []).append(i)
        for locale, positions in by_locale.items():
            with force_locale(locale):
                for i in positions:
                    out[i] = self._render(many[i])
        return out

    def _render(self, facts: ReportFacts) -> dict:
        context = mail_context(facts)
        return {
            "subject": " ".join(self.subject.render(context).split()),
            "body_text": self.text.render(context),
            "body_html": self.html.render(context),
            "headers": unsubscribe_headers(facts.stop_token),
        }
