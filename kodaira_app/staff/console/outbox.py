"""The mail outbox: every mail the app wrote, read exactly as it was sent."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from kodaira_app.extensions import db
from kodaira_app.models import OutboxMail
from kodaira_app.staff.audit import audit_commit
from kodaira_app.staff.forms import ActionForm, OutboxFilterForm
from kodaira_app.staff.queries import outbox_mails

bp = Blueprint("outbox", __name__, url_prefix="/outbox")

# A mail's HTML is shown as the recipient's mail program would, but inside a sandbox:
# no scripts, no forms, no requests out, no access to the console's origin.
MAIL_HTML_CSP = (
    "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'; form-action 'none'; base-uri 'none'"
)


@bp.get("")
def index():
    form = OutboxFilterForm(request.args)
    mails = []
    if form.validate():
        to = (form.to.data or "").strip()
        mails = outbox_mails(to)
        audit_commit("view_outbox", None, None, to=to)
    return render_template("staff/outbox.html", form=form, mails=mails)


@bp.get("/<int:mail_id>")
def show(mail_id: int):
    mail = db.get_or_404(OutboxMail, mail_id)
    audit_commit("view_mail", "outbox_mail", mail.id, to=mail.to_addr)
    return _page(mail)


@bp.post("/<int:mail_id>/reveal")
def reveal(mail_id: int):
    """The mail once more with its address in full (admins; audited)."""
    mail = db.get_or_404(OutboxMail, mail_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    audit_commit("reveal_email", "outbox_mail", mail.id, to=mail.to_addr)
    return _page(mail, revealed=True)


def _page(mail: OutboxMail, revealed: bool = False):
    return render_template(
        "staff/outbox_mail.html", mail=mail, reveal_form=ActionForm(), emails_revealed=revealed
    )


@bp.get("/<int:mail_id>/html")
def html(mail_id: int):
    mail = db.get_or_404(OutboxMail, mail_id)
    if not mail.body_html:
        abort(404)
    audit_commit("view_mail_html", "outbox_mail", mail.id, to=mail.to_addr)
    response = current_app.response_class(mail.body_html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = MAIL_HTML_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
