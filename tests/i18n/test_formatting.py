"""Figures and days on the pages are written the way Babel writes them in each language,
also when a page in one language follows a page in another (their texts are kept)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from babel import dates, numbers
from flask_babel import force_locale

from kodaira_app.billing.formatting import cubic_metres, day, litres, year_month, yen
from kodaira_app.i18n import LANGUAGES

DECILITRES = (0, 5, 10, 99, 12345, 1234567)
DAYS = (date(2026, 1, 1), date(2026, 12, 31), date(2027, 2, 28))


@pytest.mark.parametrize("locale", list(LANGUAGES))
def test_each_language_gets_babels_own_text(app, locale):
    with app.test_request_context(), force_locale(locale):
        for dl in DECILITRES:
            figure = numbers.format_decimal(Decimal(dl) / 10, "#,##0.0", locale=locale)
            assert figure in litres(dl)
        assert numbers.format_decimal(Decimal("12.5"), "#,##0.#", locale=locale) in (
            cubic_metres(Decimal("12.5"))
        )
        assert yen(12345) == numbers.format_currency(12345, "JPY", locale=locale)
        for value in DAYS:
            assert day(value) == dates.format_date(value, "medium", locale=locale)
            assert year_month(value) == dates.format_skeleton("yMM", value, locale=locale)


def test_the_same_figure_follows_the_reader_from_language_to_language(app):
    written = {}
    for locale in ("ja", "vi", "en", "vi", "ja"):
        with app.test_request_context(), force_locale(locale):
            written.setdefault(locale, set()).add((litres(12345), yen(1234567), day(DAYS[1])))
    assert written["ja"] == {("1,234.5 L", "￥1,234,567", "2026/12/31")}
    assert written["vi"] == {("1.234,5 L", "1.234.567\xa0¥", "31 thg 12, 2026")}
    assert written["en"] == {("1,234.5 L", "¥1,234,567", "Dec 31, 2026")}


def test_a_language_forced_inside_another_holds_until_it_ends(app):
    """A batch of mails looks its language's strings up once (kodaira_app.babel_cache):
    a language forced inside it still wins until its block ends."""
    from flask import render_template_string

    from kodaira_app.babel_cache import force_locale as forced
    from kodaira_app.babel_cache import gettext

    login = "{{ _('ログイン') }}"
    with app.test_request_context(), forced("en"):
        assert render_template_string(login) == "Log in"
        with forced("vi"):
            assert gettext("ログイン") == render_template_string(login) == "Đăng nhập"
            with forced("ja"):
                assert render_template_string(login) == "ログイン"
            assert render_template_string(login) == "Đăng nhập"
        assert gettext("ログイン") == "Log in"
