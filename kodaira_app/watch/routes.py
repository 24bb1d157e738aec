"""見守り会員情報変更: select → input → 確認 → 登録 → done; 解除; 一時停止; the stop link."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from kodaira_app.alerts import forms as alert_forms
from kodaira_app.contracts.queries import (
    account_contracts,
    active_registration,
    get_contract,
    registrations_by_customer,
)
from kodaira_app.extensions import csrf, db
from kodaira_app.i18n import reader_locale
from kodaira_app.models import Customer, WatchPause, WatchRecipient, WatchRegistration
from kodaira_app.timeutil import utcnow
from kodaira_app.watch import history_views, notices, pauses
from kodaira_app.watch.forms import (
    MESSAGES,
    CancelPauseForm,
    ConfirmForm,
    ContractSelectForm,
    EndForm,
    PauseForm,
    WatchInputForm,
    live_addresses,
)
from kodaira_app.watch.glance import Glance
from kodaira_app.watch.home_name import initial_home_name
from kodaira_app.watch.registrations import (
    Draft,
    end_registration,
    find_recipient,
    save_registration,
    stop_recipient,
    stopped_addresses,
)
from kodaira_app.watch.windows import (
    RuleError,
    check_recipients,
    check_windows,
    display_hour,
    start_hour,
    window_summary,
)

bp = Blueprint("watch", __name__)

DRAFT_KEY = "watch_draft"


def window_width() -> int:
    return current_app.config["WATCH_WINDOW_HOURS"]


def watchable_contract(customer_id: int) -> Customer:
    """The account's contract (404 for another's), refused without a smart meter."""
    customer = get_contract(current_user, customer_id)
    if not customer.smart_meter:
        flash(MESSAGES["no_smart_meter"], "error")
        abort(redirect(url_for(".index")))
    return customer


def saved_draft(customer_id: int) -> Draft | None:
    draft = Draft.from_session(session.get(DRAFT_KEY))
    return draft if draft and draft.customer_id == customer_id else None


@bp.route("/watch", methods=["GET", "POST"])
@login_required
def index():
    contracts = account_contracts(current_user)
    form = ContractSelectForm(contracts)
    if form.validate_on_submit():
        session.pop(DRAFT_KEY, None)
        return redirect(url_for(".edit", customer_id=form.customer.id))
    registrations = registrations_by_customer([c.id for c in contracts])
    return render_template(
        "watch/select.html", form=form, contracts=contracts, registrations=registrations
    )


def initial_data(customer: Customer, registration) -> dict:
    """What the input screen starts with: the draft after 戻る, else the registration."""
    default_locale = str(get_locale())  # the language of the person adding them
    draft = saved_draft(customer.id)
    if draft is not None:
        hours, rows = draft.hours, [(r.name, r.email, r.locale) for r in draft.recipients]
    elif registration is not None:
        hours = [w.entered_hour for w in registration.windows if w.removed_at is None]
        rows = [(r.name, r.email, r.locale) for r in registration.recipients if not r.removed_at]
    else:
        hours, rows = [], []
    hours = [str(start_hour(h)) for h in hours] + ["", ""]  # 24 is the list's 00:00
    recipients = [{"name": n, "email": e, "locale": loc} for n, e, loc in rows]
    recipients = recipients or [{"locale": default_locale}]  # one empty card to begin with
    home = draft.home_name if draft is not None else initial_home_name(customer, registration)
    kept = draft is not None and draft.alerts
    alerts = alert_forms.draft_alerts(draft) if kept else alert_forms.initial(registration)
    return {
        "hour_1": hours[0],
        "hour_2": hours[1],
        "recipients": recipients,
        "home_name": home,
        "alerts": alerts,
    }


def registration_with_rows(customer_id: int) -> WatchRegistration | None:
    """The active registration with its windows and recipients, in one statement."""
    return (
        db.session.scalars(
            select(WatchRegistration)
            .where(
                WatchRegistration.customer_id == customer_id, WatchRegistration.ended_at.is_(None)
            )
            .options(
                joinedload(WatchRegistration.windows), joinedload(WatchRegistration.recipients)
            )
        )
        .unique()
        .one_or_none()
    )


@bp.route("/watch/<int:customer_id>/edit", methods=["GET", "POST"])
@login_required
def edit(customer_id: int):
    customer = watchable_contract(customer_id)
    registration = registration_with_rows(customer.id)
    limits = {
        "registration": registration,
        "stopped": stopped_addresses(customer.id),
        "width": window_width(),
        "default_locale": str(get_locale()),  # new cards: the language of the person adding
    }
    # One form per request: built from what was sent, or from the saved settings.
    invalid = False
    if request.method == "POST":
        form = WatchInputForm.posted(**limits)
        if form.add_recipient.data:
            form.add_card()  # 通知先を追加: the same screen again, nothing checked yet
        elif form.validate():
            draft = Draft(
                customer.id,
                form.hours,
                form.recipient_rows,
                home_name=form.home_name_value,
                alerts=form.alert_settings,
            )
            session[DRAFT_KEY] = draft.to_session()
            return redirect(url_for(".confirm", customer_id=customer.id))
        else:
            invalid = True
    else:
        form = WatchInputForm(data=initial_data(customer, registration), **limits)
    return render_template(
        "watch/input.html",
        form=form,
        customer=customer,
        registration=registration,
        width=window_width(),
        stopped=limits["stopped"],
        invalid=invalid,
        error_summary=form.error_summary() if invalid else [],
    )


def recheck(draft: Draft, customer: Customer) -> None:
    """登録 checks the draft again: the session is the browser's to keep, not to trust.

    The notice limits too: another account may have used an address's notices meanwhile.
    """
    check_windows(list(draft.hours), window_width())
    check_recipients(draft.recipients)
    registration = active_registration(customer.id)
    exempt = live_addresses(registration) | stopped_addresses(customer.id)
    if notices.refused_addresses(registration, [r.email for r in draft.recipients], exempt):
        raise RuleError("notice_daily_limit")


def notice_held(recipient: WatchRecipient, reason: str) -> None:
    """Say on the done page why an added recipient gets no notice this time."""
    if reason == notices.SENT_RECENTLY:
        message = _(
            "%(name)sさんには24時間以内に登録のお知らせをお送りしているため、"
            "今回はお送りしません。",
            name=recipient.name,
        )
    else:
        message = MESSAGES["notice_daily_limit"]
    flash(str(message), "info")


@bp.route("/watch/<int:customer_id>/confirm", methods=["GET", "POST"])
@login_required
def confirm(customer_id: int):
    customer = watchable_contract(customer_id)
    draft = saved_draft(customer.id)
    form = ConfirmForm()
    if draft is None:
        # 登録 pressed again after it succeeded: the registration exists once.
        if form.is_submitted() and active_registration(customer.id) is not None:
            return redirect(url_for(".done", customer_id=customer.id))
        return redirect(url_for(".edit", customer_id=customer.id))
    if form.validate_on_submit():
        try:
            recheck(draft, customer)
        except RuleError as exc:
            flash(MESSAGES[exc.code], "error")
            return redirect(url_for(".edit", customer_id=customer.id))
        save_registration(current_user, customer, draft, window_width(), on_held=notice_held)
        session.pop(DRAFT_KEY, None)
        return redirect(url_for(".done", customer_id=customer.id))
    return render_template(
        "watch/confirm.html",
        form=form,
        customer=customer,
        draft=draft,
        stopped=stopped_addresses(customer.id),
    )


@bp.get("/watch/<int:customer_id>/done")
@login_required
def done(customer_id: int):
    customer = watchable_contract(customer_id)
    registration = active_registration(customer.id)
    windows = [w for w in registration.windows if w.removed_at is None] if registration else []
    return render_template("watch/done.html", customer=customer, windows=windows)


def registration_or_redirect(customer: Customer):
    registration = active_registration(customer.id)
    if registration is None:
        flash(_("見守りの登録はありません。"), "info")
    return registration


@bp.route("/watch/<int:customer_id>/end", methods=["GET", "POST"])
@login_required
def end(customer_id: int):
    customer = get_contract(current_user, customer_id)
    registration = registration_or_redirect(customer)
    if registration is None:
        return redirect(url_for(".index"))
    form = EndForm()
    if form.validate_on_submit():
        end_registration(registration, customer)
        db.session.commit()
        session.pop(DRAFT_KEY, None)
        flash(_("登録された見守り会員情報を解除しました。"), "success")
        return redirect(url_for(".index"))
    return render_template("watch/end.html", form=form, customer=customer)


@bp.route("/watch/<int:customer_id>/pause", methods=["GET", "POST"])
@login_required
def pause(customer_id: int):
    customer = watchable_contract(customer_id)
    registration = registration_or_redirect(customer)
    if registration is None:
        return redirect(url_for(".index"))
    today = pauses.town_date(utcnow())
    form = PauseForm(today=today)
    if form.validate_on_submit():
        try:
            pauses.add_pause(registration, form.start_date.data, form.end_date.data)
        except pauses.PauseError as exc:
            form.start_date.errors.append(MESSAGES[exc.code])
        else:
            flash(_("一時停止を登録しました。"), "success")
            return redirect(url_for(".pause", customer_id=customer.id))
    return render_template(
        "watch/pause.html",
        form=form,
        cancel_form=CancelPauseForm(),
        customer=customer,
        pauses=pauses.open_pauses(registration, today),
        max_days=pauses.MAX_PAUSE_DAYS,
    )


@bp.post("/watch/<int:customer_id>/pause/<int:pause_id>/cancel")
@login_required
def cancel_pause(customer_id: int, pause_id: int):
    customer = watchable_contract(customer_id)
    row = db.session.get(WatchPause, pause_id)
    if row is None or row.registration.customer_id != customer.id:
        abort(404)
    if CancelPauseForm().validate_on_submit():
        pauses.cancel_pause(row)
        flash(_("一時停止を取り消しました。"), "success")
    return redirect(url_for(".pause", customer_id=customer.id))


@bp.route("/stop/<token>", methods=["GET", "POST"])
@csrf.exempt
def stop(token: str):
    """The recipient's own stop link: no login; POST also serves RFC 8058 one-click."""
    recipient = find_recipient(token)
    if recipient is None:
        return render_template("watch/stop_unknown.html"), 404
    if request.method == "POST":
        recipient = stop_recipient(token)
    customer = db.session.get(Customer, recipient.registration.customer_id)
    with reader_locale(recipient.locale):  # the language their mails are in
        return render_template("watch/stop.html", recipient=recipient, customer=customer)


# --- 見守り履歴: what the service reported, window by window ------------------------------


@bp.get("/watch/<int:customer_id>/history")
@login_required
def history(customer_id: int):
    customer = get_contract(current_user, customer_id)
    return render_template(
        "watch/history.html",
        customer=customer,
        registration=active_registration(customer.id),
        **history_views.page_context(customer, utcnow()),
    )


@bp.get("/watch/<int:customer_id>/history.csv")
@login_required
def history_csv(customer_id: int):
    customer = get_contract(current_user, customer_id)
    return history_views.csv_response(customer, utcnow())


@bp.app_template_global("watch_home_name")
def watch_home_name(customer: Customer) -> str:
    """The name the report mails give this contract's home (done page)."""
    return initial_home_name(customer, active_registration(customer.id))


@bp.app_template_global("watch_glance")
def watch_glance(customer_id: int, registration: WatchRegistration | None = None) -> Glance:
    """The last report in one line and when the next comes (the registration screen)."""
    return history_views.glance(customer_id, registration)


@bp.app_template_global("watch_hour")
def watch_hour(entered: int) -> str:
    """A start hour as every screen writes it: 「08:00」; midnight 「00:00」."""
    return display_hour(entered)


@bp.app_template_global("watch_window_line")
def watch_window_line(entered: int, width: int | None = None) -> str:
    """「06:00〜12:00 を見守り、12:30 ごろメール」, with the app's window and delay settings."""
    config = current_app.config
    return window_summary(
        entered, width or config["WATCH_WINDOW_HOURS"], config["REPORT_DELAY_MINUTES"]
    )
