"""A new head-end API token is shown once, in the answer to the POST that made it, and is
never put in the session cookie (signed, not encrypted: anyone holding it can read it)."""

from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import select

from kodaira_app.api.tokens import verify_token
from kodaira_app.extensions import db
from kodaira_app.models import ApiToken
from kodaira_app.models.staff import AuditLog
from tests.support.pages import page, text


def session_of(app, response) -> dict:
    """The session the response's Set-Cookie carries, decoded as the server would."""
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    cookies = [v for k, v in response.headers.items() if k == "Set-Cookie"]
    found = {}
    for cookie in cookies:
        name, _, rest = cookie.partition("=")
        if name == app.config["SESSION_COOKIE_NAME"]:
            found.update(serializer.loads(rest.split(";", 1)[0]))
    return found


def test_a_new_api_token_is_never_in_the_session_cookie(app, client, chief):
    response = client.post("/staff/tokens", data={"name": "ヘッドエンド本番"})
    assert response.status_code == 200  # shown in this answer, not after a redirect
    token = text(page(response).select_one("code.token-value"))
    assert token.startswith("kdr_") and verify_token(token) is not None
    assert token not in str(response.headers)
    assert token not in str(session_of(app, response))
    with client.session_transaction() as session:
        assert token not in str(dict(session))


def test_a_new_api_token_is_shown_only_once(client, chief):
    client.post("/staff/tokens", data={"name": "ヘッドエンド本番"})
    soup = page(client.get("/staff/tokens"))
    assert soup.select_one("code.token-value") is None
    assert [text(td) for td in soup.select("table.staff-tokens tbody tr td:first-child")] == [
        "ヘッドエンド本番"
    ]
    row = db.session.scalar(select(ApiToken))
    created = db.session.scalar(select(AuditLog).where(AuditLog.action == "token_created"))
    assert created.target_id == str(row.id) and "kdr_" not in str(created.detail)


def test_listing_api_tokens_is_audited(client, chief):
    db.session.add(ApiToken(name="本番", token_hash="0" * 64))
    db.session.commit()
    client.get("/staff/tokens")
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "view_tokens"))
    assert (row.staff_id, row.detail) == (chief.id, {"count": 1})
