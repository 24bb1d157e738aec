"""Each rule's boundaries on hourly fixtures, no data versus no use, episodes that end and
start again, late and replaced readings, a pause."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from kodaira_app.extensions import db
from kodaira_app.models import AlertEpisode, WatchPause
from tests.alerts.conftest import hour, watch
from tests.support.mailbox import text_body
from tests.support.readings import add_readings


def episodes() -> int:
    return db.session.scalar(select(func.count()).select_from(AlertEpisode))


@pytest.mark.parametrize(
    ("liters", "alerted"),
    [
        ([60.0, 60.0, 60.0], True),  # N hours at the threshold
        ([60.0, 60.0], False),  # N − 1 hours
        ([60.0, 59.9, 60.0], False),  # 0.1 L under in one hour
        ([10.0, 60.1, 60.1, 60.1], True),  # 0.1 L over, after a quiet hour
    ],
)
def test_running_water_alerts_after_n_hours_at_the_flow(
    app, account, contract, clock, smtp, tick, liters, alerted
):
    watch(account, contract, flow=3)
    add_readings(contract.meter_id, hour(0), liters)
    clock.freeze(hour(len(liters)) + timedelta(minutes=1))
    tick()
    mails = smtp.to("son@example.com")
    assert len(mails) == (1 if alerted else 0)
    if alerted:
        assert "水が出続けています" in mails[0]["Subject"]
        assert "3時間続けて1時間に60L以上" in text_body(mails[0])
        assert len(smtp.to("daughter@example.com")) == 1


def test_one_alert_per_episode_then_an_end_mail_and_a_new_episode(
    app, account, contract, clock, smtp, tick
):
    watch(account, contract, flow=2)
    add_readings(contract.meter_id, hour(0), [80, 80])
    clock.freeze(hour(2) + timedelta(minutes=1))
    tick()
    tick()  # a second run, as a second worker would
    add_readings(contract.meter_id, hour(2), [90])
    clock.freeze(hour(3) + timedelta(minutes=1))
    tick()  # still running: the same episode
    assert len(smtp.to("son@example.com")) == 1 and episodes() == 1
    add_readings(contract.meter_id, hour(3), [5])
    clock.freeze(hour(4) + timedelta(minutes=1))
    tick()
    ended = smtp.to("son@example.com")[-1]
    assert "止まりました" in ended["Subject"]
    assert "12月2日 03:00 からの1時間の使用量が基準を下回りました" in text_body(ended)
    add_readings(contract.meter_id, hour(4), [70, 70])
    clock.freeze(hour(6) + timedelta(minutes=1))
    tick()
    assert episodes() == 2
    assert [m["Subject"] for m in smtp.to("son@example.com")].count(
        smtp.to("son@example.com")[0]["Subject"]
    ) == 2


# 24 hours: the longest choice, the last hour of PostgreSQL's one pass over the readings.
@pytest.mark.parametrize(
    ("idle", "zero_hours", "alerted"),
    [(12, 11, False), (12, 12, True), (24, 23, False), (24, 24, True)],
)
def test_no_use_alerts_after_n_hours_all_received(
    app, account, contract, clock, smtp, tick, idle, zero_hours, alerted
):
    watch(account, contract, flow=None, idle=idle)
    add_readings(contract.meter_id, hour(0), [5.0] + [0.0] * zero_hours)
    clock.freeze(hour(1 + zero_hours) + timedelta(minutes=5))
    tick()
    mails = smtp.to("son@example.com")
    assert len(mails) == (1 if alerted else 0)
    if alerted:
        assert "長い時間、水が使われていません" in mails[0]["Subject"]


def test_a_missing_hour_is_not_no_use_and_the_end_says_when_water_was_used(
    app, account, contract, clock, smtp, tick
):
    watch(account, contract, flow=None, idle=8)
    add_readings(contract.meter_id, hour(0), [0.0] * 3 + [None] + [0.0] * 4)
    clock.freeze(hour(8) + timedelta(minutes=1))
    tick()
    assert smtp.messages == []  # one hour did not arrive: not "no use"
    add_readings(contract.meter_id, hour(3), [0.0])  # the late hour
    tick()
    assert len(smtp.to("son@example.com")) == 1
    add_readings(contract.meter_id, hour(8), [0.0, 12.5])
    clock.freeze(hour(10) + timedelta(minutes=1))
    tick()
    ended = smtp.to("son@example.com")[-1]
    assert "12月2日 09:00 に水の使用を確認しました" in text_body(ended)


def test_no_data_says_the_watch_is_blind_never_no_use(app, account, contract, clock, smtp, tick):
    watch(account, contract, flow=None, nodata=6)
    add_readings(contract.meter_id, hour(0), [3.0])
    clock.freeze(hour(6) + timedelta(minutes=1))
    tick()
    assert smtp.messages == []  # 5 silent hours
    clock.freeze(hour(7) + timedelta(minutes=1))
    tick()
    mail = smtp.to("son@example.com")[0]
    assert "メーターのデータが届いていません" in mail["Subject"]
    body = text_body(mail)
    assert "水道を使っていないという意味ではありません" in body
    assert "水道の使用がありません" not in body
    add_readings(contract.meter_id, hour(6), [0.0])
    clock.freeze(hour(7) + timedelta(minutes=2))
    tick()
    assert "データの受信が再開しました" in smtp.to("son@example.com")[-1]["Subject"]


def test_late_and_replaced_readings_change_nothing(app, account, contract, clock, smtp, tick):
    watch(account, contract, flow=3)
    add_readings(contract.meter_id, hour(0), [70, 70, 70])
    clock.freeze(hour(3) + timedelta(minutes=1))
    tick()
    add_readings(contract.meter_id, hour(0), [75, 70, 80])  # replaced, still running
    add_readings(contract.meter_id, hour(-3), [70, 70, 70])  # late hours before it
    tick()
    clock.advance(timedelta(minutes=1))
    tick()
    assert episodes() == 1
    assert len(smtp.to("son@example.com")) == 1


def test_a_paused_registration_gets_no_alert(app, account, contract, clock, smtp, tick):
    registration = watch(account, contract, flow=3)
    db.session.add(
        WatchPause(
            registration_id=registration.id,
            start_date=date(2026, 12, 2),
            end_date=date(2026, 12, 3),
            start_notified_at=hour(0),
        )
    )
    db.session.commit()
    add_readings(contract.meter_id, hour(0), [70, 70, 70])
    clock.freeze(hour(3) + timedelta(minutes=1))
    tick()
    assert smtp.messages == [] and episodes() == 0


def test_rules_off_send_nothing(app, account, contract, clock, smtp, tick):
    watch(account, contract, flow=None)
    add_readings(contract.meter_id, hour(0), [70, 70, 70, 70])
    clock.freeze(hour(4) + timedelta(minutes=1))
    tick()
    assert smtp.messages == []


def test_flask_alerts_run_evaluates_a_moment(app, runner, account, contract, smtp, run_jobs):
    watch(account, contract, flow=2)
    add_readings(contract.meter_id, hour(0), [80, 80])
    result = runner.invoke(args=["alerts", "run", "--at", "2026-12-02T02:01:00+09:00"])
    assert "episodes opened 1" in result.output, result.output
    run_jobs()  # with Redis, a worker sends what the command queued
    assert len(smtp.to("son@example.com")) == 1
    again = runner.invoke(args=["alerts", "run", "--at", "2026-12-02T02:02:00+09:00"])
    assert "episodes opened 0" in again.output
