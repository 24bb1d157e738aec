"""アプリへの登録, e-mail confirmation, login, logout and password reset."""

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_time
from flask_babel import gettext as _
from flask_login import current_user, login_required

from kodaira_app.auth import accounts, sessions, tokens
from kodaira_app.auth import mail_sent as mail_sent_page
from kodaira_app.auth.accounts import LOGIN_PER_EMAIL, LOGIN_PER_IP
from kodaira_app.auth.forms import (
    PASSWORD_MIN,
    ConfirmForm,
    EmailOnlyForm,
    LoginForm,
    ResetPasswordForm,
    SignupForm,
)
from kodaira_app.auth.throttle import first_block, forget, record
from kodaira_app.form_errors import error_links
from kodaira_app.i18n import remember_choice
from kodaira_app.redirects import safe_next

bp = Blueprint("auth", __name__)


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = SignupForm()
    if form.validate_on_submit():
        accounts.sign_up(form.email.data, form.password.data)
        mail_sent_page.remember_address(form.email.data)
        return redirect(url_for("auth.mail_sent", what="signup"))
    return render_template(
        "auth/signup.html",
        form=form,
        password_min=PASSWORD_MIN,
        error_summary=error_links(form) if form.is_submitted() else [],
    )


@bp.get("/mail-sent/<any(signup, resend, reset):what>")
def mail_sent(what: str):
    return render_template(
        "auth/mail_sent.html",
        what=what,
        email=mail_sent_page.sent_to(),
        domain=mail_sent_page.sender_domain(),
    )


def _link_account(what: str, token: str):
    """The account of a mailed link, or the 'link is not valid' page (404)."""
    salt, max_age = {
        "confirm": (tokens.CONFIRM_SALT, tokens.CONFIRM_MAX_AGE),
        "reset": (tokens.RESET_SALT, tokens.RESET_MAX_AGE),
    }[what]
    account = tokens.load_token(token, salt, max_age)
    if account is None:
        abort(make_response(render_template("auth/link_invalid.html", what=what), 404))
    return account


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    account = _link_account("confirm", token)
    form = ConfirmForm()
    if form.validate_on_submit():
        accounts.confirm(account)
        flash(_("メールアドレスの確認が完了しました。ログインしてください。"), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/confirm.html", form=form, email=account.email)


@bp.route("/confirm/resend", methods=["GET", "POST"])
def resend():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        accounts.resend_confirmation(form.email.data)
        mail_sent_page.remember_address(form.email.data)
        return redirect(url_for("auth.mail_sent", what="resend"))
    return render_template("auth/email_form.html", form=form, what="resend")


def _login_checks(email: str):
    return [(LOGIN_PER_EMAIL, email), (LOGIN_PER_IP, request.remote_addr or "unknown")]


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    unconfirmed = False
    if form.validate_on_submit():
        checks = _login_checks(form.email.data)
        until = first_block(checks)
        account = None if until else accounts.check_login(form.email.data, form.password.data)
        if until:
            form.form_errors.append(
                _(
                    "ログインの失敗が続いたため、しばらくログインできません。"
                    "日本時間%(time)s以降にもう一度お試しください。",
                    time=format_time(until, "HH:mm"),
                )
            )
        elif account is None:
            record(checks)
            form.form_errors.append(_("メールアドレスまたはパスワードが正しくありません。"))
        elif account.email_confirmed_at is None:
            unconfirmed = True
        else:
            forget(LOGIN_PER_EMAIL, form.email.data)
            remember_choice(account)
            sessions.sign_in(account, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form, unconfirmed=unconfirmed)


@bp.post("/logout")
@login_required
def logout():
    sessions.sign_out()
    flash(_("ログアウトしました。"), "info")
    return redirect(url_for("main.index"))


@bp.route("/reset", methods=["GET", "POST"])
def reset_request():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        accounts.send_reset(form.email.data)
        mail_sent_page.remember_address(form.email.data)
        return redirect(url_for("auth.mail_sent", what="reset"))
    return render_template("auth/email_form.html", form=form, what="reset")


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    account = _link_account("reset", token)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        accounts.set_password(account, form.password.data)
        if current_user.is_authenticated:
            sessions.sign_out()
        flash(_("パスワードを変更しました。新しいパスワードでログインしてください。"), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form, password_min=PASSWORD_MIN)
