"""Forms of the account procedures. The current-password check and the e-mail change
mails are throttled like logins (kodaira_app/auth/throttle.py), per account."""

from datetime import timedelta

from flask_babel import format_time
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.security import check_password_hash
from wtforms import PasswordField, SubmitField
from wtforms.validators import DataRequired, ValidationError

from kodaira_app.auth.accounts import MAIL_PER_EMAIL
from kodaira_app.auth.forms import email_field, new_password_fields
from kodaira_app.auth.throttle import Limit, first_block, record

# Wrong current passwords of one account (a session left open is not a free guess).
PASSWORD_CHECK_PER_ACCOUNT = Limit("password-check-account", 5, timedelta(minutes=15))
# Confirmation mails of e-mail changes one account may send; to one address, the limit
# of every account mail (sign-up, reset) applies together with these.
EMAIL_CHANGE_PER_ACCOUNT = Limit("email-change-account", 5, timedelta(hours=1))


def current_password_field() -> PasswordField:
    return PasswordField(
        _l("現在のパスワード"),
        validators=[DataRequired(message=_l("現在のパスワードを入力してください。"))],
    )


class CurrentPasswordForm(FlaskForm):
    """A procedure that only the account's owner may do: the password is asked again."""

    current_password = current_password_field()

    def validate_current_password(self, field):
        checks = [(PASSWORD_CHECK_PER_ACCOUNT, str(current_user.id))]
        until = first_block(checks)
        if until is not None:
            raise ValidationError(
                _l(
                    "現在のパスワードの誤りが続いたため、しばらくお手続きできません。"
                    "%(time)s以降にもう一度お試しください。",
                    time=format_time(until, "HH:mm"),
                )
            )
        if not check_password_hash(current_user.password_hash, field.data or ""):
            record(checks)
            raise ValidationError(_l("現在のパスワードが正しくありません。"))


class EmailChangeForm(CurrentPasswordForm):
    email = email_field()
    submit = SubmitField(_l("確認メールを送る"))

    def validate_email(self, field):
        if field.data == current_user.email:
            raise ValidationError(_l("現在と同じメールアドレスです。"))

    def validate(self, extra_validators=None) -> bool:
        """Valid means a mail goes out: counted here, against the account and the address."""
        if not super().validate(extra_validators):
            return False
        checks = [
            (EMAIL_CHANGE_PER_ACCOUNT, str(current_user.id)),
            (MAIL_PER_EMAIL, self.email.data),
        ]
        until = first_block(checks)
        if until is not None:
            self.email.errors.append(
                _l(
                    "確認メールを続けてお送りしたため、しばらくお送りできません。"
                    "%(time)s以降にもう一度お試しください。",
                    time=format_time(until, "HH:mm"),
                )
            )
            return False
        record(checks)
        return True


class PasswordChangeForm(CurrentPasswordForm):
    password, password_confirm = new_password_fields()
    submit = SubmitField(_l("変更する"))


class LeaveForm(CurrentPasswordForm):
    submit = SubmitField(_l("アプリを退会する"))


class ButtonForm(FlaskForm):
    submit = SubmitField(_l("変更する"))


class EndSessionsForm(FlaskForm):
    submit = SubmitField(_l("すべての端末でログアウトする"))
