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
    "kodaira_app.alerts.cli:alerts_cli",
    "kodaira_app.billing.cli:billing_cli",
    "kodaira_app.staff.cli:staff_cli",
    "kodaira_app.translate:translate_cli",
]


def register_cli(app: Flask) -> None:
    for spec in COMMAND_GROUPS:
        module, _, name = spec.partition(":")
        app.cli.add_command(getattr(import_module(module), name))
