"""Databases for tests: created, migrated with Alembic, emptied and dropped by the run."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, text

PG_SERVER_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _with_db(url: str, name: str) -> str:
    base, _, _ = _plain(url).rpartition("/")
    return f"{base}/{name}"


def postgres_reachable() -> bool:
    try:
        with psycopg.connect(_plain(PG_SERVER_URL), connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def create_postgres_database() -> str:
    name = f"kodaira_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_plain(PG_SERVER_URL), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return _with_db(PG_SERVER_URL, name).replace("postgresql://", "postgresql+psycopg://")


def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[-1]
    with psycopg.connect(_plain(PG_SERVER_URL), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def upgrade(url: str) -> None:
    """Build the schema the way a deployment does: `flask db upgrade`."""
    from flask_migrate import upgrade as alembic_upgrade

    from kodaira_app import create_app

    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        alembic_upgrade()
        from kodaira_app.extensions import db

        db.engine.dispose()


@contextmanager
def migrated_database(kind: str, folder: Path) -> Iterator[str]:
    """A new database, migrated: on the PostgreSQL server (dropped after) or a SQLite file."""
    if kind == "postgres":
        url = create_postgres_database()
        upgrade(url)
        try:
            yield url
        finally:
            drop_postgres_database(url)
    else:
        url = f"sqlite:///{folder / 'template.sqlite3'}"
        upgrade(url)
        yield url


def truncate_all(url: str) -> None:
    from kodaira_app.extensions import db

    engine = create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


def clear_queues(app) -> None:
    """Remove this test's queues and jobs from Redis."""
    from kodaira_app.queue import QUEUES, get_queue, get_redis

    if not app.config["REDIS_URL"]:
        return
    conn = get_redis(app)
    for name in QUEUES:
        get_queue(name, app, conn).empty()
    prefix = app.config["QUEUE_PREFIX"]
    keys = list(conn.scan_iter(match=f"rq:*{prefix}*", count=1000))
    if keys:
        conn.delete(*keys)


@contextmanager
def app_at_revision(revision: str, folder: Path) -> Iterator:
    """An app on a database of its own, migrated up to `revision` only: for the tests that
    upgrade a database holding rows of an earlier schema. Dropped afterwards."""
    from flask_migrate import upgrade as alembic_upgrade

    from kodaira_app import create_app
    from kodaira_app.extensions import db

    postgres = os.environ.get("TEST_DB") == "postgres"
    url = create_postgres_database() if postgres else f"sqlite:///{folder / 'old.sqlite3'}"
    app = create_app(
        {
            "APP_ENV": "testing",
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": url,
            "REDIS_URL": "",
            "QUEUE_PREFIX": f"kodaira-test-{uuid.uuid4().hex[:12]}",
        }
    )
    try:
        with app.app_context():
            alembic_upgrade(revision=revision)
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        if postgres:
            drop_postgres_database(url)
