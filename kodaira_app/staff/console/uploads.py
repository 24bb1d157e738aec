"""CSV uploads: the same importers, and the same per-row report, as the CLI. Each kind has
its own endpoint (uploads.customers …), so the roles table names each one."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for

from kodaira_app.staff import access
from kodaira_app.staff.audit import audit_commit
from kodaira_app.staff.forms import UploadForm
from kodaira_app.staff.queries import audit_row
from kodaira_app.staff.uploads import KINDS, run_import

bp = Blueprint("uploads", __name__, url_prefix="/uploads")


@bp.get("")
def index():
    return _page({})


def _page(submitted: dict[str, UploadForm]):
    kinds = {key: kind for key, kind in KINDS.items() if access.can(f"uploads.{key}")}
    forms = {key: submitted.get(key) or UploadForm(prefix=key) for key in kinds}
    return render_template("staff/uploads.html", kinds=kinds, forms=forms)


def upload(kind: str):
    form = UploadForm(prefix=kind)
    if not form.validate_on_submit():
        return _page({kind: form})
    filename = form.file.data.filename or ""
    outcome = run_import(KINDS[kind], form.file.data.stream)
    row = audit_commit("upload", "upload", kind, filename=filename, **outcome)
    return redirect(url_for(".result", audit_id=row.id))


for _kind in KINDS:
    bp.add_url_rule(f"/{_kind}", _kind, upload, methods=["POST"], defaults={"kind": _kind})


@bp.get("/results/<int:audit_id>")
def result(audit_id: int):
    row = audit_row(audit_id, "upload")
    if row is None or row.target_id not in KINDS:
        abort(404)
    access.require(f"uploads.{row.target_id}")
    return render_template(
        "staff/upload_result.html", row=row, kind=KINDS[row.target_id], outcome=row.detail
    )
