"""`flask translate`: the message catalogs, wrapped around pybabel.

Japanese is the source language (the msgids), so there is no `ja` catalog.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
from babel.messages.frontend import CommandLineInterface
from flask.cli import AppGroup

from kodaira_app.config import PROJECT_ROOT
from kodaira_app.i18n import LANGUAGES

translate_cli = AppGroup("translate", help="Message catalogs (pybabel extract/update/compile).")

TRANSLATIONS = PROJECT_ROOT / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
TARGET_LOCALES = [code for code in LANGUAGES if code != "ja"]


def pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract(output=TEMPLATE) -> None:
    """Collect every msgid from the code and the templates into `output`."""
    pybabel(
        "extract",
        "-F",
        str(PROJECT_ROOT / "babel.cfg"),
        "-k",
        "_l",
        "--no-location",
        "--sort-output",
        "--project",
        "kodaira-app",
        "-o",
        str(output),
        str(PROJECT_ROOT),
    )


@translate_cli.command("extract")
def extract_command() -> None:
    """Write translations/messages.pot from the code and templates."""
    extract()
    click.echo(f"wrote {TEMPLATE.relative_to(PROJECT_ROOT)}")


@translate_cli.command("update")
@click.option(
    "--locale",
    "locales",
    multiple=True,
    type=click.Choice(TARGET_LOCALES),
    help="Only these catalogs (default: all).",
)
def update_command(locales: tuple[str, ...]) -> None:
    """Extract, then merge new msgids into the catalogs (new ones untranslated)."""
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "messages.pot"
        extract(template)
        for locale in locales or TARGET_LOCALES:
            po = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
            if po.exists():
                pybabel(
                    "update",
                    "-i",
                    str(template),
                    "-d",
                    str(TRANSLATIONS),
                    "-l",
                    locale,
                    "--no-fuzzy-matching",
                    "--ignore-obsolete",
                )
            else:
                pybabel("init", "-i", str(template), "-d", str(TRANSLATIONS), "-l", locale)
            click.echo(f"updated {po.relative_to(PROJECT_ROOT)}")


@translate_cli.command("compile")
def compile_command() -> None:
    """Compile the catalogs to .mo files (build output, not committed)."""
    pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")
