"""The demo readings: 30 days of plausible hours, added again only where missing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from kodaira_app.demo import readings as demo
from kodaira_app.extensions import db
from kodaira_app.models import Reading
from kodaira_app.timeutil import town_tz, utcnow
from tests.support.factories import make_customer


def hours_of(meter: str) -> dict:
    rows = db.session.scalars(select(Reading).where(Reading.meter_id == meter))
    return {r.hour_start: r.deciliters for r in rows}


def test_thirty_days_up_to_the_last_full_hour_for_smart_meters(app):
    make_customer(meter_id="D1")
    make_customer(meter_id="D2")
    make_customer(meter_id="OLD", smart_meter=False)
    messages = []
    demo.load(messages.append)

    last = utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    for meter in ("D1", "D2"):
        hours = hours_of(meter)
        assert len(hours) == 30 * 24
        assert max(hours) == last
        assert min(hours) == last - timedelta(hours=30 * 24 - 1)
    assert hours_of("OLD") == {}
    assert messages == ["Demo readings: 1440 hours added for 2 smart meters."]

    tokyo = town_tz()
    by_local_hour: dict[int, list[int]] = {}
    for hour, deciliters in hours_of("D1").items():
        by_local_hour.setdefault(hour.astimezone(tokyo).hour, []).append(deciliters)
    night = sum(sum(by_local_hour[h]) for h in (0, 1, 2, 3, 4))
    morning = sum(by_local_hour[7]) / len(by_local_hour[7])
    afternoon = sum(by_local_hour[15]) / len(by_local_hour[15])
    evening = sum(by_local_hour[19]) / len(by_local_hour[19])
    assert night == 0
    assert morning > 2 * afternoon
    assert evening > 2 * afternoon


def test_loading_again_adds_only_the_new_hours(app):
    make_customer(meter_id="D1")
    demo.load(lambda _: None)
    before = hours_of("D1")
    # The newest six hours are missing, as after six hours of downtime.
    newest = sorted(before)[-6:]
    db.session.execute(db.delete(Reading).where(Reading.hour_start.in_(newest)))
    db.session.commit()
    messages = []
    demo.load(messages.append)
    assert hours_of("D1") == before
    assert messages == ["Demo readings: 6 hours added for 1 smart meters."]
    demo.load(messages.append)
    assert messages[-1] == "Demo readings: 0 hours added for 1 smart meters."
    assert db.session.scalar(select(func.count()).select_from(Reading)) == 30 * 24
