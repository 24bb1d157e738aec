"""Hourly meter readings in: validate rows of meter_id, hour_start, liters and store them.

Both ways in (a CSV file, the head-end API's JSON list) end here. Bad rows come back
with their line (CSV) or index (API) and a reason (a code and translated words, see
readings/problems.py); good rows are stored in batches, each
batch in its own transaction, so a file of millions of rows streams in constant memory.

How a batch is written is the job of `kodaira_app.readings.store`; this module only
turns text into (meter, hour, decilitres) and decides which rows are good.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from sqlalchemy import String, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY

from kodaira_app.csvimport import HeaderError, ImportResult
from kodaira_app.extensions import db
from kodaira_app.models import Customer
from kodaira_app.readings import csvlines
from kodaira_app.readings.problems import Problem
from kodaira_app.readings.store import Batch, open_writer
from kodaira_app.timeutil import utcnow

HEADER = ["meter_id", "hour_start", "liters"]
BATCH_SIZE = 100_000  # rows per transaction: fewer commits, still a few MB
# Readings may run ahead of the server clock by this much (meter clocks drift).
FUTURE_TOLERANCE = timedelta(hours=1)
# Caps a single hour: beyond it the value is a fault, and it keeps decilitres in int4.
MAX_DECILITERS = 10_000_000
# Parsed hour_start and liters texts are remembered (files repeat the same few dozen
# hours and amounts); the caches are emptied at this size to keep memory constant.
_CACHE_LIMIT = 20_000
# Up to this many meters named in a request are looked up one by one, not all loaded.
_FEW_METERS = 5_000

ErrorHook = Callable[[int, Problem], None]
BatchHook = Callable[["ReadingsImport"], None]


@dataclass
class ReadingsImport(ImportResult):
    """ImportResult plus how many stored rows replaced another value, and the batches.

    `imported` counts every row stored (new or replaced), `unchanged` the rows that were
    already there with the same value. `errors` keeps the first `max_errors` bad rows
    with their reason in the current language, `problems` the same rows as Problems (a
    code and its values); `error_count` counts them all.
    """

    replaced: int = 0
    error_count: int = 0
    batches: int = 0
    max_errors: int | None = None
    problems: list[tuple[int, Problem]] = field(default_factory=list)

    def add_error(self, number: int, problem: Problem) -> None:
        self.error_count += 1
        if self.max_errors is None or len(self.errors) < self.max_errors:
            self.errors.append((number, str(problem)))
            self.problems.append((number, problem))

    @property
    def ok(self) -> bool:
        return self.error_count == 0


def import_readings_csv(
    stream: IO,
    source: str,
    *,
    batch_size: int = BATCH_SIZE,
    max_errors: int | None = 10_000,
    on_error: ErrorHook | None = None,
    on_batch: BatchHook | None = None,
) -> ReadingsImport:
    """Import a CSV file with the header meter_id,hour_start,liters (UTF-8, BOM allowed).

    Errors carry the file's line number. Raises HeaderError when the header is wrong; a
    spot the CSV reader cannot read later on ends the import there, keeps what came
    before and is reported as an error of that line. Commits each batch.
    """
    text, detach = _text_stream(stream)
    try:
        return _run(
            csvlines.records(text, HEADER),
            source,
            batch_size,
            max_errors,
            on_error,
            on_batch,
            csv_records=True,
        )
    finally:
        detach()


def import_readings_rows(
    rows: Iterable[Any],
    source: str,
    *,
    batch_size: int = BATCH_SIZE,
    max_errors: int | None = None,
    on_error: ErrorHook | None = None,
    on_batch: BatchHook | None = None,
) -> ReadingsImport:
    """Import rows given as objects {meter_id, hour_start, liters} (the API's JSON list).

    Errors carry the row's index, from 0. liters may be a JSON number or a string.
    Commits each batch.
    """
    meters = None
    if isinstance(rows, list | tuple):
        # A request names a few thousand meters, the town has many more: look up those.
        meters = {
            meter.strip()
            for row in rows
            if type(row) is dict and type(meter := row.get("meter_id")) is str
        }
    return _run(enumerate(rows), source, batch_size, max_errors, on_error, on_batch, meters)


def _run(
    rows: Iterable[tuple[int, dict]],
    source: str,
    batch_size: int,
    max_errors: int | None,
    on_error: ErrorHook | None,
    on_batch: BatchHook | None,
    meters: set[str] | None = None,
    csv_records: bool = False,
) -> ReadingsImport:
    result = ReadingsImport(max_errors=max_errors)

    def bad(number: int, problem: Problem) -> None:
        result.add_error(number, problem)
        if on_error is not None:
            on_error(number, problem)

    def written(batch_result: tuple[int, int, int]) -> None:
        inserted, replaced, unchanged = batch_result
        result.imported += inserted + replaced
        result.replaced += replaced
        result.unchanged += unchanged
        result.batches += 1
        if on_batch is not None:
            on_batch(result)

    with open_writer(source, on_written=written) as writer:
        parser = RowParser(utcnow(), writer.hour_text, writer.meter_text, meters)
        parse = parser.parse
        if csv_records:
            parse = csvlines.record_parser(
                parse, parser.smart, parser._hours, parser._amounts, HEADER
            )
        batch = Batch()
        number = None
        try:
            for number, row in rows:
                try:
                    parsed = parse(row)
                except Problem as exc:
                    bad(number, exc)
                    continue
                if parsed is None:  # a record without data
                    continue
                key, deciliters = parsed
                if key in batch.amounts:
                    # The same hour twice in one batch: write what came before first,
                    # so that the later value replaces the earlier one, as in two files.
                    writer.write(batch)
                    batch = Batch()
                batch.amounts[key] = deciliters
                if len(batch.amounts) >= batch_size:
                    writer.write(batch)
                    batch = Batch()
        except HeaderError as exc:
            if number is None:  # the header itself, or nothing readable at all
                raise
            # Unreadable further on: keep what came before, report the spot as a row.
            where, _, reason = str(exc).partition(": ")
            detail = reason.removeprefix("the file cannot be read: ") or str(exc)
            bad(_line_number(where, number + 1), Problem("unreadable", detail=detail))
        if batch.amounts:
            writer.write(batch)
    return result


def _line_number(text: str, default: int) -> int:
    number = text.removeprefix("line ")
    return int(number) if number.isdigit() else default


class RowParser:
    """Validates one row; remembers the meters of the town and recent parses.

    A good row comes out as ((meter, hour), decilitres) in the texts the store writes:
    `meter_text(meter_id)` and `hour_text(hour in UTC)`.
    """

    def __init__(
        self,
        now: datetime,
        hour_text: Callable[[datetime], str],
        meter_text: Callable[[str], str],
        meters: set[str] | None = None,
    ):
        self.latest = now + FUTURE_TOLERANCE
        self.smart, self.other_meters = _known_meters(meter_text, meters)
        self._hour_text = hour_text
        # Good parses only: a bad row takes the slow path each time, and says why.
        self._hours: dict[str, str] = {}
        self._amounts: dict[str, int] = {}

    def parse(self, row: Any) -> tuple[tuple[str, str], int]:
        """A CSV row (texts) or an API row (JSON values) as ((meter, hour), decilitres)."""
        # Runs once per row of files of millions: three look-ups when all is known.
        try:
            return (
                (self.smart[row["meter_id"]], self._hours[row["hour_start"]]),
                self._amounts[row["liters"]],
            )
        except (KeyError, TypeError):
            return self._parse_new(_texts(row))

    def _parse_new(self, row: dict[str, str]) -> tuple[tuple[str, str], int]:
        meter = row["meter_id"]
        if meter not in self.smart:
            raise self._meter_reason(meter)
        hour = self._remember(self._hours, row["hour_start"], self._parse_hour)
        amount = self._remember(self._amounts, row["liters"], parse_liters)
        return (self.smart[meter], hour), amount

    @staticmethod
    def _remember(cache: dict, text: str, parse: Callable[[str], Any]) -> Any:
        value = cache.get(text)
        if value is None:
            value = parse(text)
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            cache[text] = value
        return value

    def _parse_hour(self, text: str) -> str:
        hour = parse_hour_start(text)
        if hour > self.latest:
            raise Problem("hour_in_future", value=_shown(text))
        return self._hour_text(hour)

    def _meter_reason(self, meter: str) -> Problem:
        if not meter:
            return Problem("meter_missing")
        if meter in self.other_meters:
            return Problem("meter_not_smart", value=_shown(meter))
        return Problem("meter_unknown", value=_shown(meter))


def _known_meters(
    meter_text: Callable[[str], str], wanted: set[str] | None = None
) -> tuple[dict[str, str], set[str]]:
    """Smart meters (id -> id as the store writes it) and meters without a smart meter.

    All of the town's meters, or only those `wanted` when there are few of them.
    """
    query = select(Customer.meter_id, Customer.smart_meter).where(Customer.meter_id.is_not(None))
    if wanted is not None and db.engine.dialect.name == "postgresql":
        # One array parameter, however many meters a request names.
        query = query.where(Customer.meter_id == func.any(literal(sorted(wanted), ARRAY(String))))
    elif wanted is not None and len(wanted) <= _FEW_METERS:
        query = query.where(Customer.meter_id.in_(sorted(wanted)))
    smart: dict[str, str] = {}
    other: set[str] = set()
    for meter, is_smart in db.session.execute(query):
        if is_smart:
            smart[meter] = meter_text(meter)
        else:
            other.add(meter)
    # End this read transaction before the batches: each batch commits on its own (on
    # PostgreSQL on a connection of its own), and no snapshot should stay open meanwhile.
    db.session.commit()
    return smart, other


def parse_hour_start(text: str) -> datetime:
    """An ISO 8601 date and time with a UTC offset, on the hour, as an aware UTC datetime."""
    if not text:
        raise Problem("hour_missing")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise Problem("hour_invalid", value=_shown(text)) from None
    if value.tzinfo is None:
        raise Problem("hour_no_offset", value=_shown(text))
    value = value.astimezone(UTC)
    if value.minute or value.second or value.microsecond:
        raise Problem("hour_not_on_the_hour", value=_shown(text))
    return value


def parse_liters(text: str) -> int:
    """Litres with at most one decimal (0.1 L, the meters' resolution) as decilitres."""
    if not text:
        raise Problem("liters_missing")
    negative = text.startswith("-")
    whole, dot, fraction = text.removeprefix("-").partition(".")
    fraction = fraction.rstrip("0") if dot else fraction
    if not (_digits(whole) and (not dot or fraction == "" or _digits(fraction))):
        raise Problem("liters_invalid", value=_shown(text))
    if len(fraction) > 1:
        raise Problem("liters_too_precise", value=_shown(text))
    deciliters = int(whole) * 10 + int(fraction or 0)
    if negative and deciliters:
        raise Problem("liters_negative", value=_shown(text))
    if deciliters > MAX_DECILITERS:
        raise Problem("liters_too_large", max=f"{MAX_DECILITERS // 10:,}", value=_shown(text))
    return deciliters


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _shown(value: str) -> str:
    return value if len(value) <= 40 else value[:37] + "..."


def _texts(row: Any) -> dict[str, str]:
    """The three fields of a row as stripped texts, or a Problem saying what is wrong.

    CSV rows are texts already (or carry the reader's complaint); API rows are JSON
    objects whose liters may be a number.
    """
    if not isinstance(row, dict):
        raise Problem("row_not_object")
    if "__error__" in row:
        raise _column_problem(row["__error__"])
    fields = {}
    for name in HEADER:
        value = row.get(name)
        if value is None:
            fields[name] = ""
        elif isinstance(value, str):
            fields[name] = value.strip()
        elif name == "liters" and isinstance(value, int | float) and not isinstance(value, bool):
            fields[name] = repr(value)
        elif name == "liters":
            raise Problem("liters_not_number")
        else:
            raise Problem("field_not_string", field=name)
    return fields


def _column_problem(text: str) -> Problem:
    """The CSV reader's '2 columns, expected 3' as a Problem."""
    found, _, _ = text.partition(" columns")
    return Problem("wrong_columns", found=found, expected=len(HEADER))


def _text_stream(stream: IO) -> tuple[IO[str], Callable[[], None]]:
    """A fast UTF-8 (BOM allowed) text view of a binary stream, and how to let go of it.

    TextIOWrapper decodes in large chunks, about twice as fast as a codecs reader; it is
    detached afterwards so that the caller's stream stays open. A byte that is not UTF-8
    becomes U+FFFD: every field of this format is ASCII, so it spoils only its own row,
    which is then reported with its line like any other bad row.
    """
    if isinstance(stream, io.TextIOBase) or not hasattr(stream, "readable"):
        return stream, lambda: None
    wrapper = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
    return wrapper, wrapper.detach
