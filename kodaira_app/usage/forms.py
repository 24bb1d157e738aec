from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import Optional, ValidationError


class DayField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("日付を正しく入力してください。")) from None


class DayForm(FlaskForm):
    """The day of the hourly chart (GET, so no CSRF token: it changes nothing)."""

    class Meta:
        csrf = False

    date = DayField(_l("日付"), validators=[Optional()], format="%Y-%m-%d")

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def validate_date(self, field):
        if field.data and self.today and field.data > self.today:
            raise ValidationError(_l("未来の日付は指定できません。"))
