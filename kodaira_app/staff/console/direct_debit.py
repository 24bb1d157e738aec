"""口座振替 applications: staff read them; admins record what the bank said."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kodaira_app.billing.direct_debit import list_applications, mark_processed
from kodaira_app.extensions import db
from kodaira_app.staff.access import current_staff
from kodaira_app.staff.audit import audit_commit
from kodaira_app.staff.forms import DirectDebitFilterForm, DirectDebitForm
from kodaira_app.staff.labels import DIRECT_DEBIT_STATUS

bp = Blueprint("direct_debit", __name__, url_prefix="/direct-debit")


@bp.get("")
def index():
    form = DirectDebitFilterForm(request.args)
    applications = []
    if form.validate():
        applications = list_applications(form.status.data)
        audit_commit("view_direct_debit", None, None, status=form.status.data)
    return render_template(
        "staff/direct_debits.html",
        filter_form=form,
        applications=applications,
        statuses=DIRECT_DEBIT_STATUS,
        forms={a.id: DirectDebitForm(prefix=f"dd{a.id}") for a in applications},
    )


@bp.post("/<int:app_id>")
def process(app_id: int):
    form = DirectDebitForm(prefix=f"dd{app_id}")
    if not form.validate_on_submit():
        flash(_("処理結果を選んでください。"), "error")
        return redirect(url_for(".index"))
    try:
        application = mark_processed(
            app_id, current_staff().id, form.status.data, form.note.data or None
        )
    except ValueError:
        db.session.rollback()
        flash(_("この申込はすでに処理済みか、存在しません。"), "error")
        return redirect(url_for(".index"))
    audit_commit(
        "direct_debit_processed",
        "direct_debit",
        app_id,
        status=form.status.data,
        customer_id=application.customer_id,
    )
    status = DIRECT_DEBIT_STATUS[form.status.data]
    flash(_("申込 #%(id)s を「%(status)s」にしました。", id=app_id, status=status), "success")
    return redirect(url_for(".index"))
