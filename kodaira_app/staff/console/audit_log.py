"""The audit log: who did or saw what (admins only, and reading it is itself recorded)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from kodaira_app.staff.audit import audit_commit
from kodaira_app.staff.forms import AuditFilterForm
from kodaira_app.staff.queries import audit_rows

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.get("")
def index():
    form = AuditFilterForm(request.args)
    rows, customer_id = [], None
    if form.validate():
        action = form.action.data or None
        customer_id = int(form.customer.data) if form.customer.data else None
        rows = audit_rows(action, customer_id)
        audit_commit("view_audit", None, None, filter=action or "", customer=customer_id)
    return render_template("staff/audit.html", form=form, rows=rows, customer_id=customer_id)
