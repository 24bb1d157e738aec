"""The mail-sent page repeats the address typed (kept in the session, not in the URL) and
names the sender's domain, for the ドメイン指定受信 of carrier mail (docomo / au / SoftBank)."""

from __future__ import annotations

from email.utils import parseaddr

from flask import current_app, session

KEY = "mail_sent_to"


def remember_address(email: str) -> None:
    session[KEY] = email


def sent_to() -> str | None:
    return session.get(KEY)


def sender_domain() -> str:
    sender = current_app.config.get("MAIL_DEFAULT_SENDER") or ""
    if isinstance(sender, tuple):
        sender = sender[1]
    return parseaddr(sender)[1].rpartition("@")[2]
