"""The latest report at a glance, for トップ and the registration screen.

「12月2日 06:00〜12:00 水道の使用がありました 137 L — 12:30 送信」 and when the next report
comes, with any alert under way (「14:00 から水が出続けています」, who confirmed it), for any
number of contracts in a fixed number of statements: the latest window of every contract
with its first report's send time in one, the registrations' pauses in one, the open alert
episodes with their confirmations in one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select, type_coerce
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from kodaira_app.alerts.confirm import confirmed_line
from kodaira_app.alerts.rules import FAMILY_RULES  # the leak notice has its own block
from kodaira_app.babel_cache import format_decimal, gettext
from kodaira_app.extensions import db
from kodaira_app.models import (
    AlertConfirmation,
    AlertEpisode,
    Delivery,
    OutboxMail,
    WatchPause,
    WatchRegistration,
    WindowEvaluation,
)
from kodaira_app.models.alerts import AlertRule
from kodaira_app.timeutil import UTCDateTime
from kodaira_app.watch.history import _clock, day_label, next_report_line, window_label


@dataclass(frozen=True)
class LatestReport:
    window_start: datetime
    window_end: datetime
    status: str
    deciliters: int | None
    missing_hours: int
    followup_deciliters: int | None
    sent_at: datetime | None  # the first report mail sent about the window


@dataclass(frozen=True)
class AlertUnderWay:
    """An open alert episode as トップ says it."""

    line: str  # 「14:00 から水が出続けています」
    town_delay: bool  # held: the recipients were told the whole town's data is late
    confirmed: str | None  # 「息子さんが 14:25 に確認しました」


@dataclass(frozen=True)
class Glance:
    line: str | None  # None before the first report
    next_report: str | None  # None without a live window
    alerts: tuple[AlertUnderWay, ...] = ()


@cache
def _latest_reports_query():
    """Built once: the same statement for every page (the contracts are one parameter)."""
    newer = aliased(WindowEvaluation)
    newer_registration = aliased(WatchRegistration)
    latest_start = (
        select(func.max(newer.window_start))
        .join(newer_registration, newer_registration.id == newer.registration_id)
        .where(newer_registration.customer_id == WatchRegistration.customer_id)
        .correlate(WatchRegistration)
        .scalar_subquery()
    )
    first_sent = (
        # Typed as the column, so that SQLite's naive text comes back as an aware UTC time.
        select(type_coerce(func.min(OutboxMail.sent_at), UTCDateTime))
        .select_from(Delivery)
        .join(OutboxMail, OutboxMail.id == Delivery.outbox_id)
        .where(
            Delivery.evaluation_id == WindowEvaluation.id,
            Delivery.kind == "report",
            OutboxMail.sent_at.is_not(None),
        )
        .correlate(WindowEvaluation)
        .scalar_subquery()
    )
    return (
        select(WatchRegistration.customer_id, WindowEvaluation, first_sent)
        .join(WatchRegistration, WatchRegistration.id == WindowEvaluation.registration_id)
        .where(
            WatchRegistration.customer_id.in_(bindparam("customer_ids", expanding=True)),
            WindowEvaluation.window_start == latest_start,
        )
        .order_by(WindowEvaluation.id)
    )


def latest_reports(customer_ids: list[int]) -> dict[int, LatestReport]:
    """Each contract's latest evaluated window (any of its registrations), one statement."""
    if not customer_ids:
        return {}
    rows = db.session.execute(_latest_reports_query(), {"customer_ids": list(customer_ids)})
    found: dict[int, LatestReport] = {}
    for customer_id, evaluation, sent_at in rows:
        found[customer_id] = LatestReport(
            window_start=evaluation.window_start,
            window_end=evaluation.window_end,
            status=evaluation.status,
            deciliters=evaluation.deciliters,
            missing_hours=max(evaluation.hours_expected - evaluation.hours_received, 0),
            followup_deciliters=evaluation.followup_deciliters,
            sent_at=sent_at,
        )
    return found


_PAUSES = (
    select(WatchPause)
    .where(WatchPause.registration_id.in_(bindparam("ids", expanding=True)))
    .order_by(WatchPause.id)
)


def load_pauses(registrations: list[WatchRegistration]) -> None:
    """Fill every registration's pauses with one statement (the next report skips them)."""
    ids = [r.id for r in registrations if "pauses" not in r.__dict__]
    if not ids:
        return
    by_registration: dict[int, list[WatchPause]] = defaultdict(list)
    for pause in db.session.scalars(_PAUSES, {"ids": ids}):
        by_registration[pause.registration_id].append(pause)
    for registration in registrations:
        if registration.id in ids:
            set_committed_value(registration, "pauses", by_registration[registration.id])


_OPEN_ALERTS = (
    select(AlertEpisode, AlertConfirmation)
    .outerjoin(AlertConfirmation, AlertConfirmation.episode_id == AlertEpisode.id)
    .where(
        AlertEpisode.registration_id.in_(bindparam("ids", expanding=True)),
        AlertEpisode.ended_at.is_(None),
        AlertEpisode.rule.in_(FAMILY_RULES),
        AlertEpisode.start_mailed_at.is_not(None) | AlertEpisode.town_notice_at.is_not(None),
    )
    .order_by(AlertEpisode.started_at, AlertEpisode.id)
)


def open_alerts(registration_ids: list[int]) -> dict[int, list[tuple]]:
    """registration id → its open family alerts the recipients were told of, oldest first,
    each with its confirmation (or None): one statement. A pause keeps an episode untold,
    so a paused registration shows none."""
    if not registration_ids:
        return {}
    rows = db.session.execute(_OPEN_ALERTS, {"ids": list(registration_ids)})
    found: dict[int, list[tuple]] = defaultdict(list)
    for episode, confirmation in rows:
        found[episode.registration_id].append((episode, confirmation))
    return found


def _since(moment: datetime, now: datetime, tz: ZoneInfo) -> str:
    """「14:00」 today, 「12月2日 14:00」 on another day (town time)."""
    if moment.astimezone(tz).date() == now.astimezone(tz).date():
        return _clock(moment, tz)
    return f"{day_label(moment, tz)} {_clock(moment, tz)}"


def alert_under_way(
    episode: AlertEpisode, confirmation, now: datetime, tz: ZoneInfo
) -> AlertUnderWay:
    since = _since(episode.started_at, now, tz)
    town_delay = bool(episode.held) and episode.start_mailed_at is None
    if town_delay:
        line = gettext("町全体でメーターのデータが遅れています（%(time)s 以降）", time=since)
    elif episode.rule == AlertRule.FLOW:
        line = gettext("%(time)s から水が出続けています", time=since)
    elif episode.rule == AlertRule.IDLE:
        line = gettext("長い時間、水が使われていません（%(time)s 以降）", time=since)
    else:
        line = gettext("メーターのデータが届いていません（%(time)s 以降）", time=since)
    return AlertUnderWay(line=line, town_delay=town_delay, confirmed=confirmed_line(confirmation))


def _litres(deciliters: int) -> str:
    return gettext("%(value)s L", value=format_decimal(deciliters / 10, format="#,##0.#"))


def what_was_said(report: LatestReport) -> str:
    """The report's news in the words of its mail."""
    if report.status == "used":
        return gettext("水道の使用がありました %(litres)s", litres=_litres(report.deciliters or 0))
    if report.status == "none":
        return gettext("水道の使用はありませんでした")
    if report.status == "partial":
        said = gettext(
            "一部のデータを受信できませんでした（%(hours)s時間分）", hours=report.missing_hours
        )
        if report.deciliters:
            said = gettext(
                "%(said)s、受信できた時間に %(litres)s の使用",
                said=said,
                litres=_litres(report.deciliters),
            )
    elif report.status == "missing":
        said = gettext("データを受信できませんでした")
    elif report.status == "paused":
        return gettext("一時停止中のため、お知らせしていません")
    else:  # missed: evaluated too late to be worth a mail
        return gettext("遅れて集計したため、お知らせしていません")
    if report.followup_deciliters is not None:
        said = gettext(
            "%(said)s（続報: 使用水量 %(litres)s）",
            said=said,
            litres=_litres(report.followup_deciliters),
        )
    return said


def glance_text(report: LatestReport, tz: ZoneInfo) -> str:
    line = f"{window_label(report.window_start, report.window_end, tz)} {what_was_said(report)}"
    if report.sent_at is not None:
        line = gettext("%(line)s — %(time)s 送信", line=line, time=_clock(report.sent_at, tz))
    return line


def glances(
    registrations: dict[int, WatchRegistration], now: datetime, tz: ZoneInfo, delay_minutes: int
) -> dict[int, Glance]:
    """customer id → its glance, for every contract with an active registration (windows
    loaded): three statements however many contracts."""
    if not registrations:
        return {}
    reports = latest_reports(list(registrations))
    load_pauses(list(registrations.values()))
    alerts = open_alerts([r.id for r in registrations.values()])
    return {
        customer_id: Glance(
            line=glance_text(reports[customer_id], tz) if customer_id in reports else None,
            next_report=next_report_line(registration, now, tz, delay_minutes),
            alerts=tuple(
                alert_under_way(episode, confirmation, now, tz)
                for episode, confirmation in alerts.get(registration.id, ())
            ),
        )
        for customer_id, registration in registrations.items()
    }
