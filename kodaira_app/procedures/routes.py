"""各種お手続き: the menu, and the account procedures (e-mail, password, leaving)."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from kodaira_app.auth import sessions
from kodaira_app.auth.accounts import set_password
from kodaira_app.auth.tokens import EMAIL_CHANGE_MAX_AGE
from kodaira_app.procedures import accounts
from kodaira_app.procedures.forms import (
    ButtonForm,
    EmailChangeForm,
    EndSessionsForm,
    LeaveForm,
    PasswordChangeForm,
)

bp = Blueprint("procedures", __name__)


@bp.get("/procedures")
@login_required
def index():
    return render_template("procedures/index.html")


@bp.route("/procedures/email", methods=["GET", "POST"])
@login_required
def change_email():
    form = EmailChangeForm()
    if form.validate_on_submit():
        locale = current_user.locale or str(get_locale() or "ja")
        accounts.request_email_change(current_user, form.email.data, locale)
        return redirect(url_for(".email_sent"))
    return render_template("procedures/email.html", form=form)


@bp.get("/procedures/email/sent")
@login_required
def email_sent():
    return render_template("procedures/email_sent.html", hours=EMAIL_CHANGE_MAX_AGE // 3600)


@bp.route("/procedures/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """Opened from the mail at the new address, possibly on another device: no login."""
    found = accounts.load_email_change(token)
    if found is None:
        return render_template("procedures/email_invalid.html"), 404
    account, new_email = found
    form = ButtonForm()
    if form.validate_on_submit():
        if accounts.apply_email_change(account, new_email):
            flash(_("メールアドレスを変更しました。"), "success")
        else:
            flash(
                _("このメールアドレスはほかのアカウントで使われているため、変更できませんでした。"),
                "error",
            )
        return redirect(
            url_for("procedures.index" if current_user.is_authenticated else "main.index")
        )
    return render_template("procedures/email_confirm.html", form=form, new_email=new_email)


@bp.route("/procedures/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        # This browser's session (and its "remember me" cookie) stays; every other one ends.
        set_password(current_user, form.password.data, keep=sessions.current_token())
        flash(_("パスワードを変更しました。ほかの端末ではログアウトされました。"), "success")
        return redirect(url_for(".index"))
    return render_template("procedures/password.html", form=form)


@bp.route("/procedures/leave", methods=["GET", "POST"])
@login_required
def leave():
    form = LeaveForm()
    if form.validate_on_submit():
        accounts.close_account(current_user._get_current_object())
        sessions.sign_out()
        flash(_("退会の手続きが完了しました。ご利用ありがとうございました。"), "success")
        return redirect(url_for("main.index"))
    contracts, registrations = accounts.leaving_summary(current_user)
    return render_template(
        "procedures/leave.html", form=form, contracts=contracts, registrations=registrations
    )


@bp.get("/procedures/sessions")
@login_required
def devices():
    """ログイン中の端末: every browser signed in to this account, this one marked."""
    return render_template(
        "procedures/sessions.html",
        rows=sessions.live_sessions(current_user),
        this_token=sessions.current_token(),
        is_token_of=sessions.is_token_of,
        when=lambda moment: format_datetime(moment, "yyyy-MM-dd HH:mm"),
        form=EndSessionsForm(),
    )


@bp.post("/procedures/sessions/end-all")
@login_required
def end_all_sessions():
    if EndSessionsForm().validate_on_submit():
        sessions.sign_out(everywhere=True)
        flash(_("すべての端末でログアウトしました。"), "success")
        return redirect(url_for("auth.login"))
    return redirect(url_for(".devices"))
