"""The staff blueprint: the one gate of the console, its login (password, then TOTP) and
logout. The console's rooms are blueprints nested under this one (staff/console/), so the
gate and the roles table stand in front of every one of them.

Every URL here answers 404 to anyone who is not a signed-in staff member (residents
included), except the login page; a staff member whose role does not reach what a page needs
(access.PERMISSIONS) gets 403, with a page saying so in their language.
"""

from __future__ import annotations

import functools

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
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from kodaira_app.extensions import db
from kodaira_app.i18n import LANGUAGES
from kodaira_app.models.staff import StaffUser
from kodaira_app.staff import access, labels
from kodaira_app.staff.access import current_staff, staff_required
from kodaira_app.staff.audit import ACTIONS, audit_commit, record
from kodaira_app.staff.console import BLUEPRINTS
from kodaira_app.staff.emails import shown_email, shown_value
from kodaira_app.staff.forms import ActionForm, CodeForm, LoginForm
from kodaira_app.staff.totp import accept_code, qr_data_uri
from kodaira_app.timeutil import utcnow

bp = Blueprint("staff", __name__, url_prefix="/staff")
for child in BLUEPRINTS:
    bp.register_blueprint(child)

# The console's menu: (endpoint, label); each entry shows only to those who may use it.
MENU = [
    ("staff.search.index", _l("お客様検索")),
    ("staff.deliveries.index", _l("配信状況")),
    ("staff.tick.preview", _l("見守り実行")),
    ("staff.outbox.index", _l("送信メール")),
    ("staff.uploads.index", _l("CSV取込")),
    ("staff.tokens.index", _l("APIトークン")),
    ("staff.direct_debit.index", _l("口座振替申込")),
    ("staff.audit.index", _l("監査ログ")),
]


@bp.before_request
def gate():
    ended = access.load_staff()
    action = access.action_of(request.endpoint)
    if action in access.PUBLIC:
        return None
    if ended == "expired":
        flash(_("一定時間操作がなかったため、ログアウトしました。"), "info")
        return redirect(url_for("staff.login"))
    if ended == "ended":
        flash(_("このログインは終了しました。もう一度ログインしてください。"), "info")
        return redirect(url_for("staff.login"))
    if current_staff() is None:
        abort(404)
    if not access.can(action):
        abort(403)
    return None


@bp.errorhandler(403)
def forbidden(error):
    """Whatever refused it (the gate, or access.require in a view): recorded, and said."""
    endpoint = access.action_of(request.endpoint)
    audit_commit("forbidden", None, None, endpoint=endpoint, method=request.method)
    return render_template("staff/forbidden.html"), 403


@bp.context_processor
def console_context():
    def town_time(value, pattern="yyyy-MM-dd HH:mm"):
        return format_datetime(value, pattern) if value else ""

    return {
        "staff": current_staff(),
        "town_time": town_time,
        "action_labels": ACTIONS,
        "labels": labels,
        "languages": LANGUAGES,
        "can": access.can,
        "menu": [(e, label) for e, label in MENU if access.can(access.action_of(e))],
        "shown_email": shown_email,
        "shown_value": shown_value,
    }


# --- login ------------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_staff() is not None:
        return redirect(url_for("staff.search.index"))
    if request.method == "POST" and "restart" in request.form:
        session.pop(access.PENDING_KEY, None)
        return redirect(url_for("staff.login"))
    pending = access.pending_staff()
    if pending is not None:
        return _code_step(pending)
    form = LoginForm()
    if form.validate_on_submit():
        staff = _check_password(form)
        if staff is not None:
            access.set_pending(staff)
            return redirect(url_for("staff.login"))
    return render_template("staff/login.html", form=form)


def _check_password(form: LoginForm) -> StaffUser | None:
    email = form.email.data.strip().lower()
    if access.login_throttled(email):
        record(None, "login_failed", "staff", None, email=email, reason="throttled")
        db.session.commit()
        form.form_errors.append(throttled_message())
        return None
    staff = db.session.scalar(select(StaffUser).where(StaffUser.email == email))
    # An unknown address costs a hash check too, so the answer's timing tells nothing.
    password_hash = (
        staff.password_hash
        if staff is not None
        else _dummy_hash(current_app.config["PASSWORD_HASH_METHOD"])
    )
    password_ok = check_password_hash(password_hash, form.password.data)
    if staff is not None and staff.disabled_at is None and password_ok:
        return staff
    access.record_login_failure(email)
    reason = "unknown" if staff is None else "disabled" if staff.disabled_at else "password"
    record(None, "login_failed", "staff", None, email=email, reason=reason)
    db.session.commit()
    form.form_errors.append(_("メールアドレスまたはパスワードが正しくありません。"))
    return None


@functools.cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("not a password", method=method)


def throttled_message() -> str:
    return _("ログインの失敗が続いたため、しばらくログインできません。時間をおいてお試しください。")


def _code_step(staff: StaffUser):
    form = CodeForm()
    if form.validate_on_submit():
        if access.login_throttled(staff.email):
            record(staff, "login_failed", "staff", staff.id, reason="throttled")
            db.session.commit()
            form.form_errors.append(throttled_message())
        elif accept_code(staff, form.code.data):
            if staff.totp_confirmed_at is None:
                staff.totp_confirmed_at = utcnow()
                record(staff, "totp_enrolled", "staff", staff.id)
            access.start_staff_session(staff)
            record(staff, "login", "staff", staff.id)
            db.session.commit()
            return redirect(url_for("staff.search.index"))
        else:
            access.record_login_failure(staff.email)
            record(staff, "login_failed", "staff", staff.id, reason="code")
            db.session.commit()
            form.code.errors.append(_("確認コードが正しくありません。"))
    enrolling = staff.totp_confirmed_at is None
    return render_template(
        "staff/login_code.html",
        form=form,
        qr=qr_data_uri(staff) if enrolling else None,
        secret=staff.totp_secret if enrolling else None,
    )


@bp.post("/logout")
@staff_required
def logout():
    if ActionForm().validate_on_submit():
        audit_commit("logout", "staff", current_staff().id)
        access.end_staff_session()
        flash(_("ログアウトしました。"), "success")
    return redirect(url_for("staff.login"))
