"""Usage figures from stored bills and hourly readings, in the town's time zone.

A reading covers [hour_start, hour_start + 1 h); it belongs to the town day in which its
hour starts, so the hour 23:00-24:00 JST (14:00 UTC) is the last hour of that day.
Hours without a reading are None, never 0: no data is not the same as no water used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from kodaira_app.extensions import db
from kodaira_app.models import Reading, WatchWindow
from kodaira_app.models.billing import Bill


@dataclass(frozen=True)
class PeriodPoint:
    start: date
    end: date
    usage_m3: int | None
    year_before_m3: int | None  # the period that started in the same month a year earlier


@dataclass(frozen=True)
class DayPoint:
    day: date
    deciliters: int | None
    hours: int  # hours with a reading


@dataclass(frozen=True)
class HourPoint:
    hour: int  # 0..23, town time
    deciliters: int | None
    watched: bool  # inside a 見守り window
    pending: bool = False  # the hour has not ended yet and has no reading: not missing


def town_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The start of a town day, as an aware UTC datetime."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def period_series(bills: list[Bill], count: int = 24) -> list[PeriodPoint]:
    """The last `count` periods, oldest first, each beside the same period a year earlier."""
    by_month = {(b.period_start.year, b.period_start.month): b for b in bills}
    recent = sorted(bills, key=lambda b: b.period_start)[-count:]
    points = []
    for bill in recent:
        before = by_month.get((bill.period_start.year - 1, bill.period_start.month))
        points.append(
            PeriodPoint(
                bill.period_start,
                bill.period_end,
                bill.usage_m3,
                before.usage_m3 if before else None,
            )
        )
    return points


def _readings(meter_id: str, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    return list(
        db.session.execute(
            select(Reading.hour_start, Reading.deciliters).where(
                Reading.meter_id == meter_id,
                Reading.hour_start >= start,
                Reading.hour_start < end,
            )
        )
    )


def daily_series(meter_id: str, last_day: date, tz: ZoneInfo, days: int = 30) -> list[DayPoint]:
    """Use per town day for the `days` days ending with `last_day`, oldest first."""
    first_day = last_day - timedelta(days=days - 1)
    totals: dict[date, list[int]] = {}
    end = town_midnight(last_day + timedelta(days=1), tz)
    rows = _readings(meter_id, town_midnight(first_day, tz), end)
    for hour_start, deciliters in rows:
        totals.setdefault(hour_start.astimezone(tz).date(), []).append(deciliters)
    points = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        values = totals.get(day)
        points.append(DayPoint(day, sum(values) if values else None, len(values or [])))
    return points


def watched_hours(windows: list[WatchWindow]) -> set[int]:
    """Town hours covered by the active windows (a window may run past midnight)."""
    hours: set[int] = set()
    for window in windows:
        if window.removed_at is None:
            hours.update((window.start_hour + i) % 24 for i in range(window.width_hours))
    return hours


def hourly_series(
    meter_id: str, day: date, tz: ZoneInfo, windows: list[WatchWindow], now: datetime
) -> list[HourPoint]:
    """Use per hour of one town day, with the 見守り windows marked."""
    start = town_midnight(day, tz)
    rows = _readings(meter_id, start, town_midnight(day + timedelta(days=1), tz))
    by_hour = {hour_start.astimezone(tz).hour: dl for hour_start, dl in rows}
    watched = watched_hours(windows)
    return [
        HourPoint(
            h,
            by_hour.get(h),
            h in watched,
            pending=h not in by_hour and start + timedelta(hours=h + 1) > now,
        )
        for h in range(24)
    ]


def use_since(meter_id: str, start_day: date, now: datetime, tz: ZoneInfo) -> int | None:
    """Decilitres read from the start of `start_day` (town) until now; None without data."""
    return db.session.scalar(
        select(func.sum(Reading.deciliters)).where(
            Reading.meter_id == meter_id,
            Reading.hour_start >= town_midnight(start_day, tz),
            Reading.hour_start < now,
        )
    )


def continuous_use(meter_id: str, now: datetime, hours: int = 24) -> bool:
    """True when every one of the last `hours` hours up to the latest reading shows use.

    Counted back from the latest reading (data arrives with a delay), which must itself
    be recent; any hour missing or at zero means there was a pause, so no notice.
    """
    rows = list(
        db.session.execute(
            select(Reading.hour_start, Reading.deciliters)
            .where(Reading.meter_id == meter_id, Reading.hour_start <= now)
            .order_by(Reading.hour_start.desc())
            .limit(hours)
        )
    )
    if len(rows) < hours or rows[0][0] < now - timedelta(hours=hours):
        return False
    first = rows[0][0] - timedelta(hours=hours - 1)
    return rows[-1][0] == first and all(dl > 0 for _, dl in rows)
