"""アプリへの登録, confirmation, login, logout and password reset, as a resident meets them."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from kodaira_app.extensions import db
from kodaira_app.models import Account, ThrottleEvent
from tests.support.accounts import DEFAULT_PASSWORD, make_account
from tests.support.mailbox import html_body, text_body
from tests.support.pages import field_error, flashes, form_errors, label_for, page, text

NEW_PASSWORD = "new secret water"


def signup(client, email="hanako@example.com", password="mizu-no-himitsu", confirm=None):
    return client.post(
        "/signup",
        data={
            "email": email,
            "password": password,
            "password_confirm": password if confirm is None else confirm,
            "agree": "y",
        },
    )


def link_in(message, path):
    match = re.search(rf"http://localhost{path}/\S+", text_body(message))
    assert match, text_body(message)
    link = match.group(0)
    assert link in html_body(message)
    return link.removeprefix("http://localhost")


def age_throttle_events(by):
    for event in db.session.scalars(select(ThrottleEvent)):
        event.created_at -= by
    db.session.commit()


def account(email):
    db.session.expire_all()
    return db.session.scalar(select(Account).where(Account.email == email))


# --- sign-up ---------------------------------------------------------------------------


def test_signup_page_has_labelled_fields(client):
    soup = page(client.get("/signup"))
    assert text(soup.h1) == "アプリへの登録"
    assert label_for(soup, "email").startswith("メールアドレス")
    assert label_for(soup, "password").startswith("パスワード")
    assert label_for(soup, "password_confirm").startswith("パスワード（確認）")
    assert text(soup.find(id="password-help")) == "8文字以上で入力してください。"


@pytest.mark.parametrize(
    ("email", "password", "confirm", "field", "message"),
    [
        ("", "mizu-no-himitsu", None, "email", "メールアドレスを入力してください。"),
        (
            "hanako",
            "mizu-no-himitsu",
            None,
            "email",
            "メールアドレスの形式が正しくありません。（例：taro@example.com）",
        ),
        (
            "hanako@example",
            "mizu-no-himitsu",
            None,
            "email",
            "メールアドレスの形式が正しくありません。（例：taro@example.com）",
        ),
        (
            "a" * 250 + "@example.com",
            "mizu-no-himitsu",
            None,
            "email",
            "メールアドレスが長すぎます。",
        ),
        ("hanako@example.com", "", "", "password", "パスワードを入力してください。"),
        (
            "hanako@example.com",
            "short12",
            None,
            "password",
            "パスワードは8文字以上で入力してください。",
        ),
        (
            "hanako@example.com",
            "x" * 129,
            None,
            "password",
            "パスワードは128文字以内で入力してください。",
        ),
        (
            "hanako@example.com",
            "mizu-no-himitsu",
            "",
            "password_confirm",
            "確認のため、同じパスワードをもう一度入力してください。",
        ),
        (
            "hanako@example.com",
            "mizu-no-himitsu",
            "mizu-no-himitsU",
            "password_confirm",
            "パスワードが一致しません。",
        ),
    ],
)
def test_signup_refuses_bad_input_beside_the_field(
    client, email, password, confirm, field, message
):
    response = signup(client, email, password, confirm)
    assert response.status_code == 200
    assert field_error(page(response), field).startswith(message)
    assert db.session.scalar(select(Account.id)) is None


def test_signup_mails_a_link_that_confirms_and_then_login_works(client, smtp, run_jobs):
    response = signup(client, email="Hanako@Example.com")
    assert response.headers["Location"] == "/mail-sent/signup"
    soup = page(client.get(response.headers["Location"]))
    assert "確認のメールをお送りしました" in text(soup.main)
    run_jobs()  # the account is made by the job, as for a known address its mail is
    created = account("hanako@example.com")
    assert created.email_confirmed_at is None
    assert created.password_hash.startswith("scrypt:")
    [message] = smtp.messages
    assert message["To"] == "hanako@example.com"
    assert message["Subject"] == "【小平町水道アプリ】メールアドレスの確認"
    path = link_in(message, "/confirm")
    # Opening the link shows a button; only pressing it confirms (mail scanners GET links).
    soup = page(client.get(path))
    assert "hanako@example.com の確認を完了します" in text(soup.main)
    assert account("hanako@example.com").email_confirmed_at is None
    response = client.post(path)
    assert response.headers["Location"] == "/login"
    assert account("hanako@example.com").email_confirmed_at is not None
    soup = page(client.get("/login"))
    assert flashes(soup) == ["メールアドレスの確認が完了しました。ログインしてください。"]
    response = client.post(
        "/login", data={"email": "hanako@example.com", "password": "mizu-no-himitsu"}
    )
    assert response.headers["Location"] == "/"
    assert "トップ" in text(page(client.get("/")).h1)


def test_signup_of_a_known_address_looks_the_same_and_mails_the_owner(client, smtp, run_jobs):
    make_account("taro@example.com")
    before = account("taro@example.com").password_hash
    response = signup(client, email="taro@example.com", password="another-password")
    assert response.headers["Location"] == "/mail-sent/signup"
    assert account("taro@example.com").password_hash == before
    run_jobs()
    [message] = smtp.messages
    assert message["Subject"] == "【小平町水道アプリ】このメールアドレスは登録済みです"
    assert "すでに登録済みです" in text_body(message)
    assert "http://localhost/reset" in text_body(message)


def test_signup_again_before_confirming_replaces_password_and_old_link_dies(client, smtp, run_jobs):
    signup(client, password="first-password")
    run_jobs()
    first = link_in(smtp.messages[0], "/confirm")
    signup(client, password="second-password")
    run_jobs()
    second = link_in(smtp.messages[1], "/confirm")
    assert client.get(first).status_code == 404
    assert client.post(second).status_code == 302
    assert (
        client.post(
            "/login", data={"email": "hanako@example.com", "password": "second-password"}
        ).status_code
        == 302
    )


def test_confirmation_link_that_is_forged_or_expired_is_refused(
    client, smtp, run_jobs, monkeypatch
):
    from kodaira_app.auth import tokens

    signup(client)
    run_jobs()
    path = link_in(smtp.messages[0], "/confirm")
    response = client.get(path[:-3] + "xyz")
    assert text(page(response, status=404).h1) == "リンクが無効です"
    monkeypatch.setattr(tokens, "CONFIRM_MAX_AGE", -1)
    assert client.post(path).status_code == 404
    assert account("hanako@example.com").email_confirmed_at is None


def test_account_mails_to_one_address_are_limited(client, smtp, run_jobs):
    for _ in range(7):
        signup(client)
    run_jobs()
    assert len(smtp.messages) == 5


# --- login -----------------------------------------------------------------------------


def login(client, email="taro@example.com", password=DEFAULT_PASSWORD, **extra):
    return client.post(
        "/login",
        data={"email": email, "password": password, **extra},
        **({"environ_base": extra.pop("environ_base")} if "environ_base" in extra else {}),
    )


def test_login_page_has_fields_remember_me_and_the_ways_out(client):
    soup = page(client.get("/login"))
    assert label_for(soup, "email").startswith("メールアドレス")
    assert label_for(soup, "password").startswith("パスワード")
    assert text(soup.find("input", id="remember").parent) == "ログインしたままにする"
    links = [text(a) for a in soup.select(".auth-links a")]
    assert links == [
        "パスワードをお忘れの方",
        "はじめての方は、アプリへの登録",
        "確認メールの再送信",
    ]


@pytest.mark.parametrize(
    ("email", "password", "field", "message"),
    [
        ("", "x", "email", "メールアドレスを入力してください。"),
        ("taro", "x", "email", "メールアドレスの形式が正しくありません。（例：taro@example.com）"),
        ("taro@example.com", "", "password", "パスワードを入力してください。"),
    ],
)
def test_login_bad_input_beside_the_field(client, email, password, field, message):
    assert field_error(page(login(client, email, password)), field) == message


def test_wrong_password_and_unknown_address_get_the_same_answer(client):
    make_account()
    wrong = page(login(client, password="not the password"))
    unknown = page(login(client, email="nobody@example.com"))
    assert form_errors(wrong) == "メールアドレスまたはパスワードが正しくありません。"
    assert form_errors(unknown) == form_errors(wrong)
    assert text(wrong.main) == text(unknown.main).replace("nobody@example.com", "taro@example.com")


def test_login_is_case_insensitive_and_goes_to_a_safe_next(client):
    make_account()
    response = client.post(
        "/login?next=/contracts", data={"email": "TARO@example.com", "password": DEFAULT_PASSWORD}
    )
    assert response.headers["Location"] == "/contracts"
    client.post("/logout")
    response = client.post(
        "/login?next=https://evil.example/",
        data={"email": "taro@example.com", "password": DEFAULT_PASSWORD},
    )
    assert response.headers["Location"] == "/"


def test_unconfirmed_account_is_told_and_can_have_the_mail_again(client, smtp, run_jobs):
    make_account(confirmed=False)
    soup = page(login(client))
    notice = text(soup.select_one(".notice"))
    assert "メールアドレスの確認がまだ済んでいません" in notice
    resend = soup.select_one(".notice a")
    assert resend["href"] == "/confirm/resend"
    assert text(page(client.get("/confirm/resend")).h1) == "確認メールの再送信"
    assert client.get("/").status_code == 200 and "ログイン" in text(page(client.get("/")).nav)
    response = client.post("/confirm/resend", data={"email": "taro@example.com"})
    assert response.headers["Location"] == "/mail-sent/resend"
    run_jobs()
    [message] = smtp.messages
    client.post(link_in(message, "/confirm"))
    assert login(client).headers["Location"] == "/"


def test_resend_for_unknown_or_confirmed_address_says_the_same_and_sends_nothing(
    client, smtp, run_jobs
):
    make_account()
    for email in ("taro@example.com", "nobody@example.com"):
        response = client.post("/confirm/resend", data={"email": email})
        assert response.headers["Location"] == "/mail-sent/resend"
    run_jobs()
    assert smtp.messages == []


def test_five_failures_lock_the_address_for_a_while_even_with_the_right_password(client):
    make_account()
    for _ in range(5):
        login(client, password="guess")
    soup = page(login(client))
    message = form_errors(soup)
    assert message.startswith("ログインの失敗が続いたため、しばらくログインできません。")
    assert re.search(r"\d\d:\d\d以降にもう一度お試しください。", message)
    # Fifteen minutes later the address may try again.
    age_throttle_events(timedelta(minutes=16))
    assert login(client).headers["Location"] == "/"


def test_unknown_address_is_locked_the_same_way(client):
    for _ in range(5):
        login(client, email="nobody@example.com", password="guess")
    assert "しばらくログインできません" in form_errors(
        page(login(client, email="nobody@example.com", password="guess"))
    )


def test_many_failures_from_one_ip_lock_that_ip(client):
    make_account()
    ip = {"REMOTE_ADDR": "203.0.113.9"}
    for n in range(20):
        client.post("/login", data={"email": f"u{n}@example.com", "password": "x"}, environ_base=ip)
    response = client.post(
        "/login", data={"email": "taro@example.com", "password": DEFAULT_PASSWORD}, environ_base=ip
    )
    assert "しばらくログインできません" in form_errors(page(response))
    other = client.post(
        "/login",
        data={"email": "taro@example.com", "password": DEFAULT_PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert other.headers["Location"] == "/"


def test_success_clears_the_address_failures(client):
    make_account()
    for _ in range(4):
        login(client, password="guess")
    login(client)
    client.post("/logout")
    for _ in range(4):
        login(client, password="guess")
    assert login(client).headers["Location"] == "/"


def test_session_cookie_is_httponly_and_lax_and_remember_me_sets_its_cookie(client):
    make_account()
    response = login(client, remember="y")
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    remember = next(c for c in cookies if c.startswith("remember_token="))
    for cookie in (session, remember):
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # served over plain http here


def test_without_remember_me_no_remember_cookie(client):
    make_account()
    cookies = login(client).headers.getlist("Set-Cookie")
    assert not any(c.startswith("remember_token=") for c in cookies)


def test_cookies_are_secure_when_the_app_is_served_over_https(app_config, monkeypatch):
    from kodaira_app import create_app

    monkeypatch.setenv("APP_BASE_URL", "https://suido.example.jp")
    config = {k: v for k, v in app_config.items() if k != "APP_BASE_URL"}
    secure_app = create_app(config)
    with secure_app.app_context():
        make_account()
        client = secure_app.test_client()
        response = client.post(
            "/login",
            data={"email": "taro@example.com", "password": DEFAULT_PASSWORD, "remember": "y"},
            base_url="https://suido.example.jp",
        )
        cookies = response.headers.getlist("Set-Cookie")
        assert len(cookies) >= 2
        for cookie in cookies:
            assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        db.session.remove()
        db.engine.dispose()


def test_logout_is_post_only(client, auth):
    auth.signed_in()
    assert client.get("/logout").status_code == 405
    response = client.post("/logout")
    assert response.headers["Location"] == "/"
    soup = page(client.get("/"))
    assert flashes(soup) == ["ログアウトしました。"]
    assert client.get("/contracts").status_code == 302


# --- password reset --------------------------------------------------------------------


def request_reset(client, email="taro@example.com"):
    return client.post("/reset", data={"email": email})


def test_reset_request_says_the_same_for_known_and_unknown_addresses(client, smtp, run_jobs):
    make_account()
    soup = page(client.get("/reset"))
    assert text(soup.h1) == "パスワードの再設定"
    assert label_for(soup, "email").startswith("メールアドレス")
    known = request_reset(client)
    unknown = request_reset(client, "nobody@example.com")
    assert known.headers["Location"] == unknown.headers["Location"] == "/mail-sent/reset"
    run_jobs()
    assert [m["To"] for m in smtp.messages] == ["taro@example.com"]
    soup = page(client.get("/mail-sent/reset"))
    assert "ご入力のメールアドレスが登録されていれば" in text(soup.main)


def test_reset_link_sets_a_new_password_once_and_ends_other_sessions(app, client, smtp, run_jobs):
    other = app.test_client()
    make_account()
    other.post("/login", data={"email": "taro@example.com", "password": DEFAULT_PASSWORD})
    assert other.get("/contracts").status_code == 200
    request_reset(client)
    run_jobs()
    [message] = smtp.messages
    assert message["Subject"] == "【小平町水道アプリ】パスワードの再設定"
    path = link_in(message, "/reset")
    soup = page(client.get(path))
    assert label_for(soup, "password").startswith("パスワード")
    response = client.post(path, data={"password": "short", "password_confirm": "short"})
    assert field_error(page(response), "password") == "パスワードは8文字以上で入力してください。"
    response = client.post(path, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.headers["Location"] == "/login"
    assert flashes(page(client.get("/login"))) == [
        "パスワードを変更しました。新しいパスワードでログインしてください。"
    ]
    # The link is used up, the other session has ended, and only the new password works.
    used = client.get(path)
    assert "このリンクは使用済みか、有効期限が切れています。" in text(page(used, status=404).main)
    assert other.get("/contracts").status_code == 302
    assert "正しくありません" in form_errors(page(login(client)))
    assert login(client, password=NEW_PASSWORD).headers["Location"] == "/"


def test_reset_link_expires(client, smtp, run_jobs, monkeypatch):
    from kodaira_app.auth import tokens

    make_account()
    request_reset(client)
    run_jobs()
    path = link_in(smtp.messages[0], "/reset")
    monkeypatch.setattr(tokens, "RESET_MAX_AGE", -1)
    assert client.get(path).status_code == 404


def test_reset_of_an_unconfirmed_account_also_confirms_it(client, smtp, run_jobs):
    make_account(confirmed=False)
    request_reset(client)
    run_jobs()
    path = link_in(smtp.messages[0], "/reset")
    client.post(path, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert login(client, password=NEW_PASSWORD).headers["Location"] == "/"


def test_welcome_page_shows_the_first_steps_and_both_ways_in(client):
    soup = page(client.get("/"))
    buttons = {text(a): a["href"] for a in soup.select("main .actions a")}
    assert buttons == {"ログイン": "/login", "アプリへの登録": "/signup"}
    steps = [text(li) for li in soup.select("ol.first-steps li")]
    assert len(steps) == 3
    assert steps[2].startswith("ログイン後、「契約内容のご確認」の「契約の追加」")


def test_failures_older_than_the_window_are_removed_when_the_address_fails_again(client):
    make_account()
    login(client, password="guess")
    age_throttle_events(timedelta(minutes=16))
    login(client, password="guess")
    scopes = [e.scope for e in db.session.scalars(select(ThrottleEvent))]
    assert sorted(scopes) == ["login-email", "login-ip"]
