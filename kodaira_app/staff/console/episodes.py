"""異変のお知らせ of one contract: each episode (rule, start, end, who was told, who
confirmed, escalations), and a preview of each alert mail, rendered by the mail code."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, render_template, request
from sqlalchemy import select

from kodaira_app.alerts.confirm import confirmed_line, episode_confirmation
from kodaira_app.alerts.mails import episode_context, helper_extra
from kodaira_app.extensions import db
from kodaira_app.mailer.outbox import render_mail
from kodaira_app.models import AlertEpisode, Customer, WatchRecipient, WatchRegistration
from kodaira_app.models.alerts import AlertRule
from kodaira_app.staff.audit import audit_commit
from kodaira_app.timeutil import utcnow

bp = Blueprint("episodes", __name__, url_prefix="/episodes")

PREVIEW_KINDS = ("alert_start", "alert_end", "alert_town_delay", "alert_helper")
PREVIEW_RULES = (AlertRule.FLOW, AlertRule.IDLE, AlertRule.NODATA)


def _registrations(customer: Customer) -> list[WatchRegistration]:
    return list(
        db.session.scalars(
            select(WatchRegistration)
            .where(WatchRegistration.customer_id == customer.id)
            .order_by(WatchRegistration.created_at.desc())
        )
    )


@bp.get("/<int:customer_id>")
def index(customer_id: int):
    customer = db.get_or_404(Customer, customer_id)
    registrations = _registrations(customer)
    ids = [r.id for r in registrations]
    episodes = list(
        db.session.scalars(
            select(AlertEpisode)
            .where(AlertEpisode.registration_id.in_(ids))
            .order_by(AlertEpisode.started_at.desc())
            .limit(200)
        )
    )
    recipients: dict[int, list[WatchRecipient]] = {}  # who the episodes' mails go to
    for r in db.session.scalars(
        select(WatchRecipient).where(WatchRecipient.registration_id.in_(ids))
    ):
        recipients.setdefault(r.registration_id, []).append(r)
    rows = [
        {
            "episode": e,
            "confirmed": confirmed_line(episode_confirmation(e.id)),
            "family": [r for r in recipients.get(e.registration_id, []) if not r.helper],
            "helpers": [r for r in recipients.get(e.registration_id, []) if r.helper],
        }
        for e in episodes
    ]
    audit_commit("view_episodes", "customer", customer.id)
    return render_template(
        "staff/episodes.html",
        customer=customer,
        rows=rows,
        kinds=PREVIEW_KINDS,
        rules=PREVIEW_RULES,
    )


@bp.get("/<int:customer_id>/preview")
def preview(customer_id: int):
    """The alert mail a recipient of this contract would get (nothing is written)."""
    customer = db.get_or_404(Customer, customer_id)
    kind = request.args.get("kind", "alert_start")
    rule = request.args.get("rule", AlertRule.FLOW.value)
    if kind not in PREVIEW_KINDS or rule not in {r.value for r in PREVIEW_RULES}:
        abort(404)
    registration = next((r for r in _registrations(customer) if r.ended_at is None), None)
    if registration is None:
        abort(404)
    live = [r for r in registration.recipients if r.removed_at is None]
    helper = kind == "alert_helper"
    recipient = next((r for r in live if r.helper == helper), None) or (live[0] if live else None)
    if recipient is None:
        abort(404)
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    hours = getattr(registration, f"alert_{rule}_hours") or 3
    sample = AlertEpisode(
        id=0, rule=rule, hours=hours, started_at=now - timedelta(hours=hours), end_hour=now
    )
    context = episode_context(sample, recipient, customer, None)
    if helper:
        context.update(helper_extra(customer))
    subject, body_text, _html = render_mail(kind, recipient.locale or "ja", **context)
    audit_commit("preview_alert_mail", "customer", customer.id, kind=kind, rule=rule)
    return render_template(
        "staff/episode_preview.html",
        customer=customer,
        subject=subject,
        body_text=body_text,
        recipient=recipient,
    )
