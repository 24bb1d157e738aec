"""The three rules a watcher chooses on the input screen, and what each may be set to."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from kodaira_app.models.alerts import AlertRule

FLOW_CHOICES = (2, 3, 4)  # 水が出続けています: N hours at or above ALERT_FLOW_LITERS
IDLE_CHOICES = (8, 12, 16, 24)  # 長い時間、水が使われていません
NODATA_CHOICES = (6,)  # メーターのデータが届いていません: ALERT_NODATA_HOURS

# The rules the family chooses and is mailed about (the leak notice goes to the holder).
FAMILY_RULES = (AlertRule.FLOW, AlertRule.IDLE, AlertRule.NODATA)
# The registration's column of each rule's N hours (NULL: off).
COLUMNS = {
    AlertRule.FLOW: "alert_flow_hours",
    AlertRule.IDLE: "alert_idle_hours",
    AlertRule.NODATA: "alert_nodata_hours",
}


@dataclass(frozen=True)
class AlertSettings:
    """What a registration asks for: each rule's hours, None for off."""

    flow_hours: int | None = None
    idle_hours: int | None = None
    nodata_hours: int | None = None

    @classmethod
    def defaults(cls) -> AlertSettings:
        """A new registration: 水が出続けて 3 h, 長い時間 12 h, データ 6 h (the settings)."""
        config = current_app.config
        return cls(
            config["ALERT_FLOW_HOURS"], config["ALERT_IDLE_HOURS"], config["ALERT_NODATA_HOURS"]
        )

    @classmethod
    def of(cls, registration) -> AlertSettings:
        return cls(
            registration.alert_flow_hours,
            registration.alert_idle_hours,
            registration.alert_nodata_hours,
        )

    def as_list(self) -> list[int | None]:
        return [self.flow_hours, self.idle_hours, self.nodata_hours]

    def apply(self, registration) -> bool:
        """Write onto the registration; whether anything changed."""
        changed = AlertSettings.of(registration) != self
        registration.alert_flow_hours = self.flow_hours
        registration.alert_idle_hours = self.idle_hours
        registration.alert_nodata_hours = self.nodata_hours
        return changed


def flow_choices() -> tuple[int, ...]:
    default = current_app.config["ALERT_FLOW_HOURS"]
    return tuple(sorted({*FLOW_CHOICES, default}))


def idle_choices() -> tuple[int, ...]:
    default = current_app.config["ALERT_IDLE_HOURS"]
    return tuple(sorted({*IDLE_CHOICES, default}))


def nodata_choices() -> tuple[int, ...]:
    return (current_app.config["ALERT_NODATA_HOURS"],)


def flow_deciliters() -> int:
    return current_app.config["ALERT_FLOW_LITERS"] * 10
