from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from kodaira_app.billing.direct_debit import pending_for
from kodaira_app.validators import PlainName

_KATAKANA = re.compile(r"^[\u30a1-\u30fa\u30fc]+( [\u30a1-\u30fa\u30fc]+)*$")


def normalize_kana(value: str) -> str:
    """Full-width katakana with single spaces: half-width kana and hiragana are converted."""
    value = unicodedata.normalize("NFKC", value or "")
    value = "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in value)
    return " ".join(value.split())


def normalize_digits(value: str) -> str:
    """Digits typed full-width, with spaces or hyphens, as plain ASCII digits."""
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", value or ""))


def _contract_id(value) -> int | None:
    return int(value) if str(value).isdigit() else None


class DirectDebitForm(FlaskForm):
    """口座振替のお申し込み. The contract choices are the account's own contracts."""

    contract = SelectField(
        _l("お客様番号"),
        coerce=_contract_id,
        validate_choice=False,  # checked against the account's contracts below
        validators=[InputRequired(message=_l("お客様番号を選択してください。"))],
    )
    bank_name = StringField(
        _l("金融機関名"),
        filters=[lambda v: (v or "").strip()],
        validators=[
            DataRequired(message=_l("金融機関名を入力してください。")),
            Length(max=50, message=_l("50文字以内で入力してください。")),
            PlainName(),
        ],
    )
    branch_name = StringField(
        _l("支店名"),
        filters=[lambda v: (v or "").strip()],
        validators=[
            DataRequired(message=_l("支店名を入力してください。")),
            Length(max=50, message=_l("50文字以内で入力してください。")),
            PlainName(),
        ],
    )
    account_type = RadioField(
        _l("預金種目"),
        choices=[SelectChoice("ordinary", _l("普通")), SelectChoice("current", _l("当座"))],
        validators=[InputRequired(message=_l("預金種目を選択してください。"))],
    )
    account_number = StringField(
        _l("口座番号"),
        filters=[normalize_digits],
        validators=[DataRequired(message=_l("口座番号を入力してください。"))],
    )
    account_holder_kana = StringField(
        _l("口座名義（カナ）"),
        filters=[normalize_kana],
        validators=[
            DataRequired(message=_l("口座名義（カナ）を入力してください。")),
            Length(max=100, message=_l("100文字以内で入力してください。")),
            PlainName(),
        ],
    )
    request_key = HiddenField()

    allowed_ids: set[int] = set()

    def validate_contract(self, field):
        if field.data not in self.allowed_ids:
            raise ValidationError(_l("お客様番号を選択してください。"))
        if pending_for(field.data) is not None:
            raise ValidationError(_l("この契約の口座振替は、お申し込みを受け付けて手続き中です。"))

    def validate_account_number(self, field):
        if not re.fullmatch(r"[0-9]{7}", field.data or ""):
            raise ValidationError(_l("口座番号は7桁の数字で入力してください。"))

    def validate_account_holder_kana(self, field):
        if field.errors:  # PlainName said what is wrong
            return
        if not _KATAKANA.match(field.data or ""):
            raise ValidationError(_l("口座名義はカタカナで入力してください。"))
