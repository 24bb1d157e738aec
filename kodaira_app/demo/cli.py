"""`flask demo load`: the demo town, in parts, each from its feature's module."""

from importlib import import_module

import click
from flask.cli import AppGroup

from kodaira_app.extensions import db

demo_cli = AppGroup("demo", help="The demo town for development.")

# Each part is a function load(echo) in kodaira_app.demo.<part>, run in this order.
PARTS = ["town", "watch", "readings", "billing"]


@demo_cli.command("load")
def load_command() -> None:
    """Load the demo town (idempotent) and print the demo login."""
    for part in PARTS:
        import_module(f"kodaira_app.demo.{part}").load(click.echo)
        db.session.commit()
