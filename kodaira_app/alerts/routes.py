"""確認しました: the page a recipient's one-click link opens (no login)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select

from kodaira_app.alerts import confirm
from kodaira_app.alerts.rules import AlertSettings
from kodaira_app.extensions import csrf, db
from kodaira_app.i18n import reader_locale
from kodaira_app.models import Customer, WatchRegistration

bp = Blueprint("alerts", __name__)


@bp.route("/alerts/confirm/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the credential, as on the stop page
def confirm_page(token: str):
    """GET shows a button; POST with the token records who confirmed and when."""
    link = confirm.load(token)
    if link is None:
        return render_template("alerts/confirm_unknown.html"), 404
    ended = link.episode is not None and link.episode.ended_at is not None
    if request.method == "POST" and not ended:
        confirm.record(link)
    customer = db.session.get(Customer, link.recipient.registration.customer_id)
    if link.episode is not None:
        confirmation = confirm.episode_confirmation(link.episode.id)
    else:
        confirmation = confirm.latest_confirmation(link.recipient.registration_id)
    with reader_locale(link.recipient.locale):
        return render_template(
            "alerts/confirm.html",
            link=link,
            customer=customer,
            ended=ended,
            recorded=request.method == "POST" and not ended,
            confirmed=confirm.confirmed_line(confirmation),
        )


@bp.app_template_global("report_confirm_url")
def report_confirm_url(stop_token: str, window: str = "") -> str:
    """The 確認しました link of a report mail, from its recipient's stop token and window."""
    return confirm.confirm_url(confirm.report_token(stop_token, window))


@bp.app_template_global("alert_confirmed_line")
def alert_confirmed_line(registration_id: int) -> str | None:
    """「息子さんが 14:25 に確認しました」: the registration's latest confirmation."""
    return confirm.confirmed_line(confirm.latest_confirmation(registration_id))


@bp.app_template_global("saved_alerts")
def saved_alerts(customer_id: int) -> dict | None:
    """The live registration's 異変のお知らせ, as the summary partial shows them."""
    registration = db.session.scalar(
        select(WatchRegistration).where(
            WatchRegistration.customer_id == customer_id, WatchRegistration.ended_at.is_(None)
        )
    )
    if registration is None:
        return None
    flow, idle, nodata = AlertSettings.of(registration).as_list()
    live = [r for r in registration.recipients if r.removed_at is None]
    helpers = [r.position for r in live if r.helper]
    return {"flow": flow, "idle": idle, "nodata": nodata, "helpers": helpers}
