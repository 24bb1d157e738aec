"""Customer search: by number however typed, kana, name, address, meter id or e-mail."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from kodaira_app.staff.audit import audit_commit
from kodaira_app.staff.forms import SearchForm
from kodaira_app.staff.queries import search_customers

bp = Blueprint("search", __name__)


@bp.get("/", strict_slashes=False)
def index():
    form = SearchForm(request.args)
    results = None
    if "q" in request.args and form.validate():
        results = search_customers(form.q.data)
        audit_commit("search", None, None, query=form.q.data, found=len(results))
    return render_template("staff/index.html", form=form, results=results)
