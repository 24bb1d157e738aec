"""A contract's whole story: customer, account, consents, 見守り, deliveries, readings."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from kodaira_app.extensions import db
from kodaira_app.models import Customer
from kodaira_app.staff.audit import audit_commit
from kodaira_app.staff.forms import ActionForm
from kodaira_app.staff.queries import contract_overview, delivery_context

bp = Blueprint("contracts", __name__, url_prefix="/contracts")


@bp.get("/<int:customer_id>")
def show(customer_id: int):
    customer = db.get_or_404(Customer, customer_id)
    audit_commit("view_customer", "customer", customer.id, customer_number=customer.customer_number)
    return _page(customer)


@bp.post("/<int:customer_id>/reveal")
def reveal(customer_id: int):
    """The page once more with the e-mail addresses in full (admins; audited)."""
    customer = db.get_or_404(Customer, customer_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    audit_commit("reveal_email", "customer", customer.id, customer_number=customer.customer_number)
    return _page(customer, revealed=True)


def _page(customer: Customer, revealed: bool = False):
    overview = contract_overview(customer)
    return render_template(
        "staff/contract.html",
        o=overview,
        delivery_info=delivery_context(overview.deliveries),
        reveal_form=ActionForm(),
        emails_revealed=revealed,
    )
