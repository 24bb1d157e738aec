"""各種お手続き: the menu, and the account procedures (e-mail, password, leaving)."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_login.config import COOKIE_NAME

from kodaira_app.procedures import accounts
from kodaira_app.procedures.forms import ButtonForm, EmailChangeForm, LeaveForm, PasswordChangeForm

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
    return render_template(
        "procedures/email_sent.html", hours=accounts.EMAIL_CHANGE_MAX_AGE // 3600
    )


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
        accounts.change_password(current_user, form.password.data)
        # This session (and its "remember me" cookie) carries the new version; every other
        # one is logged out.
        remembered = request.cookies.get(
            current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
        )
        login_user(current_user._get_current_object(), remember=bool(remembered))
        flash(_("パスワードを変更しました。ほかの端末ではログアウトされました。"), "success")
        return redirect(url_for(".index"))
    return render_template("procedures/password.html", form=form)


@bp.route("/procedures/leave", methods=["GET", "POST"])
@login_required
def leave():
    form = LeaveForm()
    if form.validate_on_submit():
        accounts.close_account(current_user._get_current_object())
        logout_user()
        flash(_("退会の手続きが完了しました。ご利用ありがとうございました。"), "success")
        return redirect(url_for("main.index"))
    contracts, registrations = accounts.leaving_summary(current_user)
    return render_template(
        "procedures/leave.html", form=form, contracts=contracts, registrations=registrations
    )
