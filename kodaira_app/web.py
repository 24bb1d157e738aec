"""Request-wide behaviour: login loading, security headers, template helpers."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from kodaira_app.extensions import login_manager
from kodaira_app.i18n import LANGUAGES, html_lang

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


def init_web(app: Flask) -> None:
    from kodaira_app.auth.sessions import load_account

    login_manager.user_loader(load_account)
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
