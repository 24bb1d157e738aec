"""Flask-Babel's lookups, done once per locale instead of once per string or figure.

Every `_()` in a template asks Flask-Babel for the request's translations, which walks the
request globals, the domain and the locale each time: a page of 60 strings paid for that
60 times. Here the translations are looked up through Flask-Babel once per locale and
kept per app (`install`, and `gettext` for Python code); `force_locale` looks them up once
for a whole block, such as a batch of mails. The locale itself still comes from
Flask-Babel (the request's choice, or `force_locale`'s), so nothing about which language is
used changes. The figures, amounts and days a page writes are kept by value and locale
(`format_decimal`, `format_currency`, `format_date`, `format_skeleton`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import lru_cache

import flask_babel
from babel import dates, numbers
from babel.core import Locale
from babel.numbers import parse_pattern
from flask import Flask, current_app, g, has_app_context
from flask_babel import get_locale, get_translations

# The translations of the innermost `force_locale` below: a batch of mails renders a few
# thousand strings in one language, each of which would otherwise look the language up.
_FORCED: ContextVar = ContextVar("kodaira_forced_translations", default=None)


@contextmanager
def force_locale(locale: str) -> Iterator[None]:
    """flask_babel.force_locale, its translations looked up once for every string inside
    (nested ones included: the innermost wins, as with Flask-Babel's)."""
    with flask_babel.force_locale(locale):
        token = _FORCED.set(get_translations())
        try:
            yield
        finally:
            _FORCED.reset(token)


def _chosen_locale() -> Locale | None:
    """The locale Flask-Babel has chosen for this request or block, None before it chose."""
    return getattr(g.get("_flask_babel"), "babel_locale", None)


def translations_lookup() -> Callable:
    by_locale: dict[Locale, object] = {}

    def translations():
        forced = _FORCED.get()
        if forced is not None:
            return forced
        locale = _chosen_locale()
        if locale is None:  # the first string of a request: Flask-Babel chooses
            return get_translations()
        found = by_locale.get(locale)
        if found is None:
            found = by_locale[locale] = get_translations()
        return found

    return translations


def install(app: Flask) -> None:
    """The templates' gettext callables, on the cached translations (kept on the app for
    `gettext` below too)."""
    translations = app.extensions["kodaira_translations"] = translations_lookup()
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )


def gettext(string: str, **variables) -> str:
    """flask_babel.gettext on the app's cached translations: for the strings Python writes
    once per figure or line of a page (「%(value)s L」)."""
    if not has_app_context():
        return flask_babel.gettext(string, **variables)
    translations = current_app.extensions.get("kodaira_translations", get_translations)
    text = translations().ugettext(string)
    return text % variables if variables else text


_JAPANESE = Locale.parse("ja")


def current_locale() -> Locale:
    """The locale Flask-Babel chose for this request (or `force_locale`'s), in one lookup once
    it has been chosen; the formatting below asks for it for every figure of a page."""
    return _chosen_locale() or get_locale() or _JAPANESE


# The figures and days of a page written in the reader's language, kept by value: a page
# writes dozens (hourly litres, days, yen), mostly the same few hundred values over and
# over, and Babel's formatting is the slowest part of rendering them. Equal values give
# equal text for one pattern and locale, so what is kept is what Babel would write.
_KEPT = 16384


@lru_cache(maxsize=256)
def _pattern(format: str):
    return parse_pattern(format)


@lru_cache(maxsize=_KEPT)
def _decimal(number, format: str, locale: Locale) -> str:
    return _pattern(format).apply(number, locale)


def format_decimal(number, format: str, locale: Locale | None = None) -> str:
    """babel.numbers.format_decimal in the current locale (or `locale`), the pattern parsed
    once and each value's text kept."""
    return _decimal(number, format, locale or current_locale())


@lru_cache(maxsize=_KEPT)
def _currency(amount, currency: str, locale: Locale) -> str:
    return numbers.format_currency(amount, currency, locale=locale)


def format_currency(amount, currency: str) -> str:
    """flask_babel.format_currency: the locale's standard pattern and the currency's digits."""
    return _currency(amount, currency, current_locale())


@lru_cache(maxsize=_KEPT)
def _day(value: date, format: str, locale: Locale) -> str:
    return dates.format_date(value, format, locale=locale)


@lru_cache(maxsize=_KEPT)
def _skeleton(skeleton: str, value: date, locale: Locale) -> str:
    return dates.format_skeleton(skeleton, value, locale=locale)


def format_date(value: date, format: str = "medium") -> str:
    """flask_babel.format_date of a calendar day (no time zone to apply to it)."""
    return _day(value, format, current_locale())


def format_skeleton(skeleton: str, value: date) -> str:
    """babel.dates.format_skeleton of a calendar day in the current locale."""
    if isinstance(value, datetime):  # an instant: its text depends on its zone, not kept
        return dates.format_skeleton(skeleton, value, locale=current_locale())
    return _skeleton(skeleton, value, current_locale())
