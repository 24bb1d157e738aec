"""Demo data: 30 days of hourly readings for every customer with a smart meter.

The values follow a household's day in the town's time zone: nothing at night, a
morning and an evening peak, a little during the day. They are the same on every run
(seeded by meter and hour), and a re-run adds only the hours since the last one.
Stored through the importer, like readings from the head-end.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from kodaira_app.extensions import db
from kodaira_app.models import Customer, Reading
from kodaira_app.readings.importer import import_readings_rows
from kodaira_app.readings.partitions import ensure_partitions
from kodaira_app.timeutil import town_tz, utcnow

DAYS = 30
SOURCE = "demo"

# Typical litres per hour by local hour of day, 0..23.
# fmt: off
_PROFILE = [
    0, 0, 0, 0, 0, 2, 25, 40, 30, 12, 8, 10,
    15, 10, 6, 6, 8, 12, 30, 45, 35, 25, 10, 2,
]
# fmt: on


def load(echo: Callable[[str], None]) -> None:
    """Add the missing hours up to the last full hour (idempotent)."""
    last = utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    first = last - timedelta(days=DAYS) + timedelta(hours=1)
    tz = town_tz()
    latest = dict(
        db.session.execute(
            select(Customer.meter_id, func.max(Reading.hour_start))
            .join(Reading, Reading.meter_id == Customer.meter_id, isouter=True)
            .where(Customer.smart_meter.is_(True), Customer.meter_id.is_not(None))
            .group_by(Customer.meter_id)
        ).all()
    )
    rows = [
        row
        for meter, seen in sorted(latest.items())
        for row in _rows(meter, max(first, seen + timedelta(hours=1)) if seen else first, last, tz)
    ]
    result = import_readings_rows(rows, SOURCE)
    # As the worker's periodic job would: the past months' readings leave the DEFAULT
    # partition for partitions of their own (PostgreSQL), as in a town that has run a while.
    ensure_partitions()
    echo(f"Demo readings: {result.imported} hours added for {len(latest)} smart meters.")


def _rows(meter: str, start: datetime, last: datetime, tz) -> Iterator[dict]:
    hour = start
    while hour <= last:
        yield {
            "meter_id": meter,
            "hour_start": hour.isoformat(),
            "liters": _liters(meter, hour, hour.astimezone(tz).hour),
        }
        hour += timedelta(hours=1)


def _liters(meter: str, hour: datetime, local_hour: int) -> float:
    # Demo readings, the same on every load; nothing secret is drawn here.
    rng = random.Random(f"{meter}/{hour.astimezone(UTC):%Y%m%d%H}")  # nosec B311
    typical = _PROFILE[local_hour]
    if typical == 0 or rng.random() < 0.15:  # quiet hours, and some quiet days
        return 0.0
    return round(typical * rng.uniform(0.4, 1.6), 1)
