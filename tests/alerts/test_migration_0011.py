"""Migration 0011 on a database holding alert mails of the 0010 schema: they stay and are
listed in 配信状況 without an episode; mails written after it carry theirs; the downgrade
removes the table and keeps the mails."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.support import database


@pytest.fixture
def app_at_0010(tmp_path):
    with database.app_at_revision("0010", tmp_path) as app:
        yield app


def _tables(conn) -> set[str]:
    return set(sa.inspect(conn).get_table_names())


def test_0011_lists_older_alert_mails_without_their_episode(app_at_0010):
    from kodaira_app.extensions import db
    from kodaira_app.models import OutboxMail
    from kodaira_app.staff.queries import list_alert_mails

    db.session.add(
        OutboxMail(
            kind="alert_start",
            to_addr="son@example.com",
            subject="【小平町水道アプリ】水が出続けています",
            body_text="本文",
            status="sent",
        )
    )
    db.session.commit()
    upgrade(revision="0011")
    with db.engine.connect() as conn:
        assert "alert_mails" in _tables(conn)
    [row] = list_alert_mails()
    assert (row.mail.to_addr, row.episode, row.customer) == ("son@example.com", None, None)
    db.session.remove()
    downgrade(revision="0010")
    with db.engine.connect() as conn:
        assert "alert_mails" not in _tables(conn)
        assert conn.execute(sa.text("SELECT COUNT(*) FROM outbox_mails")).scalar_one() == 1
