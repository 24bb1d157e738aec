"""`flask readings import FILE.csv`: hourly readings from the head-end's export."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask.cli import AppGroup

from kodaira_app.babel_cache import force_locale
from kodaira_app.csvimport import HeaderError
from kodaira_app.i18n import normalize_locale
from kodaira_app.readings.importer import import_readings_csv

readings_cli = AppGroup("readings", help="Meter readings (hourly litres per meter).")


@readings_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", help="Recorded with every changed value (default: csv:FILENAME).")
@click.option(
    "--lang",
    help="Language of the reasons: ja, en, zh_Hans, ko, vi (default: from LANG, else ja).",
)
def import_command(path: Path, source: str | None, lang: str | None) -> None:
    """Import FILE.csv (meter_id,hour_start,liters); exit 1 if any row was bad.

    The good rows are stored even when others are bad; every bad row is printed with
    its line number and reason, in the operator's language.
    """
    with force_locale(operator_locale(lang)):
        _import(path, source)


def operator_locale(chosen: str | None) -> str:
    """--lang, else the language of LANG (ja_JP.UTF-8 → ja, zh_CN → zh_Hans), else ja."""
    if chosen:
        if normalize_locale(chosen) is None:
            raise click.BadParameter(f"not one of the app's languages: {chosen}")
        return normalize_locale(chosen)
    tag = os.environ.get("LANG", "").split(".")[0]
    return normalize_locale(tag.replace("_", "-")) or normalize_locale(tag.split("_")[0]) or "ja"


def _import(path: Path, source: str | None) -> None:

    def bad_row(line: int, reason: str) -> None:
        click.echo(f"line {line}: {reason}")

    with path.open("rb") as stream:
        try:
            result = import_readings_csv(
                stream, source or f"csv:{path.name}", max_errors=0, on_error=bad_row
            )
        except HeaderError as exc:
            raise click.ClickException(f"{path.name}: {exc}") from exc
    click.echo(
        f"{path.name}: {result.imported} stored ({result.imported - result.replaced} new, "
        f"{result.replaced} replaced), {result.unchanged} unchanged, "
        f"{result.error_count} bad rows."
    )
    if not result.ok:
        raise click.exceptions.Exit(1)
