"""audit_logs and consents are append-only in the database: raw SQL cannot change them."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.exc import DBAPIError

from kodaira_app.extensions import db
from kodaira_app.models import Account, Consent
from kodaira_app.models.staff import AuditLog
from kodaira_app.staff import audit
from tests.conftest import TEST_DB
from tests.support import database
from tests.support.factories import make_customer
from tests.support.staff import make_staff

STATEMENTS = {
    "audit_logs": [
        "UPDATE audit_logs SET action = 'nothing_happened'",
        "DELETE FROM audit_logs",
    ],
    "consents": [
        "UPDATE consents SET account_email = 'someone@else.example'",
        "DELETE FROM consents",
    ],
}


def rows_of_both():
    staff = make_staff()
    audit.record(staff, "view_customer", "customer", 1)
    # Only the columns of revision 0001: the migration test writes this row at 0001.
    account_id = db.session.execute(
        insert(Account).values(email="taro@example.com", password_hash="x").returning(Account.id)
    ).scalar_one()
    customer = make_customer()
    db.session.add(
        Consent(
            account_id=account_id,
            account_email="taro@example.com",
            customer_id=customer.id,
            relation="family",
            text_version="v1",
        )
    )
    db.session.commit()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    "table,statement", [(t, s) for t, statements in STATEMENTS.items() for s in statements]
)
def test_append_only_tables_refuse_raw_update_and_delete(app, table, statement):
    rows_of_both()
    # A connection of its own, outside the ORM and its listeners: what any client can do.
    with db.engine.connect() as conn:
        with pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text(statement))
        conn.rollback()
    assert count(AuditLog) == 1
    assert count(Consent) == 1
    assert db.session.scalar(select(AuditLog.action)) == "view_customer"
    assert db.session.scalar(select(Consent.account_email)) == "taro@example.com"


def test_append_only_tables_still_take_new_rows(app):
    rows_of_both()
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_logs (staff_email, action, detail, created_at) "
                "VALUES ('-', 'cli_note', '{}', CURRENT_TIMESTAMP)"
            )
        )
    assert count(AuditLog) == 2


def test_append_only_migration_keeps_rows_and_downgrades(tmp_path):
    """Upgrade 0001 → 0002 with rows in the tables; the downgrade lifts the triggers."""
    from flask_migrate import downgrade, upgrade

    from kodaira_app import create_app

    url = (
        database.create_postgres_database()
        if TEST_DB == "postgres"
        else f"sqlite:///{tmp_path / 'm.sqlite3'}"
    )
    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    try:
        with app.app_context():
            upgrade(revision="0001")
            rows_of_both()
            upgrade(revision="0004")
            engine = create_engine(url)
            with engine.connect() as conn:
                with pytest.raises(DBAPIError, match="append-only"):
                    conn.execute(text("DELETE FROM consents"))
                conn.rollback()
            assert count(Consent) == 1 and count(AuditLog) == 1
            db.session.remove()  # no open transaction may hold the table the DDL changes
            downgrade(revision="0001")
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM consents"))
            assert count(Consent) == 0
            engine.dispose()
            db.session.remove()
            db.engine.dispose()
    finally:
        if TEST_DB == "postgres":
            database.drop_postgres_database(url)
