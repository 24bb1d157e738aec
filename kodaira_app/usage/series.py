"""Usage figures from stored bills and hourly readings, in the town's time zone.

A reading covers [hour_start, hour_start + 1 h); it belongs to the town day in which its
hour starts, so the hour 23:00-24:00 JST (14:00 UTC) is the last hour of that day.
Hours without a reading are None, never 0: no data is not the same as no water used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, null, or_, select, union_all

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
class MeterSummary:
    since_deciliters: int | None  # read since the start day given; None without data
    continuous_use: bool


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
    """The last `count` periods, newest first, each beside the same period a year earlier."""
    by_month = {(b.period_start.year, b.period_start.month): b for b in bills}
    recent = sorted(bills, key=lambda b: b.period_start, reverse=True)[:count]
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


def meter_readings(meter_id: str, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """(hour_start, decilitres) of one meter's readings in [start, end)."""
    return list(
        db.session.execute(
            select(Reading.hour_start, Reading.deciliters).where(
                Reading.meter_id == meter_id,
                Reading.hour_start >= start,
                Reading.hour_start < end,
            )
        )
    )


def daily_range(last_day: date, tz: ZoneInfo, days: int = 30) -> tuple[datetime, datetime]:
    """[start, end) of the `days` town days ending with `last_day`."""
    first_day = last_day - timedelta(days=days - 1)
    return town_midnight(first_day, tz), town_midnight(last_day + timedelta(days=1), tz)


def daily_series(
    meter_id: str,
    last_day: date,
    tz: ZoneInfo,
    days: int = 30,
    rows: list[tuple[datetime, int]] | None = None,
) -> list[DayPoint]:
    """Use per town day for the `days` days ending with `last_day`, oldest first.

    `rows`: the meter's readings of daily_range(last_day, tz, days), when already read.
    """
    first_day = last_day - timedelta(days=days - 1)
    totals: dict[date, list[int]] = {}
    if rows is None:
        rows = meter_readings(meter_id, *daily_range(last_day, tz, days))
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


def last_complete_day(days: list[DayPoint], today: date) -> date:
    """The day the hourly chart opens on: the newest day before today whose 24 hours all
    arrived, else yesterday (today is still being read: mostly empty until evening)."""
    for point in reversed(days):
        if point.day < today and point.hours >= 24:
            return point.day
    return today - timedelta(days=1)


def hourly_series(
    meter_id: str,
    day: date,
    tz: ZoneInfo,
    windows: list[WatchWindow],
    now: datetime,
    rows: list[tuple[datetime, int]] | None = None,
) -> list[HourPoint]:
    """Use per hour of one town day, with the 見守り windows marked.

    `rows`: readings of the meter that include the whole day (others are left out).
    """
    start = town_midnight(day, tz)
    end = town_midnight(day + timedelta(days=1), tz)
    if rows is None:
        rows = meter_readings(meter_id, start, end)
    rows = [(hour_start, dl) for hour_start, dl in rows if start <= hour_start < end]
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
    return _continuous(rows, now, hours)


def _continuous(latest_first: list[tuple[datetime, int]], now: datetime, hours: int) -> bool:
    rows = latest_first[:hours]
    if len(rows) < hours or rows[0][0] < now - timedelta(hours=hours):
        return False
    first = rows[0][0] - timedelta(hours=hours - 1)
    return rows[-1][0] == first and all(dl > 0 for _, dl in rows)


def meter_summaries(
    meters: list[str], since: dict[str, date], now: datetime, tz: ZoneInfo, hours: int = 24
) -> dict[str, MeterSummary]:
    """use_since and continuous_use of several meters, in one statement.

    The readings continuous_use can look at all start within the last 2 x hours - 1
    hours (the latest at most `hours` old, then `hours` back from it): those rows come
    back as they are, and beside them one sum per meter with a start day in `since`.
    """
    if not meters:
        return {}
    # OR of equalities rather than IN: an expanding IN is compiled again on every call.
    recent = select(Reading.meter_id, Reading.hour_start, Reading.deciliters).where(
        or_(*(Reading.meter_id == meter for meter in meters)),
        Reading.hour_start >= now - timedelta(hours=2 * hours - 1),
        Reading.hour_start <= now,
    )
    parts = [recent]
    if since:
        ranges = [
            and_(Reading.meter_id == meter, Reading.hour_start >= town_midnight(day, tz))
            for meter, day in since.items()
        ]
        # The earliest start as well, so that PostgreSQL reads only the months needed.
        earliest = town_midnight(min(since.values()), tz)
        parts.append(
            select(Reading.meter_id, null(), func.sum(Reading.deciliters))
            .where(or_(*ranges), Reading.hour_start >= earliest, Reading.hour_start < now)
            .group_by(Reading.meter_id)
        )
    sums: dict[str, int] = {}
    latest: dict[str, list[tuple[datetime, int]]] = {meter: [] for meter in meters}
    for meter, hour_start, deciliters in db.session.execute(union_all(*parts)):
        if hour_start is None:
            sums[meter] = deciliters
        else:
            latest[meter].append((hour_start, deciliters))
    return {
        meter: MeterSummary(
            since_deciliters=sums.get(meter),
            continuous_use=_continuous(sorted(rows, reverse=True), now, hours),
        )
        for meter, rows in latest.items()
    }
