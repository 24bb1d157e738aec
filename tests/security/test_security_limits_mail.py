"""Mail limits: 「通知先に登録されました」 per registration and per address, e-mail change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kodaira_app.extensions import db
from kodaira_app.models import OutboxMail, WatchRecipient
from kodaira_app.timeutil import utcnow
from tests.support.accounts import DEFAULT_PASSWORD, AuthActions
from tests.support.pages import field_error, page
from tests.support.watch import error_beside, flashes, input_data, own_contract

SON = ("息子", "son@example.com")
DAUGHTER = ("娘", "daughter@example.com")
DAILY_LIMIT = (
    "このメールアドレスには、この24時間に登録のお知らせを上限の回数までお送りしているため、"
    "今は通知先に追加できません。時間をおいて、もう一度お試しください"
)
HELD = "息子さんには24時間以内に登録のお知らせをお送りしているため、今回はお送りしません。"


def save(client, contract, recipients):
    """The input screen, then 登録; the page after it."""
    response = client.post(f"/watch/{contract.id}/edit", data=input_data(recipients=recipients))
    assert response.status_code == 302, error_texts(page(response))
    response = client.post(f"/watch/{contract.id}/confirm")
    assert response.headers["Location"] == f"/watch/{contract.id}/done"
    return page(client.get(response.headers["Location"]))


def error_texts(soup) -> list[str]:
    return [li.get_text(strip=True) for li in soup.select(".field-errors li")]


def added_notices(address: str) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(OutboxMail)
        .where(OutboxMail.kind == "watch_added", OutboxMail.to_addr == address)
    )


def later(monkeypatch, hours: float) -> None:
    """The clock of the limits and of the registrations, `hours` from now."""
    moved = utcnow() + timedelta(hours=hours)
    for target in (
        "kodaira_app.auth.throttle.utcnow",
        "kodaira_app.watch.notices.utcnow",
        "kodaira_app.watch.registrations.utcnow",
    ):
        monkeypatch.setattr(target, lambda: moved)


def resident(app, number: int):
    """Another account, logged in on a client of its own, with a contract of its own."""
    client = app.test_client()
    account = AuthActions(client, app).signed_in(email=f"resident{number}@example.com")
    return client, own_contract(account)


@pytest.fixture
def account(auth):
    return auth.signed_in()


# --- One notice per registration and address in 24 hours ----------------------------


def test_notice_limit_five_remove_and_readd_cycles_send_one_mail(client, account, smtp, run_jobs):
    contract = own_contract(account)
    save(client, contract, [SON, DAUGHTER])
    for _ in range(5):
        save(client, contract, [DAUGHTER])
        done = save(client, contract, [DAUGHTER, SON])
        assert HELD in flashes(done)
    run_jobs()
    assert len(smtp.to("son@example.com")) == 1
    assert len(smtp.to("daughter@example.com")) == 1
    # Re-added, the son gets the reports again all the same.
    db.session.expire_all()
    son = db.session.scalar(select(WatchRecipient).where(WatchRecipient.email == SON[1]))
    assert son.removed_at is None and son.stopped_at is None


def test_notice_limit_readding_after_24_hours_sends_a_new_notice(
    client, account, smtp, run_jobs, monkeypatch
):
    contract = own_contract(account)
    save(client, contract, [SON])
    save(client, contract, [DAUGHTER])
    later(monkeypatch, 24.5)
    done = save(client, contract, [DAUGHTER, SON])
    assert HELD not in flashes(done)
    run_jobs()
    assert len(smtp.to("son@example.com")) == 2


def test_notice_limit_the_held_notice_is_explained_in_the_users_language(client, account):
    client.set_cookie("lang", "en")
    contract = own_contract(account)
    save(client, contract, [SON])
    save(client, contract, [DAUGHTER])
    done = save(client, contract, [DAUGHTER, SON])
    assert any(
        text.startswith("息子") and "within the last 24 hours" in text for text in flashes(done)
    ), flashes(done)


# --- At most NOTICE_DAILY_LIMIT_PER_ADDRESS notices a day to one address ------------


def test_notice_limit_per_address_across_accounts(app, smtp, run_jobs):
    for number in range(5):
        client, contract = resident(app, number)
        save(client, contract, [SON])
    client, contract = resident(app, 5)
    response = client.post(f"/watch/{contract.id}/edit", data=input_data(recipients=[SON]))
    assert response.status_code == 200
    assert error_beside(page(response), "recipients-0-email") == [DAILY_LIMIT]
    run_jobs()
    assert len(smtp.to("son@example.com")) == 5
    assert added_notices("son@example.com") == 5
    # Another address is not affected.
    save(client, contract, [DAUGHTER])


def test_notice_limit_per_address_is_a_setting_and_ignores_case(app, smtp, run_jobs):
    app.config["NOTICE_DAILY_LIMIT_PER_ADDRESS"] = 2
    for number in range(2):
        client, contract = resident(app, number)
        save(client, contract, [SON])
    client, contract = resident(app, 2)
    response = client.post(
        f"/watch/{contract.id}/edit", data=input_data(recipients=[("息子", "Son@Example.com")])
    )
    assert error_beside(page(response), "recipients-0-email") == [DAILY_LIMIT]


def test_notice_limit_per_address_checked_again_at_登録(app, client, account, smtp, run_jobs):
    app.config["NOTICE_DAILY_LIMIT_PER_ADDRESS"] = 1
    contract = own_contract(account)
    response = client.post(f"/watch/{contract.id}/edit", data=input_data(recipients=[SON]))
    assert response.status_code == 302
    other, other_contract = resident(app, 1)
    save(other, other_contract, [SON])  # uses the one notice while the first one confirms
    response = client.post(f"/watch/{contract.id}/confirm")
    assert response.headers["Location"] == f"/watch/{contract.id}/edit"
    assert DAILY_LIMIT in flashes(page(client.get(response.headers["Location"])))
    run_jobs()
    assert len(smtp.to("son@example.com")) == 1


def test_notice_limit_per_address_message_in_the_users_language(app):
    app.config["NOTICE_DAILY_LIMIT_PER_ADDRESS"] = 1
    first, contract = resident(app, 1)
    save(first, contract, [SON])
    client, contract = resident(app, 2)
    client.set_cookie("lang", "ko")
    response = client.post(f"/watch/{contract.id}/edit", data=input_data(recipients=[SON]))
    [message] = error_beside(page(response), "recipients-0-email")
    assert "24시간" in message


def test_notice_limit_a_recipient_already_on_the_registration_is_never_refused(
    app, client, account
):
    app.config["NOTICE_DAILY_LIMIT_PER_ADDRESS"] = 1
    contract = own_contract(account)
    save(client, contract, [SON])
    # Changing the window keeps the son: no new notice, so no limit in the way.
    response = client.post(
        f"/watch/{contract.id}/edit", data=input_data(hours=("14", ""), recipients=[SON])
    )
    assert response.status_code == 302


# --- E-mail change and its password check, throttled like login -----------------------


def change_email(client, new="new@example.com", password=DEFAULT_PASSWORD):
    return client.post("/procedures/email", data={"current_password": password, "email": new})


def test_email_change_password_check_is_throttled(client, account):
    for _ in range(5):
        soup = page(change_email(client, password="wrong password"))
        assert field_error(soup, "current_password") == "現在のパスワードが正しくありません。"
    soup = page(change_email(client))
    message = field_error(soup, "current_password")
    assert message.startswith("現在のパスワードの誤りが続いたため、しばらくお手続きできません。")
    assert "以降にもう一度お試しください。" in message
    # The password change and leaving ask the same question: blocked there too.
    response = client.post(
        "/procedures/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "password": "mizu-no-himitsu-42",
            "password_confirm": "mizu-no-himitsu-42",
        },
    )
    assert "しばらくお手続きできません" in field_error(page(response), "current_password")


def test_email_change_password_check_lifts_after_the_window(client, account, monkeypatch):
    for _ in range(5):
        change_email(client, password="wrong password")
    later(monkeypatch, 0.3)
    assert change_email(client).headers["Location"] == "/procedures/email/sent"


def test_email_change_mails_are_throttled_per_account(client, account, smtp, run_jobs):
    for number in range(5):
        response = change_email(client, new=f"new{number}@example.com")
        assert response.headers["Location"] == "/procedures/email/sent"
    soup = page(change_email(client, new="new9@example.com"))
    assert field_error(soup, "email").startswith(
        "確認メールを続けてお送りしたため、しばらくお送りできません。"
    )
    run_jobs()
    assert len(smtp.messages) == 5
    assert smtp.to("new9@example.com") == []


def test_email_change_mails_to_one_address_are_throttled_across_accounts(app, smtp, run_jobs):
    for number in range(5):
        client, _ = resident(app, number)
        assert change_email(client, new="victim@example.com").status_code == 302
    client, _ = resident(app, 9)
    client.set_cookie("lang", "en")
    soup = page(change_email(client, new="victim@example.com"))
    assert field_error(soup, "email").startswith("We have sent several confirmation mails")
    run_jobs()
    assert len(smtp.to("victim@example.com")) == 5
