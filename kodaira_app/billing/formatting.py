"""Amounts, volumes and periods written for the reader's language (Babel)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_DOWN, Decimal

from kodaira_app.babel_cache import (
    format_currency,
    format_date,
    format_decimal,
    format_skeleton,
    gettext,
)


def yen(amount: int) -> str:
    return format_currency(amount, "JPY")


def cubic_metres(value: int | Decimal) -> str:
    return gettext("%(value)s m³", value=format_decimal(value, format="#,##0.#"))


def litres(deciliters: int) -> str:
    """Decilitres (the stored unit) shown as litres with one decimal."""
    return gettext("%(value)s L", value=format_decimal(Decimal(deciliters) / 10, format="#,##0.0"))


def dl_to_m3(deciliters: int) -> Decimal:
    """Cubic metres to one decimal, cut down as the meter's dial reads it."""
    return (Decimal(deciliters) / 10000).quantize(Decimal("0.1"), rounding=ROUND_DOWN)


def day(value: date) -> str:
    return format_date(value, format="medium")


def period(start: date, end: date) -> str:
    return gettext("%(start)s〜%(end)s", start=day(start), end=day(end))


def year_month(value: date) -> str:
    return format_skeleton("yMM", value)


def month_day(value: date) -> str:
    return format_skeleton("Md", value)


FILTERS = {
    "yen": yen,
    "m3": cubic_metres,
    "litres": litres,
    "dl_m3": dl_to_m3,
    "day": day,
    "year_month": year_month,
}
