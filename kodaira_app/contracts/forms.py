from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, ValidationError

from kodaira_app.contracts.linking import RELATIONS, LinkRefused, find_claimable
from kodaira_app.contracts.normalize import is_katakana, normalize_customer_number
from kodaira_app.validators import PlainName


class ContractAddForm(FlaskForm):
    """契約の追加, input step; validated again in full at 登録 from the session draft."""

    customer_number = StringField(
        _l("お客様番号"),
        validators=[
            DataRequired(message=_l("お客様番号を入力してください。")),
            Length(max=40, message=_l("お客様番号は11桁の数字で入力してください。")),
        ],
    )
    name_kana = StringField(
        _l("お客様氏名カナ"),
        validators=[
            DataRequired(message=_l("お客様氏名カナを入力してください。")),
            Length(max=100, message=_l("お客様氏名カナが長すぎます。")),
            PlainName(),
        ],
    )
    relation = RadioField(
        _l("申込者と契約者の関係"),
        choices=[SelectChoice(value, label) for value, label in RELATIONS.items()],
        validate_choice=False,
        validators=[AnyOf(list(RELATIONS), message=_l("申込者と契約者の関係を選択してください。"))],
    )
    consent = BooleanField(_l("確認した"))

    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        self.customer = None
        self.refusal: LinkRefused | None = None

    def validate_customer_number(self, field):
        if normalize_customer_number(field.data) is None:
            raise ValidationError(
                _l("お客様番号は11桁の数字で入力してください。（例：0-0000008002）")
            )

    def validate_name_kana(self, field):
        if field.errors:  # PlainName said what is wrong
            return
        if not is_katakana(field.data):
            raise ValidationError(_l("お客様氏名カナはカタカナで入力してください。"))

    def validate_consent(self, field):
        if self.relation.data in ("family", "other") and not field.data:
            raise ValidationError(
                _l(
                    "申込者が契約者ご本人でない場合は、契約者ご本人の同意を得たうえで"
                    "「確認した」にチェックしてください。"
                )
            )

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        try:
            self.customer = find_claimable(
                self.account,
                normalize_customer_number(self.customer_number.data),
                self.name_kana.data,
            )
        except LinkRefused as refused:
            self.refusal = refused
            self.customer_number.errors.append(str(refused))
            return False
        return True

    def draft(self) -> dict[str, str]:
        """What was typed, to keep in the session between 確認 and 登録."""
        return {
            "customer_number": self.customer_number.data,
            "name_kana": self.name_kana.data,
            "relation": self.relation.data,
            "consent": "y" if self.consent.data else "",
        }


class ContractConfirmForm(FlaskForm):
    """The 登録 button: only the CSRF token; the data is the draft in the session."""
