"""The staff console: login, search, a contract's story, deliveries, outbox, audit.

Every URL here answers 404 to anyone who is not a signed-in staff member (residents
included), except the login page; admin pages answer 404 to staff who are not admins.
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
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from kodaira_app.api.tokens import create_token, list_tokens, revoke_token
from kodaira_app.billing.direct_debit import list_applications, mark_processed
from kodaira_app.extensions import db
from kodaira_app.i18n import LANGUAGES
from kodaira_app.models import Customer, Delivery, OutboxMail
from kodaira_app.models.staff import AuditLog, StaffUser
from kodaira_app.reports.console import preview
from kodaira_app.reports.console import resend as resend_delivery
from kodaira_app.reports.tick import run_tick
from kodaira_app.staff import access, labels
from kodaira_app.staff.access import admin_required, current_staff, staff_required
from kodaira_app.staff.audit import ACTIONS, record
from kodaira_app.staff.forms import (
    ActionForm,
    CodeForm,
    DeliveryFilterForm,
    DirectDebitForm,
    LoginForm,
    ResendForm,
    SearchForm,
    TickForm,
    TokenForm,
    UploadForm,
)
from kodaira_app.staff.queries import (
    contract_overview,
    customer_number_digits,
    delivery_context,
    like_pattern,
    list_deliveries,
    registration_customers,
    search_customers,
)
from kodaira_app.staff.ticks import default_tick_time, tick_moment, tick_summary
from kodaira_app.staff.totp import accept_code, qr_data_uri
from kodaira_app.staff.uploads import KINDS, run_import
from kodaira_app.timeutil import utcnow

bp = Blueprint("staff", __name__, url_prefix="/staff")

DIRECT_DEBIT_STATUSES = labels.DIRECT_DEBIT_STATUS
OUTBOX_LIMIT = 100
AUDIT_LIMIT = 200


def audit_commit(action: str, target_type=None, target_id=None, **detail) -> AuditLog:
    """Record what the signed-in staff member did or saw, and commit it with the change."""
    row = record(current_staff(), action, target_type, target_id, **detail)
    db.session.commit()
    return row


@bp.before_request
def gate():
    expired = access.load_staff() == "expired"
    if request.endpoint == "staff.login":
        return None
    if expired:
        flash(_("一定時間操作がなかったため、ログアウトしました。"), "info")
        return redirect(url_for("staff.login"))
    if current_staff() is None:
        abort(404)
    return None


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
    }


# --- login ------------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_staff() is not None:
        return redirect(url_for("staff.index"))
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
    record(None, "login_failed", "staff", None, email=email, reason="password")
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
            form.form_errors.append(throttled_message())
        elif accept_code(staff, form.code.data):
            if staff.totp_confirmed_at is None:
                staff.totp_confirmed_at = utcnow()
                record(staff, "totp_enrolled", "staff", staff.id)
            access.start_staff_session(staff)
            record(staff, "login", "staff", staff.id)
            db.session.commit()
            return redirect(url_for("staff.index"))
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


# --- search and a contract's page -------------------------------------------------------


@bp.get("/", strict_slashes=False)
@staff_required
def index():
    form = SearchForm(request.args)
    results = None
    if "q" in request.args and form.validate():
        results = search_customers(form.q.data)
        audit_commit("search", None, None, query=form.q.data, found=len(results))
    return render_template("staff/index.html", form=form, results=results)


@bp.get("/contracts/<int:customer_id>")
@staff_required
def contract(customer_id: int):
    customer = db.get_or_404(Customer, customer_id)
    overview = contract_overview(customer)
    audit_commit("view_customer", "customer", customer.id, customer_number=customer.customer_number)
    return render_template(
        "staff/contract.html",
        o=overview,
        delivery_info=delivery_context(overview.deliveries),
    )


# --- deliveries -------------------------------------------------------------------------


@bp.get("/deliveries")
@staff_required
def deliveries():
    form = DeliveryFilterForm(request.args)
    rows, customer_id = [], None
    if form.validate():
        number = customer_number_digits(form.contract.data or "")
        if number:
            customer = db.session.scalar(
                select(Customer).where(Customer.customer_number == number.zfill(11))
            )
            customer_id = customer.id if customer else -1
        rows = list_deliveries(form.status.data or None, form.day.data, customer_id)
        audit_commit(
            "view_deliveries",
            "customer" if customer_id else None,
            customer_id,
            status=form.status.data or "",
            day=str(form.day.data or ""),
        )
    return render_template(
        "staff/deliveries.html",
        form=form,
        deliveries=rows,
        info=delivery_context(rows),
        resend_form=ResendForm(),
    )


@bp.get("/deliveries/<int:delivery_id>")
@staff_required
def delivery(delivery_id: int):
    row = db.get_or_404(Delivery, delivery_id)
    info = delivery_context([row])
    customer = info["customers"].get(row.evaluation.registration_id)
    audit_commit("view_customer", "customer", customer.id if customer else None, delivery_id=row.id)
    outbox = db.session.get(OutboxMail, row.outbox_id) if row.outbox_id else None
    return render_template(
        "staff/delivery.html",
        d=row,
        info=info,
        customer=customer,
        outbox=outbox,
        form=ResendForm(),
    )


# --- the mail outbox --------------------------------------------------------------------


@bp.get("/outbox")
@staff_required
def outbox():
    to = (request.args.get("to") or "").strip()
    query = select(OutboxMail).order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc())
    if to:
        query = query.where(OutboxMail.to_addr.ilike(like_pattern(to), escape="\\"))
    mails = db.session.scalars(query.limit(OUTBOX_LIMIT)).all()
    audit_commit("view_outbox", None, None, to=to)
    return render_template("staff/outbox.html", mails=mails, to=to)


@bp.get("/outbox/<int:mail_id>")
@staff_required
def outbox_mail(mail_id: int):
    mail = db.get_or_404(OutboxMail, mail_id)
    audit_commit("view_mail", "outbox_mail", mail.id, to=mail.to_addr)
    return render_template("staff/outbox_mail.html", mail=mail)


# A mail's HTML is shown as the recipient's mail program would, but inside a sandbox:
# no scripts, no forms, no requests out, no access to the console's origin.
MAIL_HTML_CSP = (
    "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'; form-action 'none'; base-uri 'none'"
)


@bp.get("/outbox/<int:mail_id>/html")
@staff_required
def outbox_mail_html(mail_id: int):
    mail = db.get_or_404(OutboxMail, mail_id)
    if not mail.body_html:
        abort(404)
    response = current_app.response_class(mail.body_html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = MAIL_HTML_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


# --- audit (admins only) ----------------------------------------------------------------


@bp.get("/audit")
@admin_required
def audit():
    action = request.args.get("action") or None
    customer_id = request.args.get("customer", type=int)
    query = select(AuditLog).order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
    if action in ACTIONS:
        query = query.where(AuditLog.action == action)
    if customer_id is not None:
        query = query.where(
            AuditLog.target_type == "customer", AuditLog.target_id == str(customer_id)
        )
    rows = db.session.scalars(query.limit(AUDIT_LIMIT)).all()
    audit_commit("view_audit", None, None, filter=action or "", customer=customer_id)
    return render_template("staff/audit.html", rows=rows, action=action, customer_id=customer_id)


# --- CSV uploads ------------------------------------------------------------------------


@bp.get("/uploads")
@staff_required
def uploads():
    return _uploads_page({})


def _uploads_page(submitted: dict[str, UploadForm]):
    forms = {key: submitted.get(key) or UploadForm(prefix=key) for key in KINDS}
    return render_template("staff/uploads.html", kinds=KINDS, forms=forms)


@bp.post("/uploads/<kind>")
@staff_required
def upload(kind: str):
    upload_kind = KINDS.get(kind) or abort(404)
    form = UploadForm(prefix=kind)
    if not form.validate_on_submit():
        return _uploads_page({kind: form})
    filename = form.file.data.filename or ""
    outcome = run_import(upload_kind, form.file.data.stream)
    row = audit_commit("upload", "upload", kind, filename=filename, **outcome)
    return redirect(url_for("staff.upload_result", audit_id=row.id))


@bp.get("/uploads/results/<int:audit_id>")
@staff_required
def upload_result(audit_id: int):
    row = db.get_or_404(AuditLog, audit_id)
    if row.action != "upload" or row.target_id not in KINDS:
        abort(404)
    return render_template(
        "staff/upload_result.html", row=row, kind=KINDS[row.target_id], outcome=row.detail
    )


# --- 口座振替 applications --------------------------------------------------------------


@bp.get("/direct-debit")
@staff_required
def direct_debits():
    status = request.args.get("status", "submitted")
    if status not in DIRECT_DEBIT_STATUSES:
        status = "submitted"
    applications = list_applications(status)
    audit_commit("view_direct_debit", None, None, status=status)
    return render_template(
        "staff/direct_debits.html",
        applications=applications,
        status=status,
        statuses=DIRECT_DEBIT_STATUSES,
        forms={a.id: DirectDebitForm(prefix=f"dd{a.id}") for a in applications},
    )


@bp.post("/direct-debit/<int:app_id>")
@staff_required
def direct_debit_process(app_id: int):
    form = DirectDebitForm(prefix=f"dd{app_id}")
    if form.validate_on_submit():
        try:
            application = mark_processed(
                app_id, current_staff().id, form.status.data, form.note.data or None
            )
        except ValueError:
            db.session.rollback()
            flash(_("この申込はすでに処理済みか、存在しません。"), "error")
        else:
            audit_commit(
                "direct_debit_processed",
                "direct_debit",
                app_id,
                status=form.status.data,
                customer_id=application.customer_id,
            )
            flash(
                _(
                    "申込 #%(id)s を「%(status)s」にしました。",
                    id=app_id,
                    status=DIRECT_DEBIT_STATUSES[form.status.data],
                ),
                "success",
            )
    else:
        flash(_("処理結果を選んでください。"), "error")
    return redirect(url_for("staff.direct_debits"))


# --- re-send ----------------------------------------------------------------------------


@bp.post("/deliveries/<int:delivery_id>/resend")
@staff_required
def resend(delivery_id: int):
    db.get_or_404(Delivery, delivery_id)
    form = ResendForm()
    if form.validate_on_submit():
        deliberate = bool(form.confirm_repeat.data)
        outcome = resend_delivery(delivery_id, deliberate=deliberate)
        action = "resend_repeat" if deliberate and outcome == "queued" else "resend"
        audit_commit(action, "delivery", delivery_id, outcome=outcome, deliberate=deliberate)
        category = "success" if outcome == "queued" else "error"
        flash(RESEND_MESSAGES[outcome](), category)
    return redirect(url_for("staff.delivery", delivery_id=delivery_id))


RESEND_MESSAGES = {
    "queued": lambda: _("再送を受け付けました。まもなく送信されます。"),
    "in progress": lambda: _("この配信は送信待ちか送信中のため、再送しませんでした。"),
    "already sent": lambda: _(
        "この通知先にはこの見守り期間のメールを送信済みのため、再送しませんでした。"
        "重ねて送る場合は、確認の欄にチェックを入れてください。"
    ),
    "not sendable": lambda: _(
        "この配信は期限切れか一時停止中のため、再送しませんでした。"
        "それでも送る場合は、確認の欄にチェックを入れてください。"
    ),
}


# --- the tick for a chosen time ---------------------------------------------------------


@bp.get("/tick")
@staff_required
def tick():
    form = TickForm(request.args, meta={"csrf": False})
    if not request.args:
        form = TickForm(formdata=None, **default_tick_time())
        return render_template("staff/tick.html", form=form, mails=None)
    mails, customers = None, {}
    if form.validate():
        moment = tick_moment(form)
        mails = preview(moment)
        customers = registration_customers({m.registration_id for m in mails})
        audit_commit(
            "tick_preview", None, None, at=moment.isoformat(), mails=sum(1 for m in mails if m.to)
        )
    run_form = TickForm(formdata=None, day=form.day.data, time=form.time.data)
    return render_template(
        "staff/tick.html", form=form, mails=mails, customers=customers, run_form=run_form
    )


@bp.post("/tick/run")
@staff_required
def tick_run():
    form = TickForm()
    if not form.validate_on_submit():
        flash(_("日付と時刻を確かめてください。"), "error")
        return redirect(url_for("staff.tick"))
    moment = tick_moment(form)
    result = run_tick(moment)
    row = audit_commit("tick_run", None, None, **tick_summary(result))
    return redirect(url_for("staff.tick_result", audit_id=row.id))


@bp.get("/tick/results/<int:audit_id>")
@staff_required
def tick_result(audit_id: int):
    row = db.get_or_404(AuditLog, audit_id)
    if row.action != "tick_run":
        abort(404)
    return render_template("staff/tick_result.html", row=row, summary=row.detail)


# --- API tokens of the head-end ---------------------------------------------------------

NEW_TOKEN_KEY = "staff_new_token"  # nosec B105  # the name of a session key, not a secret


@bp.get("/tokens")
@staff_required
def tokens():
    # Shown once: taken out of the session by the page that shows it.
    new_token = session.pop(NEW_TOKEN_KEY, None)
    return render_template(
        "staff/tokens.html",
        tokens=list_tokens(),
        form=TokenForm(),
        action_form=ActionForm(),
        new_token=new_token,
    )


@bp.post("/tokens")
@staff_required
def token_create():
    form = TokenForm()
    if not form.validate_on_submit():
        return render_template(
            "staff/tokens.html",
            tokens=list_tokens(),
            form=form,
            action_form=ActionForm(),
            new_token=None,
        )
    row, token = create_token(form.name.data)
    audit_commit("token_created", "api_token", row.id, name=row.name)
    session[NEW_TOKEN_KEY] = {"id": row.id, "name": row.name, "token": token}
    return redirect(url_for("staff.tokens"))


@bp.post("/tokens/<int:token_id>/revoke")
@staff_required
def token_revoke(token_id: int):
    if ActionForm().validate_on_submit():
        row = revoke_token(token_id) or abort(404)
        audit_commit("token_revoked", "api_token", row.id, name=row.name)
        flash(_("トークン「%(name)s」を無効にしました。", name=row.name), "success")
    return redirect(url_for("staff.tokens"))
