"""Sessions the server can end: a copied cookie opens nothing once its login has ended."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kodaira_app.extensions import db
from kodaira_app.models import LoginSession
from kodaira_app.timeutil import clock, utcnow
from tests.support.accounts import DEFAULT_PASSWORD, make_account
from tests.support.pages import flashes, page, text
from tests.support.staff import STAFF_PASSWORD, current_code, make_staff

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
NEW_PASSWORD = "a new password 2026"


def resident_login(client, remember=False, agent=FIREFOX):
    data = {"email": "taro@example.com", "password": DEFAULT_PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data, headers={"User-Agent": agent})
    assert response.status_code == 302
    return response


def copy_cookie(app, client, name):
    """A second browser holding a copy of `client`'s cookie `name` only."""
    other = app.test_client()
    other.set_cookie(name, client.get_cookie(name).value)
    return other


def goes_to_login(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


def at(moment):
    """The app's clock moved to `moment` (the clock fixture sets it back after the test)."""
    clock.freeze(moment)


def rows():
    db.session.expire_all()
    return list(db.session.scalars(select(LoginSession).order_by(LoginSession.id)))


# --- residents --------------------------------------------------------------------------


def test_login_makes_a_session_row_and_the_cookie_holds_only_a_random_id(app, client):
    account = make_account()
    resident_login(client)
    [row] = rows()
    assert (row.account_id, row.staff_id, row.device, row.revoked_at) == (
        account.id,
        None,
        "Firefox / Windows",
        None,
    )
    cookie = client.get_cookie("session").value
    assert str(account.id) not in cookie.split(".")[0]
    assert row.token_hash not in cookie  # only the hash is stored, never the id itself


def test_logout_revokes_copied_session_cookie(app, client):
    make_account()
    resident_login(client)
    stolen = copy_cookie(app, client, "session")
    assert stolen.get("/contracts").status_code == 200
    client.post("/logout")
    assert goes_to_login(stolen.get("/contracts"))
    assert rows()[0].revoked_at is not None


def test_logout_revokes_copied_remember_cookie(app, client):
    make_account()
    resident_login(client, remember=True)
    stolen = copy_cookie(app, client, "remember_token")
    assert stolen.get("/contracts").status_code == 200  # the remember cookie alone opens it
    client.post("/logout")
    assert goes_to_login(copy_cookie(app, stolen, "remember_token").get("/contracts"))
    assert goes_to_login(stolen.get("/contracts"))


def test_remember_me_ends_after_30_days(app, client, monkeypatch):
    make_account()
    resident_login(client, remember=True)
    cookie = client.get_cookie("remember_token")
    assert cookie.expires is not None
    assert cookie.expires - utcnow() <= timedelta(days=30, minutes=1)
    start = utcnow()
    at(start + timedelta(days=29, hours=23))
    assert copy_cookie(app, client, "remember_token").get("/contracts").status_code == 200
    at(start + timedelta(days=30, minutes=1))
    assert goes_to_login(copy_cookie(app, client, "remember_token").get("/contracts"))
    assert rows()[0].revoked_at is not None


def test_session_without_remember_me_ends_when_unused_for_the_idle_limit(app, client, monkeypatch):
    make_account()
    resident_login(client)
    hours = app.config["SESSION_IDLE_HOURS"]
    start = utcnow()
    at(start + timedelta(hours=hours - 1))
    assert client.get("/contracts").status_code == 200  # used: the limit starts again
    at(start + timedelta(hours=2 * hours - 2))
    assert client.get("/contracts").status_code == 200
    at(start + timedelta(hours=3 * hours))
    assert goes_to_login(client.get("/contracts"))


def test_session_last_seen_is_written_at_most_once_a_minute(app, client, monkeypatch):
    make_account()
    resident_login(client)
    [row] = rows()
    created = row.last_seen_at
    start = utcnow()
    for seconds in (5, 30, 59):
        at(start + timedelta(seconds=seconds))
        assert client.get("/contracts").status_code == 200
    assert rows()[0].last_seen_at == created
    later = start + timedelta(seconds=61)
    at(later)
    client.get("/contracts")
    assert rows()[0].last_seen_at == later


def test_password_change_revokes_other_sessions(app, client):
    make_account()
    resident_login(client)
    elsewhere = app.test_client()
    resident_login(elsewhere, remember=True, agent=IPHONE)
    stolen = copy_cookie(app, elsewhere, "remember_token")
    response = client.post(
        "/procedures/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        },
    )
    assert response.headers["Location"] == "/procedures"
    assert client.get("/contracts").status_code == 200
    assert goes_to_login(elsewhere.get("/contracts"))
    assert goes_to_login(stolen.get("/contracts"))
    assert [r.revoked_at is None for r in rows()] == [True, False]


def test_devices_page_lists_signed_in_devices_and_marks_this_one(app, client):
    make_account()
    resident_login(client)
    resident_login(app.test_client(), agent=IPHONE)
    soup = page(client.get("/procedures/sessions"))
    assert text(soup.h1) == "ログイン中の端末"
    cells = [[text(td) for td in tr.select("td")] for tr in soup.select("table.sessions tbody tr")]
    assert sorted(row[0] for row in cells) == ["Firefox / Windows この端末", "Safari / iPhone"]
    assert all(len(row) == 3 and row[1] and row[2] for row in cells)
    assert len(soup.select("strong.this-device")) == 1


def test_devices_page_does_not_list_ended_sessions(app, client):
    make_account()
    resident_login(client)
    other = app.test_client()
    resident_login(other, agent=IPHONE)
    other.post("/logout")
    soup = page(client.get("/procedures/sessions"))
    assert [text(td) for td in soup.select("table.sessions tbody td:first-child")] == [
        "Firefox / Windows この端末"
    ]


def test_sign_out_everywhere_revokes_every_session(app, client):
    make_account()
    resident_login(client)
    phone = app.test_client()
    resident_login(phone, remember=True, agent=IPHONE)
    stolen = copy_cookie(app, client, "session")
    assert client.get("/procedures/sessions/end-all").status_code == 405  # a POST only
    response = client.post("/procedures/sessions/end-all")
    assert response.headers["Location"] == "/login"
    assert flashes(page(client.get("/login"))) == ["すべての端末でログアウトしました。"]
    for browser in (client, phone, stolen, copy_cookie(app, phone, "remember_token")):
        assert goes_to_login(browser.get("/contracts"))
    assert all(r.revoked_at is not None for r in rows())


def test_password_reset_revokes_every_session(app, client):
    from kodaira_app.auth.accounts import set_password

    account = make_account()
    resident_login(client, remember=True)
    stolen = copy_cookie(app, client, "remember_token")
    set_password(account, NEW_PASSWORD)  # what the reset link's form does
    assert goes_to_login(client.get("/contracts"))
    assert goes_to_login(stolen.get("/contracts"))


def test_leaving_revokes_every_session(app, client):
    make_account()
    resident_login(client)
    phone = app.test_client()
    resident_login(phone, remember=True, agent=IPHONE)
    client.post("/procedures/leave", data={"current_password": DEFAULT_PASSWORD})
    assert goes_to_login(copy_cookie(app, phone, "remember_token").get("/contracts"))
    assert all(r.revoked_at is not None for r in rows())


# --- staff ------------------------------------------------------------------------------


def staff_login(client, staff):
    client.post("/staff/login", data={"email": staff.email, "password": STAFF_PASSWORD})
    response = client.post("/staff/login", data={"code": current_code(staff)})
    assert response.headers["Location"] == "/staff/"


def test_staff_logout_revokes_copied_staff_cookie(app, client):
    staff = make_staff()
    staff_login(client, staff)
    stolen = copy_cookie(app, client, "session")
    assert stolen.get("/staff/").status_code == 200
    client.post("/staff/logout")
    response = stolen.get("/staff/")
    assert response.status_code == 302 and response.headers["Location"] == "/staff/login"
    assert flashes(page(stolen.get("/staff/login"))) == [
        "このログインは終了しました。もう一度ログインしてください。"
    ]
    assert stolen.get("/staff/").status_code == 404


def test_staff_session_ends_8_hours_after_login_however_busy(app, client, monkeypatch):
    app.config["STAFF_IDLE_MINUTES"] = 24 * 60  # only the absolute limit is under test
    staff_login(client, make_staff())
    start = utcnow()
    assert app.config["STAFF_SESSION_MAX_HOURS"] == 8
    for hours in (2, 4, 6, 7.9):
        at(start + timedelta(hours=hours))
        assert client.get("/staff/").status_code == 200
    at(start + timedelta(hours=8, minutes=1))
    response = client.get("/staff/")
    assert response.status_code == 302 and response.headers["Location"] == "/staff/login"


def test_staff_session_idle_limit_is_kept_by_the_server_too(app, client, monkeypatch):
    staff_login(client, make_staff())
    stolen = copy_cookie(app, client, "session")
    at(utcnow() + timedelta(minutes=app.config["STAFF_IDLE_MINUTES"] + 2))
    # The copied cookie still says "seen just now", but the row says otherwise.
    assert stolen.get("/staff/").headers["Location"] == "/staff/login"


@pytest.mark.parametrize("command", ["reset-password", "reset-totp", "disable"])
def test_staff_cli_reset_or_disable_revokes_staff_sessions(app, client, runner, command):
    staff = make_staff()
    staff_login(client, staff)
    other = app.test_client()
    staff_login(other, make_staff("other@town.example"))
    assert runner.invoke(args=["staff", command, staff.email]).exit_code == 0
    response = client.get("/staff/")
    assert response.status_code == 302 and response.headers["Location"] == "/staff/login"
    assert other.get("/staff/").status_code == 200  # another clerk's session is untouched


def test_login_sessions_migration_upgrades_a_database_holding_accounts(tmp_path):
    """0001 with a resident in it, then 0002: the resident can sign in (and back down)."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect, text

    from kodaira_app import create_app

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="0001")
        db.session.execute(
            text(
                "INSERT INTO accounts (email, password_hash, session_version, created_at)"
                " VALUES ('old@example.com', 'x', 1, '2026-01-01 00:00:00')"
            )
        )
        db.session.commit()
        upgrade(revision="0003")
        assert "login_sessions" in inspect(db.engine).get_table_names()
        db.session.add(LoginSession(token_hash="0" * 64, account_id=1))
        db.session.commit()
        assert db.session.scalar(select(LoginSession.account_id)) == 1
        db.session.remove()
        downgrade(revision="0001")
        assert "login_sessions" not in inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_devices_page_is_reached_from_the_password_procedure(client, auth):
    auth.signed_in()
    soup = page(client.get("/procedures/password"))
    link = soup.find("a", string="ログイン中の端末")
    assert link["href"] == "/procedures/sessions"
    assert client.get(link["href"]).status_code == 200
