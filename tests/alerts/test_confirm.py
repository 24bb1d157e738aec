"""確認しました: the one-click link (wrong token, twice, after the end), what the others'
mails and the screens then say, and the 協力者 who hears only when nobody confirmed."""

from __future__ import annotations

import re
from datetime import timedelta

from bs4 import BeautifulSoup
from sqlalchemy import func, select

from kodaira_app.extensions import db
from kodaira_app.models import AlertConfirmation
from tests.alerts.conftest import FAMILY, hour, watch
from tests.support.mailbox import text_body
from tests.support.readings import add_readings
from tests.support.watch import anonymous

HELPER = ("民生委員", "minsei@example.com", "ja")


def confirm_link(mail) -> str:
    path = re.search(r"http://localhost(/alerts/confirm/\S+)", text_body(mail))
    assert path, "no 確認しました link in the mail"
    return path.group(1)


def running_water(account, contract, clock, tick, **kwargs):
    registration = watch(account, contract, flow=3, **kwargs)
    add_readings(contract.meter_id, hour(0), [70, 70, 70])
    clock.freeze(hour(3) + timedelta(minutes=1))
    tick()
    return registration


def test_confirm_link_records_once_and_the_daughters_next_mail_says_so(
    app, account, contract, clock, smtp, tick
):
    running_water(account, contract, clock, tick)
    link = confirm_link(smtp.to("son@example.com")[0])
    page = BeautifulSoup(anonymous(app, "get", link).data, "html.parser")
    assert (
        page.select_one("form[action^='/alerts/confirm'] button").get_text(strip=True)
        == "確認しました"
    )
    assert db.session.scalar(select(func.count()).select_from(AlertConfirmation)) == 0
    clock.freeze(hour(5) + timedelta(minutes=25))  # 05:25 Japan time
    done = BeautifulSoup(anonymous(app, "post", link).data, "html.parser")
    assert "確認を記録しました" in done.select_one(".confirm-result").get_text()
    clock.advance(timedelta(minutes=3))
    anonymous(app, "post", link)  # twice
    rows = db.session.scalars(select(AlertConfirmation)).all()
    assert len(rows) == 1 and rows[0].recipient_name == "息子"
    add_readings(contract.meter_id, hour(3), [70, 70, 2])
    clock.freeze(hour(6) + timedelta(minutes=1))
    tick()
    daughter = text_body(smtp.to("daughter@example.com")[-1])
    assert "息子さんが 05:25 に確認しました" in daughter
    assert "息子さんが" not in text_body(smtp.to("son@example.com")[-1])  # he knows


def test_confirm_link_wrong_token_and_after_the_end(app, account, contract, clock, smtp, tick):
    running_water(account, contract, clock, tick)
    link = confirm_link(smtp.to("son@example.com")[0])
    assert anonymous(app, "get", link[:-3] + "xyz").status_code == 404
    assert anonymous(app, "post", "/alerts/confirm/not-a-token").status_code == 404
    add_readings(contract.meter_id, hour(3), [1])
    clock.freeze(hour(4) + timedelta(minutes=1))
    tick()
    page = BeautifulSoup(anonymous(app, "post", link).data, "html.parser")
    assert "すでに終わっています" in page.select_one(".confirm-result").get_text()
    assert page.select_one("form[action^='/alerts/confirm']") is None
    assert db.session.scalar(select(func.count()).select_from(AlertConfirmation)) == 0


def test_the_registration_screen_shows_who_confirmed(
    app, client, account, contract, clock, smtp, tick
):
    running_water(account, contract, clock, tick)
    clock.freeze(hour(5) + timedelta(minutes=25))
    anonymous(app, "post", confirm_link(smtp.to("son@example.com")[0]))
    page = BeautifulSoup(client.get(f"/watch/{contract.id}/edit").data, "html.parser")
    assert page.select_one(".watch-alerts .confirmed-by").get_text(strip=True) == (
        "息子さんが 05:25 に確認しました"
    )


def test_the_helper_hears_only_when_nobody_confirmed_within_two_hours(
    app, account, contract, clock, smtp, tick
):
    registration = running_water(
        account, contract, clock, tick, recipients=FAMILY + (HELPER,), helpers=[3]
    )
    assert smtp.to("minsei@example.com") == []  # the family first
    add_readings(contract.meter_id, hour(3), [70])
    clock.freeze(hour(4) + timedelta(minutes=59))
    tick()
    assert smtp.to("minsei@example.com") == []  # 1 h 58 min
    add_readings(contract.meter_id, hour(4), [70])
    clock.freeze(hour(5) + timedelta(minutes=2))
    tick()
    mail = smtp.to("minsei@example.com")
    assert len(mail) == 1
    body = text_body(mail[0])
    assert "見守り協力者" in body and "北海道留萌郡小平町字小平町1番地" in body
    assert registration.id


def test_no_escalation_when_a_family_member_confirmed(app, account, contract, clock, smtp, tick):
    running_water(account, contract, clock, tick, recipients=FAMILY + (HELPER,), helpers=[3])
    anonymous(app, "post", confirm_link(smtp.to("daughter@example.com")[0]))
    add_readings(contract.meter_id, hour(3), [70, 70, 70])
    clock.freeze(hour(6) + timedelta(minutes=1))
    tick()
    assert smtp.to("minsei@example.com") == []


def test_a_report_mail_carries_a_confirm_link_that_confirms_the_open_alert(
    app, account, contract, clock, smtp, tick
):
    from kodaira_app.alerts.routes import report_confirm_url

    registration = running_water(account, contract, clock, tick)
    son = next(r for r in registration.recipients if r.name == "息子")
    link = report_confirm_url(son.stop_token).removeprefix("http://localhost")
    anonymous(app, "post", link)
    anonymous(app, "post", link)
    keys = sorted(db.session.scalars(select(AlertConfirmation.key)))
    assert len(keys) == 2 and keys[0].startswith("e:") and keys[1].startswith("r:")
