"""Limits: body sizes per route, API errors as JSON, bad bearer tokens throttled."""

from __future__ import annotations

import io

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from kodaira_app.api.tokens import create_token
from kodaira_app.extensions import db
from kodaira_app.models import Reading
from tests.support.factories import make_customer
from tests.support.staff import make_staff, sign_in_staff

ROW = {"meter_id": "M1", "hour_start": "2026-11-25T06:00:00+09:00", "liters": 12.3}


@pytest.fixture
def token(app):
    make_customer(meter_id="M1")
    _, token = create_token("head-end")
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def readings() -> int:
    return db.session.scalar(select(func.count()).select_from(Reading))


# --- Body limits per route -----------------------------------------------------------


def test_body_limit_a_large_login_form_is_413_with_a_page_in_japanese(client):
    response = client.post("/login", data={"email": "a@example.com", "password": "x" * 70_000})
    assert response.status_code == 413
    soup = page(response)
    assert soup.h1.get_text(strip=True) == "送信できる大きさを超えています"
    assert "入力内容を短くして" in soup.main.get_text()


def test_body_limit_the_413_page_is_in_the_visitors_language(client):
    client.set_cookie("lang", "en")
    response = client.post("/signup", data={"email": "a@example.com", "password": "x" * 70_000})
    assert response.status_code == 413
    soup = page(response)
    assert soup.h1.get_text(strip=True) == "The data sent is too large"


def test_body_limit_follows_max_form_kb(app, client):
    app.config["MAX_FORM_KB"] = 1
    response = client.post("/login", data={"email": "a@example.com", "password": "x" * 2_000})
    assert response.status_code == 413
    app.config["MAX_FORM_KB"] = 64
    response = client.post("/login", data={"email": "a@example.com", "password": "x" * 2_000})
    assert response.status_code == 200  # the form answers (wrong password), no 413


def test_body_limit_uploads_take_files_larger_than_a_form(client):
    sign_in_staff(client, make_staff(role="admin"))
    make_customer(meter_id="M1")
    lines = ["meter_id,hour_start,liters"] + [
        f"M1,2026-11-{1 + day:02d}T{hour:02d}:00:00+09:00,1.5"
        for day in range(20)
        for hour in range(24)
    ]
    content = ("\n".join(lines) + "\n") * 5  # repeats replace; well over MAX_FORM_KB
    assert len(content) > 64 * 1024
    data = {"readings-file": (io.BytesIO(content.encode()), "readings.csv")}
    response = client.post("/staff/uploads/readings", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    assert readings() == 480


def test_body_limit_an_upload_over_max_upload_mb_is_413_saying_the_limit(app, client):
    app.config["MAX_UPLOAD_MB"] = 1
    sign_in_staff(client, make_staff(role="admin"))
    # Encoded here: the test client would spool a body this large to a file it leaves open.
    body = (
        b'--b\r\nContent-Disposition: form-data; name="readings-file"; '
        b'filename="readings.csv"\r\n\r\n' + b"x" * (1024 * 1024 + 10) + b"\r\n--b--\r\n"
    )
    response = client.post(
        "/staff/uploads/readings", data=body, content_type="multipart/form-data; boundary=b"
    )
    assert response.status_code == 413
    assert "1MB以下のファイル" in page(response).main.get_text()


# --- API errors ----------------------------------------------------------------------


def test_api_error_a_body_over_the_limit_is_json_413(app, client, token):
    app.config["MAX_UPLOAD_MB"] = 1
    body = b"[" + b",".join([b'{"meter_id": "M1"}'] * 70_000) + b"]"
    assert len(body) > 1024 * 1024
    response = client.post("/api/v1/readings", data=body, headers=bearer(token))
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "body_too_large"
    assert readings() == 0


def test_api_error_the_api_takes_bodies_larger_than_a_form(client, token):
    body = [ROW] + [{**ROW, "liters": 1}] * 2_000
    response = client.post("/api/v1/readings", json=body, headers=bearer(token))
    assert response.status_code == 200
    assert readings() == 1


@pytest.mark.parametrize("depth", [100_000, 2_000_000])
def test_api_error_deeply_nested_json_is_400(client, token, depth):
    body = b"[" * depth + b"]" * depth
    response = client.post("/api/v1/readings", data=body, headers=bearer(token))
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "json_too_deep"


def test_api_error_routing_errors_are_json(client, token):
    response = client.get("/api/v1/readings", headers=bearer(token))
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]
    response = client.post("/api/v1/nothing", headers=bearer(token))
    assert response.status_code == 404
    assert response.get_json()["error"] == {
        "code": "not_found",
        "message": "there is no such API endpoint",
    }


# --- Bad bearer tokens throttled per address -----------------------------------------


def post_from(client, address: str, token: str):
    return client.post(
        "/api/v1/readings",
        json=[ROW],
        headers={"Authorization": f"Bearer {token}"},
        environ_base={"REMOTE_ADDR": address},
    )


def test_api_throttle_bad_tokens_from_one_address_get_429(client, token):
    for _ in range(10):
        assert post_from(client, "192.0.2.7", "kdr_guess").status_code == 401
    response = post_from(client, "192.0.2.7", "kdr_guess")
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "too_many_bad_tokens"
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    # While blocked even the right token waits: guesses must not be checked at all.
    assert post_from(client, "192.0.2.7", token).status_code == 429
    # Another address is not affected.
    assert post_from(client, "192.0.2.8", token).status_code == 200
    assert readings() == 1


def test_api_throttle_lifts_after_the_window(client, token, clock):
    from datetime import timedelta

    for _ in range(10):
        post_from(client, "192.0.2.9", "kdr_guess")
    assert post_from(client, "192.0.2.9", token).status_code == 429
    clock.advance(timedelta(minutes=16))
    assert post_from(client, "192.0.2.9", token).status_code == 200


def test_api_throttle_missing_tokens_do_not_count(client, token):
    for _ in range(12):
        response = client.post(
            "/api/v1/readings", json=[ROW], environ_base={"REMOTE_ADDR": "192.0.2.10"}
        )
        assert response.status_code == 401
    assert post_from(client, "192.0.2.10", token).status_code == 200
