"""Writing batches of validated readings: new hours inserted, changed hours replaced.

A reading delivered again with the same value changes nothing; with another value it
replaces the old one, keeps the old value in `previous_deciliters` and adds a
ReadingChange row. The upsert itself hands back the old value, so no second look-up
of existing rows is needed (a join against a large readings table is what makes bulk
upserts slow).

PostgreSQL: each batch is first tried as a plain COPY into `readings` (new hours, the
usual case, go in at COPY speed); on a duplicate key that COPY is undone and the batch
goes through COPY into a temporary table and one INSERT ... ON CONFLICT statement, in
one transaction. Batches are written on a connection and a thread of their own, so the
next batch is parsed meanwhile.
SQLite (development and tests): executemany into a temporary table and the same upsert.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime

import psycopg
from sqlalchemy import text

from kodaira_app.extensions import db
from kodaira_app.timeutil import utcnow

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

# (inserted, replaced, unchanged) of one batch.
Counts = tuple[int, int, int]


class Batch:
    """Rows of one transaction: (meter, hour) -> decilitres, each hour at most once."""

    __slots__ = ("amounts",)

    def __init__(self) -> None:
        self.amounts: dict[tuple[str, str], int] = {}

    def __len__(self) -> int:
        return len(self.amounts)

    def rows(self) -> Iterator[tuple[str, str, int]]:
        return ((meter, hour, amount) for (meter, hour), amount in self.amounts.items())

    def copy_text(self) -> str:
        """The batch in PostgreSQL's COPY text format (rows hold the writer's texts)."""
        return "".join(f"{m}\t{h}\t{a}\n" for (m, h), a in self.amounts.items())


@contextmanager
def open_writer(source: str, on_written: Callable[[Counts], None]) -> Iterator[_Writer]:
    """A writer for the app's database; every batch is committed once written."""
    writer_class = PostgresWriter if db.engine.dialect.name == "postgresql" else SqliteWriter
    writer = writer_class(source[:64], on_written)
    try:
        yield writer
        writer.finish()
    except BaseException:
        writer.abort()
        raise


class _Writer:
    def __init__(self, source: str, on_written: Callable[[Counts], None]):
        self.source = source
        self.on_written = on_written

    @staticmethod
    def hour_text(hour: datetime) -> str:
        raise NotImplementedError

    @staticmethod
    def meter_text(meter: str) -> str:
        return meter

    def write(self, batch: Batch) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """Called after the last batch."""

    def abort(self) -> None:
        """Called when the import stopped with an exception."""


class SqliteWriter(_Writer):
    @staticmethod
    def hour_text(hour: datetime) -> str:
        # How SQLAlchemy stores a UTC datetime on SQLite, so that queries compare equal.
        return f"{hour:%Y-%m-%d %H:%M:%S}.000000"

    def write(self, batch: Batch) -> None:
        now = f"{utcnow():%Y-%m-%d %H:%M:%S.%f}"
        conn = db.session.connection()
        conn.execute(text(SQLITE_INCOMING))
        conn.execute(
            text("INSERT INTO readings_incoming VALUES (:m, :h, :a)"),
            [{"m": m, "h": h, "a": a} for m, h, a in batch.rows()],
        )
        stored = conn.execute(text(SQLITE_UPSERT), {"now": now}).all()
        changes = [
            {"m": m, "h": h, "old": old, "new": new, "source": self.source, "now": now}
            for m, h, new, old in stored
            if old is not None
        ]
        if changes:
            conn.execute(text(INSERT_CHANGES), changes)
        conn.execute(text("DELETE FROM readings_incoming"))
        db.session.commit()
        self.on_written((len(stored) - len(changes), len(changes), len(batch) - len(stored)))

    def abort(self) -> None:
        db.session.rollback()


class PostgresWriter(_Writer):
    def __init__(self, source: str, on_written: Callable[[Counts], None]):
        super().__init__(source, on_written)
        self._raw = db.engine.raw_connection()
        self._conn: psycopg.Connection = self._raw.driver_connection
        # A plain COPY commits by itself: one round trip (and one wait) less per batch.
        self._conn.autocommit = True
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="readings-writer")
        self._pending: Future[Counts] | None = None
        # Try a plain COPY first while batches hold only new hours.
        self._optimistic = True
        self._incoming_ready = False

    @staticmethod
    def hour_text(hour: datetime) -> str:
        return f"{hour:%Y-%m-%d %H:%M:%S}+00"

    @staticmethod
    def meter_text(meter: str) -> str:
        return meter.translate(_COPY_ESCAPES)

    def write(self, batch: Batch) -> None:
        # Text made here, so the writer thread needs the GIL as little as possible.
        data = batch.copy_text().encode()
        self._wait()
        self._pending = self._thread.submit(self._store, data, len(batch))

    def finish(self) -> None:
        self._wait()
        self._close()

    def abort(self) -> None:
        try:
            self._wait()
        except Exception:  # noqa: BLE001  # nosec B110  # the import's own error wins
            pass
        self._close()

    def _wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self.on_written(pending.result())

    def _close(self) -> None:
        self._thread.shutdown(wait=True)
        try:
            self._conn.autocommit = False  # as the pool handed it out
        except psycopg.Error:
            self._raw.invalidate()
        self._raw.close()

    def _store(self, data: bytes, size: int) -> Counts:
        if self._optimistic:
            try:
                self._copy(data, "readings (meter_id, hour_start, deciliters)")
                return size, 0, 0
            except psycopg.errors.UniqueViolation:
                self._optimistic = False
        if not self._incoming_ready:
            self._conn.execute(PG_INCOMING)
            self._incoming_ready = True
        with self._conn.transaction():
            self._copy(data, "readings_incoming")
            stored, replaced = self._conn.execute(
                PG_UPSERT, {"source": self.source, "now": utcnow()}
            ).fetchone()
        self._optimistic = stored == size and not replaced
        return stored - replaced, replaced, size - stored

    def _copy(self, data: bytes, target: str) -> None:
        with self._conn.cursor() as cursor, cursor.copy(f"COPY {target} FROM STDIN") as copy:
            copy.write(data)


INSERT_CHANGES = """
INSERT INTO reading_changes
    (meter_id, hour_start, old_deciliters, new_deciliters, source, changed_at)
VALUES (:m, :h, :old, :new, :source, :now)
"""

SQLITE_INCOMING = """
CREATE TEMP TABLE IF NOT EXISTS readings_incoming
    (meter_id TEXT NOT NULL, hour_start TEXT NOT NULL, deciliters INTEGER NOT NULL)
"""

# `WHERE true` tells SQLite's parser that ON CONFLICT belongs to the INSERT.
SQLITE_UPSERT = """
INSERT INTO readings (meter_id, hour_start, deciliters, received_at)
SELECT meter_id, hour_start, deciliters, :now FROM readings_incoming WHERE true
ON CONFLICT (meter_id, hour_start) DO UPDATE
    SET deciliters = excluded.deciliters, received_at = excluded.received_at,
        previous_deciliters = readings.deciliters
    WHERE readings.deciliters <> excluded.deciliters
RETURNING meter_id, hour_start, deciliters, previous_deciliters
"""

PG_INCOMING = """
CREATE TEMP TABLE IF NOT EXISTS readings_incoming
    (meter_id varchar(32) NOT NULL, hour_start timestamptz NOT NULL, deciliters integer NOT NULL)
    ON COMMIT DELETE ROWS
"""

# Rows returned by the upsert are the inserted ones (previous_deciliters NULL) and the
# replaced ones (previous_deciliters = the value before); unchanged rows are not returned.
PG_UPSERT = """
WITH stored AS (
    INSERT INTO readings (meter_id, hour_start, deciliters, received_at)
    SELECT meter_id, hour_start, deciliters, %(now)s FROM readings_incoming
    ON CONFLICT (meter_id, hour_start) DO UPDATE
        SET deciliters = excluded.deciliters, received_at = excluded.received_at,
            previous_deciliters = readings.deciliters
        WHERE readings.deciliters <> excluded.deciliters
    RETURNING meter_id, hour_start, deciliters, previous_deciliters
), logged AS (
    INSERT INTO reading_changes
        (meter_id, hour_start, old_deciliters, new_deciliters, source, changed_at)
    SELECT meter_id, hour_start, previous_deciliters, deciliters, %(source)s, %(now)s
    FROM stored WHERE previous_deciliters IS NOT NULL
)
SELECT count(*), count(previous_deciliters) FROM stored
"""
