"""A town-wide outage is one staff notice, not an alert per home; the leak notice; mails in
the recipient's language."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kodaira_app.extensions import db
from kodaira_app.models import AlertEpisode, TownOutage
from tests.alerts.conftest import hour, watch
from tests.support.accounts import make_account
from tests.support.mailbox import text_body
from tests.support.readings import add_readings
from tests.support.watch import own_contract


def town_of_ten(account):
    """Ten watched homes, each with its own recipient (home0@… … home9@…)."""
    homes = []
    for i in range(10):
        customer = own_contract(account)
        watch(
            account,
            customer,
            flow=None,
            nodata=6,
            recipients=((f"家{i}", f"home{i}@example.com", "ja"),),
        )
        homes.append(customer)
    return homes


def test_a_town_wide_outage_holds_the_alerts_tells_staff_once_and_releases_per_home(
    app, clock, smtp, tick
):
    app.config["ALERT_STAFF_EMAIL"] = "clerk@town.example"
    homes = town_of_ten(make_account("holder@example.com"))
    for home in homes[:7]:  # 3 of 10 meters silent: 30 % > 20 %
        add_readings(home.meter_id, hour(0), [1.0] * 7)
    for home in homes[7:]:
        add_readings(home.meter_id, hour(0), [1.0])
    # The whole town then falls silent for 6 hours.
    clock.freeze(hour(13) + timedelta(minutes=1))
    tick()
    tick()
    assert len(smtp.to("clerk@town.example")) == 1
    for i in range(10):
        mails = smtp.to(f"home{i}@example.com")
        assert len(mails) == 1, i
        assert "町全体" in mails[0]["Subject"]
    assert db.session.scalar(select(TownOutage).where(TownOutage.ended_at.is_(None)))
    # Data comes back for 9 homes: the outage ends; the silent home gets its own alert.
    for home in homes[:9]:
        add_readings(home.meter_id, hour(7), [1.0] * 6)
    tick()
    assert db.session.scalar(select(TownOutage).where(TownOutage.ended_at.is_(None))) is None
    back = smtp.to("home0@example.com")[-1]
    assert "データの受信が再開しました" in back["Subject"]
    still = smtp.to("home9@example.com")[-1]
    assert "メーターのデータが届いていません" in still["Subject"]
    assert len(smtp.to("clerk@town.example")) == 1
    open_held = select(AlertEpisode).where(
        AlertEpisode.held.is_(True), AlertEpisode.ended_at.is_(None)
    )
    assert db.session.scalar(open_held) is None


def test_one_silent_home_is_an_alert_not_a_town_outage(app, clock, smtp, tick):
    homes = town_of_ten(make_account("holder@example.com"))
    for home in homes[1:]:
        add_readings(home.meter_id, hour(0), [1.0] * 8)
    clock.freeze(hour(8) + timedelta(minutes=1))
    tick()
    assert "メーターのデータが届いていません" in smtp.to("home0@example.com")[0]["Subject"]
    assert db.session.scalar(select(TownOutage)) is None


def test_the_leak_notice_goes_to_the_account_holder_once_per_episode(
    app, account, contract, clock, smtp, tick
):
    watch(account, contract, flow=None)
    add_readings(contract.meter_id, hour(0), [1.5] * 23)
    clock.freeze(hour(23) + timedelta(minutes=1))
    tick()
    assert smtp.to(account.email) == []  # 23 hours
    add_readings(contract.meter_id, hour(23), [0.4, 2.0])
    clock.freeze(hour(25) + timedelta(minutes=1))
    tick()
    clock.advance(timedelta(hours=1))
    add_readings(contract.meter_id, hour(25), [1.0])
    tick()
    mails = smtp.to(account.email)
    assert len(mails) == 1
    assert "漏水の可能性があります" in mails[0]["Subject"]
    assert "パイロット" in text_body(mails[0])
    assert smtp.to("son@example.com") == []


@pytest.mark.parametrize(
    ("locale", "subject", "line"),
    [
        ("en", "Water has been running", "have been used for 2 hours in a row"),
        ("vi", "Nước", "Quý khách"),
        ("zh_Hans", "水", "小时"),
        ("ko", "물", "시간"),
    ],
)
def test_alert_mails_in_the_recipients_language(
    app, account, contract, clock, smtp, tick, locale, subject, line
):
    watch(account, contract, flow=2, recipients=(("Son", "son@example.com", locale),))
    add_readings(contract.meter_id, hour(0), [70, 70])
    clock.freeze(hour(2) + timedelta(minutes=1))
    tick()
    mail = smtp.to("son@example.com")[0]
    assert subject in mail["Subject"]
    body = text_body(mail)
    assert line in body
    assert "水が出続けています" not in body and "確認しました" not in body


@pytest.mark.parametrize(
    ("locale", "first"),
    [
        ("ja", "小平 花子：水が出続けています"),
        ("en", "小平 花子: Water has been running"),
        ("vi", "小平 花子: Nước đang chảy liên tục"),
    ],
)
def test_an_alert_opens_on_the_home_and_its_news(
    app, account, contract, clock, smtp, tick, locale, first
):
    # A phone's preview shows the first line: whose home, and what happened; the greeting next.
    watch(account, contract, flow=2, recipients=(("Son", "son@example.com", locale),))
    add_readings(contract.meter_id, hour(0), [70, 70])
    clock.freeze(hour(2) + timedelta(minutes=1))
    tick()
    mail = smtp.to("son@example.com")[0]
    assert "小平 花子" in mail["Subject"]  # whose home, for someone watching two
    lines = [line for line in text_body(mail).splitlines() if line.strip()]
    assert lines[0].startswith(first), lines[0]
    assert "Son" in lines[1]
    html = mail.get_body(("html",)).get_content()
    assert first.split("：")[0].split(":")[0] in html.split('class="preheader"')[1][:400]
    assert "Asia/Tokyo" not in text_body(mail) and "Asia/Tokyo" not in html
