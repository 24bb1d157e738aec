"""`flask config check`: what the running configuration lacks before it may serve."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from kodaira_app.config import is_relaxed, problems

config_cli = AppGroup("config", help="The configuration of this installation.")


@config_cli.command("check")
def check_command() -> None:
    """Print every problem (exit 1 if any); development is told what production would need."""
    config = current_app.config
    found = problems(config)
    env = config.get("APP_ENV")
    for line in found:
        click.echo(f"- {line}")
    if not found:
        click.echo(f"APP_ENV={env}: the configuration is complete.")
        return
    if is_relaxed(config):
        click.echo(f"APP_ENV={env} runs anyway; production would refuse to start.")
    raise SystemExit(1)
