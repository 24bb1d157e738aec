from __future__ import annotations

import csv
import io
from datetime import date, datetime
from functools import lru_cache

from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from kodaira_app.babel_cache import gettext
from kodaira_app.billing.bills import bills_by_customer
from kodaira_app.billing.formatting import cubic_metres, month_day, year_month
from kodaira_app.contracts.queries import account_contracts, get_contract
from kodaira_app.extensions import db
from kodaira_app.models import Customer, WatchRegistration
from kodaira_app.timeutil import town_today, town_tz, utcnow
from kodaira_app.usage import charts, series
from kodaira_app.usage.forms import DayForm
from kodaira_app.usage.labels import litres, litres_axis
from kodaira_app.usage.top import linked_contracts

bp = Blueprint("usage", __name__)


@bp.get("/usage")
@login_required
def index():
    contracts = account_contracts(current_user)
    if contracts:
        return redirect(url_for("usage.contract", customer_id=contracts[0].id))
    return render_template("usage/index.html")


def _tz():
    return town_tz()


def _periods(customer: Customer) -> list[series.PeriodPoint]:
    return series.period_series(bills_by_customer([customer.id])[customer.id])


def _windows(customer: Customer):
    """The windows of the contract's active registration, in one statement."""
    registration = (
        db.session.scalars(
            select(WatchRegistration)
            .where(
                WatchRegistration.customer_id == customer.id, WatchRegistration.ended_at.is_(None)
            )
            .options(joinedload(WatchRegistration.windows))
        )
        .unique()
        .one_or_none()
    )
    return registration.windows if registration else []


def _contract_and_all(customer_id: int) -> tuple[Customer, list[Customer]]:
    """The account's contract with this id (404 for another's) and all the account's
    contracts, for the switcher: one statement."""
    contracts = linked_contracts(current_user.id)
    for customer in contracts:
        if customer.id == customer_id:
            return customer, contracts
    abort(404)


def _day_form(today: date, default: date) -> tuple[DayForm, date]:
    """The day of the hourly chart: the chosen one, or `default` (the last complete day)
    when none or a bad one was chosen."""
    form = DayForm(request.args, today=today)
    if request.args.get("date") and form.validate():
        return form, form.date.data
    if not request.args.get("date"):
        form.date.data = default
    return form, default


# Periods shown until the reader asks for all of them (「すべて表示」: ?periods=all).
RECENT_PERIODS = 6


def _period_name(point: series.PeriodPoint) -> str:
    """「2026/01〜2026/02」: the months a period covers, for the chart's row."""
    start, end = year_month(point.start), year_month(point.end)
    return start if start == end else gettext("%(start)s〜%(end)s", start=start, end=end)


def _period_context(customer: Customer, show_all: bool) -> dict:
    """The periods newest first: the latest six, or all when asked."""
    periods = _periods(customer)
    shown = periods if show_all else periods[:RECENT_PERIODS]
    # Each period's figure is shown twice (its own row, and as "a year earlier"): format
    # each value once.
    m3 = lru_cache(maxsize=None)(lambda v: cubic_metres(v) if v is not None else "–")
    return {
        "periods": shown,
        "period_count": len(periods),
        "recent_periods": RECENT_PERIODS,
        "all_periods": show_all,
        "period_chart": charts.pair_chart(
            [(_period_name(p), p.usage_m3, p.year_before_m3) for p in shown], m3
        ),
    }


def _meter_context(customer: Customer, now: datetime, tz) -> dict:
    """Daily use for 30 days and hourly use of the chosen day (smart meters only)."""
    today = town_today(now, tz)
    start, end = series.daily_range(today, tz)
    rows = series.meter_readings(customer.meter_id, start, end)
    days = series.daily_series(customer.meter_id, today, tz, rows=rows)
    form, day = _day_form(today, series.last_complete_day(days, today))
    # The chosen day is one of the 30 (the usual case): its hours are among those rows.
    in_rows = start <= series.town_midnight(day, tz) < end
    windows = _windows(customer)
    hours = series.hourly_series(
        customer.meter_id, day, tz, windows, now, rows=rows if in_rows else None
    )
    return {
        "form": form,
        "day": day,
        "today": today,
        "days": days,
        "hours": hours,
        "day_total": sum(h.deciliters or 0 for h in hours),
        "days_total": sum(d.deciliters or 0 for d in days),
        "daily_chart": charts.column_chart(
            [litres(d.deciliters) for d in days],
            # Only every 7th day carries a label: the others are not formatted at all.
            [month_day(d.day) if i % 7 == 0 else "" for i, d in enumerate(days)],
            litres_axis,
            partial=[d.day == today for d in days],
            label_every=7,
        ),
        "hourly_chart": charts.column_chart(
            [litres(h.deciliters) for h in hours],
            [str(h.hour) for h in hours],
            litres_axis,
            shaded=[h.watched for h in hours],
            pending=[h.pending for h in hours],
            label_every=3,
        ),
    }


@bp.get("/usage/<int:customer_id>")
@login_required
def contract(customer_id: int):
    customer, contracts = _contract_and_all(customer_id)
    context = _period_context(customer, request.args.get("periods") == "all")
    if customer.smart_meter and customer.meter_id:
        context.update(_meter_context(customer, utcnow(), _tz()))
    return render_template("usage/contract.html", customer=customer, contracts=contracts, **context)


def _csv(name: str, customer: Customer, header: list[str], rows: list[list]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    # A BOM, so that spreadsheet programs read the Japanese headers as UTF-8.
    body = "\ufeff" + buffer.getvalue()
    filename = f"usage-{name}-{customer.customer_number}.csv"
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _litres_csv(deciliters: int | None) -> str:
    return "" if deciliters is None else f"{deciliters / 10:.1f}"


@bp.get("/usage/<int:customer_id>/periods.csv")
@login_required
def periods_csv(customer_id: int):
    customer = get_contract(current_user, customer_id)
    rows = [
        [
            p.start.isoformat(),
            p.end.isoformat(),
            p.usage_m3,
            "" if p.year_before_m3 is None else p.year_before_m3,
        ]
        for p in _periods(customer)
    ]
    header = [
        gettext("期間開始"),
        gettext("期間終了"),
        gettext("使用水量(m³)"),
        gettext("前年同期(m³)"),
    ]
    return _csv("periods", customer, header, rows)


def _smart_contract(customer_id: int) -> Customer:
    customer = get_contract(current_user, customer_id)
    if not (customer.smart_meter and customer.meter_id):
        abort(404)
    return customer


@bp.get("/usage/<int:customer_id>/daily.csv")
@login_required
def daily_csv(customer_id: int):
    customer = _smart_contract(customer_id)
    tz = _tz()
    days = series.daily_series(customer.meter_id, town_today(utcnow(), tz), tz)
    rows = [[d.day.isoformat(), _litres_csv(d.deciliters), d.hours] for d in days]
    header = [gettext("日付"), gettext("使用水量(L)"), gettext("データのある時間数")]
    return _csv("daily", customer, header, rows)


@bp.get("/usage/<int:customer_id>/hourly.csv")
@login_required
def hourly_csv(customer_id: int):
    customer = _smart_contract(customer_id)
    tz = _tz()
    now = utcnow()
    today = town_today(now, tz)
    default = today
    if not request.args.get("date"):  # the page's default day, from the last 30 days
        default = series.last_complete_day(series.daily_series(customer.meter_id, today, tz), today)
    _, day = _day_form(today, default)
    hours = series.hourly_series(customer.meter_id, day, tz, _windows(customer), now)
    rows = [
        [day.isoformat(), f"{h.hour:02d}:00", _litres_csv(h.deciliters), "○" if h.watched else ""]
        for h in hours
    ]
    header = [gettext("日付"), gettext("時刻"), gettext("使用水量(L)"), gettext("見守り時間帯")]
    return _csv(f"hourly-{day.isoformat()}", customer, header, rows)
