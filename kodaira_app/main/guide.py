"""The public guide's pieces: the screenshots in the reader's language, the timeline
picture of a window and its mail, and the sample mails (two reports, one alert), rendered
by the reports' and the alerts' own code so they read exactly like real ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _

from kodaira_app.alerts.mails import episode_context
from kodaira_app.mailer.outbox import render_mail
from kodaira_app.models import AlertEpisode, Customer, WatchRecipient
from kodaira_app.models.alerts import AlertRule
from kodaira_app.reports.content import Renderer, ReportFacts
from kodaira_app.timeutil import town_tz
from kodaira_app.watch.windows import display_hour, report_time, window_span

# The walk's screenshots, one folder per language (`make guide`); Japanese is the fallback.
SHOTS_FOLDER = "guide"
FALLBACK_LOCALE = "ja"
# The guide's examples: 1. 朝6時, 2. 24時 (midnight, written 00:00 like everywhere).
EXAMPLE_STARTS = (6, 24)
# The timeline's drawing: a 24-hour axis across the picture.
AXIS_LEFT, AXIS_RIGHT = 40, 680
LANE_TOP, LANE_HEIGHT = 48, 56


@dataclass(frozen=True)
class Lane:
    """One example window on the 24-hour axis, and the moment its mail goes out."""

    number: int
    entered: int  # as typed: 24 for midnight
    start: int  # on the clock, 0–23
    end: float
    mail_at: float
    y: int
    width_hours: int
    delay_minutes: int

    @property
    def x(self) -> float:
        return hour_x(self.start)

    @property
    def width(self) -> float:
        return hour_x(self.end) - hour_x(self.start)

    @property
    def mail_x(self) -> float:
        return hour_x(self.mail_at)

    # The labels in the one notation of every screen and mail (watch/windows.py).
    @property
    def start_label(self) -> str:
        return display_hour(self.entered)

    @property
    def window_label(self) -> str:
        return window_span(self.entered, self.width_hours)

    @property
    def mail_label(self) -> str:
        return report_time(self.entered, self.width_hours, self.delay_minutes)


@dataclass(frozen=True)
class Screenshot:
    """A screenshot's file under static/, and whether it shows the reader's language."""

    filename: str
    in_reader_language: bool


def screenshot(name: str, locale: str) -> Screenshot | None:
    """static/guide/<locale>/<name>.png, or the Japanese one when that language has none;
    None before `make guide` has taken it at all (the step then shows no picture)."""
    static = Path(current_app.static_folder)
    for folder in (locale, FALLBACK_LOCALE):
        filename = f"{SHOTS_FOLDER}/{folder}/{name}.png"
        if (static / filename).is_file():
            return Screenshot(filename, folder == locale)
    return None


def hour_x(hour: float) -> float:
    return AXIS_LEFT + (AXIS_RIGHT - AXIS_LEFT) * hour / 24


def timeline(width_hours: int, delay_minutes: int) -> dict:
    """Where the picture draws each example window, its mail, and the hour ticks."""
    lanes = []
    for number, entered in enumerate(EXAMPLE_STARTS, start=1):
        start = entered % 24
        end = min(start + width_hours, 24)
        mail_at = min(end + delay_minutes / 60, 24)
        y = LANE_TOP + (number - 1) * LANE_HEIGHT
        lanes.append(Lane(number, entered, start, end, mail_at, y, width_hours, delay_minutes))
    ticks = [(hour, hour_x(hour)) for hour in range(0, 25, 3)]
    return {
        "lanes": lanes,
        "ticks": ticks,
        "axis_left": AXIS_LEFT,
        "axis_right": AXIS_RIGHT,
        "axis_y": LANE_TOP + len(lanes) * LANE_HEIGHT,
        "height": LANE_TOP + len(lanes) * LANE_HEIGHT + 40,
        "width_hours": width_hours,
        "delay_minutes": delay_minutes,
    }


def sample_mails() -> list[dict]:
    """The sample mails 「水道の使用がある場合」 and 「…ない場合」, in the page's language."""
    tz = town_tz()
    width = timedelta(hours=current_app.config["WATCH_WINDOW_HOURS"])
    start = datetime(2026, 11, 25, 6, tzinfo=tz)
    locale = str(get_locale() or "ja")
    renderer = Renderer()
    mails = []
    for status, deciliters, usual in (("used", 125, 148), ("none", 0, 148)):
        facts = ReportFacts(
            kind="report",
            status=status,
            window_start=start,
            window_end=start + width,
            deciliters=deciliters,
            usual_deciliters=usual,
            missing_hours=[],
            late=False,
            followup_deciliters=None,
            recipient_name=_("息子"),
            recipient_email="example@example.com",
            locale=locale,
            stop_token="sample",  # nosec B106  # a sample mail in the guide, no real link
            masked_number="0-******8002",
            home_name=_("鬼鹿の実家"),
        )
        mails.append({"status": status, **renderer.render(facts)})
    return mails


def sample_alert_mail() -> dict:
    """The first alert of 「水が出続けています」 to the son, in the page's language: the alert
    mails' own context and templates, about a home and an episode that exist nowhere."""
    config = current_app.config
    locale = str(get_locale() or "ja")
    hours = config["ALERT_FLOW_HOURS"]
    episode = AlertEpisode(
        id=0,
        registration_id=None,  # the home is then named by the customer's name below
        rule=AlertRule.FLOW.value,
        hours=hours,
        started_at=datetime(2026, 11, 25, 14, tzinfo=town_tz()),
    )
    recipient = WatchRecipient(
        id=0,
        name=_("息子"),
        email="example@example.com",
        locale=locale,
        stop_token="sample",  # nosec B106  # a sample mail in the guide, no real link
    )
    customer = Customer(name=_("鬼鹿の実家"), customer_number="00000008002")
    context = episode_context(episode, recipient, customer, None)
    subject, body_text, _html = render_mail("alert_start", locale, **context)
    return {"subject": subject, "body_text": body_text}
