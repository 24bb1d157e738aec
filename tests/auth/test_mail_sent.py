"""The mail-sent page repeats the address typed and explains ドメイン指定受信 for the mail
of docomo, au and SoftBank addresses, naming the sender's domain, in every language."""

from __future__ import annotations

import pytest

from tests.support.pages import page, text


def signup(client, email="hanako@docomo.ne.jp"):
    return client.post(
        "/signup",
        data={
            "email": email,
            "password": "mizu-no-himitsu",
            "password_confirm": "mizu-no-himitsu",
            "agree": "y",
        },
    )


@pytest.fixture
def sender(app):
    app.config["MAIL_DEFAULT_SENDER"] = "小平町水道 <noreply@water.obira.example.jp>"


def test_signup_page_repeats_the_address_and_explains_carrier_filters(client, sender):
    response = signup(client)
    soup = page(client.get(response.headers["Location"]))
    assert text(soup.select_one(".sent-address")) == "hanako@docomo.ne.jp"
    tips = [text(li) for li in soup.select("ul.mail-help li")]
    assert tips[0] == "迷惑メールのフォルダもご確認ください。"
    assert tips[1] == (
        "docomo・au・SoftBank などの携帯電話会社のメールアドレスをお使いの方は、迷惑メール"
        "対策の「ドメイン指定受信」で「water.obira.example.jp」からのメールを受信できるように"
        "設定してから、もう一度お試しください。"
    )


@pytest.mark.parametrize("what", ["resend", "reset"])
def test_resend_and_reset_repeat_the_address_too(client, sender, what):
    url = "/confirm/resend" if what == "resend" else "/reset"
    response = client.post(url, data={"email": "taro@ezweb.ne.jp"})
    assert response.headers["Location"] == f"/mail-sent/{what}"
    soup = page(client.get(response.headers["Location"]))
    assert text(soup.select_one(".sent-address")) == "taro@ezweb.ne.jp"


def test_without_an_address_typed_the_page_shows_none(client, sender):
    soup = page(client.get("/mail-sent/signup"))
    assert soup.select_one(".sent-address") is None
    assert "ドメイン指定受信" in text(soup.select_one("ul.mail-help"))


CARRIER = {
    "en": "domain allow list",
    "vi": "nhận thư theo tên miền chỉ định",
    "zh_Hans": "指定域名接收",
    "ko": "도메인 지정 수신",
}


@pytest.mark.parametrize("locale", list(CARRIER))
def test_carrier_filter_help_in_each_language(client, sender, locale):
    client.set_cookie("lang", locale)
    response = signup(client)
    soup = page(client.get(response.headers["Location"]))
    assert text(soup.select_one(".sent-address")) == "hanako@docomo.ne.jp"
    tip = text(soup.select("ul.mail-help li")[1])
    assert CARRIER[locale] in tip and "water.obira.example.jp" in tip
    assert "SoftBank" in tip
