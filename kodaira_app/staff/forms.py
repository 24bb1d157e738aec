"""Forms of the staff console."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from kodaira_app.staff.labels import DIRECT_DEBIT_STATUS
from kodaira_app.staff.queries import customer_number_digits

REQUIRED = _l("入力してください。")


class LoginForm(FlaskForm):
    email = StringField(
        _l("メールアドレス"),
        validators=[DataRequired(REQUIRED), Email(_l("メールアドレスの形式が正しくありません。"))],
    )
    password = PasswordField(_l("パスワード"), validators=[DataRequired(REQUIRED)])


class CodeForm(FlaskForm):
    code = StringField(
        _l("確認コード（6桁）"),
        validators=[
            DataRequired(REQUIRED),
            Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message=_l("6桁の数字を入力してください。")),
        ],
    )


class ActionForm(FlaskForm):
    """A submit-only form: a button with its CSRF token."""


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search

    q = StringField(
        _l("お客様番号・カナ・氏名・住所・メーターID"),
        validators=[DataRequired(REQUIRED), Length(max=100)],
    )


def _customer_number(form, field) -> None:
    if field.data and customer_number_digits(field.data) is None:
        raise ValidationError(_l("お客様番号は数字で入力してください。"))


class DeliveryFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter

    status = SelectField(
        _l("状態"),
        choices=[
            SelectChoice("", _l("すべて")),
            SelectChoice("failed", _l("失敗")),
            SelectChoice("late", _l("遅延")),
            SelectChoice("missed", _l("期限切れ")),
            SelectChoice("pending", _l("送信待ち")),
        ],
        validators=[Optional()],
    )
    day = DateField(_l("見守り期間の日付"), validators=[Optional()])
    contract = StringField(_l("お客様番号"), validators=[Optional(), _customer_number])


class ResendForm(FlaskForm):
    confirm_repeat = BooleanField(_l("送信済みの通知先へ、意図して同じ内容を再度送信します"))


class TickForm(FlaskForm):
    """The moment (town time) to run the tick for: a report is due 30 minutes after its window."""

    day = DateField(_l("日付"), validators=[InputRequired(_l("日付を入力してください。"))])
    time = TimeField(_l("時刻"), validators=[InputRequired(_l("時刻を入力してください。"))])


class UploadForm(FlaskForm):
    file = FileField(_l("CSVファイル"), validators=[FileRequired(_l("ファイルを選んでください。"))])


class TokenForm(FlaskForm):
    name = StringField(_l("名前（用途）"), validators=[DataRequired(REQUIRED), Length(max=100)])


class DirectDebitForm(FlaskForm):
    status = SelectField(
        _l("処理結果"),
        choices=[SelectChoice(key, DIRECT_DEBIT_STATUS[key]) for key in ("processed", "rejected")],
        validators=[DataRequired(REQUIRED)],
    )
    note = TextAreaField(_l("メモ"), validators=[Optional(), Length(max=1000)])
