from __future__ import annotations

import uuid

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from kodaira_app.billing.bills import payments_by_customer, unpaid_bills
from kodaira_app.billing.direct_debit import mask_account_number, pending_for
from kodaira_app.billing.formatting import FILTERS
from kodaira_app.billing.forms import DirectDebitForm
from kodaira_app.billing.history import RECENT_MONTHS, recent_payments
from kodaira_app.contracts.queries import account_contracts
from kodaira_app.extensions import db
from kodaira_app.models.billing import DirectDebitApplication
from kodaira_app.timeutil import town_today, town_tz, utcnow

bp = Blueprint("billing", __name__)
for _name, _filter in FILTERS.items():
    bp.add_app_template_filter(_filter, _name)

PAYMENT_METHOD_LABELS = {
    "direct_debit": _l("口座振替"),
    "bank": _l("金融機関窓口（納付書）"),
    "convenience": _l("コンビニエンスストア（納付書）"),
    "town_office": _l("役場窓口"),
    "smartphone": _l("スマートフォン決済"),
}


@bp.app_template_filter("payment_method")
def payment_method_label(code: str | None) -> str:
    return str(PAYMENT_METHOD_LABELS.get(code, code or ""))


@bp.get("/payments")
@bp.get("/payments/<int:customer_id>")
@login_required
def payments(customer_id: int | None = None):
    """One contract's payments, as ご利用実績 shows one contract (the first without an id):
    the last 12 months, all of them with ?all=1 (a link, no script)."""
    contracts = account_contracts(current_user)
    if customer_id is None:
        customer = contracts[0] if contracts else None
    else:
        customer = next((c for c in contracts if c.id == customer_id), None)
        if customer is None:
            abort(404)
    if customer is None:
        return render_template("billing/payments.html", contracts=contracts, customer=None)
    paid = payments_by_customer([customer.id])[customer.id]
    show_all = request.args.get("all") == "1"
    recent, older = recent_payments(paid, town_today(utcnow(), town_tz()))
    return render_template(
        "billing/payments.html",
        contracts=contracts,
        customer=customer,
        rows=paid if show_all else recent,
        more=older and not show_all,
        months=RECENT_MONTHS,
    )


@bp.get("/pay")
@login_required
def pay():
    contracts = account_contracts(current_user)
    by_id = {c.id: c for c in contracts}
    return render_template(
        "billing/pay.html",
        contracts=contracts,
        by_id=by_id,
        bills=unpaid_bills(list(by_id)),
        pending={c.id: pending_for(c.id) for c in contracts},
        today=town_today(utcnow(), town_tz()),
    )


@bp.route("/pay/direct-debit", methods=["GET", "POST"])
@login_required
def direct_debit():
    contracts = account_contracts(current_user)
    form = DirectDebitForm()
    form.contract.choices = [
        SelectChoice(c.id, f"{c.display_number} {c.name}", render_kw={"translate": "no"})
        for c in contracts
    ]
    form.allowed_ids = {c.id for c in contracts}
    if not form.is_submitted():
        form.request_key.data = uuid.uuid4().hex
    elif _already_stored(form.request_key.data):
        return redirect(url_for("billing.direct_debit_done"))
    if form.validate_on_submit():
        _store_application(form)
        return redirect(url_for("billing.direct_debit_done"))
    return render_template("billing/direct_debit.html", form=form, contracts=contracts)


def _already_stored(key: str | None) -> bool:
    return (
        key is not None
        and db.session.scalar(
            select(DirectDebitApplication.id).where(
                DirectDebitApplication.request_key == key,
                DirectDebitApplication.account_id == current_user.id,
            )
        )
        is not None
    )


def _store_application(form: DirectDebitForm) -> None:
    """Store the application once per filled-in form (its request key)."""
    key = form.request_key.data or ""
    if not (8 <= len(key) <= 64):
        key = uuid.uuid4().hex
    last4, masked = mask_account_number(form.account_number.data)
    db.session.add(
        DirectDebitApplication(
            account_id=current_user.id,
            customer_id=form.contract.data,
            bank_name=form.bank_name.data,
            branch_name=form.branch_name.data,
            account_type=form.account_type.data,
            account_number_last4=last4,
            account_number_masked=masked,
            account_holder_kana=form.account_holder_kana.data,
            request_key=key,
        )
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # the same form sent twice: the first one is stored


@bp.get("/pay/direct-debit/done")
@login_required
def direct_debit_done():
    return render_template("billing/direct_debit_done.html")
