"""Flask-Babel's lookups, done once per locale instead of once per string.

Every `_()` in a template asks Flask-Babel for the request's translations, which walks the
request globals, the domain and the locale each time: a page of 60 strings paid for that
60 times. Here the translations are looked up through Flask-Babel once per locale and
kept per app; the locale itself still comes from Flask-Babel (the request's choice, or
`force_locale` for a mail), so nothing about which language is used changes.
"""

from __future__ import annotations

from collections.abc import Callable

from babel.core import Locale
from babel.numbers import parse_pattern
from flask import Flask, g
from flask_babel import get_locale, get_translations


def translations_lookup() -> Callable:
    by_locale: dict[Locale, object] = {}

    def translations():
        ctx = g.get("_flask_babel")
        locale = getattr(ctx, "babel_locale", None)
        if locale is None:  # the first string of a request: Flask-Babel chooses
            return get_translations()
        found = by_locale.get(locale)
        if found is None:
            found = by_locale[locale] = get_translations()
        return found

    return translations


def install(app: Flask) -> None:
    """The templates' gettext callables, on the cached translations."""
    translations = translations_lookup()
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )


_PATTERNS: dict[str, object] = {}


def format_decimal(number, format: str) -> str:
    """babel.numbers.format_decimal in the current locale, the pattern parsed once."""
    pattern = _PATTERNS.get(format)
    if pattern is None:
        pattern = _PATTERNS[format] = parse_pattern(format)
    return pattern.apply(number, get_locale() or Locale.parse("ja"))
