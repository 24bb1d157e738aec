"""What can be wrong with a readings row: a stable code, and words for people.

The code is for programs (the API gives it with each refused row). The words are a
Japanese msgid translated like every other string, so the staff console speaks the
clerk's language and the CLI the operator's; the API adds the English words (its
messages are English, see kodaira_app/api/errors.py).
"""

from __future__ import annotations

from typing import Any

from flask import has_app_context
from flask_babel import lazy_gettext as _l

from kodaira_app.babel_cache import force_locale
from kodaira_app.csvimport import RowError

MESSAGES = {
    "meter_missing": _l("meter_id がありません"),
    "meter_unknown": _l("meter_id %(value)s は登録されていません"),
    "meter_not_smart": _l("meter_id %(value)s はスマートメーターではありません"),
    "hour_missing": _l("hour_start がありません"),
    "hour_invalid": _l("hour_start が ISO 8601 形式の日時ではありません：%(value)s"),
    "hour_no_offset": _l(
        "hour_start にUTCからの時差がありません（例：2026-11-25T06:00:00+09:00）：%(value)s"
    ),
    "hour_not_on_the_hour": _l("hour_start が正時（00分00秒）ではありません：%(value)s"),
    "hour_in_future": _l("hour_start が1時間以上先の日時です：%(value)s"),
    "liters_missing": _l("liters がありません"),
    "liters_invalid": _l("liters が数値ではありません：%(value)s"),
    "liters_too_precise": _l("liters の小数は1桁までです（0.1 L単位）：%(value)s"),
    "liters_negative": _l("liters にマイナスの値は使えません：%(value)s"),
    "liters_too_large": _l("liters が1時間あたりの上限 %(max)s L を超えています：%(value)s"),
    "row_not_object": _l("各行は meter_id、hour_start、liters を持つオブジェクトにしてください"),
    "field_not_string": _l("%(field)s は文字列にしてください"),
    "liters_not_number": _l("liters は文字列か数値にしてください"),
    "wrong_columns": _l("列の数が%(found)sです（%(expected)s列にしてください）"),
    "unreadable": _l("ファイルのこの位置から先を読み込めません（%(detail)s）"),
}


class Problem(RowError):
    """A refused row: `code` from MESSAGES and the values its message names."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        return describe(self.code, self.params)


def describe(code: str, params: dict[str, Any], locale: str | None = None) -> str:
    """The message of `code` in `locale` (default: the current one)."""
    if locale is not None and has_app_context():
        with force_locale(locale):
            return describe(code, params)
    text = str(MESSAGES[code])
    return text % params if params else text
