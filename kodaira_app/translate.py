"""`flask translate`: the message catalogs, wrapped around pybabel.

Japanese is the source language (the msgids), so there is no `ja` catalog.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po
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
            po = catalog_path(locale)
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


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=locale)


def catalog_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def problems(template: Catalog, catalog: Catalog) -> Iterator[tuple[str, str]]:
    """(msgid, what is wrong) for each msgid of `template` the catalog does not translate."""
    if catalog.fuzzy:
        yield "", "the catalog header is marked fuzzy"
    for wanted in template:
        if not wanted.id:
            continue
        key = wanted.id[0] if isinstance(wanted.id, tuple) else wanted.id
        message = catalog.get(key)
        if message is None:
            yield key, "missing (run flask translate update)"
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            yield key, "not translated"
        elif message.fuzzy:
            yield key, "marked fuzzy"
        elif isinstance(wanted.id, tuple) and not isinstance(message.id, tuple):
            yield key, "plural forms missing"


@translate_cli.command("check")
@click.option("--locale", "locales", multiple=True, type=click.Choice(TARGET_LOCALES))
def check_command(locales: tuple[str, ...]) -> None:
    """List the msgids each catalog still lacks; fails when there is one."""
    with tempfile.TemporaryDirectory() as tmp:
        template_path = Path(tmp) / "messages.pot"
        extract(template_path)
        template = read_catalog(template_path)
    missing = 0
    for locale in locales or TARGET_LOCALES:
        found = list(problems(template, read_catalog(catalog_path(locale), locale)))
        missing += len(found)
        click.echo(f"{locale}: {len(found) or 'complete'}")
        for msgid, what in found:
            click.echo(f"  {what}: {msgid}")
    if missing:
        raise SystemExit(1)


@translate_cli.command("compile")
def compile_command() -> None:
    """Compile the catalogs to .mo files (build output, not committed)."""
    pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")
