"""API tokens of the meter head-end (admins). A new token is shown once, in the answer to
the POST that made it: it is never kept anywhere, the session cookie included."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from kodaira_app.api.tokens import create_token, list_tokens, revoke_token
from kodaira_app.staff.audit import audit_commit
from kodaira_app.staff.forms import ActionForm, TokenForm

bp = Blueprint("tokens", __name__, url_prefix="/tokens")


@bp.get("")
def index():
    return _page(TokenForm())


@bp.post("")
def create():
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form)
    row, token = create_token(form.name.data)
    audit_commit("token_created", "api_token", row.id, name=row.name)
    return _page(TokenForm(formdata=None), new_token={"name": row.name, "token": token})


def _page(form: TokenForm, new_token: dict | None = None):
    tokens = list_tokens()
    audit_commit("view_tokens", None, None, count=len(tokens))
    return render_template(
        "staff/tokens.html",
        tokens=tokens,
        form=form,
        action_form=ActionForm(),
        new_token=new_token,
    )


@bp.post("/<int:token_id>/revoke")
def revoke(token_id: int):
    if ActionForm().validate_on_submit():
        row = revoke_token(token_id) or abort(404)
        audit_commit("token_revoked", "api_token", row.id, name=row.name)
        flash(_("トークン「%(name)s」を無効にしました。", name=row.name), "success")
    return redirect(url_for(".index"))
