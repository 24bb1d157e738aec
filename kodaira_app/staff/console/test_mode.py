"""見守り実行's test mode: any contract, any past window end, whenever its registration was
made. Preview exactly what each recipient would get, then send it marked 【テスト】 to the
recipients or only to the clerk's own address. The plan and the mails are those of
`flask reports test` (kodaira_app/reports/test_mails.py): the tick's evaluation and the
report's templates; the real report of that window is never touched."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from kodaira_app.contracts.normalize import normalize_customer_number
from kodaira_app.extensions import db
from kodaira_app.models import Customer, WatchRegistration
from kodaira_app.reports.test_mails import TestMailError, TestPlan, plan_test, send_test
from kodaira_app.staff.access import current_staff
from kodaira_app.staff.audit import audit_commit
from kodaira_app.staff.forms import town_date, town_time
from kodaira_app.staff.ticks import default_tick_time
from kodaira_app.timeutil import town_tz

bp = Blueprint("tick_test", __name__, url_prefix="/tick/test")

TARGETS = [
    SelectChoice("recipients", _l("通知先へ送る")),
    SelectChoice("self", _l("自分のアドレスにだけ送る")),
]


class TestModeForm(FlaskForm):
    """The contract and the end of the window (town time) to test."""

    __test__ = False

    contract = StringField(_l("お客様番号"), [InputRequired(_l("お客様番号を入力してください。"))])
    day = town_date(_l("見守り期間の終了日"), [InputRequired(_l("日付を入力してください。"))])
    time = town_time(_l("見守り期間の終了時刻"), [InputRequired(_l("時刻を入力してください。"))])


class TestSendForm(TestModeForm):
    target = RadioField(_l("送信先"), choices=TARGETS, default="recipients")


def _end(form: TestModeForm) -> datetime:
    return datetime.combine(form.day.data, form.time.data, tzinfo=town_tz())


def _registration(form: TestModeForm) -> tuple[Customer | None, WatchRegistration | None]:
    number = normalize_customer_number(form.contract.data)
    customer = number and db.session.scalar(
        select(Customer).where(Customer.customer_number == number)
    )
    if not customer:
        return None, None
    registration = db.session.scalar(
        select(WatchRegistration).where(
            WatchRegistration.customer_id == customer.id, WatchRegistration.ended_at.is_(None)
        )
    )
    return customer, registration


REFUSALS = {
    "no_contract": _l("そのお客様番号の契約はありません。"),
    "no_registration": _l("この契約には見守りの登録がありません。"),
    "no_window": _l("この時刻に終わる見守り期間はありません。"),
    "future_window": _l("まだ終わっていない見守り期間はテストできません。"),
    "no_recipient": _l("送信できる通知先がありません（すべて配信停止です）。"),
}


def _plan(form: TestModeForm) -> tuple[Customer | None, TestPlan | None, str | None]:
    customer, registration = _registration(form)
    if customer is None:
        return None, None, "no_contract"
    if registration is None:
        return customer, None, "no_registration"
    try:
        return customer, plan_test(registration, _end(form)), None
    except TestMailError as exc:
        return customer, None, exc.code


@bp.get("")
def preview():
    if not request.args:
        now = default_tick_time()
        form = TestModeForm(formdata=None, day=now["day"], time=now["time"].replace(minute=0))
        return render_template("staff/tick_test.html", form=form, plan=None, customer=None)
    form = TestModeForm(request.args, meta={"csrf": False})
    plan = customer = refusal = None
    if form.validate():
        customer, plan, refusal = _plan(form)
        audit_commit(
            "tick_test_preview",
            "customer" if customer else None,
            customer.id if customer else None,
            window_end=_end(form).isoformat(),
            mails=len(plan.mails) if plan else 0,
        )
    send_form = TestSendForm(
        formdata=None, contract=form.contract.data, day=form.day.data, time=form.time.data
    )
    return render_template(
        "staff/tick_test.html",
        form=form,
        plan=plan,
        customer=customer,
        refusal=REFUSALS.get(refusal) if refusal else None,
        send_form=send_form,
    )


@bp.post("/send")
def send():
    form = TestSendForm()
    if not form.validate_on_submit():
        flash(_("入力内容を確かめてください。"), "error")
        return redirect(url_for(".preview"))
    customer, plan, refusal = _plan(form)
    back = url_for(".preview", contract=form.contract.data, day=form.day.data, time=form.time.data)
    if plan is None:
        flash(str(REFUSALS[refusal]), "error")
        return redirect(back)
    staff = current_staff()
    to = staff.email if form.target.data == "self" else None
    try:
        result = send_test(plan, origin="staff", staff_id=staff.id, to=to)
    except TestMailError as exc:
        db.session.rollback()
        flash(str(REFUSALS.get(exc.code, exc.code)), "error")
        return redirect(back)
    audit_commit(
        "tick_test_send",
        "customer",
        customer.id,
        window_end=plan.window_end.isoformat(),
        target=form.target.data,
        mails=len(result.sent_to),
        batch=result.batch,
    )
    flash(_("テストとして%(n)s通を送信しました。", n=len(result.sent_to)), "success")
    return redirect(back)
