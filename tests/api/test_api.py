"""The head-end API: POST /api/v1/readings with a bearer token; the token commands."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from kodaira_app.api import routes
from kodaira_app.api.tokens import create_token, hash_token, revoke_token
from kodaira_app.extensions import db
from kodaira_app.models import ApiToken, Reading, ReadingChange
from tests.support.factories import make_customer

SIX_TOKYO = datetime(2026, 11, 24, 21, tzinfo=UTC)
ROW = {"meter_id": "M1", "hour_start": "2026-11-25T06:00:00+09:00", "liters": 12.3}


@pytest.fixture
def token(app):
    make_customer(meter_id="M1")
    make_customer(meter_id="M2")
    _, token = create_token("head-end")
    return token


def post(client, body, token=None, headers_extra=None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers.update(headers_extra or {})
    return client.post("/api/v1/readings", json=body, headers=headers, **kwargs)


def stored() -> dict[tuple[str, datetime], int]:
    return {(r.meter_id, r.hour_start): r.deciliters for r in db.session.scalars(select(Reading))}


def test_readings_are_stored_and_the_token_use_recorded(client, token):
    response = post(client, [ROW, {**ROW, "meter_id": "M2", "liters": "0"}], token)
    assert response.status_code == 200
    assert response.get_json() == {"stored": 2, "replaced": 0, "unchanged": 0, "errors": []}
    assert stored() == {("M1", SIX_TOKYO): 123, ("M2", SIX_TOKYO): 0}
    db.session.expire_all()
    row = db.session.scalar(select(ApiToken))
    assert row.last_used_at is not None


def test_the_same_delivery_again_is_unchanged_another_value_replaces(client, token):
    post(client, [ROW], token)
    again = post(client, [ROW], token)
    assert again.get_json() == {"stored": 0, "replaced": 0, "unchanged": 1, "errors": []}
    changed = post(client, [{**ROW, "liters": 13}], token)
    assert changed.get_json() == {"stored": 1, "replaced": 1, "unchanged": 0, "errors": []}
    change = db.session.scalar(select(ReadingChange))
    assert (change.old_deciliters, change.new_deciliters, change.source) == (
        123,
        130,
        "api:head-end",
    )


def test_partial_success_lists_the_bad_rows_by_index(client, token):
    body = [
        {**ROW, "meter_id": "M9"},
        ROW,
        {**ROW, "hour_start": "2026-11-25T06:15:00+09:00"},
        {**ROW, "meter_id": "M2", "liters": -2},
    ]
    response = post(client, body, token)
    assert response.status_code == 207
    assert response.get_json() == {
        "stored": 1,
        "replaced": 0,
        "unchanged": 0,
        "errors": [
            {"index": 0, "code": "meter_unknown", "reason": "unknown meter_id: M9"},
            {
                "index": 2,
                "code": "hour_not_on_the_hour",
                "reason": "hour_start is not on the hour: 2026-11-25T06:15:00+09:00",
            },
            {"index": 3, "code": "liters_negative", "reason": "liters must not be negative: -2"},
        ],
    }
    assert stored() == {("M1", SIX_TOKYO): 123}


def test_row_reasons_are_english_whatever_the_accept_language(client, token):
    response = post(
        client, [{**ROW, "meter_id": "M9"}], token, headers_extra={"Accept-Language": "ja"}
    )
    assert response.get_json()["errors"] == [
        {"index": 0, "code": "meter_unknown", "reason": "unknown meter_id: M9"}
    ]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer "}],
    ids=["none", "basic", "empty"],
)
def test_a_missing_token_is_401_with_a_bearer_challenge(client, token, headers):
    response = client.post("/api/v1/readings", json=[ROW], headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="kodaira-readings"'
    assert response.get_json()["error"] == {
        "code": "token_required",
        "message": "a bearer token is required",
    }
    assert stored() == {}


def test_a_wrong_token_is_401_invalid_token(client, token):
    response = post(client, [ROW], token + "x")
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge == 'Bearer realm="kodaira-readings", error="invalid_token"'
    assert response.get_json()["error"]["code"] == "invalid_token"
    assert stored() == {}


def test_a_revoked_token_is_401(client, token):
    row = db.session.scalar(select(ApiToken))
    revoke_token(row.id)
    response = post(client, [ROW], token)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).last_used_at is None


@pytest.mark.parametrize(
    "data,code",
    [
        (b'{"meter_id": "M1"}', "not_a_list"),
        (b"not json", "invalid_json"),
        (b"", "invalid_json"),
        (b'"text"', "not_a_list"),
        (b"\xff\xfe[]", "invalid_json"),
    ],
    ids=["object", "malformed", "empty", "string", "not-utf8"],
)
def test_a_body_that_is_not_a_json_list_is_400(client, token, data, code):
    response = client.post(
        "/api/v1/readings",
        data=data,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == code
    assert "JSON list" in error["message"]


def test_more_rows_than_the_limit_is_413(client, token, monkeypatch):
    monkeypatch.setattr(routes, "MAX_ROWS", 2)
    response = post(client, [ROW, ROW, ROW], token)
    assert response.status_code == 413
    assert response.get_json()["error"] == {
        "code": "too_many_rows",
        "message": "at most 2 rows per request; send the rest in another",
    }
    assert stored() == {}
    assert post(client, [ROW, {**ROW, "meter_id": "M2"}], token).status_code == 200


def test_the_api_needs_no_csrf_token(client, token):
    client.application.config["WTF_CSRF_ENABLED"] = True
    assert post(client, [ROW], token).status_code == 200


def test_cli_creates_a_token_shown_once_and_stored_hashed(app, runner, client):
    make_customer(meter_id="M1")
    result = runner.invoke(args=["api-token", "create", "head-end A"])
    assert result.exit_code == 0
    token = result.output.splitlines()[-1]
    assert token.startswith("kdr_") and len(token) > 40
    row = db.session.scalar(select(ApiToken))
    assert (row.name, row.token_hash) == ("head-end A", hash_token(token))
    assert token not in (row.token_hash, row.name)
    assert post(client, [ROW], token).status_code == 200


def test_cli_lists_and_revokes_tokens(app, runner, client):
    make_customer(meter_id="M1")
    _, token = create_token("head-end A")
    create_token("spare")
    post(client, [ROW], token)
    lines = runner.invoke(args=["api-token", "list"]).output.splitlines()
    assert lines[0].split() == ["ID", "NAME", "CREATED", "LAST", "USED", "REVOKED"]
    first, second = lines[1], lines[2]
    assert "head-end A" in first and first.rstrip().endswith("-")
    assert first.count("Z") == 2  # created and last used
    assert "spare" in second and second.split()[-2:] == ["-", "-"]

    result = runner.invoke(args=["api-token", "revoke", "1"])
    assert result.exit_code == 0
    assert result.output.startswith("Token 1 (head-end A) revoked at ")
    revoked = runner.invoke(args=["api-token", "list"]).output.splitlines()[1]
    assert revoked.rstrip().endswith("Z")
    assert post(client, [ROW], token).status_code == 401


def test_cli_revoking_an_unknown_token_fails(app, runner):
    result = runner.invoke(args=["api-token", "revoke", "99"])
    assert result.exit_code == 1
    assert "no token with id 99" in result.output


def test_cli_create_needs_a_name(app, runner):
    result = runner.invoke(args=["api-token", "create", "  "])
    assert result.exit_code == 2
    assert "a token needs a name" in result.output
    assert db.session.scalar(select(ApiToken)) is None
