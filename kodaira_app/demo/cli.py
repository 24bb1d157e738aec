"""`flask demo load`: the demo town, in parts, each from its feature's module."""

from importlib import import_module

import click
from flask import current_app
from flask.cli import AppGroup

from kodaira_app.config import is_relaxed
from kodaira_app.extensions import db

demo_cli = AppGroup("demo", help="The demo town for development.")

# Each part is a function load(echo) in kodaira_app.demo.<part>, run in this order.
PARTS = ["town", "watch", "readings", "billing"]


@demo_cli.command("load")
def load_command() -> None:
    """Load the demo town (idempotent) and print the demo login; development only."""
    if not is_relaxed(current_app.config):
        # The demo logins and their published passwords must never reach a real town.
        raise click.ClickException(
            "flask demo load runs only with APP_ENV=development "
            f"(now {current_app.config['APP_ENV']})"
        )
    for part in PARTS:
        import_module(f"kodaira_app.demo.{part}").load(click.echo)
        db.session.commit()
