"""Flask-Mail with what it lacks: an SMTP timeout, base64 UTF-8 bodies, error classes."""

from __future__ import annotations

import email.charset
import smtplib
import socket
from email import policy
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, parseaddr

from flask_mail import Connection

# Flask-Mail sends UTF-8 bodies as 8bit with long lines unfolded (RFC 5322 allows 998
# octets a line); base64 keeps every line short and every byte intact.
email.charset.add_charset("utf-8", email.charset.SHORTEST, email.charset.BASE64, "utf-8")
_WIRE = policy.compat32.clone(linesep="\r\n")


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


def build_bytes(
    *,
    sender: str,
    to: str,
    subject: str,
    body_text: str,
    body_html: str | None,
    headers: dict[str, str] | None,
    message_id: str,
) -> bytes:
    """A mail as wire bytes, built with the compat32 classes rather than Flask-Mail's
    Message: several times faster (batches of report mails), and long non-ASCII subjects
    keep their spaces. UTF-8 bodies in base64, RFC 2047 subject and sender name.
    """
    text_part = MIMEText(body_text, "plain", "utf-8")
    if body_html is None:
        msg = text_part
    else:
        msg = MIMEMultipart("alternative")
        msg.attach(text_part)
        msg.attach(MIMEText(body_html, "html", "utf-8"))
    name, address = parseaddr(sender)
    msg["Subject"] = Header(subject, "utf-8")
    msg["From"] = formataddr((name, address), charset="utf-8")
    msg["To"] = to
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = message_id
    for key, value in (headers or {}).items():
        msg[key] = value
    return msg.as_bytes(policy=_WIRE)


def send_bytes(conn: Connection, sender: str, to: str, data: bytes) -> None:
    """Send prepared bytes over an open Flask-Mail connection (one SMTP session)."""
    conn.host.sendmail(parseaddr(sender)[1], [to], data)
