"""The periodic evaluation: close what ended, watch for a town-wide outage, open what
started, then write the mails the episodes are due (start, end, the town's delay notice,
the 協力者's escalation, the leak notice). One transaction; every step is idempotent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, text

from kodaira_app.alerts import evaluation
from kodaira_app.alerts.confirm import episode_confirmation
from kodaira_app.alerts.mails import (
    episode_context,
    family,
    helper_extra,
    helpers,
    link_mail,
    moment_label,
    to_recipient,
)
from kodaira_app.alerts.rules import COLUMNS, FAMILY_RULES, flow_deciliters
from kodaira_app.extensions import db
from kodaira_app.mailer.outbox import bulk, queue_mail
from kodaira_app.models import (
    Account,
    AlertEpisode,
    Customer,
    TownOutage,
    WatchPause,
    WatchRecipient,
    WatchRegistration,
)
from kodaira_app.models.alerts import AlertRule
from kodaira_app.models.staff import StaffUser
from kodaira_app.timeutil import town_tz, utcnow


def _hour(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0)


def _thresholds() -> dict[AlertRule, int]:
    flow = flow_deciliters()
    return {AlertRule.FLOW: flow, AlertRule.IDLE: 0, AlertRule.NODATA: 0, AlertRule.LEAK: 1}


def _hours_in_use(rule: AlertRule) -> list[int]:
    column = getattr(WatchRegistration, COLUMNS[rule])
    return sorted(
        db.session.scalars(
            select(column)
            .where(WatchRegistration.ended_at.is_(None), column.is_not(None))
            .distinct()
        )
    )


def evaluate(now: datetime | None = None) -> dict:
    """Run the rules for `now`; counts of what changed. Commits."""
    now = now or utcnow()
    today = now.astimezone(town_tz()).date()
    opened, closed, outage = update_episodes(now)
    mailed = write_due_mails(now, today, outage)
    db.session.commit()
    return {"opened": opened, "closed": closed, "mailed": mailed, "town_outage": bool(outage)}


def update_episodes(now: datetime) -> tuple[int, int, TownOutage | None]:
    """The set-based part: close what ended, the town's silence, open what started."""
    until = _hour(now)
    today = now.astimezone(town_tz()).date()
    thresholds = _thresholds()
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if postgres:
        # The pass over the readings hashes 100,000 meters: in memory, and not worth
        # compiling (JIT takes longer than the statement).
        db.session.execute(text("SET LOCAL work_mem = '64MB'"))
        db.session.execute(text("SET LOCAL jit = off"))
    closed = 0
    open_rules = set(
        db.session.scalars(
            select(AlertEpisode.rule).where(AlertEpisode.ended_at.is_(None)).distinct()
        )
    )
    for rule in AlertRule:
        if rule.value in open_rules:  # nothing to end, nor to drop, otherwise
            evaluation.drop_episodes(rule, now)
            closed += len(evaluation.close_episodes(rule, until, now, thresholds[rule]))
    config = current_app.config
    leak_hours, town_hours = config["ALERT_LEAK_HOURS"], config["ALERT_NODATA_HOURS"]
    span = max(leak_hours, town_hours, _longest_rule())
    if postgres and span <= evaluation.MAX_SPAN_PG:
        (meters, silent), candidates = evaluation.candidates_pg(
            until, thresholds[AlertRule.FLOW], leak_hours, span, town_hours, today
        )
        outage = town_outage(meters, silent, now)
        opened = evaluation.open_candidates_pg(candidates, until, now, outage is not None)
        db.session.flush()
        return len(opened), closed, outage
    outage = town_outage(*evaluation.town_silence(until, town_hours), now)
    opened = 0
    for rule in FAMILY_RULES:
        held = rule == AlertRule.NODATA and outage is not None
        for n in _hours_in_use(rule):
            opened += len(
                evaluation.open_episodes(rule, n, until, now, thresholds[rule], today, held)
            )
    opened += len(evaluation.open_episodes(AlertRule.LEAK, leak_hours, until, now, 1, today))
    db.session.flush()
    return opened, closed, outage


def _longest_rule() -> int:
    """The largest N any live registration has chosen, of any rule."""
    columns = [func.max(getattr(WatchRegistration, COLUMNS[rule])) for rule in FAMILY_RULES]
    row = db.session.execute(select(*columns).where(WatchRegistration.ended_at.is_(None))).one()
    return max((n for n in row if n is not None), default=0)


def town_outage(meters: int, silent: int, now: datetime) -> TownOutage | None:
    """The open town-wide outage after this run's look at the meters (staff told once):
    `silent` of the town's `meters` smart meters sent nothing in the last hours."""
    config = current_app.config
    current = db.session.scalar(select(TownOutage).where(TownOutage.ended_at.is_(None)))
    # A town of a few meters has no outage to tell from a few silent homes.
    town = meters >= max(config["ALERT_TOWN_MIN_METERS"], 1)
    if town and silent * 100 > meters * config["ALERT_TOWN_SILENT_PERCENT"]:
        if current is None:
            current = TownOutage(started_at=now, silent=silent, meters=meters)
            db.session.add(current)
            db.session.flush()
            _tell_staff(current)
        return current
    if current is not None:
        current.ended_at = now
    return None


def _tell_staff(outage: TownOutage) -> None:
    configured = current_app.config["ALERT_STAFF_EMAIL"]
    addresses = (
        [configured]
        if configured
        else list(
            db.session.scalars(select(StaffUser.email).where(StaffUser.disabled_at.is_(None)))
        )
    )
    for address in addresses:
        queue_mail(
            to=address,
            kind="alert_town_outage",
            locale="ja",
            silent=outage.silent,
            meters=outage.meters,
            since=moment_label(outage.started_at, "ja"),
            timezone=current_app.config["TIMEZONE"],
        )
    outage.staff_notified_at = outage.started_at


def _paused(registration_ids: set[int], today) -> set[int]:
    if not registration_ids:
        return set()
    return set(
        db.session.scalars(
            select(WatchPause.registration_id).where(
                WatchPause.registration_id.in_(registration_ids),
                WatchPause.cancelled_at.is_(None),
                WatchPause.start_date <= today,
                WatchPause.end_date >= today,
            )
        )
    )


def _live_recipients(registration_ids: set[int]) -> dict[int, list[WatchRecipient]]:
    out: dict[int, list[WatchRecipient]] = {}
    if not registration_ids:
        return out
    rows = db.session.scalars(
        select(WatchRecipient)
        .where(
            WatchRecipient.registration_id.in_(registration_ids),
            WatchRecipient.removed_at.is_(None),
            WatchRecipient.stopped_at.is_(None),
        )
        .order_by(WatchRecipient.position)
    )
    for recipient in rows:
        out.setdefault(recipient.registration_id, []).append(recipient)
    return out


def write_due_mails(now: datetime, today, outage: TownOutage | None) -> int:
    """Every mail the episodes are due, each marked on its episode in this transaction."""
    escalate_before = now - timedelta(hours=current_app.config["ALERT_HELPER_AFTER_HOURS"])
    due = list(
        db.session.scalars(
            select(AlertEpisode)
            .where(
                (AlertEpisode.ended_at.is_(None) & AlertEpisode.start_mailed_at.is_(None))
                | (AlertEpisode.ended_at.is_not(None) & AlertEpisode.end_mailed_at.is_(None))
                | (
                    AlertEpisode.ended_at.is_(None)
                    & AlertEpisode.escalated_at.is_(None)
                    & (AlertEpisode.start_mailed_at <= escalate_before)
                    & (AlertEpisode.rule != AlertRule.LEAK.value)
                )
            )
            # A second run at the same time (a slow minute) skips what this one mails.
            .with_for_update(skip_locked=True)
        )
    )
    if not due:
        return 0
    ids = {e.registration_id for e in due}
    registrations = {
        r.id: r
        for r in db.session.scalars(select(WatchRegistration).where(WatchRegistration.id.in_(ids)))
    }
    customers = {
        c.id: c
        for c in db.session.scalars(
            select(Customer).where(Customer.id.in_({r.customer_id for r in registrations.values()}))
        )
    }
    paused = _paused(ids, today)
    recipients = _live_recipients(ids)
    mailed = 0
    with bulk():  # thousands at once after an outage: one flush, jobs of many mails
        for episode in due:
            registration = registrations[episode.registration_id]
            customer = customers[registration.customer_id]
            people = recipients.get(episode.registration_id, [])
            quiet = episode.registration_id in paused
            if episode.ended_at is not None:
                mailed += _end(episode, customer, people, quiet, now)
            elif episode.start_mailed_at is None:
                mailed += _start(episode, registration, customer, people, quiet, outage, now)
            else:
                mailed += _escalate(episode, customer, people, quiet, now)
    return mailed


def _send(kind: str, episode, customer, people, **extra) -> int:
    confirmation = episode_confirmation(episode.id)
    for recipient in people:
        context = episode_context(episode, recipient, customer, confirmation)
        to_recipient(kind, episode, recipient, context, **extra)
    return len(people)


def _start(episode, registration, customer, people, quiet, outage, now) -> int:
    if episode.rule == AlertRule.LEAK:
        episode.start_mailed_at = now
        return _leak_notice(episode, registration, customer)
    if quiet:
        return 0  # a pause began after the episode: nothing until it ends, or never
    if episode.rule == AlertRule.NODATA and outage is not None:
        episode.held = True
        if episode.town_notice_at is None:
            episode.town_notice_at = now
            return _send("alert_town_delay", episode, customer, family(people))
        return 0
    # Released: the town's data is back but this home's is not, or an ordinary start.
    episode.held = False
    episode.start_mailed_at = now
    return _send("alert_start", episode, customer, family(people))


def _end(episode, customer, people, quiet, now) -> int:
    episode.end_mailed_at = now
    told = episode.start_mailed_at is not None or episode.town_notice_at is not None
    if quiet or not told or episode.rule == AlertRule.LEAK:
        return 0
    return _send("alert_end", episode, customer, family(people))


def _escalate(episode, customer, people, quiet, now) -> int:
    """The alert reaches the 協力者 only when no family recipient confirmed in time."""
    if quiet or episode_confirmation(episode.id) is not None:
        return 0
    contacts = helpers(people)
    if not contacts:
        return 0
    episode.escalated_at = now
    return _send("alert_helper", episode, customer, contacts, **helper_extra(customer))


def _leak_notice(episode, registration, customer) -> int:
    account = db.session.get(Account, registration.account_id)
    if account is None or account.closed_at is not None:
        return 0
    mail = queue_mail(
        to=account.email,
        kind="alert_leak",
        locale=account.locale or "ja",
        contract_number=customer.masked_number,
        hours=current_app.config["ALERT_LEAK_HOURS"],
        top_url=f"{current_app.config['APP_BASE_URL']}/",
    )
    link_mail(mail, episode, None)
    return 1
