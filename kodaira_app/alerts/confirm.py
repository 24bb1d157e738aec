"""確認しました: the personal one-click link in every alert and report, and its record.

The link is signed with the one token module (auth/tokens.py): an alert's names the
episode and the recipient, a report's the recipient's stop token. Pressing it records
who confirmed and when, once per episode (UNIQUE key), and once per report link.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kodaira_app.auth.tokens import sign, sign_stable, unsign, unsign_stable
from kodaira_app.extensions import db
from kodaira_app.links import absolute_url
from kodaira_app.models import AlertConfirmation, AlertEpisode, WatchRecipient
from kodaira_app.timeutil import town_tz, utcnow

SALT = "alert-confirm"
REPORT_SALT = "report-confirm"
MAX_AGE = 30 * 24 * 3600


def alert_token(episode_id: int, recipient_id: int) -> str:
    return sign({"e": episode_id, "r": recipient_id}, SALT)


def report_token(stop_token: str, window: str = "") -> str:
    """A report's link: its recipient (by stop token) and its window, the same every time."""
    return sign_stable({"s": stop_token, "w": window}, REPORT_SALT)


def confirm_url(token: str) -> str:
    return absolute_url(f"/alerts/confirm/{token}")


@dataclass
class Link:
    """What a confirmation link stands for."""

    token: str
    recipient: WatchRecipient
    episode: AlertEpisode | None  # None: a report's link


def load(token: str) -> Link | None:
    data = unsign_stable(token, REPORT_SALT) or unsign(token, SALT, MAX_AGE)
    if data is None:
        return None
    if "s" in data:
        recipient = db.session.scalar(
            select(WatchRecipient).where(WatchRecipient.stop_token == str(data["s"]))
        )
        return Link(token, recipient, None) if recipient is not None else None
    recipient = db.session.get(WatchRecipient, data.get("r"))
    episode = db.session.get(AlertEpisode, data.get("e"))
    if recipient is None or episode is None:
        return None
    if episode.registration_id != recipient.registration_id:
        return None
    return Link(token, recipient, episode)


def _add(key: str, link: Link, episode_id: int | None, now: datetime) -> bool:
    try:
        with db.session.begin_nested():
            db.session.add(
                AlertConfirmation(
                    key=key,
                    registration_id=link.recipient.registration_id,
                    episode_id=episode_id,
                    recipient_id=link.recipient.id,
                    recipient_name=link.recipient.name,
                    confirmed_at=now,
                )
            )
    except IntegrityError:
        return False  # confirmed already: the first press is the record
    return True


def record(link: Link) -> None:
    """Record the press, once; a report's link confirms the open episodes too. Commits."""
    now = utcnow()
    if link.episode is not None:
        _add(f"e:{link.episode.id}", link, link.episode.id, now)
    else:
        digest = hashlib.sha256(link.token.encode()).hexdigest()[:40]
        _add(f"r:{digest}", link, None, now)
        for episode in db.session.scalars(
            select(AlertEpisode).where(
                AlertEpisode.registration_id == link.recipient.registration_id,
                AlertEpisode.ended_at.is_(None),
            )
        ):
            _add(f"e:{episode.id}", link, episode.id, now)
    db.session.commit()


def episode_confirmation(episode_id: int) -> AlertConfirmation | None:
    return db.session.scalar(
        select(AlertConfirmation).where(AlertConfirmation.key == f"e:{episode_id}")
    )


def latest_confirmation(registration_id: int) -> AlertConfirmation | None:
    return db.session.scalar(
        select(AlertConfirmation)
        .where(AlertConfirmation.registration_id == registration_id)
        .order_by(AlertConfirmation.confirmed_at.desc(), AlertConfirmation.id.desc())
        .limit(1)
    )


def confirmed_line(confirmation: AlertConfirmation | None) -> str | None:
    """「息子さんが 14:25 に確認しました」 (town time), in the current language."""
    if confirmation is None:
        return None
    tz = town_tz()
    local = confirmation.confirmed_at.astimezone(tz)
    time = f"{local:%H:%M}"
    if local.date() != utcnow().astimezone(tz).date():
        time = f"{local.month}/{local.day} {time}"
    return _("%(name)sさんが %(time)s に確認しました", name=confirmation.recipient_name, time=time)
