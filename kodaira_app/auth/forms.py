from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from kodaira_app.validators import NotCommonPassword

PASSWORD_MIN = 8
PASSWORD_MAX = 128


def _email_filter(value: str | None) -> str | None:
    return value.strip().lower() if value else value


def email_field() -> EmailField:
    return EmailField(
        _l("メールアドレス"),
        filters=[_email_filter],
        validators=[
            DataRequired(message=_l("メールアドレスを入力してください。")),
            Length(max=254, message=_l("メールアドレスが長すぎます。")),
            Email(message=_l("メールアドレスの形式が正しくありません。（例：taro@example.com）")),
        ],
    )


def new_password_fields() -> tuple[PasswordField, PasswordField]:
    password = PasswordField(
        _l("パスワード"),
        validators=[
            DataRequired(message=_l("パスワードを入力してください。")),
            Length(
                min=PASSWORD_MIN,
                message=_l("パスワードは%(n)s文字以上で入力してください。", n=PASSWORD_MIN),
            ),
            Length(
                max=PASSWORD_MAX,
                message=_l("パスワードは%(n)s文字以内で入力してください。", n=PASSWORD_MAX),
            ),
            NotCommonPassword(),
        ],
    )
    confirm = PasswordField(
        _l("パスワード（確認）"),
        validators=[
            DataRequired(message=_l("確認のため、同じパスワードをもう一度入力してください。")),
            EqualTo("password", message=_l("パスワードが一致しません。")),
        ],
    )
    return password, confirm


class SignupForm(FlaskForm):
    email = email_field()
    password, password_confirm = new_password_fields()
    agree = BooleanField(
        _l("利用規約と個人情報の取扱いに同意します"),
        validators=[
            DataRequired(
                message=_l(
                    "登録するには、利用規約と個人情報の取扱いをお読みのうえ、"
                    "「利用規約と個人情報の取扱いに同意します」にチェックしてください。"
                )
            )
        ],
    )


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField(
        _l("パスワード"), validators=[DataRequired(message=_l("パスワードを入力してください。"))]
    )
    remember = BooleanField(_l("ログインしたままにする"))


class EmailOnlyForm(FlaskForm):
    """Resend the confirmation mail / ask for a password reset."""

    email = email_field()


class ResetPasswordForm(FlaskForm):
    password, password_confirm = new_password_fields()


class ConfirmForm(FlaskForm):
    """The button that confirms the address (a GET from a mail scanner changes nothing)."""
