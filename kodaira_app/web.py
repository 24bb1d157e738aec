"""Request-wide behaviour: login loading, body limits, security headers, template helpers."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from kodaira_app.extensions import login_manager
from kodaira_app.i18n import LANGUAGES, html_lang
from kodaira_app.json_errors import from_http_exception

# The only requests that may carry MAX_UPLOAD_MB: the staff CSV uploads and the head-end
# API. Every other request, /login included, may carry MAX_FORM_KB.
UPLOAD_ENDPOINTS = {"staff.uploads.customers", "staff.uploads.readings", "staff.uploads.billing"}
UPLOAD_BLUEPRINTS = {"api"}

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

# The global navigation of the guide, in its order: (endpoint, label).
NAVIGATION = [
    ("main.index", _l("トップ")),
    ("usage.index", _l("ご利用実績")),
    ("billing.payments", _l("お支払い実績")),
    ("billing.pay", _l("料金のお支払い")),
    ("contracts.index", _l("契約内容のご確認")),
    ("procedures.index", _l("各種お手続き")),
]


def takes_uploads() -> bool:
    return request.endpoint in UPLOAD_ENDPOINTS or request.blueprint in UPLOAD_BLUEPRINTS


def upload_limit_mb() -> int:
    return current_app.config["MAX_UPLOAD_MB"]


def set_body_limit() -> None:
    """The body this request may send; past it Werkzeug raises 413 when the body is read."""
    if takes_uploads():
        request.max_content_length = upload_limit_mb() * 1024 * 1024
    else:
        request.max_content_length = current_app.config["MAX_FORM_KB"] * 1024


def too_large(error: RequestEntityTooLarge):
    """413: JSON for the API, else a page in the visitor's language saying what to do."""
    if request.path.startswith("/api/"):
        return from_http_exception(error)
    if takes_uploads():
        message = _(
            "ファイルが大きすぎます。%(mb)sMB以下のファイルに分けて、もう一度お試しください。",
            mb=upload_limit_mb(),
        )
    else:
        message = _("送信された内容が大きすぎます。入力内容を短くして、もう一度お試しください。")
    heading = _("送信できる大きさを超えています")
    return render_template("errors/error.html", heading=heading, message=message), 413


def init_web(app: Flask) -> None:
    from kodaira_app.auth.sessions import load_account
    from kodaira_app.chrome import chrome

    login_manager.user_loader(load_account)
    app.add_template_global(chrome)
    # First of all before_request functions: CSRFProtect's reads the form.
    app.before_request_funcs.setdefault(None, []).insert(0, set_body_limit)
    app.register_error_handler(RequestEntityTooLarge, too_large)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("ログインしてください。")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        if current_user.is_authenticated or request.path.startswith("/staff"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.context_processor
    def layout_context():
        locale = str(get_locale() or "ja")
        return {
            "navigation": NAVIGATION,
            "languages": LANGUAGES,
            "current_locale": locale,
            "html_lang": html_lang(locale),
        }
