"""Registers each feature's `flask` command group."""

from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    from kodaira_app.customers.cli import customers_cli
    from kodaira_app.demo.cli import demo_cli

    for group in (customers_cli, demo_cli):
        app.cli.add_command(group)
