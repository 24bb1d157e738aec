"""各種お手続き: the menu, e-mail change, password change, leaving the app."""

import re

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from kodaira_app.extensions import db
from kodaira_app.models import Account, ContractLink
from tests.support.accounts import DEFAULT_PASSWORD, make_account, session_id
from tests.support.mailbox import text_body
from tests.support.pages import page
from tests.support.watch import anonymous, error_beside, flashes, own_contract, register

NEW_PASSWORD = "a new password 2026"


def test_menu_has_watch_and_account_procedures(client, account):
    soup = page(client.get("/procedures"))
    links = {a.get_text(strip=True): a["href"] for a in soup.select("ul.menu a")}
    assert links == {
        "見守り登録": "/watch",
        "メールアドレスの変更": "/procedures/email",
        "パスワードの変更": "/procedures/password",
        "アプリの退会": "/procedures/leave",
    }
    for href in links.values():
        assert client.get(href).status_code == 200, href


# e-mail


def request_change(client, email="new@example.com", password=DEFAULT_PASSWORD):
    return client.post("/procedures/email", data={"email": email, "current_password": password})


def mailed_link(smtp, to):
    [mail] = smtp.to(to)
    return re.search(r"http://localhost(/procedures/email/confirm/\S+)", text_body(mail)).group(1)


@pytest.mark.parametrize(
    "email, password, field_id, message",
    [
        (
            "new@example.com",
            "wrong password",
            "current_password",
            "現在のパスワードが正しくありません。",
        ),
        ("new@example.com", "", "current_password", "現在のパスワードを入力してください。"),
        ("", DEFAULT_PASSWORD, "email", "メールアドレスを入力してください。"),
        ("TARO@example.com", DEFAULT_PASSWORD, "email", "現在と同じメールアドレスです。"),
        (
            "new@example.com\r\nBcc: x@example.com",
            DEFAULT_PASSWORD,
            "email",
            "メールアドレスの形式が正しくありません。（例：taro@example.com）",
        ),
    ],
)
def test_email_change_refusals(client, account, smtp, run_jobs, email, password, field_id, message):
    soup = page(request_change(client, email, password))
    assert error_beside(soup, field_id) == [message]
    run_jobs()
    assert smtp.messages == []


def test_email_change_is_confirmed_at_the_new_address(app, client, account, smtp, run_jobs):
    response = request_change(client)
    assert response.headers["Location"] == "/procedures/email/sent"
    assert "確認メールをお送りしました" in page(client.get("/procedures/email/sent")).get_text()
    db.session.refresh(account)
    assert account.email == "taro@example.com"  # nothing changes before the link is opened
    run_jobs()
    [mail] = smtp.to("new@example.com")
    assert mail["Subject"] == "【小平町水道アプリ】メールアドレス変更の確認"
    path = mailed_link(smtp, "new@example.com")
    # opened on another device, not logged in: a GET shows a button and changes nothing
    soup = page(anonymous(app, "get", path))
    assert soup.select_one(".new-email").get_text(strip=True) == "new@example.com"
    db.session.refresh(account)
    assert account.email == "taro@example.com"
    anonymous(app, "post", path)
    db.session.refresh(account)
    assert account.email == "new@example.com"
    run_jobs()
    [notice] = smtp.to("taro@example.com")
    assert notice["Subject"] == "【小平町水道アプリ】メールアドレスが変更されました"
    assert "n***@example.com に変更されました" in text_body(notice)
    # used: the link no longer matches the account's address
    assert anonymous(app, "get", path).status_code == 404


def test_email_change_link_that_is_forged_is_refused(app):
    response = anonymous(app, "get", "/procedures/email/confirm/forged.token")
    assert "このリンクは無効か、有効期限が切れています" in page(response, status=404).get_text()


def test_email_change_to_an_address_taken_meanwhile_is_refused(
    app, client, account, smtp, run_jobs
):
    request_change(client)
    run_jobs()
    path = mailed_link(smtp, "new@example.com")
    make_account("new@example.com")
    client.post(path)
    soup = page(client.get("/procedures"))
    assert (
        "このメールアドレスはほかのアカウントで使われているため、変更できませんでした。"
        in flashes(soup)
    )
    db.session.refresh(account)
    assert account.email == "taro@example.com"


# password


def change_password(client, current=DEFAULT_PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post(
        "/procedures/password",
        data={
            "current_password": current,
            "password": new,
            "password_confirm": new if confirm is None else confirm,
        },
    )


@pytest.mark.parametrize(
    "current, new, confirm, field_id, message",
    [
        (
            "wrong password",
            NEW_PASSWORD,
            None,
            "current_password",
            "現在のパスワードが正しくありません。",
        ),
        (DEFAULT_PASSWORD, "short", None, "password", "パスワードは8文字以上で入力してください。"),
        (
            DEFAULT_PASSWORD,
            NEW_PASSWORD,
            "something else",
            "password_confirm",
            "パスワードが一致しません。",
        ),
    ],
)
def test_password_change_refusals(client, account, current, new, confirm, field_id, message):
    soup = page(change_password(client, current, new, confirm))
    assert error_beside(soup, field_id) == [message]
    db.session.refresh(account)
    assert check_password_hash(account.password_hash, DEFAULT_PASSWORD)


def test_password_change_ends_other_sessions_and_keeps_this_one(app, client, account):
    other_device = app.test_client()
    with other_device.session_transaction() as session:
        session["_user_id"] = session_id(account)
    response = change_password(client)
    assert response.headers["Location"] == "/procedures"
    soup = page(client.get("/procedures"))
    assert "パスワードを変更しました。ほかの端末ではログアウトされました。" in flashes(soup)
    db.session.refresh(account)
    assert check_password_hash(account.password_hash, NEW_PASSWORD)
    assert other_device.get("/procedures").status_code == 302  # logged out there
    assert client.get("/procedures").status_code == 200  # still logged in here


# leaving


def test_leave_page_says_exactly_what_happens(client, account, contract, registration):
    parent = own_contract(account, relation="family")
    soup = page(client.get("/procedures/leave"))
    effects = soup.select_one(".leave-effects").get_text()
    assert "契約の登録が外れます" in effects
    assert [li.get_text(strip=True) for li in soup.select(".leave-contracts li")] == [
        "お客様番号 0-0000008002 小平 花子",
        f"お客様番号 {parent.display_number} {parent.name}",
    ]
    assert "見守りメールはすべて止まり" in effects
    assert (
        soup.select_one(".leave-watch").get_text(strip=True) == "見守りの登録 1件が解除されます。"
    )
    assert "アカウントは閉じられ、ログアウトします" in effects
    assert soup.find("button", string="アプリを退会する")


def test_leave_needs_the_password(client, account, contract):
    soup = page(client.post("/procedures/leave", data={"current_password": "wrong password"}))
    assert error_beside(soup, "current_password") == ["現在のパスワードが正しくありません。"]
    db.session.refresh(account)
    assert account.closed_at is None


def test_leaving_frees_contracts_ends_watch_and_closes_account(
    client, account, contract, registration, smtp, run_jobs
):
    response = client.post("/procedures/leave", data={"current_password": DEFAULT_PASSWORD})
    assert response.headers["Location"] == "/"
    soup = page(client.get("/"))
    assert "退会の手続きが完了しました。ご利用ありがとうございました。" in flashes(soup)
    assert client.get("/procedures").status_code == 302  # logged out
    db.session.expire_all()
    assert account.closed_at is not None
    assert db.session.scalars(select(ContractLink)).all() == []
    assert registration.ended_at is not None
    run_jobs()
    [mail] = smtp.to("son@example.com")
    assert mail["Subject"] == "【小平町水道アプリ】見守りサービスが解除されました"
    # the address is free for a new sign-up
    again = make_account("taro@example.com")
    assert db.session.get(Account, again.id).email == "taro@example.com"


def test_leaving_ends_the_watch_of_an_added_contract(client, account):
    watched = own_contract(account, relation="family")
    registration = register(account, watched)
    client.post("/procedures/leave", data={"current_password": DEFAULT_PASSWORD})
    db.session.refresh(registration)
    assert registration.ended_at is not None


def test_password_change_keeps_this_devices_remember_me_cookie(app, client, account):
    """The remember cookie carries this browser's session, which the change keeps."""
    remembered = app.test_client()
    remembered.set_cookie("remember_token", remember_cookie_for(app, session_id(account, True)))
    change_password(remembered)
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remembered.get_cookie("remember_token").value)
    assert fresh.get("/procedures").status_code == 200


def remember_cookie_for(app, token: str) -> str:
    from flask_login.utils import encode_cookie

    with app.test_request_context():
        return encode_cookie(token)
