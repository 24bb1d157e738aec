"""Hourly meter readings written straight into the table, as the import would."""

from __future__ import annotations

from datetime import datetime, timedelta

from kodaira_app.extensions import db
from kodaira_app.models import Reading


def add_readings(meter_id: str, first_hour: datetime, liters: list[float | None]) -> None:
    """Hourly readings from `first_hour`; None leaves that hour missing."""
    for i, value in enumerate(liters):
        if value is None:
            continue
        db.session.merge(
            Reading(
                meter_id=meter_id,
                hour_start=first_hour + timedelta(hours=i),
                deciliters=round(value * 10),
            )
        )
    db.session.commit()
