"""Registers each feature's `flask` command group."""

from __future__ import annotations

from importlib import import_module

from flask import Flask

# module:attribute of each click group, one per feature.
COMMAND_GROUPS = [
    "kodaira_app.config_cli:config_cli",
    "kodaira_app.customers.cli:customers_cli",
    "kodaira_app.demo.cli:demo_cli",
    "kodaira_app.readings.cli:readings_cli",
    "kodaira_app.api.cli:api_token_cli",
    "kodaira_app.reports.cli:reports_cli",
    "kodaira_app.billing.cli:billing_cli",
    "kodaira_app.staff.cli:staff_cli",
    "kodaira_app.translate:translate_cli",
]


def register_cli(app: Flask) -> None:
    for spec in COMMAND_GROUPS:
        module, _, name = spec.partition(":")
        app.cli.add_command(getattr(import_module(module), name))


def import_csv_file(path: str, importer) -> None:
    """Shared body of the `… import FILE.csv` commands whose importer takes a stream.

    Prints the counts and every bad row (`line N: reason`); the good rows are kept, and the
    exit status is 1 when any row was refused. A wrong header refuses the whole file.
    """
    import click

    from kodaira_app.csvimport import HeaderError
    from kodaira_app.extensions import db

    with open(path, "rb") as stream:
        try:
            result = importer(stream)
        except HeaderError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from exc
    click.echo(
        f"{path}: {result.imported} imported, {result.unchanged} unchanged, "
        f"{len(result.errors)} errors"
    )
    for line, reason in result.errors:
        click.echo(f"line {line}: {reason}", err=True)
    if result.errors:
        raise SystemExit(1)
