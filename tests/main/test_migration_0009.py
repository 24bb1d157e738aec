"""Migration 0009 on a database holding an account of the 0008 schema: the account keeps
working and records no agreement (it was made before the documents existed); a sign-up
after the upgrade records the editions and the time."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

# The account (with a watched home) written as the 0008 test writes it.
from tests.main.test_migration_0008 import ACCOUNTS, T0, _old_registration
from tests.support import database


@pytest.fixture
def app_at_0008(tmp_path):
    with database.app_at_revision("0008", tmp_path) as app:
        yield app


def test_0009_leaves_earlier_accounts_without_an_agreement(app_at_0008):
    from kodaira_app.auth import agreement
    from kodaira_app.extensions import db
    from kodaira_app.models import Account

    with db.engine.begin() as conn:
        _old_registration(conn)
        account_id = conn.execute(sa.select(ACCOUNTS.c.id)).scalar_one()
    upgrade(revision="0009")
    db.session.remove()
    old = db.session.get(Account, account_id)
    assert (old.email, old.created_at) == ("son@example.com", T0)
    assert (old.terms_version, old.privacy_version, old.agreed_at) == (None, None, None)
    new = Account(email="new@example.com", password_hash="y", locale="en")
    agreement.record(new, agreement.current(T0))
    db.session.add(new)
    db.session.commit()
    new_id = new.id
    db.session.remove()
    again = db.session.get(Account, new_id)
    assert (again.terms_version, again.agreed_at) == (agreement.TERMS.version, T0)
    db.session.remove()
    downgrade(revision="0008")
    with db.engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("accounts")}
        kept = conn.execute(sa.select(ACCOUNTS.c.id).order_by(ACCOUNTS.c.id)).scalars().all()
    assert not {"terms_version", "privacy_version", "agreed_at"} & columns
    assert kept == [account_id, new_id]
