"""A contract's whole story: customer, account, consents, 見守り, deliveries, bills and
the last week's hourly readings (a chart, the table folded under it)."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, render_template

from kodaira_app.billing.formatting import month_day
from kodaira_app.extensions import db
from kodaira_app.models import Customer
from kodaira_app.staff.audit import audit_commit
from kodaira_app.staff.forms import ActionForm
from kodaira_app.staff.queries import (
    ContractOverview,
    contract_overview,
    delivery_context,
    reading_hours,
)
from kodaira_app.timeutil import town_today, town_tz, utcnow
from kodaira_app.usage import charts
from kodaira_app.usage.labels import litres, litres_axis
from kodaira_app.usage.series import watched_hours

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


def _readings_chart(overview: ContractOverview, now: datetime) -> dict:
    """The week's hours as one column chart: each town day's first hour labelled with its
    date, the hours of the live 見守り windows shaded."""
    tz = town_tz()
    hours = reading_hours(overview.readings, now)
    local = [start.astimezone(tz) for start, _ in hours]
    live = [r for r in overview.registrations if r.ended_at is None]
    watched = watched_hours(live[0].windows) if live else set()
    chart = charts.column_chart(
        [litres(dl) for _, dl in hours],
        [month_day(t.date()) if t.hour == 0 else "" for t in local],
        litres_axis,
        shaded=[t.hour in watched for t in local],
    )
    return {
        "readings_chart": chart,
        "readings_total": sum(dl or 0 for _, dl in hours),
        "readings_watched": bool(watched),
    }


def _page(customer: Customer, revealed: bool = False):
    overview = contract_overview(customer)
    now = utcnow()
    return render_template(
        "staff/contract.html",
        o=overview,
        delivery_info=delivery_context(overview.deliveries),
        reveal_form=ActionForm(),
        emails_revealed=revealed,
        today=town_today(now, town_tz()),
        **_readings_chart(overview, now),
    )
