"""契約内容のご確認 and 契約の追加 (input → 確認 → 登録 → done)."""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from kodaira_app.contracts.display import customer_number
from kodaira_app.contracts.forms import ContractAddForm, ContractConfirmForm
from kodaira_app.contracts.linking import RELATIONS, link_contract
from kodaira_app.contracts.normalize import (
    display_customer_number,
    display_kana,
    normalize_customer_number,
)
from kodaira_app.contracts.queries import (
    account_contracts,
    get_contract,
    registrations_by_customer,
)
from kodaira_app.extensions import db

bp = Blueprint("contracts", __name__)
bp.add_app_template_filter(customer_number, "customer_number")

DRAFT = "contract_draft"
ADDED = "contract_added"


@bp.get("/contracts")
@login_required
def index():
    contracts = account_contracts(current_user)
    registrations = registrations_by_customer([c.id for c in contracts])
    return render_template(
        "contracts/index.html",
        contracts=contracts,
        registrations=registrations,
        relations=RELATIONS,
    )


@bp.route("/contracts/add", methods=["GET", "POST"])
@login_required
def add():
    if request.method == "GET" and request.args.get("back") and session.get(DRAFT):
        # 戻る from the confirmation screen: what was typed, as it was typed.
        form = ContractAddForm(formdata=None, data=_draft_data(), account=current_user)
    else:
        form = ContractAddForm(account=current_user)
    if request.method == "GET" and not request.args.get("back"):
        session.pop(DRAFT, None)
    if form.validate_on_submit():
        session[DRAFT] = form.draft()
        return redirect(url_for("contracts.confirm"))
    return render_template("contracts/add.html", form=form)


def _draft_data() -> dict:
    draft = dict(session.get(DRAFT) or {})
    draft["consent"] = bool(draft.get("consent"))
    return draft


def _revalidated() -> ContractAddForm:
    """The draft checked again in full, as if it had just been typed (CSRF token too)."""
    data = MultiDict(session.get(DRAFT) or {})
    data["csrf_token"] = request.form.get("csrf_token", "")
    return ContractAddForm(formdata=data, account=current_user)


@bp.route("/contracts/add/confirm", methods=["GET", "POST"])
@login_required
def confirm():
    if not session.get(DRAFT):
        if request.method == "POST" and session.get(ADDED):
            return redirect(url_for("contracts.done"))  # 登録 pressed twice
        flash(_("入力内容が見つかりません。もう一度入力してください。"), "info")
        return redirect(url_for("contracts.add"))
    form = ContractConfirmForm()
    if form.validate_on_submit():
        return _register()
    draft = session[DRAFT]
    return render_template(
        "contracts/confirm.html",
        form=form,
        number=_draft_number(),
        kana=display_kana(draft["name_kana"]),
        relation=draft["relation"],
        relations=RELATIONS,
    )


def _draft_number() -> str:
    return display_customer_number(normalize_customer_number(session[DRAFT]["customer_number"]))


def _register():
    entry = _revalidated()
    if not entry.validate():
        if entry.refusal is not None and entry.refusal.held_by_you is not None:
            # 登録 pressed twice: the first press linked it.
            session.pop(DRAFT, None)
            session[ADDED] = entry.refusal.held_by_you.id
            return redirect(url_for("contracts.done"))
        return render_template("contracts/add.html", form=entry)
    # The draft is consumed before the commit: a second 登録 finds nothing to register.
    session.pop(DRAFT, None)
    try:
        link_contract(current_user, entry.customer, entry.relation.data)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        # Another request of this account linked it a moment ago (double click).
        link = entry.customer.link
        if link is None or link.account_id != current_user.id:
            flash(_("この契約はすでにアプリに登録されているため、追加できません。"), "error")
            return redirect(url_for("contracts.index"))
    session[ADDED] = entry.customer.id
    return redirect(url_for("contracts.done"))


@bp.get("/contracts/add/done")
@login_required
def done():
    customer_id = session.get(ADDED)
    if customer_id is None:
        return redirect(url_for("contracts.index"))
    return render_template("contracts/done.html", contract=get_contract(current_user, customer_id))
