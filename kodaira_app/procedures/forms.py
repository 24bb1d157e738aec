from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.security import check_password_hash
from wtforms import PasswordField, SubmitField
from wtforms.validators import DataRequired, ValidationError

from kodaira_app.auth.forms import email_field, new_password_fields


def current_password_field() -> PasswordField:
    return PasswordField(
        _l("現在のパスワード"),
        validators=[DataRequired(message=_l("現在のパスワードを入力してください。"))],
    )


class CurrentPasswordForm(FlaskForm):
    """A procedure that only the account's owner may do: the password is asked again."""

    current_password = current_password_field()

    def validate_current_password(self, field):
        if not check_password_hash(current_user.password_hash, field.data or ""):
            raise ValidationError(_l("現在のパスワードが正しくありません。"))


class EmailChangeForm(CurrentPasswordForm):
    email = email_field()
    submit = SubmitField(_l("確認メールを送る"))

    def validate_email(self, field):
        if field.data == current_user.email:
            raise ValidationError(_l("現在と同じメールアドレスです。"))


class PasswordChangeForm(CurrentPasswordForm):
    password, password_confirm = new_password_fields()
    submit = SubmitField(_l("変更する"))


class LeaveForm(CurrentPasswordForm):
    submit = SubmitField(_l("アプリを退会する"))


class ButtonForm(FlaskForm):
    submit = SubmitField(_l("変更する"))


class EndSessionsForm(FlaskForm):
    submit = SubmitField(_l("すべての端末でログアウトする"))
