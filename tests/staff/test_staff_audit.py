"""What staff see is recorded: a mail's HTML read in the outbox, the token list (see
test_staff_tokens), and every refused staff login, whatever refused it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kodaira_app.extensions import db
from kodaira_app.models import OutboxMail
from kodaira_app.models.staff import AuditLog
from tests.support.staff import STAFF_PASSWORD, current_code, make_staff, sign_in_staff


def audit(action: str) -> list[AuditLog]:
    return list(
        db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id))
    )


def test_reading_a_mails_html_is_audited(client):
    clerk = sign_in_staff(client, make_staff())
    mail = OutboxMail(
        kind="report",
        to_addr="son@example.com",
        subject="見守り",
        body_text="本文",
        body_html="<p>本文</p>",
        status="sent",
    )
    db.session.add(mail)
    db.session.commit()
    assert client.get(f"/staff/outbox/{mail.id}/html").status_code == 200
    [row] = audit("view_mail_html")
    assert (row.staff_id, row.target_type, row.target_id) == (clerk.id, "outbox_mail", str(mail.id))


def login(client, email="clerk@town.example", password=STAFF_PASSWORD):
    return client.post("/staff/login", data={"email": email, "password": password})


@pytest.mark.parametrize(
    ("email", "password", "reason"),
    [
        ("clerk@town.example", "wrong password", "password"),
        ("nobody@town.example", STAFF_PASSWORD, "unknown"),
    ],
)
def test_a_refused_staff_password_is_audited(client, email, password, reason):
    make_staff()
    login(client, email, password)
    [row] = audit("login_failed")
    assert (row.staff_id, row.staff_email, row.detail) == (None, email, {"reason": reason})


def test_a_disabled_staff_members_login_is_refused_and_audited(client):
    staff = make_staff()
    staff.disabled_at = staff.created_at
    db.session.commit()
    login(client)
    assert client.get("/staff/").status_code == 404
    [row] = audit("login_failed")
    assert (row.staff_email, row.detail) == ("clerk@town.example", {"reason": "disabled"})


def test_a_refused_totp_code_is_audited(client):
    staff = make_staff()
    login(client)
    code = "000000" if current_code(staff) != "000000" else "000001"
    client.post("/staff/login", data={"code": code})
    [row] = audit("login_failed")
    assert (row.staff_id, row.detail) == (staff.id, {"reason": "code"})


def test_a_login_refused_by_the_throttle_is_audited(client):
    make_staff()
    for _ in range(5):
        login(client, password="wrong password")
    login(client)  # the right password, refused: too many failures
    assert client.get("/staff/").status_code == 404
    reasons = [row.detail["reason"] for row in audit("login_failed")]
    assert reasons == ["password"] * 5 + ["throttled"]
