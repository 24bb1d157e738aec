"""Languages, and which one a request is served in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, has_request_context, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from kodaira_app import babel_cache
from kodaira_app.babel_cache import force_locale
from kodaira_app.json_errors import from_http_exception

# Each language named in itself, as the language switch shows it.
LANGUAGES: dict[str, str] = {
    "ja": "日本語",
    "en": "English",
    "zh_Hans": "简体中文",
    "ko": "한국어",
    "vi": "Tiếng Việt",
}
LANG_COOKIE = "lang"
# Accept-Language tags that stand for a locale of ours.
_ACCEPT_ALIASES = {"zh": "zh_Hans", "zh-CN": "zh_Hans", "zh-SG": "zh_Hans", "zh-Hans": "zh_Hans"}


def normalize_locale(value: str | None) -> str | None:
    if not value:
        return None
    value = _ACCEPT_ALIASES.get(value, value)
    return value if value in LANGUAGES else None


def select_locale() -> str:
    """Cookie, then the account's choice, then Accept-Language, then Japanese."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = normalize_locale(request.cookies.get(LANG_COOKIE))
    if chosen:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale:
        chosen = normalize_locale(current_user.locale)
        if chosen:
            return chosen
    offered = list(LANGUAGES) + list(_ACCEPT_ALIASES)
    best = request.accept_languages.best_match(offered, default="ja")
    return normalize_locale(best) or "ja"


def html_lang(locale: str) -> str:
    """The BCP 47 tag for <html lang>."""
    return {"zh_Hans": "zh-Hans"}.get(locale, locale)


def remember_choice(account) -> None:
    """At login, keep a language chosen on this device (the cookie) on the account too.

    The account's language is what its mails are written in, and what a new device starts
    with; the caller commits.
    """
    chosen = normalize_locale(request.cookies.get(LANG_COOKIE))
    if chosen and account.locale != chosen:
        account.locale = chosen


def format_list(items) -> str:
    """「06:00、18:00」, "06:00 and 18:00": a list joined the way the language joins one."""
    from babel.lists import format_list as babel_format_list
    from flask_babel import get_locale

    return babel_format_list([str(item) for item in items], locale=get_locale() or "ja")


ERROR_PAGES = {
    # 400 is mostly a form sent with an expired or missing CSRF token.
    400: (
        _l("もう一度お試しください"),
        _l("リクエストを処理できませんでした。ページを開き直して、もう一度お試しください。"),
    ),
    403: (_l("このページは表示できません"), _l("このページを表示する権限がありません。")),
    404: (
        _l("ページが見つかりません"),
        _l("お探しのページは見つかりませんでした。アドレスをご確認ください。"),
    ),
    405: (
        _l("このページは表示できません"),
        _l("この操作はできません。トップページからやり直してください。"),
    ),
}


def error_page(error):
    """An error page in the layout, in the visitor's language (the API answers JSON)."""
    if request.path.startswith("/api/"):
        return from_http_exception(error)
    heading, message = ERROR_PAGES[error.code]
    return render_template("errors/error.html", heading=heading, message=message), error.code


def init_i18n(app) -> None:
    """Template filters of the languages; pages say they vary by the visitor's language;
    the error pages (400, 404 …) in the visitor's language too, not Werkzeug's English ones."""
    app.add_template_filter(format_list, "format_list")
    babel_cache.install(app)
    for code in ERROR_PAGES:
        app.register_error_handler(code, error_page)

    @app.after_request
    def vary_by_language(response):
        if response.mimetype == "text/html":
            response.vary.update(("Accept-Language", "Cookie"))
        return response


@contextmanager
def reader_locale(locale: str | None) -> Iterator[None]:
    """A page for one known reader (a stop link's recipient) in their language.

    A language chosen in this browser with the switch still wins.
    """
    if normalize_locale(request.cookies.get(LANG_COOKIE)) or not normalize_locale(locale):
        yield
    else:
        with force_locale(locale):
            yield
