"""Chart labels in the reader's language (Flask-Babel), for the usage charts and the staff
console's chart of a contract's readings."""

from __future__ import annotations

from kodaira_app.babel_cache import format_decimal, gettext


def litres_axis(value: float) -> str:
    """An axis value in litres: 「250 L」."""
    return gettext("%(value)s L", value=format_decimal(value, format="#,##0.##"))


def litres(deciliters: int | None) -> float | None:
    """Decilitres (the stored unit) as litres for a chart; None stays None (no data)."""
    return None if deciliters is None else deciliters / 10
