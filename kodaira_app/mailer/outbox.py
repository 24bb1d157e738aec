"""Mail: rendered in the recipient's language, kept in the outbox, sent by a job.

`queue_mail` writes an OutboxMail row in the caller's transaction and enqueues its send
after the commit, so a mail exists exactly when the change that caused it exists.
"""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale

from kodaira_app.extensions import db
from kodaira_app.models import OutboxMail
from kodaira_app.queue import enqueue_after_commit


def render_mail(template: str, locale: str, **context) -> tuple[str, str, str]:
    """Render templates/mail/<template>.{subject.txt,txt,html} in `locale`."""
    context.setdefault("base_url", current_app.config["APP_BASE_URL"])
    with force_locale(locale):
        subject = render_template(f"mail/{template}.subject.txt", **context)
        text = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", **context)
    # A subject is one line: a newline there could start a header.
    subject = " ".join(subject.split())
    return subject, text, html


def queue_mail(
    *,
    to: str,
    kind: str,
    template: str,
    locale: str = "ja",
    headers: dict[str, str] | None = None,
    **context,
) -> OutboxMail:
    subject, text, html = render_mail(template, locale, **context)
    row = OutboxMail(
        kind=kind,
        locale=locale,
        to_addr=to,
        subject=subject,
        body_text=text,
        body_html=html,
        headers=headers or {},
    )
    db.session.add(row)
    db.session.flush()
    enqueue_after_commit("kodaira_app.mailer.jobs.send_outbox", row.id, queue="mail")
    return row
