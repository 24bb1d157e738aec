"""Deliveries: the reports' and the alert mails' lists, filtered by status, date and
contract; one delivery with its mail; the re-send, which never sends twice by accident."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kodaira_app.extensions import db
from kodaira_app.models import Delivery
from kodaira_app.reports.console import resend as resend_delivery
from kodaira_app.staff.audit import audit_commit
from kodaira_app.staff.forms import ActionForm, DeliveryFilterForm, ResendForm
from kodaira_app.staff.queries import (
    customer_id_by_number,
    delivery_context,
    delivery_outbox,
    list_alert_mails,
    list_deliveries,
)

bp = Blueprint("deliveries", __name__, url_prefix="/deliveries")


@bp.get("")
def index():
    form = DeliveryFilterForm(request.args)
    rows, alert_mails = [], []
    if form.validate():
        customer_id = customer_id_by_number(form.contract.data)
        rows = list_deliveries(form.status.data or None, form.day.data, customer_id)
        alert_mails = list_alert_mails(form.status.data or None, form.day.data, customer_id)
        audit_commit(
            "view_deliveries",
            "customer" if customer_id else None,
            customer_id,
            status=form.status.data or "",
            day=str(form.day.data or ""),
        )
    return render_template(
        "staff/deliveries.html",
        form=form,
        deliveries=rows,
        info=delivery_context(rows),
        alert_mails=alert_mails,
    )


@bp.get("/<int:delivery_id>")
def show(delivery_id: int):
    return _page(delivery_id, "view_customer", revealed=False)


@bp.post("/<int:delivery_id>/reveal")
def reveal(delivery_id: int):
    """The page once more with the recipient's address in full (admins; audited)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    return _page(delivery_id, "reveal_email", revealed=True)


def _page(delivery_id: int, action: str, revealed: bool):
    row = db.get_or_404(Delivery, delivery_id)
    info = delivery_context([row])
    customer = info["customers"].get(row.evaluation.registration_id)
    audit_commit(action, "customer", customer.id if customer else None, delivery_id=row.id)
    return render_template(
        "staff/delivery.html",
        d=row,
        info=info,
        customer=customer,
        outbox=delivery_outbox(row),
        form=ResendForm(),
        reveal_form=ActionForm(),
        emails_revealed=revealed,
    )


@bp.post("/<int:delivery_id>/resend")
def resend(delivery_id: int):
    db.get_or_404(Delivery, delivery_id)
    form = ResendForm()
    if form.validate_on_submit():
        deliberate = bool(form.confirm_repeat.data)
        outcome = resend_delivery(delivery_id, deliberate=deliberate)
        action = "resend_repeat" if deliberate and outcome == "queued" else "resend"
        audit_commit(action, "delivery", delivery_id, outcome=outcome, deliberate=deliberate)
        category = "success" if outcome == "queued" else "error"
        flash(RESEND_MESSAGES[outcome](), category)
    return redirect(url_for(".show", delivery_id=delivery_id))


RESEND_MESSAGES = {
    "queued": lambda: _("再送を受け付けました。まもなく送信されます。"),
    "in progress": lambda: _("この配信は送信待ちか送信中のため、再送しませんでした。"),
    "already sent": lambda: _(
        "この通知先にはこの見守り期間のメールを送信済みのため、再送しませんでした。"
        "重ねて送る場合は、確認の欄にチェックを入れてください。"
    ),
    "not sendable": lambda: _(
        "この配信は期限切れか一時停止中のため、再送しませんでした。"
        "それでも送る場合は、確認の欄にチェックを入れてください。"
    ),
}
