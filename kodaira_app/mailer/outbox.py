"""Writing a mail: rendered in the reader's language into an OutboxMail row, sent by a job.

`queue_mail` writes the row in the caller's transaction and enqueues its send after the
commit, so a mail exists exactly when the change that caused it exists. Inside `bulk()`,
the rows of many mails are written with one flush and sent by jobs of BATCH_SIZE mails.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kodaira_app.extensions import db
from kodaira_app.mailer.kinds import KINDS, MailKind, mail_kind
from kodaira_app.mailer.pipeline import BATCH_SIZE, SEND_JOB, new_message_id, send_job_timeout
from kodaira_app.mailer.render import MailRenderer
from kodaira_app.models import OutboxMail
from kodaira_app.queue import enqueue_after_commit
from kodaira_app.timeutil import utcnow


def render_mail(template: str, locale: str, **context) -> tuple[str, str, str]:
    """Subject, text and HTML of templates/mail/<template>.*: a preview of any template."""
    kind = next((k for k in KINDS.values() if k.template == template), None)
    if kind is None:
        raise LookupError(f"no mail kind uses the template {template!r}")
    if kind.stop_link:
        context.setdefault("stop_token", "")
    mail = MailRenderer().render(kind.name, locale, context)
    return mail["subject"], mail["body_text"], mail["body_html"]


def queue_mail(
    *, to: str, kind: str, template: str | None = None, locale: str = "ja", **context
) -> OutboxMail:
    """Render a mail of `kind` (kodaira_app/mailer/kinds.py) for `to` and queue it.

    `template`, when given, must be the kind's own (the registry decides).
    """
    spec: MailKind = mail_kind(kind)
    if template is not None and template != spec.template:
        raise ValueError(f"the mail kind {kind!r} uses the template {spec.template!r}")
    return queue_rendered(
        to=to, kind=kind, locale=locale, mail=MailRenderer().render(kind, locale, context)
    )


def queue_rendered(*, to: str, kind: str, locale: str, mail: dict) -> OutboxMail:
    """Queue a mail already rendered by MailRenderer (its subject, bodies and headers)."""
    now = utcnow()
    row = OutboxMail(
        kind=kind,
        locale=locale,
        to_addr=to,
        message_id=new_message_id(),
        created_at=now,
        queued_at=now,
        **mail,
    )
    db.session.add(row)
    rows = db.session().info.get(_BULK_KEY)
    if rows is not None:
        rows.append(row)  # written and enqueued at the end of bulk()
        return row
    db.session.flush()
    enqueue_after_commit(SEND_JOB, [row.id], queue="mail")
    return row


_BULK_KEY = "kodaira_outbox_bulk"


@contextmanager
def bulk() -> Iterator[None]:
    """Mails queued inside are written with one flush at the end (their rows get their ids
    then) and sent after the commit by jobs of BATCH_SIZE mails, one SMTP connection each,
    instead of one flush and one job per mail: for code writing thousands at once."""
    info = db.session().info
    if _BULK_KEY in info:  # already inside one
        yield
        return
    rows = info[_BULK_KEY] = []
    try:
        yield
    finally:
        info.pop(_BULK_KEY, None)
    if not rows:
        return
    db.session.flush()
    ids = [row.id for row in rows]
    for first in range(0, len(ids), BATCH_SIZE):
        enqueue_after_commit(
            SEND_JOB, ids[first : first + BATCH_SIZE], queue="mail", job_timeout=send_job_timeout()
        )
