"""Flask-Mail with what it lacks: an SMTP timeout, base64 UTF-8 bodies, error classes."""

from __future__ import annotations

import email.charset
import smtplib
import socket

from flask import current_app
from flask_mail import Connection, Mail, Message

# Flask-Mail sends UTF-8 bodies as 8bit with long lines unfolded (RFC 5322 allows 998
# octets a line); base64 keeps every line short and every byte intact.
email.charset.add_charset("utf-8", email.charset.SHORTEST, email.charset.BASE64, "utf-8")


class TimeoutConnection(Connection):
    """An SMTP connection that gives up after MAIL_TIMEOUT seconds instead of hanging."""

    def configure_host(self) -> smtplib.SMTP:
        timeout = current_app.config["MAIL_TIMEOUT"]
        cls = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = cls(self.mail.server, self.mail.port, timeout=timeout)
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


class TimeoutMail(Mail):
    def connect(self) -> TimeoutConnection:
        return TimeoutConnection(current_app.extensions["mail"])


class PermanentMailError(Exception):
    """The server refused the mail for good (5xx): retrying will not help."""


def is_permanent(exc: BaseException) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    if isinstance(exc, PermanentMailError):
        return True
    # Connection refused, timeouts, 4xx: the server may come back.
    return not isinstance(exc, (OSError, socket.timeout, smtplib.SMTPException))


def build_message(
    *,
    to: str,
    subject: str,
    body_text: str,
    body_html: str | None,
    headers: dict[str, str] | None,
    message_id: str,
) -> Message:
    msg = Message(
        subject=subject,
        recipients=[to],
        body=body_text,
        html=body_html,
        charset="utf-8",
        extra_headers=dict(headers or {}),
    )
    msg.msgId = message_id
    return msg
