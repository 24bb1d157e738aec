"""The 見守り履歴 page's figures and its CSV, for the views in watch/routes.py."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from flask import Response, current_app

from kodaira_app.babel_cache import format_decimal, format_skeleton, gettext
from kodaira_app.contracts.queries import active_registration
from kodaira_app.models import Customer, WatchRegistration
from kodaira_app.timeutil import town_tz, utcnow
from kodaira_app.watch import history
from kodaira_app.watch.glance import Glance, glance_text, glances, latest_reports
from kodaira_app.watch.history_chart import history_charts


def _axis(value: float) -> str:
    return gettext("%(value)s L", value=format_decimal(value, format="#,##0.##"))


def _short_day(value) -> str:
    return format_skeleton("Md", value)


def page_context(customer: Customer, now: datetime) -> dict:
    tz = town_tz()
    rows = history.history_rows(customer.id, now)
    today = now.astimezone(tz).date()
    at_a_glance = glance(customer.id)
    labels = {"window": history.hours_label, "day": _short_day, "axis": _axis}
    return {
        "rows": rows,
        "charts": history_charts(rows, today, tz, labels, days=history.HISTORY_DAYS),
        "days": history.HISTORY_DAYS,
        "tz": tz,
        "glance": at_a_glance.line,
        "coming": at_a_glance.next_report,
        "window_label": history.window_label,
        "day_label": history.day_label,
        "status_text": history.status_text,
        "mail_text": history.mail_text,
        "litres": history.litres,
    }


def _csv_litres(deciliters: int | None) -> str:
    return "" if deciliters is None else f"{deciliters / 10:.1f}"


def csv_response(customer: Customer, now: datetime) -> Response:
    """The page's table as CSV, newest first, one line per window."""
    tz = town_tz()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        [
            gettext("開始"),
            gettext("終了"),
            gettext("状況"),
            gettext("使用水量(L)"),
            gettext("受信できた時間の使用量(L)"),
            gettext("ふだんの使用量(L)"),
            gettext("メール"),
        ]
    )
    for row in history.history_rows(customer.id, now):
        mails = "; ".join(f"{m.name}: {history.mail_text(m, tz)}" for m in row.mails)
        writer.writerow(
            [
                row.start.astimezone(tz).isoformat(timespec="minutes"),
                row.end.astimezone(tz).isoformat(timespec="minutes"),
                str(history.STATUS.get(row.status, row.status)),
                _csv_litres(row.complete_deciliters),
                _csv_litres(row.deciliters) if row.status == "partial" else "",
                _csv_litres(row.usual_deciliters),
                mails,
            ]
        )
    # A BOM, so that spreadsheet programs read the Japanese headers as UTF-8.
    body = "\ufeff" + buffer.getvalue()
    filename = f"watch-history-{customer.customer_number}.csv"
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def glance(customer_id: int, registration: WatchRegistration | None = None) -> Glance:
    """The contract's last report in one line and when the next comes (both None when
    there is nothing to say). `registration`: the active one, when the caller has it."""
    registration = registration or active_registration(customer_id)
    if registration is None:
        line = None
        report = latest_reports([customer_id]).get(customer_id)
        if report is not None:
            line = glance_text(report, town_tz())
        return Glance(line=line, next_report=None)
    found = glances(
        {customer_id: registration},
        utcnow(),
        town_tz(),
        current_app.config["REPORT_DELAY_MINUTES"],
    )
    return found[customer_id]
