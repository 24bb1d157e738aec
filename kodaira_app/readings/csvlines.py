"""The readings CSV read line by line, with the csv module only where a line needs it.

A head-end export is millions of lines like `M000000001,2026-11-25T06:00:00+09:00,1.5`:
no quotes, three fields, the same few dozen hours and amounts again and again. Such a
line is split on commas and its three texts looked up in the parser's caches; that is
the whole work for almost every line. Any other line (quoted, a field with spaces, a
value not seen before, a wrong number of columns) goes through `csvimport.read_rows`
and the parser's full checks, so it is read, accepted or refused with the same reason
and line number as before.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import IO, Any

from kodaira_app.csvimport import HeaderError, read_rows

# A CSV record: its first physical line's number and its text (several lines when a
# quoted field holds a line break).
Record = tuple[int, str]


def records(text: IO[str], header: list[str]) -> Iterator[tuple[int, Record]]:
    """The data records of a CSV text after checking its header (HeaderError if wrong).

    Yields (line number, record) as read_rows yields (line number, row); blank records
    are left out, as read_rows leaves them out.
    """
    lines = iter(text)
    first, count = _record(next(lines, ""), lines)
    for _ in read_rows(io.StringIO(first, newline=""), header):  # the header; no rows
        pass
    number = 1 + count
    for line in lines:
        record, count = _record(line, lines)
        if '"' in record or record.replace(",", "").strip():
            yield number, (number, record)
        number += count


def _record(line: str, lines: Iterator[str]) -> tuple[str, int]:
    """The line, plus the lines after it while a quoted field is still open; and how
    many physical lines that is."""
    count = 1
    while line.count('"') % 2:
        more = next(lines, None)
        if more is None:
            break
        line += more
        count += 1
    return line, count


def record_parser(
    parse: Callable[[Any], tuple[tuple[str, str], int]],
    smart: dict[str, str],
    hours: dict[str, str],
    amounts: dict[str, int],
    header: list[str],
) -> Callable[[Record], tuple[tuple[str, str], int] | None]:
    """parse for records: the caches first, `parse` (a row as a dict) for anything else.

    Returns None for a record that holds no data (a quoted blank line).
    """
    header_line = ",".join(header) + "\n"
    width = len(header)

    def parse_record(record: Record) -> tuple[tuple[str, str], int] | None:
        number, line = record
        fields = line.rstrip("\r\n").split(",")
        if len(fields) == width and '"' not in line:
            try:
                return (smart[fields[0]], hours[fields[1]]), amounts[fields[2]]
            except KeyError:
                pass
        try:
            rows = [
                row for _, row in read_rows(io.StringIO(header_line + line, newline=""), header)
            ]
        except HeaderError as exc:
            raise HeaderError(str(exc).replace("line 2:", f"line {number}:", 1)) from exc
        return parse(rows[0]) if rows else None

    return parse_record
