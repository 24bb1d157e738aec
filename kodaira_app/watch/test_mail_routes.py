"""テストメールを送信 on the 見守り screens, and each 通知先's delivery state."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, SubmitField

from kodaira_app.contracts.queries import active_registration, get_contract
from kodaira_app.extensions import db
from kodaira_app.i18n import format_list
from kodaira_app.reports.test_mails import DAILY_LIMIT, TestMailError, plan_test, send_test
from kodaira_app.watch.recipient_states import RecipientState, states_by_registration

bp = Blueprint("watch_test", __name__)

BACK = {"done": "watch.done", "edit": "watch.edit"}


class TestMailForm(FlaskForm):
    __test__ = False

    back = HiddenField()
    submit = SubmitField(_l("テストメールを送信"))
    daily_limit = DAILY_LIMIT


def _refusal(code: str) -> str:
    if code == "daily_limit":
        return _(
            "テストメールは1日に%(n)s回まで送信できます。明日またお試しください。", n=DAILY_LIMIT
        )
    if code == "no_recipient":
        return _("テストメールを送れる通知先がありません（すべて配信停止です）。")
    return _("テストメールを送れる見守り時間がありません。")


@bp.post("/watch/<int:customer_id>/test-mail")
@login_required
def send(customer_id: int):
    customer = get_contract(current_user, customer_id)  # 404 for another account's
    registration = active_registration(customer.id) or abort(404)
    form = TestMailForm()
    back = BACK.get(form.back.data, "watch.edit")
    if form.validate_on_submit():
        try:
            result = send_test(
                plan_test(registration), origin="resident", account_id=current_user.id
            )
        except TestMailError as exc:
            flash(_refusal(exc.code), "error")
        else:
            db.session.commit()
            names = format_list(m.recipient.name for m in result.plan.mails)
            flash(_("テストメールを送信しました（%(names)s）。", names=names), "success")
            if result.plan.stopped:
                stopped = format_list(r.name for r in result.plan.stopped)
                flash(_("配信停止の通知先には送っていません（%(names)s）。", names=stopped), "info")
    return redirect(url_for(back, customer_id=customer.id))


@bp.app_template_global("test_mail_form")
def test_mail_form(back: str) -> TestMailForm:
    return TestMailForm(formdata=None, back=back)


@bp.app_template_global("watch_recipient_states")
def watch_recipient_states(registrations) -> dict[int, list[RecipientState]]:
    """Each 通知先's last mail and its state, per registration (the registration screen,
    トップ): one statement for all of them."""
    return states_by_registration([r.id for r in registrations if r is not None])


@bp.app_template_global("watch_registration")
def watch_registration(customer_id: int):
    """The contract's active registration (the done screen's test mail button)."""
    return active_registration(customer_id)
