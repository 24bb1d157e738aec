"""Migration 0007 on a database holding rows of the previous schema: existing
registrations keep every rule off, existing recipients are family recipients."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from tests.conftest import TEST_DB
from tests.support import database

ROWS = [
    "INSERT INTO customers (id, customer_number, name_kana, name, address, meter_id,"
    " smart_meter, created_at, updated_at) VALUES (1, '00000008002', 'コダイラ', '小平',"
    " '小平町1', 'KM1', true, '2026-11-01 00:00:00', '2026-11-01 00:00:00')",
    "INSERT INTO accounts (id, email, password_hash, created_at, locale, session_version)"
    " VALUES (1, 'a@example.com', 'x', '2026-11-01 00:00:00', 'ja', 1)",
    "INSERT INTO watch_registrations (id, customer_id, account_id, created_at, updated_at)"
    " VALUES (1, 1, 1, '2026-11-01 00:00:00', '2026-11-01 00:00:00')",
    "INSERT INTO watch_recipients (id, registration_id, position, name, email, locale,"
    " stop_token, created_at) VALUES (1, 1, 1, '息子', 'son@example.com', 'ja', 'tok',"
    " '2026-11-01 00:00:00')",
]


def test_migration_0007_keeps_rows_with_the_rules_off_and_downgrades(tmp_path):
    from flask_migrate import downgrade, upgrade

    from kodaira_app import create_app
    from kodaira_app.extensions import db

    url = (
        database.create_postgres_database()
        if TEST_DB == "postgres"
        else f"sqlite:///{tmp_path / 'm.sqlite3'}"
    )
    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    engine = create_engine(url)
    try:
        with app.app_context():
            upgrade(revision="0005")
            with engine.begin() as conn:
                for statement in ROWS:
                    conn.execute(text(statement))
            upgrade(revision="0007")
            with engine.connect() as conn:
                row = conn.execute(
                    text(
                        "SELECT alert_flow_hours, alert_idle_hours, alert_nodata_hours"
                        " FROM watch_registrations"
                    )
                ).one()
                helper = conn.execute(text("SELECT helper FROM watch_recipients")).scalar()
                assert conn.execute(text("SELECT COUNT(*) FROM alert_episodes")).scalar() == 0
            assert tuple(row) == (None, None, None)
            assert not helper
            db.session.remove()
            downgrade(revision="0005")
            with engine.connect() as conn:
                assert conn.execute(text("SELECT COUNT(*) FROM watch_recipients")).scalar() == 1
            db.session.remove()
            db.engine.dispose()
    finally:
        engine.dispose()
        if TEST_DB == "postgres":
            database.drop_postgres_database(url)
