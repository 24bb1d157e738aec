from __future__ import annotations

from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from kodaira_app.contracts.normalize import normalize_customer_number
from kodaira_app.extensions import db
from kodaira_app.models import (
    Customer,
    Delivery,
    WatchRecipient,
    WatchRegistration,
    WindowEvaluation,
)
from kodaira_app.queue.worker import build_worker
from kodaira_app.reports.console import preview
from kodaira_app.reports.content import window_label
from kodaira_app.reports.send import enqueue_deliveries
from kodaira_app.reports.test_mails import TestMailError, plan_test, send_test
from kodaira_app.reports.tick import run_tick
from kodaira_app.timeutil import town_tz

reports_cli = AppGroup("reports", help="見守り reports: run the tick, inspect deliveries.")


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO 8601 time: {value}") from exc
    if moment.tzinfo is None:
        raise click.BadParameter("give the offset, e.g. 2026-11-25T12:30:00+09:00")
    return moment


def _local(moment: datetime) -> str:
    return moment.astimezone(town_tz()).strftime("%Y-%m-%d %H:%M")


@reports_cli.command("run")
@click.option("--at", "at", required=True, help="The moment, ISO 8601 with offset.")
@click.option("--dry-run", is_flag=True, help="Show what would be evaluated and sent.")
def run_command(at: str, dry_run: bool) -> None:
    """Run the tick for a moment: the same code and idempotence as the worker's tick."""
    now = _moment(at)
    if dry_run:
        mails = preview(now)
        if not mails:
            click.echo("nothing due")
        for m in mails:
            click.echo(
                f"{_local(m.window_end)} {m.mode} registration #{m.registration_id}: "
                f"{m.status} -> {m.to or '(no mail)'}: {m.subject or ''}"
            )
        return
    result = run_tick(now)
    enqueue_deliveries(result.delivery_ids)
    if not result.slots and not result.followup_ids:
        click.echo("nothing due")
    for slot in result.slots:
        counts = ", ".join(f"{k}={v}" for k, v in sorted(slot.statuses.items())) or "no windows"
        click.echo(
            f"windows ending {_local(slot.window_end)} ({slot.mode}): {counts}; "
            f"{len(slot.delivery_ids)} mails queued"
        )
    if result.followup_ids:
        click.echo(f"follow-ups: {len(result.followup_ids)} mails queued")
    if not current_app.config["REDIS_URL"] and result.delivery_ids:
        # Embedded mode: this command's queue lives in this process only, so send now.
        _work_embedded_queue()
        click.echo("sent by this command (no REDIS_URL): see `flask reports deliveries`")


@reports_cli.command("test")
@click.option("--contract", "number", required=True, help="お客様番号, e.g. 0-0000008002.")
@click.option("--window-end", "end", required=True, help="The window's end, ISO 8601 with offset.")
@click.option("--to", "to", default=None, help="Send every recipient's mail only to ADDRESS.")
def test_command(number: str, end: str, to: str | None) -> None:
    """Send the report of a past window as a test (【テスト】), whenever the registration
    was made: the tick's evaluation and the report's templates; the real report of that
    window is untouched."""
    registration = _registration(number)
    try:
        plan = plan_test(registration, _moment(end))
        result = send_test(plan, origin="cli", to=to)
    except TestMailError as exc:
        raise click.ClickException(f"no test sent: {exc.code}") from None
    db.session.commit()
    click.echo(f"window ending {_local(plan.window_end)}: {plan.evaluation.status}")
    for mail, address in zip(plan.mails, result.sent_to, strict=True):
        click.echo(f"test -> {address}: {mail.subject}")
    for recipient in plan.stopped:
        click.echo(f"skipped (stopped): {recipient.email}")
    if not current_app.config["REDIS_URL"]:
        _work_embedded_queue()


def _registration(number: str) -> WatchRegistration:
    digits = normalize_customer_number(number)
    registration = digits and db.session.scalar(
        select(WatchRegistration)
        .join(Customer, Customer.id == WatchRegistration.customer_id)
        .where(Customer.customer_number == digits, WatchRegistration.ended_at.is_(None))
    )
    if not registration:
        raise click.ClickException(f"no active 見守り registration for {number}")
    return registration


def _work_embedded_queue() -> None:
    build_worker(current_app._get_current_object(), burst=True).run()


@reports_cli.command("deliveries")
@click.option("--status", default=None, help="pending / sending / sent / failed / ...")
@click.option("--limit", default=50, show_default=True)
def deliveries_command(status: str | None, limit: int) -> None:
    """List delivery rows with their status, attempts and last error, newest first."""
    query = (
        select(Delivery, WindowEvaluation, WatchRecipient)
        .join(WindowEvaluation, WindowEvaluation.id == Delivery.evaluation_id)
        .join(WatchRecipient, WatchRecipient.id == Delivery.recipient_id)
        .order_by(Delivery.id.desc())
        .limit(limit)
    )
    if status:
        query = query.where(Delivery.status == status)
    tz = town_tz()
    rows = db.session.execute(query).all()
    if not rows:
        click.echo("no deliveries")
    for d, e, r in rows:
        window = window_label(e.window_start, e.window_end, "ja", tz)
        click.echo(
            f"#{d.id} {d.kind} {d.status} attempts={d.attempts} {r.email} "
            f"[{window} {e.status}]" + (f" error: {d.last_error}" if d.last_error else "")
        )
