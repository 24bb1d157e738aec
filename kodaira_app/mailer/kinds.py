"""Every kind of mail the app sends, in one registry.

A kind names its templates (templates/mail/<template>.subject.txt, .txt and .html, each
extending mail/_base), who reads it, and whether it carries the recipient's stop link and
the List-Unsubscribe headers (a 見守り recipient did not sign up themselves). A new kind is
one entry here plus its three templates.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Audience(StrEnum):
    ACCOUNT = "account"  # the holder of an app account, at its address
    RECIPIENT = "recipient"  # a 見守り recipient, added by an account holder
    ANYONE = "anyone"  # an address typed by staff (test mails)


@dataclass(frozen=True)
class MailKind:
    name: str
    template: str
    audience: Audience
    stop_link: bool = False  # the context has `stop_token`; the mail gets `stop_url`


_KINDS = [
    MailKind("account_confirm", "account_confirm", Audience.ACCOUNT),
    MailKind("account_exists", "account_exists", Audience.ACCOUNT),
    MailKind("account_reset", "account_reset", Audience.ACCOUNT),
    MailKind("account_email_change", "account_email_change", Audience.ACCOUNT),
    MailKind("account_email_changed", "account_email_changed", Audience.ACCOUNT),
    MailKind("watch_added", "watch_added", Audience.RECIPIENT, stop_link=True),
    MailKind("watch_ended", "watch_ended", Audience.RECIPIENT, stop_link=True),
    MailKind("watch_pause_start", "watch_pause_start", Audience.RECIPIENT, stop_link=True),
    MailKind("watch_pause_end", "watch_pause_end", Audience.RECIPIENT, stop_link=True),
    # The reports, written from Delivery rows (kodaira_app/reports/send.py).
    MailKind("watch_report", "report", Audience.RECIPIENT, stop_link=True),
    MailKind("watch_followup", "report", Audience.RECIPIENT, stop_link=True),
    # A report of a past window sent on request, marked 【テスト】 (reports/test_mails.py).
    MailKind("watch_report_test", "report", Audience.RECIPIENT, stop_link=True),
    # To the account holder: a report to one of the addresses was refused for good.
    MailKind("watch_refused", "watch_refused", Audience.ACCOUNT),
    MailKind("test", "test", Audience.ANYONE),
    # 異変のお知らせ (kodaira_app/alerts/): start, end, the town's delay, the 協力者, leak.
    MailKind("alert_start", "alert_start", Audience.RECIPIENT, stop_link=True),
    MailKind("alert_end", "alert_end", Audience.RECIPIENT, stop_link=True),
    MailKind("alert_town_delay", "alert_town_delay", Audience.RECIPIENT, stop_link=True),
    MailKind("alert_helper", "alert_helper", Audience.RECIPIENT, stop_link=True),
    MailKind("alert_leak", "alert_leak", Audience.ACCOUNT),
    MailKind("alert_town_outage", "alert_town_outage", Audience.ANYONE),
]
KINDS: dict[str, MailKind] = {kind.name: kind for kind in _KINDS}


def mail_kind(name: str) -> MailKind:
    try:
        return KINDS[name]
    except KeyError:
        raise LookupError(f"unknown mail kind {name!r} (kodaira_app/mailer/kinds.py)") from None
