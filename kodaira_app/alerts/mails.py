"""What each alert mail says, and to whom it goes. Every mail goes through queue_mail
(kinds in kodaira_app/mailer/kinds.py, templates templates/mail/alert_*)."""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_skeleton
from flask import current_app

from kodaira_app.alerts.confirm import alert_token, confirm_url, confirmed_line
from kodaira_app.babel_cache import force_locale
from kodaira_app.extensions import db
from kodaira_app.links import absolute_url
from kodaira_app.mailer.outbox import queue_mail
from kodaira_app.models import (
    AlertEpisode,
    AlertMail,
    Customer,
    OutboxMail,
    WatchRecipient,
    WatchRegistration,
)
from kodaira_app.timeutil import town_tz


def moment_label(moment: datetime, locale: str) -> str:
    """「12月2日 14:00」 in town time, the day as the language writes it."""
    local = moment.astimezone(town_tz())
    return f"{format_skeleton('MMMd', local, locale=locale)} {local:%H:%M}"


def family(recipients: list[WatchRecipient]) -> list[WatchRecipient]:
    return [r for r in recipients if not r.helper]


def helpers(recipients: list[WatchRecipient]) -> list[WatchRecipient]:
    return [r for r in recipients if r.helper]


def home_label(episode: AlertEpisode, customer: Customer) -> str:
    """「鬼鹿の実家」 as the registrant named the home, else the holder's name."""
    if episode.registration_id is None:
        return customer.name
    registration = db.session.get(WatchRegistration, episode.registration_id)
    return registration.home_label(customer.name) if registration else customer.name


def episode_context(
    episode: AlertEpisode, recipient: WatchRecipient, customer: Customer, confirmation
) -> dict:
    locale = recipient.locale or "ja"
    context = {
        "rule": episode.rule,
        "hours": episode.hours,
        "liters": current_app.config["ALERT_FLOW_LITERS"],
        "since": moment_label(episode.started_at, locale),
        "end_hour": moment_label(episode.end_hour, locale) if episode.end_hour else None,
        "timezone": current_app.config["TIMEZONE"],
        "recipient_name": recipient.name,
        "home": home_label(episode, customer),
        "contract_number": customer.masked_number,
        "stop_token": recipient.stop_token,
        "confirm_url": confirm_url(alert_token(episode.id, recipient.id)),
        "confirmed": None,
        "change_url": absolute_url("/procedures"),
    }
    if confirmation is not None and confirmation.recipient_id != recipient.id:
        with force_locale(locale):
            context["confirmed"] = str(confirmed_line(confirmation))
    return context


def to_recipient(
    kind: str, episode: AlertEpisode, recipient: WatchRecipient, context: dict, **extra
) -> None:
    mail = queue_mail(
        to=recipient.email, kind=kind, locale=recipient.locale or "ja", **context, **extra
    )
    link_mail(mail, episode, recipient)


def link_mail(mail: OutboxMail, episode: AlertEpisode, recipient: WatchRecipient | None) -> None:
    """Record which episode (and 通知先; None: the account holder) the mail is about."""
    recipient_id = recipient.id if recipient is not None else None
    db.session.add(AlertMail(mail=mail, episode_id=episode.id, recipient_id=recipient_id))


def helper_extra(customer: Customer) -> dict:
    """What a 協力者 needs to call round: the watched person's name and supply address."""
    return {"customer_name": customer.name, "supply_address": customer.address}
