"""見守り履歴: what the service reported about one contract, window by window.

Read-only over the tick's rows (WindowEvaluation, Delivery). The small query functions at
the top are the only places that know those tables' columns; the rest works on what they
return.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kodaira_app.babel_cache import format_decimal, format_skeleton, gettext
from kodaira_app.extensions import db
from kodaira_app.models import Delivery, WatchRecipient, WatchRegistration, WindowEvaluation
from kodaira_app.timeutil import clock_label, minutes_since, moment_span
from kodaira_app.watch.pauses import is_paused

HISTORY_DAYS = 60

# What a resident reads for each window status (the tick's words are in models/reports.py).
STATUS = {
    "used": _l("使用あり"),
    "none": _l("使用なし"),
    "missing": _l("データ未着"),
    "partial": _l("一部未着"),
    "paused": _l("一時停止"),
    "missed": _l("遅延"),
}

# One recipient's mail about one window, as the resident reads it.
MAIL_STATE = {
    "sent": _l("送信済み"),
    "pending": _l("送信待ち"),
    "failed": _l("送信できませんでした"),
    "stopped": _l("配信停止"),
    "kept": _l("送信せず保管（メール送信の設定なし）"),
    "paused": _l("送信なし（一時停止中）"),
    "missed": _l("送信なし（遅延）"),
}
# Delivery.status → MAIL_STATE key.
_DELIVERY_STATE = {"pending": "pending", "sending": "pending"}


# --- queries (the only code that reads the tick's tables) ---------------------------------


def registration_ids(customer_id: int) -> list[int]:
    """Every registration the contract has had, ended ones included."""
    return list(
        db.session.scalars(
            select(WatchRegistration.id).where(WatchRegistration.customer_id == customer_id)
        )
    )


def evaluations_since(registrations: list[int], since: datetime) -> list[WindowEvaluation]:
    """The evaluated windows starting at or after `since`, newest first."""
    if not registrations:
        return []
    return list(
        db.session.scalars(
            select(WindowEvaluation)
            .where(
                WindowEvaluation.registration_id.in_(registrations),
                WindowEvaluation.window_start >= since,
            )
            .order_by(WindowEvaluation.window_start.desc())
        )
    )


def latest_evaluation(registrations: list[int]) -> WindowEvaluation | None:
    if not registrations:
        return None
    return db.session.scalar(
        select(WindowEvaluation)
        .where(WindowEvaluation.registration_id.in_(registrations))
        .order_by(WindowEvaluation.window_start.desc())
        .limit(1)
    )


def deliveries_of(evaluation_ids: list[int]) -> dict[int, list[Delivery]]:
    """The mails of each evaluation (reports and follow-ups)."""
    found: dict[int, list[Delivery]] = defaultdict(list)
    for start in range(0, len(evaluation_ids), 500):  # bound the IN list
        chunk = evaluation_ids[start : start + 500]
        rows = db.session.scalars(
            select(Delivery).where(Delivery.evaluation_id.in_(chunk)).order_by(Delivery.id)
        )
        for row in rows:
            found[row.evaluation_id].append(row)
    return found


def recipients_of(registrations: list[int]) -> list[WatchRecipient]:
    if not registrations:
        return []
    return list(
        db.session.scalars(
            select(WatchRecipient)
            .where(WatchRecipient.registration_id.in_(registrations))
            .order_by(WatchRecipient.position, WatchRecipient.id)
        )
    )


# --- what the page shows ----------------------------------------------------------------


@dataclass(frozen=True)
class MailLine:
    name: str
    state: str  # a MAIL_STATE key
    kind: str  # report / followup
    sent_at: datetime | None = None


@dataclass
class HistoryRow:
    start: datetime
    end: datetime
    status: str
    deciliters: int | None  # what arrived (for 'partial' only the hours received)
    complete_deciliters: int | None  # the whole window's use, once known
    usual_deciliters: int | None
    late: bool
    missing_hours: int
    mails: list[MailLine] = field(default_factory=list)

    @property
    def followed_up(self) -> bool:
        return self.status in ("missing", "partial") and self.complete_deciliters is not None


def _complete(evaluation: WindowEvaluation) -> int | None:
    if evaluation.status in ("used", "none"):
        return evaluation.deciliters
    if evaluation.status in ("missing", "partial"):
        return evaluation.followup_deciliters
    return None


def _mail_state(delivery: Delivery) -> str:
    return _DELIVERY_STATE.get(delivery.status, delivery.status)


def _live_at(recipient: WatchRecipient, moment: datetime) -> bool:
    return recipient.created_at <= moment and (
        recipient.removed_at is None or recipient.removed_at > moment
    )


def _mails(
    evaluation: WindowEvaluation, deliveries: list[Delivery], recipients: list[WatchRecipient]
) -> list[MailLine]:
    names = {r.id: r.name for r in recipients}
    lines = [
        MailLine(names.get(d.recipient_id, ""), _mail_state(d), d.kind, d.sent_at)
        for d in deliveries
    ]
    # A recipient who had said stop gets no row from the tick: say so beside the others.
    served = {d.recipient_id for d in deliveries}
    for recipient in recipients:
        if (
            recipient.registration_id == evaluation.registration_id
            and recipient.id not in served
            and recipient.stopped_at is not None
            and recipient.stopped_at <= evaluation.evaluated_at
            and _live_at(recipient, evaluation.evaluated_at)
        ):
            lines.append(MailLine(recipient.name, "stopped", "report"))
    return lines


def history_rows(customer_id: int, now: datetime, days: int = HISTORY_DAYS) -> list[HistoryRow]:
    """The contract's windows of the last `days` days, newest first, with their mails."""
    registrations = registration_ids(customer_id)
    evaluations = evaluations_since(registrations, now - timedelta(days=days))
    deliveries = deliveries_of([e.id for e in evaluations])
    recipients = recipients_of(registrations)
    return [
        HistoryRow(
            start=e.window_start,
            end=e.window_end,
            status=e.status,
            deciliters=e.deciliters,
            complete_deciliters=_complete(e),
            usual_deciliters=e.usual_deciliters,
            late=e.late,
            missing_hours=max(e.hours_expected - e.hours_received, 0),
            mails=_mails(e, deliveries.get(e.id, []), recipients),
        )
        for e in evaluations
    ]


# --- words and numbers for the reader's language -----------------------------------------


def litres(deciliters: int | None) -> str:
    if deciliters is None:
        return "–"
    return gettext("%(value)s L", value=format_decimal(deciliters / 10, format="#,##0.0"))


def _clock(moment: datetime, tz: ZoneInfo, since: datetime | None = None) -> str:
    """The time of `moment`; after the town date of `since` (a window's start) it is 翌."""
    return clock_label(minutes_since(moment, since or moment, tz))


def day_label(moment: datetime | date, tz: ZoneInfo | None = None) -> str:
    value = moment.astimezone(tz).date() if isinstance(moment, datetime) else moment
    return format_skeleton("MMMd", value)


def window_label(start: datetime, end: datetime, tz: ZoneInfo) -> str:
    """「12月2日 06:00〜12:00」, 「12月2日 18:00〜翌0:00」 in the reader's language."""
    return f"{day_label(start, tz)} {moment_span(start, end, tz)}"


def hours_label(start: datetime, end: datetime, tz: ZoneInfo) -> str:
    """The window without its day: 「06:00〜12:00」, the name of one chart."""
    return moment_span(start, end, tz)


def status_text(row: HistoryRow) -> str:
    """The status as one phrase: 「使用あり 137.0 L」, 「一部未着（2時間）」…"""
    label = str(STATUS.get(row.status, row.status))
    if row.status == "used":
        return f"{label} {litres(row.deciliters)}"
    if row.status == "partial":
        return gettext("%(status)s（%(hours)s時間）", status=label, hours=row.missing_hours)
    return label


def mail_text(line: MailLine, tz: ZoneInfo) -> str:
    state = str(MAIL_STATE.get(line.state, line.state))
    if line.state == "sent" and line.sent_at is not None:
        state = gettext("%(state)s %(time)s", state=state, time=_clock(line.sent_at, tz))
    if line.kind == "followup":
        state = gettext("続報: %(state)s", state=state)
    return state


def next_report(
    registration: WatchRegistration, now: datetime, tz: ZoneInfo, delay_minutes: int
) -> tuple[datetime, datetime, datetime] | None:
    """(send time, window start, window end) of the next report after `now`, a paused day
    skipped; None without a live window or with every day of the next two months paused."""
    today = now.astimezone(tz).date()
    found = []
    for window in registration.windows:
        if window.removed_at is not None:
            continue
        for offset in range(-1, 62):  # a pause lasts 60 days at most
            day = today + timedelta(days=offset)
            start = datetime.combine(day, time(window.start_hour), tzinfo=tz)
            end = start + timedelta(hours=window.width_hours)
            send = end + timedelta(minutes=delay_minutes)
            if send > now and not is_paused(registration, start):
                found.append((send, start, end))
                break
    return min(found) if found else None


def next_report_line(
    registration: WatchRegistration, now: datetime, tz: ZoneInfo, delay_minutes: int
) -> str | None:
    """「12月2日 12:30（06:00〜12:00 の分）」: when the next report comes, and about what."""
    due = next_report(registration, now, tz, delay_minutes)
    if due is None:
        return None
    send, start, end = due
    return gettext(
        "%(day)s %(time)s（%(window)s の分）",
        day=day_label(send, tz),
        time=_clock(send, tz),
        window=hours_label(start, end, tz),
    )
