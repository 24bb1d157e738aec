"""Reading the CSV files that come from outside the app (customers, readings, billing).

Every importer reports each bad row with its line number and reason and keeps the good
rows; files are read as a stream, so a large file takes constant memory.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO


class RowError(ValueError):
    """A row that cannot be imported; the message is shown to the person importing."""


@dataclass
class ImportResult:
    imported: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)

    @property
    def ok(self) -> bool:
        return not self.errors


class HeaderError(ValueError):
    """The file's header is not the one the format requires."""


def text_stream(stream: IO) -> IO[str]:
    """A text stream over `stream` (bytes or text), UTF-8 with or without a BOM."""
    if isinstance(stream, io.TextIOBase):
        return stream
    return codecs.getreader("utf-8-sig")(stream, errors="strict")


def read_rows(stream: IO, header: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) for each data row; raise HeaderError for a wrong header.

    Line numbers count physical lines from 1 (the header), as an editor shows them.
    """
    reader = csv.reader(text_stream(stream))
    try:
        first = next(reader)
    except StopIteration:
        raise HeaderError("the file is empty") from None
    except UnicodeDecodeError as exc:
        raise HeaderError("the file is not UTF-8") from exc
    got = [name.strip().lstrip("\ufeff") for name in first]
    if got != header:
        raise HeaderError(f"the header must be {','.join(header)} (found {','.join(got)})")
    # This loop runs once per row of files of millions: kept to the bare minimum.
    width = len(header)
    line = reader.line_num + 1
    try:
        for values in reader:
            if not "".join(values).strip():
                pass
            elif len(values) != width:
                yield line, {"__error__": f"{len(values)} columns, expected {width}"}
            else:
                yield line, dict(zip(header, map(str.strip, values), strict=False))
            line = reader.line_num + 1
    except (UnicodeDecodeError, csv.Error) as exc:
        raise HeaderError(f"line {line}: the file cannot be read: {exc}") from exc


def import_csv_file(path: str, importer) -> None:
    """Shared body of the `… import FILE.csv` commands whose importer takes a stream.

    Prints the counts and every bad row (`line N: reason`); the good rows are kept, and the
    exit status is 1 when any row was refused. A wrong header refuses the whole file.
    """
    import click

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
