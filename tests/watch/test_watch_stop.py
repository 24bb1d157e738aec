"""Recipients can say stop: the link in every mail, RFC 8058 one-click, no silent re-adding."""

import pytest

from kodaira_app.extensions import db
from tests.support.mailbox import html_body, text_body
from tests.support.pages import page
from tests.support.watch import anonymous, input_data, register


@pytest.fixture
def app_config(app_config):
    # The stop link must work with CSRF protection on, as in production.
    return {**app_config, "WTF_CSRF_ENABLED": True}


@pytest.fixture
def son(registration):
    return registration.recipients[0]


def test_the_notice_carries_the_link_in_text_html_and_headers(account, contract, smtp, run_jobs):
    son = register(account, contract).recipients[0]
    run_jobs()
    [mail] = smtp.to("son@example.com")
    link = f"http://localhost/stop/{son.stop_token}"
    assert link in text_body(mail)
    assert f'href="{link}"' in html_body(mail)
    assert mail["List-Unsubscribe"].strip() == f"<{link}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_get_shows_a_button_and_stops_nothing(app, son):
    client = app.test_client()  # the recipient: not logged in
    soup = page(client.get(f"/stop/{son.stop_token}"))
    assert soup.h1.get_text(strip=True) == "見守りメールの配信停止"
    assert soup.find("button", string="配信を停止する")
    db.session.refresh(son)
    assert son.stopped_at is None


def test_one_click_post_stops_without_login_or_csrf_token(app, son):
    client = app.test_client()
    response = client.post(
        f"/stop/{son.stop_token}",
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    text = page(response).select_one(".stop-result").get_text(strip=True)
    assert text == "このメールアドレスへの見守りメールの配信を停止しました。"
    db.session.refresh(son)
    first = son.stopped_at
    assert first is not None
    # idempotent
    assert client.post(f"/stop/{son.stop_token}").status_code == 200
    db.session.refresh(son)
    assert son.stopped_at == first


def test_unknown_token_is_a_404_page(app):
    client = app.test_client()
    for method in (client.get, client.post):
        response = method("/stop/not-a-token")
        assert "このリンクは無効です" in page(response, status=404).get_text()


def test_stopped_recipient_shows_as_stopped_and_is_not_resubscribed(
    app, client, contract, son, smtp, run_jobs
):
    anonymous(app, "post", f"/stop/{son.stop_token}")
    smtp.clear()
    soup = page(client.get(f"/watch/{contract.id}/edit"))
    title = soup.select(".recipient-row")[0].select_one(".status-stopped")
    assert title.get_text(strip=True) == "配信停止"
    csrf = soup.select_one("input[name=csrf_token]")["value"]
    # drop the address, then add it again
    data = input_data(recipients=(("娘", "daughter@example.com"),))
    client.post(f"/watch/{contract.id}/edit", data={**data, "csrf_token": csrf})
    client.post(f"/watch/{contract.id}/confirm", data={"csrf_token": csrf})
    data = input_data(recipients=(("娘", "daughter@example.com"), ("息子", "SON@example.com")))
    client.post(f"/watch/{contract.id}/edit", data={**data, "csrf_token": csrf})
    soup = page(client.get(f"/watch/{contract.id}/confirm"))
    rows = soup.select(".watch-recipient")
    assert rows[1].select_one(".status-stopped").get_text(strip=True) == "配信停止"
    assert "メールは送信されません" in rows[1].get_text()
    client.post(f"/watch/{contract.id}/confirm", data={"csrf_token": csrf})
    db.session.refresh(son)
    assert son.stopped_at is not None and son.removed_at is None
    run_jobs()
    assert [m["To"] for m in smtp.messages] == ["daughter@example.com"]


def test_stopped_address_stays_stopped_in_a_new_registration(
    app, account, contract, son, smtp, run_jobs
):
    from kodaira_app.watch.registrations import end_registration

    anonymous(app, "post", f"/stop/{son.stop_token}")
    end_registration(son.registration, contract)
    db.session.commit()
    run_jobs()
    smtp.clear()
    registration = register(account, contract)
    assert registration.recipients[0].stopped_at is not None
    run_jobs()
    assert smtp.messages == []
