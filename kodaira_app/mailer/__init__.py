"""Mail, one pipeline for every kind.

kinds.py     the registry: each kind's templates, audience, stop link / List-Unsubscribe
render.py    the one renderer (templates/mail/*, each extending mail/_base)
outbox.py    queue_mail: render a mail into an OutboxMail row, send it after the commit
pipeline.py  the send job (claim, one SMTP connection per batch, mark), retries, sweeper
smtp.py      Flask-Mail with an SMTP timeout, wire bytes, permanent vs temporary errors
"""
