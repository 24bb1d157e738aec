"""With CSRF protection on (as served), a POST without the form's token is refused."""

import pytest

from tests.support.accounts import DEFAULT_PASSWORD, make_account
from tests.support.factories import make_customer
from tests.support.pages import csrf_token, page


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


def test_login_without_token_is_refused_and_with_token_works(client):
    make_account()
    data = {"email": "taro@example.com", "password": DEFAULT_PASSWORD}
    assert client.post("/login", data=data).status_code == 400
    assert client.post("/login", data={**data, "csrf_token": "forged"}).status_code == 400
    token = csrf_token(page(client.get("/login")))
    response = client.post("/login", data={**data, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_logout_needs_the_token_from_the_layout(client, auth):
    auth.signed_in()
    assert client.post("/logout").status_code == 400
    assert client.get("/contracts").status_code == 200  # still logged in
    token = csrf_token(page(client.get("/contracts")))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/contracts").status_code == 302


def test_signup_without_token_creates_nothing(client):
    from sqlalchemy import select

    from kodaira_app.extensions import db
    from kodaira_app.models import Account

    data = {
        "email": "new@example.com",
        "password": "long enough",
        "password_confirm": "long enough",
    }
    assert client.post("/signup", data=data).status_code == 400
    assert db.session.scalar(select(Account.id)) is None


def test_contract_add_and_register_need_their_tokens(client, auth):
    auth.signed_in()
    make_customer(customer_number="00000008002", name_kana="コダイラ タロウ")
    data = {"customer_number": "0-0000008002", "name_kana": "コダイラ タロウ", "relation": "self"}
    assert client.post("/contracts/add", data=data).status_code == 400
    token = csrf_token(page(client.get("/contracts/add")))
    response = client.post("/contracts/add", data={**data, "csrf_token": token})
    assert response.headers["Location"] == "/contracts/add/confirm"
    assert client.post("/contracts/add/confirm").status_code == 400
    token = csrf_token(page(client.get("/contracts/add/confirm")))
    response = client.post("/contracts/add/confirm", data={"csrf_token": token})
    assert response.headers["Location"] == "/contracts/add/done"
