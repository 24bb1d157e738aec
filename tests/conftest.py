"""Fixtures in the flaskr style, on real parts.

TEST_DB=sqlite (default): a fresh SQLite file per test and the embedded queue (fakeredis).
TEST_DB=postgres: a database of its own for this run on the local PostgreSQL server (or
TEST_DATABASE_URL), emptied after each test, and the real Redis at TEST_REDIS_URL.
Mail always goes to a real SMTP server on loopback and is parsed back (`smtp`).
"""

from __future__ import annotations

import os
import shutil
import uuid

import pytest

from kodaira_app.queue import close_redis
from tests.support import database, mailbox
from tests.support.accounts import AuthActions
from tests.support.jobs import run_jobs as _run_jobs

TEST_DB = os.environ.get("TEST_DB", "sqlite")
# An app built from the environment in this process (a job's fallback app) is a test app,
# never the production default.
os.environ.setdefault("APP_ENV", "testing")


@pytest.fixture(scope="session")
def db_template(tmp_path_factory):
    """A migrated database to start every test from."""
    with database.migrated_database(TEST_DB, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture
def database_url(db_template, tmp_path):
    if TEST_DB == "postgres":
        yield db_template
        database.truncate_all(db_template)
    else:
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(db_template.removeprefix("sqlite:///"), path)
        yield f"sqlite:///{path}"


@pytest.fixture(scope="session")
def smtp_server():
    server = mailbox.SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server):
    smtp_server.clear()
    return smtp_server


@pytest.fixture(scope="session")
def translations_dir(tmp_path_factory):
    """The committed .po catalogs compiled for this run (never a stale .mo lying around)."""
    from tests.support.i18n import compile_catalogs

    return compile_catalogs(tmp_path_factory.mktemp("translations"))


@pytest.fixture
def app_config(database_url, smtp_server, translations_dir):
    """Settings of the app under test; a test may change them before using `app`."""
    return {
        "APP_ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "REDIS_URL": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
        if TEST_DB == "postgres"
        else "",
        "QUEUE_PREFIX": f"kodaira-test-{uuid.uuid4().hex[:12]}",
        "MAIL_SERVER": smtp_server.host,
        "MAIL_PORT": smtp_server.port,
        "MAIL_SUPPRESS_SEND": False,
        "MAIL_TIMEOUT": 5,
        "APP_BASE_URL": "http://localhost",
        "PASSWORD_HASH_METHOD": "scrypt:16384:8:1",
        "RATELIMIT_ENABLED": True,
        "BABEL_TRANSLATION_DIRECTORIES": str(translations_dir),
    }


@pytest.fixture
def app(app_config):
    from kodaira_app import create_app
    from kodaira_app.extensions import babel, db

    app = create_app(app_config)
    _fresh_request_globals(app)
    with app.app_context():
        babel.domain_instance.cache.clear()  # Flask-Babel keeps catalogs process-wide
        yield app
        db.session.remove()
        db.engine.dispose()
    database.clear_queues(app)
    close_redis(app)


def _fresh_request_globals(app):
    """Each request starts with its own `g`, as it does when served.

    The fixture's app context stays pushed for the whole test, and Flask reuses it for
    every request, so without this Flask-Login's cached user (g._login_user) would carry
    over from one client's request to the next client's.
    """
    from flask import g, request_started

    def forget_user(sender, **extra):
        g.pop("_login_user", None)
        g.pop("_flask_babel", None)  # Flask-Babel's cached locale of the previous request

    request_started.connect(forget_user, app, weak=False)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def auth(client, app):
    return AuthActions(client, app)


@pytest.fixture(autouse=True)
def clock():
    """The one clock of the app (kodaira_app.timeutil.clock): `clock.freeze(moment)` and
    `clock.advance(delta)` move the time every module, column default and job reads."""
    from kodaira_app.timeutil import clock as app_clock

    yield app_clock
    app_clock.unfreeze()


@pytest.fixture
def run_jobs(app):
    """Work every queued job with a burst worker, as `python worker.py --burst` would."""

    def run(**kwargs):
        return _run_jobs(app, **kwargs)

    return run
