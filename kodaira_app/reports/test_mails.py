"""Test mails: the report of a past window, marked 【テスト】, sent whenever asked.

A resident presses テストメールを送信 (the last window of the contract that has ended, at
most DAILY_LIMIT presses a day per registration); staff choose any past window end and
send to the recipients or only to their own address (the console's test mode and
`flask reports test`). The window is evaluated by the tick's own query
(`evaluation.evaluate_window`), its facts are read by the send job's own code
(`send.facts_for`) and the mails are rendered from the report's templates: a test says
exactly what the real report says. Each mail is a TestDelivery row, never a Delivery, and
its evaluation is never stored, so a test neither blocks, replaces nor counts as the real
report of that window.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, select

from kodaira_app.extensions import db
from kodaira_app.mailer.outbox import queue_rendered
from kodaira_app.models import (
    Customer,
    TestDelivery,
    WatchRecipient,
    WatchRegistration,
    WatchWindow,
    WindowEvaluation,
)
from kodaira_app.reports.content import Renderer, ReportFacts, mail_kind
from kodaira_app.reports.evaluation import evaluate_window
from kodaira_app.reports.send import facts_for
from kodaira_app.timeutil import town_tz, utcnow

DAILY_LIMIT = 3  # presses of テストメールを送信 per registration per town day
# The clerk's copy carries no working stop link: opening it must not stop a recipient.
NO_STOP_LINK = ""


class TestMailError(Exception):
    """A test that cannot be sent; `code` says why (no_window, daily_limit, no_recipient)."""

    __test__ = False

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class TestMail:
    """One mail of a test: to whom, and what it says."""

    __test__ = False

    recipient: WatchRecipient
    facts: ReportFacts
    subject: str = ""
    body_text: str = ""


@dataclass
class TestPlan:
    """What a test would send: the window, its evaluation, a mail per active recipient."""

    __test__ = False

    registration: WatchRegistration
    customer: Customer
    evaluation: WindowEvaluation
    mails: list[TestMail] = field(default_factory=list)
    stopped: list[WatchRecipient] = field(default_factory=list)  # skipped: 配信停止

    @property
    def window_end(self) -> datetime:
        return self.evaluation.window_end


@dataclass
class TestResult:
    __test__ = False

    plan: TestPlan
    batch: str
    sent_to: list[str]  # the addresses mailed


def live_windows(registration: WatchRegistration) -> list[WatchWindow]:
    return [w for w in registration.windows if w.removed_at is None]


def report_times(registration: WatchRegistration) -> tuple[str, ...]:
    """The town times of day the real reports of the registration come: ("12:30",)."""
    delay = current_app.config["REPORT_DELAY_MINUTES"]
    times = []
    for window in live_windows(registration):
        minutes = ((window.start_hour + window.width_hours) * 60 + delay) % (24 * 60)
        times.append(f"{minutes // 60:02d}:{minutes % 60:02d}")
    return tuple(sorted(times))


def _last_end(window: WatchWindow, now: datetime) -> datetime:
    """The end of the window's most recent day that has ended by `now`."""
    tz = town_tz()
    local = now.astimezone(tz)
    start = datetime.combine(local.date(), time(window.start_hour), tzinfo=tz)
    end = start + timedelta(hours=window.width_hours)
    while end > now:
        end -= timedelta(days=1)
    return end


def last_window(registration: WatchRegistration, now: datetime) -> tuple[WatchWindow, datetime]:
    """The registration's window that ended last by `now`, and its end."""
    windows = live_windows(registration)
    if not windows:
        raise TestMailError("no_window")
    ends = [(_last_end(w, now), w) for w in windows]
    end, window = max(ends, key=lambda pair: pair[0])
    return window, end


def window_ending(registration: WatchRegistration, end: datetime) -> WatchWindow:
    """The registration's live window that ends at `end` on some day (staff's choice)."""
    tz = town_tz()
    for window in live_windows(registration):
        start = (end - timedelta(hours=window.width_hours)).astimezone(tz)
        if start.hour == window.start_hour and start.minute == 0:
            return window
    raise TestMailError("no_window")


def plan_test(
    registration: WatchRegistration, end: datetime | None = None, now: datetime | None = None
) -> TestPlan:
    """What a test of the window ending at `end` (default: the last one ended) would send,
    rendered; nothing is written."""
    now = now or utcnow()
    if end is None:
        window, end = last_window(registration, now)
    else:
        if end > now:
            raise TestMailError("future_window")
        window = window_ending(registration, end)
    evaluation = evaluate_window(window.id, end, window.width_hours)
    if evaluation is None:
        raise TestMailError("no_window")
    customer = db.session.get(Customer, registration.customer_id)
    plan = TestPlan(registration=registration, customer=customer, evaluation=evaluation)
    times = report_times(registration)
    for recipient in registration.recipients:
        if recipient.removed_at is not None:
            continue
        if recipient.stopped_at is not None:
            plan.stopped.append(recipient)
            continue
        facts = facts_for("report", evaluation, recipient, customer)
        facts.test, facts.report_times = True, times
        plan.mails.append(TestMail(recipient=recipient, facts=facts))
    rendered = Renderer().render_many([mail.facts for mail in plan.mails])
    for mail, out in zip(plan.mails, rendered, strict=True):
        mail.subject, mail.body_text = out["subject"], out["body_text"]
    return plan


def presses_today(registration_id: int, now: datetime | None = None) -> int:
    """How many times the registration's test button was pressed this town day."""
    now = now or utcnow()
    local = now.astimezone(town_tz())
    day_start = datetime.combine(local.date(), time(0), tzinfo=local.tzinfo)
    return db.session.scalar(
        select(func.count(func.distinct(TestDelivery.batch))).where(
            TestDelivery.registration_id == registration_id,
            TestDelivery.origin == "resident",
            TestDelivery.created_at >= day_start,
        )
    )


def send_test(
    plan: TestPlan,
    *,
    origin: str,
    account_id: int | None = None,
    staff_id: int | None = None,
    to: str | None = None,
) -> TestResult:
    """Queue the plan's mails, each recorded as a TestDelivery, in the caller's transaction
    (the mails go after its commit). With `to`, every recipient's mail goes only there,
    without the recipient's own stop link."""
    if origin == "resident" and presses_today(plan.registration.id) >= DAILY_LIMIT:
        raise TestMailError("daily_limit")
    if not plan.mails:
        raise TestMailError("no_recipient")
    batch = uuid.uuid4().hex
    now = utcnow()
    sent_to = []
    many = [mail.facts for mail in plan.mails]
    if to is not None:  # the clerk's copy: not the recipient's own stop link
        many = [replace(f, stop_token=NO_STOP_LINK, recipient_email=to) for f in many]
    rendered = Renderer().render_many(many)
    for mail, facts, out in zip(plan.mails, many, rendered, strict=True):
        row = queue_rendered(
            to=facts.recipient_email, kind=mail_kind(facts), locale=facts.locale, mail=out
        )
        db.session.add(
            TestDelivery(
                registration_id=plan.registration.id,
                recipient_id=None if to is not None else mail.recipient.id,
                batch=batch,
                origin=origin,
                account_id=account_id,
                staff_id=staff_id,
                window_start=plan.evaluation.window_start,
                window_end=plan.evaluation.window_end,
                status=plan.evaluation.status,
                deciliters=plan.evaluation.deciliters,
                outbox_id=row.id,
                created_at=now,
            )
        )
        sent_to.append(facts.recipient_email)
    db.session.flush()
    return TestResult(plan=plan, batch=batch, sent_to=sent_to)
