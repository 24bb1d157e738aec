"""The tick for a chosen time: preview what it would send, then run it (admins)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kodaira_app.reports.console import preview as preview_tick
from kodaira_app.reports.send import enqueue_deliveries
from kodaira_app.reports.tick import run_tick
from kodaira_app.staff.audit import audit_commit
from kodaira_app.staff.forms import TickForm
from kodaira_app.staff.queries import audit_row, registration_customers
from kodaira_app.staff.ticks import default_tick_time, tick_moment, tick_summary

bp = Blueprint("tick", __name__, url_prefix="/tick")


@bp.get("")
def preview():
    if not request.args:
        form = TickForm(formdata=None, **default_tick_time())
        return render_template("staff/tick.html", form=form, mails=None)
    form = TickForm(request.args, meta={"csrf": False})
    mails, customers = None, {}
    if form.validate():
        moment = tick_moment(form)
        mails = preview_tick(moment)
        customers = registration_customers({m.registration_id for m in mails})
        audit_commit(
            "tick_preview", None, None, at=moment.isoformat(), mails=sum(1 for m in mails if m.to)
        )
    run_form = TickForm(formdata=None, day=form.day.data, time=form.time.data)
    return render_template(
        "staff/tick.html", form=form, mails=mails, customers=customers, run_form=run_form
    )


@bp.post("/run")
def run():
    form = TickForm()
    if not form.validate_on_submit():
        flash(_("日付と時刻を確かめてください。"), "error")
        return redirect(url_for(".preview"))
    result = run_tick(tick_moment(form))
    enqueue_deliveries(result.delivery_ids)
    row = audit_commit("tick_run", None, None, **tick_summary(result))
    return redirect(url_for(".result", audit_id=row.id))


@bp.get("/results/<int:audit_id>")
def result(audit_id: int):
    row = audit_row(audit_id, "tick_run") or abort(404)
    return render_template("staff/tick_result.html", row=row, summary=row.detail)
