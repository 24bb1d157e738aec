"""A context for every mail kind (kodaira_app/mailer/kinds.py), for tests that render each
kind: the footer, text/HTML agreement, the width on a phone. A new kind adds its sample here.

The links are long on purpose: a 200-character link once made a mail 1,253 px wide."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from kodaira_app.reports.content import ReportFacts, mail_context
from kodaira_app.timeutil import town_tz

LONG_TOKEN = "x" * 200
LONG_LINK = f"http://localhost/auth/confirm/{LONG_TOKEN}"


def report_facts(status: str = "used", locale: str = "ja", **changes) -> ReportFacts:
    tz = town_tz()
    start = datetime(2026, 11, 25, 6, tzinfo=tz)
    values = {
        "kind": "report",
        "status": status,
        "window_start": start,
        "window_end": start + timedelta(hours=6),
        "deciliters": {"used": 125, "none": 0, "partial": 251, "missing": None}[status],
        "usual_deciliters": 148,
        "missing_hours": (
            [(start + timedelta(hours=h)).isoformat() for h in (1, 2, 4)]
            if status == "partial"
            else []
        ),
        "late": False,
        "followup_deciliters": None,
        "recipient_name": "息子",
        "recipient_email": "son@example.com",
        "locale": locale,
        "stop_token": LONG_TOKEN,
        "masked_number": "0-******8002",
        "home_name": "鬼鹿の実家",
        "customer_id": 7,
    }
    return ReportFacts(**{**values, **changes})


def _watch(**extra) -> dict:
    return {
        "recipient_name": "息子",
        "contract_number": "0-******8002",
        "stop_token": LONG_TOKEN,
        **extra,
    }


def _alert(rule: str, **extra) -> dict:
    return {
        "rule": rule,
        "hours": 12 if rule == "idle" else 3,
        "liters": 60,
        "since": "11月25日 06:00",
        "end_hour": None,
        "recipient_name": "息子",
        "home": "鬼鹿の実家",
        "contract_number": "0-******8002",
        "stop_token": LONG_TOKEN,
        "confirm_url": LONG_LINK + "/confirm",
        "confirmed": "娘さんが 14:25 に確認しました",
        "change_url": "http://localhost/procedures",
        **extra,
    }


def sample_context(kind: str, locale: str = "ja"):
    """The context of one mail of `kind` (a callable for the reports: it formats under the
    mail's language)."""
    if kind in ("watch_report", "watch_followup", "watch_report_test"):
        changes = {
            "watch_report": {},
            "watch_followup": {"kind": "followup", "status": "missing", "followup_deciliters": 85},
            "watch_report_test": {"test": True, "report_times": ("12:30", "翌0:30")},
        }[kind]
        facts = report_facts(locale=locale, **changes)
        return lambda: mail_context(facts)
    samples = {
        "account_confirm": {"link": LONG_LINK, "hours": 48},
        "account_exists": {"login_link": LONG_LINK, "reset_link": LONG_LINK + "/reset"},
        "account_reset": {"link": LONG_LINK, "minutes": 60},
        "account_email_change": {"link": LONG_LINK, "hours": 48},
        "account_email_changed": {"new_email": "a-very-long-address-" * 5 + "@example.com"},
        "watch_added": _watch(
            adder="t***@example.com",
            windows=[{"start": "06:00", "end": "12:00", "report": "12:30"}],
        ),
        "watch_ended": _watch(),
        "watch_pause_start": _watch(start_date=date(2026, 12, 1), end_date=date(2026, 12, 10)),
        "watch_pause_end": _watch(),
        "test": {"name": "息子"},
        "watch_refused": {
            "name": "息子",
            "address": "a-very-long-address-" * 5 + "@example.com",
            "masked_number": "0-******8002",
            "link": LONG_LINK,
        },
        "alert_start": _alert("idle"),
        "alert_end": _alert("idle", end_hour="14:10"),
        "alert_town_delay": _alert("nodata"),
        "alert_helper": _alert(
            "flow", customer_name="小平 花子", supply_address="北海道留萌郡小平町字小平町 123"
        ),
        "alert_leak": {"contract_number": "0-******8002", "hours": 24, "top_url": LONG_LINK},
        "alert_town_outage": {"silent": 412, "meters": 1800, "since": "11月25日 14:00"},
    }
    return samples[kind]
