"""The evaluation reads each meter's last hours in one pass on PostgreSQL: a leak span
longer than that pass can take, and the town's silence counted over every smart meter,
watched or not (the longest choice, 24 hours, is in test_rules)."""

from __future__ import annotations

from datetime import timedelta

from tests.alerts.conftest import hour, watch
from tests.support.readings import add_readings
from tests.support.watch import own_contract


def test_a_leak_span_longer_than_one_pass_still_notifies_at_n_hours(
    app, account, contract, clock, smtp, tick
):
    app.config["ALERT_LEAK_HOURS"] = 70
    watch(account, contract, flow=None)
    add_readings(contract.meter_id, hour(0), [1.5] * 69)
    clock.freeze(hour(69) + timedelta(minutes=1))
    tick()
    assert smtp.to(account.email) == []  # 69 hours
    add_readings(contract.meter_id, hour(69), [1.5])
    clock.advance(timedelta(hours=1))
    tick()
    mails = smtp.to(account.email)
    assert len(mails) == 1 and "漏水の可能性があります" in mails[0]["Subject"]


def test_unwatched_smart_meters_count_in_the_towns_silence(
    app, account, contract, clock, smtp, tick
):
    watch(account, contract, flow=None, nodata=6)
    others = [own_contract(account) for _ in range(9)]
    for other in others[:6]:
        add_readings(other.meter_id, hour(0), [1.0] * 7)
    for silent in others[6:] + [contract]:  # 4 of 10 meters: 40 % > 20 %
        add_readings(silent.meter_id, hour(0), [1.0])
    clock.freeze(hour(7) + timedelta(minutes=1))
    tick()
    mails = smtp.to("son@example.com")
    assert len(mails) == 1 and "町全体" in mails[0]["Subject"]
