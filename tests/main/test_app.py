"""The shell every page shares: header, navigation, headers, cookies."""

from tests.support.accounts import make_account
from tests.support.pages import page


def test_public_page_shows_app_name_and_security_headers(client):
    response = client.get("/")
    assert response.status_code == 200
    soup = page(response)
    assert soup.select_one(".app-name").get_text(strip=True) == "小平町水道アプリ"
    assert soup.html["lang"] == "ja"
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_about_page_has_the_four_notes(client):
    soup = page(client.get("/about"))
    notes = [li.get_text(strip=True) for li in soup.select("ul.notes li")]
    assert len(notes) == 4
    assert notes[0].startswith("※ 「見守りサービス」は見守られる方の水の使用量")
    assert "水道スマートメーターが設置された水栓でのみ" in notes[1]


def test_pages_behind_login_redirect_to_login(client):
    for path in ("/contracts", "/usage", "/payments", "/pay", "/procedures", "/watch"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/login" in response.headers["Location"]


def test_language_switch_sets_cookie_and_stays_on_site(client):
    response = client.get("/lang/en?next=https://evil.example/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "lang=en" in response.headers["Set-Cookie"]
    assert "HttpOnly" in response.headers["Set-Cookie"]


def test_unknown_language_is_ignored(client):
    response = client.get("/lang/xx?next=/about")
    assert response.headers["Location"] == "/about"
    assert "Set-Cookie" not in response.headers


def test_closed_account_session_is_not_loaded(app):
    from kodaira_app.auth.sessions import load_account
    from kodaira_app.extensions import db
    from kodaira_app.timeutil import utcnow
    from tests.support.accounts import session_id

    account = make_account()
    token = session_id(account)
    assert load_account(token) is account
    assert load_account("nonsense") is None
    account.closed_at = utcnow()
    db.session.commit()
    assert load_account(token) is None


def test_trusted_proxy_gives_the_visitor_address(app_config):
    from flask import request

    from kodaira_app import create_app

    app_config["TRUSTED_PROXIES"] = 1
    proxied = create_app(app_config)

    @proxied.get("/_probe")
    def probe():
        return f"{request.remote_addr} {request.scheme}"

    response = proxied.test_client().get(
        "/_probe",
        headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert response.get_data(as_text=True) == "203.0.113.7 https"
