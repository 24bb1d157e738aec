"""The staff console's doors: who gets in, how, for how long, and the audit trail's lock."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import delete, func, select, update

from kodaira_app.extensions import db
from kodaira_app.models import ThrottleEvent
from kodaira_app.models.staff import AppendOnlyError, AuditLog, StaffUser
from kodaira_app.staff.totp import accept_code
from tests.support.pages import page
from tests.support.staff import STAFF_PASSWORD, current_code, make_staff, sign_in_staff

SAMPLE_ARGS: dict[str, object] = {}


def staff_requests(app):
    """(endpoint, method, url) for every rule of the console."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/staff"):
            continue
        fixed = set(rule.defaults or {})
        args = {name: SAMPLE_ARGS.get(name, 1) for name in rule.arguments - fixed}
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **args)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, url))
    return found


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)))


def test_the_url_map_has_the_console(app):
    endpoints = {endpoint for endpoint, _, _ in staff_requests(app)}
    assert {
        "staff.login",
        "staff.search.index",
        "staff.contracts.show",
        "staff.audit.index",
        "staff.uploads.customers",
    } <= endpoints
    assert len(endpoints) >= 25


def test_every_staff_url_but_login_is_404_for_anonymous(app, client):
    for endpoint, method, url in staff_requests(app):
        response = client.open(url, method=method)
        if endpoint == "staff.login":
            assert response.status_code in (200, 302), (method, url)
        else:
            assert response.status_code == 404, (method, url)


def test_the_console_root_without_slash_is_404_too(client, auth):
    assert client.get("/staff").status_code == 404
    auth.signed_in()
    assert client.get("/staff").status_code == 404


def test_every_staff_url_but_login_is_404_for_a_resident(app, client, auth):
    auth.signed_in()
    assert client.get("/contracts").status_code == 200  # really signed in as a resident
    for endpoint, method, url in staff_requests(app):
        if endpoint == "staff.login":
            continue
        assert client.open(url, method=method).status_code == 404, (method, url)


def test_the_console_opens_for_signed_in_staff(client):
    sign_in_staff(client, make_staff())
    assert client.get("/staff/").status_code == 200
    assert client.get("/staff").status_code == 200


def test_staff_session_does_not_sign_in_a_resident(client):
    sign_in_staff(client, make_staff())
    response = client.get("/contracts")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# --- login ------------------------------------------------------------------------------


def login_password(client, email="clerk@town.example", password=STAFF_PASSWORD):
    return client.post("/staff/login", data={"email": email, "password": password})


def test_first_login_enrols_with_a_qr_code_then_signs_in(client):
    staff = make_staff(enrolled=False)
    response = login_password(client)
    assert response.status_code == 302 and response.headers["Location"] == "/staff/login"
    soup = page(client.get("/staff/login"))
    assert soup.h1.get_text(strip=True) == "確認コードの入力"
    qr = soup.select_one("img.staff-qr")
    assert qr["src"].startswith("data:image/svg+xml")
    assert qr["alt"] == "認証アプリ登録用のQRコード"
    assert soup.select_one("code.staff-secret").get_text() == staff.totp_secret
    assert soup.find("label", attrs={"for": "code"}).get_text(strip=True).startswith("確認コード")

    response = client.post("/staff/login", data={"code": current_code(staff)})
    assert response.status_code == 302 and response.headers["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    db.session.refresh(staff)
    assert staff.totp_confirmed_at is not None and staff.last_login_at is not None
    assert audit_actions() == ["totp_enrolled", "login"]


def test_enrolled_staff_sees_no_qr_code(client):
    make_staff()
    login_password(client)
    soup = page(client.get("/staff/login"))
    assert soup.select_one("img.staff-qr") is None
    assert "認証アプリに表示されている6桁のコード" in soup.get_text()


def test_wrong_password_is_refused_counted_and_audited(client):
    make_staff()
    soup = page(login_password(client, password="wrong password"))
    assert soup.select_one(".form-errors").get_text(strip=True) == (
        "メールアドレスまたはパスワードが正しくありません。"
    )
    assert client.get("/staff/").status_code == 404
    assert (
        db.session.scalar(
            select(func.count(ThrottleEvent.id)).where(
                ThrottleEvent.scope.startswith("staff-login")
            )
        )
        == 2
    )  # one for the address, one for the IP
    row = db.session.scalar(select(AuditLog))
    assert (row.action, row.staff_email, row.detail["reason"]) == (
        "login_failed",
        "clerk@town.example",
        "password",
    )


def test_unknown_email_gets_the_same_message(client):
    soup = page(login_password(client, email="nobody@town.example"))
    assert (
        "メールアドレスまたはパスワードが正しくありません。"
        in soup.select_one(".form-errors").get_text()
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "", "password": "x"}, "email", "入力してください。"),
        (
            {"email": "not-an-address", "password": "x"},
            "email",
            "メールアドレスの形式が正しくありません。",
        ),
        ({"email": "clerk@town.example", "password": ""}, "password", "入力してください。"),
    ],
)
def test_login_form_errors_beside_fields(client, data, field, message):
    soup = page(client.post("/staff/login", data=data))
    assert soup.select_one(f"#{field}-error").get_text(strip=True) == message


def test_a_resident_password_does_not_open_the_console(client, auth):
    auth.signed_in(email="taro@example.com")
    soup = page(login_password(client, email="taro@example.com", password="correct horse battery"))
    assert soup.select_one(".form-errors") is not None
    assert client.get("/staff/").status_code == 404


@pytest.mark.parametrize(
    ("code", "message"),
    [("000000", "確認コードが正しくありません。"), ("12ab", "6桁の数字を入力してください。")],
)
def test_wrong_code_is_refused_beside_the_field(client, code, message):
    staff = make_staff()
    login_password(client)
    if code == "000000" and current_code(staff) == code:
        code = "000001"
    soup = page(client.post("/staff/login", data={"code": code}))
    assert soup.select_one("#code-error").get_text(strip=True) == message
    assert client.get("/staff/").status_code == 404


def test_a_code_cannot_be_used_twice(app):
    staff = make_staff()
    now = time.time()
    code = pyotp.TOTP(staff.totp_secret).at(now)
    assert accept_code(staff, code, at=now)
    assert not accept_code(staff, code, at=now)
    assert not accept_code(staff, "12 34", at=now)


def test_restart_forgets_the_accepted_password(client):
    make_staff()
    login_password(client)
    client.post("/staff/login", data={"restart": "1"})
    assert page(client.get("/staff/login")).h1.get_text(strip=True) == "職員ログイン"


def test_failed_logins_are_throttled(client):
    make_staff()
    for _ in range(5):
        login_password(client, password="wrong password")
    soup = page(login_password(client))  # the right password, but too late
    assert "ログインの失敗が続いたため" in soup.select_one(".form-errors").get_text()
    assert page(client.get("/staff/login")).h1.get_text(strip=True) == "職員ログイン"


def test_inactivity_ends_the_staff_session(app, client):
    staff = sign_in_staff(client, make_staff())
    assert client.get("/staff/").status_code == 200
    with client.session_transaction() as session:
        session["staff_seen"] = int(time.time()) - app.config["STAFF_IDLE_MINUTES"] * 60 - 5
    response = client.get("/staff/")
    assert response.status_code == 302 and response.headers["Location"] == "/staff/login"
    flash = page(client.get("/staff/login")).select_one(".flash")
    assert flash.get_text(strip=True) == "一定時間操作がなかったため、ログアウトしました。"
    assert client.get("/staff/").status_code == 404
    assert staff.id


def test_activity_keeps_the_session_alive(client):
    sign_in_staff(client, make_staff())
    with client.session_transaction() as session:
        session["staff_seen"] = int(time.time()) - 20 * 60
    assert client.get("/staff/").status_code == 200
    with client.session_transaction() as session:
        assert session["staff_seen"] >= int(time.time()) - 5


def test_a_disabled_staff_member_is_out_at_once(client):
    staff = sign_in_staff(client, make_staff())
    staff.disabled_at = staff.created_at
    db.session.commit()
    assert client.get("/staff/").status_code == 404


def test_logout_ends_the_session_and_is_audited(client):
    sign_in_staff(client, make_staff())
    response = client.post("/staff/logout")
    assert response.headers["Location"] == "/staff/login"
    assert client.get("/staff/").status_code == 404
    assert audit_actions() == ["logout"]


# --- flask staff ------------------------------------------------------------------------


def test_cli_create_prints_password_and_totp_uri(runner, client):
    result = runner.invoke(args=["staff", "create", "Chief@Town.example", "--role", "admin"])
    assert result.exit_code == 0, result.output
    password = re.search(r"password: (\S+)", result.output).group(1)
    uri = re.search(r"TOTP URI: (\S+)", result.output).group(1)
    assert uri.startswith("otpauth://totp/")
    staff = db.session.scalar(select(StaffUser))
    assert (staff.email, staff.role, staff.totp_confirmed_at) == (
        "chief@town.example",
        "admin",
        None,
    )
    assert pyotp.parse_uri(uri).secret == staff.totp_secret
    # and that password with that secret logs in
    login_password(client, email="chief@town.example", password=password)
    code = pyotp.parse_uri(uri).now()
    assert client.post("/staff/login", data={"code": code}).headers["Location"] == "/staff/"
    assert audit_actions()[0] == "staff_created"


def test_cli_create_with_prompt_and_duplicates(runner):
    result = runner.invoke(
        args=["staff", "create", "clerk@town.example", "--prompt"],
        input="a long password 1\na long password 1\n",
    )
    assert result.exit_code == 0, result.output
    assert "password:" not in result.output
    staff = db.session.scalar(select(StaffUser))
    assert staff.role == "staff"
    again = runner.invoke(args=["staff", "create", "clerk@town.example"])
    assert again.exit_code != 0 and "already exists" in again.output
    short = runner.invoke(
        args=["staff", "create", "b@town.example", "--prompt"], input="short\nshort\n"
    )
    assert short.exit_code != 0 and "at least 12" in short.output
    bad_role = runner.invoke(args=["staff", "create", "c@town.example", "--role", "root"])
    assert bad_role.exit_code != 0


def test_cli_reset_password(runner, client):
    staff = make_staff()
    result = runner.invoke(args=["staff", "reset-password", "clerk@town.example"])
    assert result.exit_code == 0, result.output
    password = re.search(r"password: (\S+)", result.output).group(1)
    assert login_password(client, password=STAFF_PASSWORD).status_code == 200  # old one: no
    assert login_password(client, password=password).headers["Location"] == "/staff/login"
    assert audit_actions()[0] == "staff_password_reset"
    assert staff.id
    unknown = runner.invoke(args=["staff", "reset-password", "nobody@town.example"])
    assert unknown.exit_code != 0 and "no staff account" in unknown.output


def test_cli_reset_totp_and_disable(runner):
    staff = make_staff()
    old = staff.totp_secret
    assert runner.invoke(args=["staff", "reset-totp", "clerk@town.example"]).exit_code == 0
    db.session.refresh(staff)
    assert staff.totp_secret != old and staff.totp_confirmed_at is None
    assert runner.invoke(args=["staff", "disable", "clerk@town.example"]).exit_code == 0
    db.session.refresh(staff)
    assert staff.disabled_at is not None
    listing = runner.invoke(args=["staff", "list"]).output
    assert "clerk@town.example\tstaff\tdisabled" in listing
    assert audit_actions() == ["staff_totp_reset", "staff_disabled"]


# --- the audit trail is append-only -----------------------------------------------------


def test_audit_rows_cannot_be_changed_or_removed(app):
    staff = make_staff()
    db.session.add(AuditLog(staff_id=staff.id, staff_email=staff.email, action="search"))
    db.session.commit()
    row = db.session.scalar(select(AuditLog))
    row.action = "nothing"
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.scalar(select(AuditLog)))
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(AppendOnlyError):
        db.session.execute(update(AuditLog).values(action="nothing"))
    db.session.rollback()
    with pytest.raises(AppendOnlyError):
        db.session.execute(delete(AuditLog))
    db.session.rollback()
    assert db.session.scalar(select(AuditLog.action)) == "search"


def test_audit_page_lists_who_did_what(client):
    clerk = sign_in_staff(client, make_staff())
    client.get("/staff/?q=8002")
    sign_in_staff(client, make_staff("chief@town.example", role="admin"))
    soup = page(client.get("/staff/audit"))
    rows = [
        [td.get_text(strip=True) for td in tr.select("td")]
        for tr in soup.select("table.staff-audit tbody tr")
    ]
    search_row = next(r for r in rows if r[2] == "検索")
    assert search_row[1] == clerk.email
    assert "query=8002" in search_row[4]
    assert audit_actions()[-1] == "view_audit"


def test_the_idle_limit_is_a_setting(app_config):
    from kodaira_app import create_app

    app_config["STAFF_IDLE_MINUTES"] = 1
    app = create_app(app_config)
    client = app.test_client()
    with app.app_context():
        sign_in_staff(client, make_staff())
        with client.session_transaction() as session:
            session["staff_seen"] = int(time.time()) - 90
        assert client.get("/staff/").status_code == 302
        db.session.remove()
        db.engine.dispose()


def test_audit_page_shows_who_looked_at_one_customer(client):
    from tests.support.factories import make_customer

    taro, hanako = make_customer(), make_customer()
    clerk = sign_in_staff(client, make_staff())
    client.get(f"/staff/contracts/{taro.id}")
    client.get(f"/staff/contracts/{hanako.id}")
    sign_in_staff(client, make_staff("chief@town.example", role="admin"))
    contract = page(client.get(f"/staff/contracts/{taro.id}"))
    link = contract.find("a", string="このお客様の閲覧・操作の記録（監査ログ）")
    soup = page(client.get(link["href"]))
    rows = [
        [td.get_text(strip=True) for td in tr.select("td")]
        for tr in soup.select("table.staff-audit tbody tr")
    ]
    assert [(r[1], r[2], r[3]) for r in rows] == [
        ("chief@town.example", "お客様情報の閲覧", f"お客様 #{taro.id}"),
        (clerk.email, "お客様情報の閲覧", f"お客様 #{taro.id}"),
    ]
