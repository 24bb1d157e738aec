"""Forms of the staff console. The GET filters are forms too (no CSRF: they change
nothing), so a bad value is refused beside its field, in the clerk's language, and the
page shows what was typed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
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

from kodaira_app.staff.audit import ACTIONS
from kodaira_app.staff.labels import DELIVERY_FILTER, DIRECT_DEBIT_STATUS
from kodaira_app.staff.queries import DELIVERY_FILTERS, customer_number_digits

REQUIRED = _l("入力してください。")
BAD_DATE = _l("日付は 2026-11-25 のように、年-月-日で入力してください。")
BAD_TIME = _l("時刻は 12:30 のように、時:分で入力してください。")
BAD_CHOICE = _l("一覧から選んでください。")
TOO_LONG = _l("100文字以内で入力してください。")
BAD_CUSTOMER = _l("お客様の指定が正しくありません。絞り込みを外してやり直してください。")


# WTForms' own messages for a value it cannot read are English whatever the page's
# language: the console's fields say it in its own words.
def town_date(label, validators) -> DateField:
    return DateField(label, validators=validators, invalid_value_message=BAD_DATE)


def town_time(label, validators) -> TimeField:
    return TimeField(label, validators=validators, invalid_value_message=BAD_TIME)


def choice(label, choices, **kwargs) -> SelectField:
    return SelectField(label, choices=choices, invalid_choice_message=BAD_CHOICE, **kwargs)


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
        validators=[DataRequired(REQUIRED), Length(max=100, message=TOO_LONG)],
    )


def _customer_number(form, field) -> None:
    if field.data and customer_number_digits(field.data) is None:
        raise ValidationError(_l("お客様番号は数字で入力してください。"))


class DeliveryFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter

    status = choice(
        _l("状態"),
        choices=[
            SelectChoice("", _l("すべて")),
            *(SelectChoice(key, DELIVERY_FILTER[key]) for key in DELIVERY_FILTERS),
        ],
        validators=[Optional()],
    )
    day = town_date(_l("見守り期間の日付"), [Optional()])
    contract = StringField(_l("お客様番号"), validators=[Optional(), _customer_number])


class OutboxFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter

    to = StringField(
        _l("宛先で絞り込む"), validators=[Optional(), Length(max=100, message=TOO_LONG)]
    )


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter

    action = choice(
        _l("操作"),
        choices=[
            SelectChoice("", _l("すべて")),
            *(SelectChoice(key, label) for key, label in ACTIONS.items()),
        ],
        validators=[Optional()],
    )
    # Set by the link on a contract's page, kept by the form as a hidden field.
    customer = HiddenField(validators=[Optional(), Regexp(r"^\d{1,18}$", message=BAD_CUSTOMER)])


class DirectDebitFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter

    status = choice(
        _l("状態"),
        choices=[SelectChoice(key, label) for key, label in DIRECT_DEBIT_STATUS.items()],
        default="submitted",
    )


class ResendForm(FlaskForm):
    confirm_repeat = BooleanField(_l("送信済みの通知先へ、意図して同じ内容を再度送信します"))


class TickForm(FlaskForm):
    """The moment (town time) to run the tick for: a report is due 30 minutes after its window."""

    day = town_date(_l("日付"), [InputRequired(_l("日付を入力してください。"))])
    time = town_time(_l("時刻"), [InputRequired(_l("時刻を入力してください。"))])


class UploadForm(FlaskForm):
    file = FileField(_l("CSVファイル"), validators=[FileRequired(_l("ファイルを選んでください。"))])


class TokenForm(FlaskForm):
    name = StringField(
        _l("名前（用途）"), validators=[DataRequired(REQUIRED), Length(max=100, message=TOO_LONG)]
    )


class DirectDebitForm(FlaskForm):
    status = choice(
        _l("処理結果"),
        choices=[SelectChoice(key, DIRECT_DEBIT_STATUS[key]) for key in ("processed", "rejected")],
        validators=[DataRequired(REQUIRED)],
    )
    note = TextAreaField(_l("メモ"), validators=[Optional(), Length(max=1000)])
