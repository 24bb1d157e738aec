"""`flask alerts run`: the periodic evaluation of the alert rules, for a moment."""

from __future__ import annotations

from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

from kodaira_app.alerts.episodes import evaluate
from kodaira_app.queue.worker import build_worker
from kodaira_app.timeutil import utcnow

alerts_cli = AppGroup("alerts", help="異変のお知らせ: run the rules against the readings.")


@alerts_cli.command("run")
@click.option("--at", "at", default=None, help="The moment, ISO 8601 with offset (now).")
def run_command(at: str | None) -> None:
    """The same code and idempotence as the worker's job that runs every minute."""
    if at is None:
        now = utcnow()
    else:
        try:
            now = datetime.fromisoformat(at)
        except ValueError as exc:
            raise click.BadParameter(f"not an ISO 8601 time: {at}") from exc
        if now.tzinfo is None:
            raise click.BadParameter("give the offset, e.g. 2026-11-25T12:30:00+09:00")
    result = evaluate(now)
    click.echo(
        f"episodes opened {result['opened']}, ended {result['closed']}; "
        f"{result['mailed']} mails queued" + ("; town-wide outage" if result["town_outage"] else "")
    )
    if not current_app.config["REDIS_URL"] and result["mailed"]:
        # Embedded mode: this command's queue lives in this process only, so send now.
        build_worker(current_app._get_current_object(), burst=True).run()
