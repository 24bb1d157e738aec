"""Forms of the 見守り screens. The rules themselves live in watch/windows.py."""

from __future__ import annotations

import re

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import FieldList, Form, FormField, RadioField, SelectField, StringField, SubmitField
from wtforms.fields import DateField
from wtforms.fields.choices import SelectChoice

from kodaira_app.alerts import forms as alert_forms
from kodaira_app.babel_cache import gettext as _
from kodaira_app.form_errors import ErrorLink, error_links
from kodaira_app.i18n import LANGUAGES
from kodaira_app.validators import PlainName
from kodaira_app.watch import notices
from kodaira_app.watch.home_name import HOME_NAME_MAX, check_home_name
from kodaira_app.watch.pauses import PauseError, check_pause
from kodaira_app.watch.windows import (
    HOURS_PER_DAY,
    MAX_RECIPIENTS,
    MAX_WINDOWS,
    NAME_MAX,
    Recipient,
    RuleError,
    check_email,
    check_name,
    check_windows,
    display_hour,
    email_key,
    start_hour,
    window_span,
)

# The screen's words for each rule of watch/windows.py and watch/pauses.py.
MESSAGES = {
    "hour_invalid": _l("見守り開始時刻は0時から24時までの1時間単位で指定してください"),
    "first_window_required": _l("見守り開始時刻の1を入力してください"),
    "windows_overlap": _l("見守り期間が重複しています"),
    "too_many_windows": _l("見守り開始時刻は1日につき最大2回までです"),
    "recipient_required": _l("通知先を1件以上入力してください"),
    "too_many_recipients": _l("通知先は5件まで登録できます"),
    "name_required": _l("名前を入力してください"),
    "name_too_long": _l("名前は%(n)s文字以内で入力してください", n=NAME_MAX),
    "name_invalid": _l("名前に使えない文字が含まれています"),
    "home_name_too_long": _l("見守り先の呼び名は%(n)s文字以内で入力してください", n=HOME_NAME_MAX),
    "email_required": _l("メールアドレスを入力してください"),
    "email_invalid": _l("メールアドレスの形式が正しくありません"),
    "email_duplicate": _l("同じメールアドレスが複数入力されています"),
    "locale_invalid": _l("言語を選択してください"),
    "pause_in_past": _l("開始日に過去の日付は指定できません"),
    "pause_end_before_start": _l("終了日は開始日以降の日付を指定してください"),
    "pause_too_long": _l("一時停止できるのは最大60日間です"),
    "pause_overlap": _l("指定の期間は、ほかの一時停止と重なっています"),
    "no_smart_meter": _l(
        "水道スマートメーターが設置されていない契約は見守りサービスをご利用いただけません"
    ),
    "contract_required": _l("契約を選択してください"),
    "notice_daily_limit": _l(
        "このメールアドレスには、この24時間に登録のお知らせを上限の回数までお送りしているため、"
        "今は通知先に追加できません。時間をおいて、もう一度お試しください"
    ),
}

_EXTRA_HOUR = re.compile(r"^hour_(\d+)$")
_EXTRA_RECIPIENT = re.compile(r"^recipients-(\d+)-")
_ROW_FIELD = re.compile(r"^recipients-(\d+)-(name|email|locale)$")


def overlap_detail(first: int, second: int, width: int) -> str:
    """Which windows overlap, and the rule: 「1. 06:00〜12:00 と 2. 08:00〜14:00 が…」."""
    return _(
        "%(first)s と %(second)s が重なっています。見守りは開始時刻から%(hours)s時間のため、"
        "2つの開始時刻は%(hours)s時間以上あけてください。",
        first=_("%(n)s. %(window)s", n=1, window=window_span(first, width)),
        second=_("%(n)s. %(window)s", n=2, window=window_span(second, width)),
        hours=width,
    )


def compact_rows(formdata) -> MultiDict:
    """The posted form with its 通知先 rows that hold a name or an address, numbered again
    from 0: an emptied card goes away and 通知先を追加 always adds the next number."""
    rows: dict[int, dict[str, str]] = {}
    compacted = MultiDict()
    for key, value in formdata.items(multi=True):
        match = _ROW_FIELD.match(key)
        if match:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = value
        else:
            compacted.add(key, value)
    kept = [
        row
        for _index, row in sorted(rows.items())
        if (row.get("name") or "").strip() or (row.get("email") or "").strip()
    ]
    for number, row in enumerate(kept):
        for name, value in row.items():
            compacted.add(f"recipients-{number}-{name}", value)
    return compacted


def hour_choices(empty_label) -> list[SelectChoice]:
    """00:00 … 23:00, midnight once (24, still accepted when sent, is shown as 00:00)."""
    return [SelectChoice("", empty_label)] + [
        SelectChoice(str(h), display_hour(h)) for h in range(HOURS_PER_DAY)
    ]


def language_choices() -> list[SelectChoice]:
    return [SelectChoice(code, name) for code, name in LANGUAGES.items()]


class ContractSelectForm(FlaskForm):
    """Step ③/⑧: choose the contract. `contracts` are the account's own and added ones."""

    contract = RadioField(_l("契約"), validate_choice=False)
    submit = SubmitField(_l("登録"))

    def __init__(self, contracts, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.contracts = {str(c.id): c for c in contracts}
        self.contract.choices = [
            SelectChoice(key, c.display_number) for key, c in self.contracts.items()
        ]
        self.customer = None

    def validate_contract(self, field):
        customer = self.contracts.get(field.data or "")
        if customer is None:
            raise_message("contract_required")
        if not customer.smart_meter:
            raise_message("no_smart_meter")
        self.customer = customer


def raise_message(code: str):
    from wtforms.validators import ValidationError

    raise ValidationError(MESSAGES[code])


class RecipientForm(Form):
    name = StringField(_l("名前"), validators=[PlainName()])
    email = StringField(_l("メールアドレス"))
    locale = SelectField(_l("メールの言語"), choices=language_choices, validate_choice=False)


class WatchInputForm(FlaskForm):
    """Step ④/⑨: 見守り開始時刻 1 and 2, and up to five 通知先."""

    hour_1 = SelectField("1.", validate_choice=False)
    hour_2 = SelectField("2.", validate_choice=False)
    home_name = StringField(_l("見守り先の呼び名"), validators=[PlainName()])
    # One card to begin with; 通知先を追加 (a submit button: no JavaScript) adds the next.
    recipients = FieldList(FormField(RecipientForm), min_entries=1, max_entries=MAX_RECIPIENTS)
    add_recipient = SubmitField(_l("通知先を追加"))
    alerts = FormField(alert_forms.AlertsForm)  # 異変のお知らせ (kodaira_app/alerts/forms.py)
    submit = SubmitField(_l("確認"))

    def __init__(
        self,
        *args,
        width: int,
        registration=None,
        stopped=frozenset(),
        default_locale: str = "ja",
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.width = width
        self.default_locale = default_locale
        self.new_card: str | None = None  # the id of the name field of a card just added
        for entry in self.recipients:
            if not entry.form.locale.data:
                entry.form.locale.data = default_locale
        # For the notice limits: who is on the registration now, who said stop.
        self.registration = registration
        self.stopped = set(stopped)
        self.hour_1.choices = hour_choices(_l("選択してください"))
        self.hour_2.choices = hour_choices(_l("未入力"))
        self.recipients_errors: list[str] = []
        self.hours: list[int] = []
        self.recipient_rows: list[Recipient] = []
        self.home_name_value = ""

    @classmethod
    def posted(cls, **kwargs) -> WatchInputForm:
        """The form as sent, its emptied 通知先 cards left out."""
        return cls(formdata=compact_rows(request.form), **kwargs)

    def add_card(self) -> None:
        """通知先を追加: one more empty card, up to five, the typed ones kept as they are."""
        if len(self.recipients) >= MAX_RECIPIENTS:
            return
        entry = self.recipients.append_entry({"locale": self.default_locale})
        self.new_card = entry.form.name.id

    def can_add_card(self) -> bool:
        return len(self.recipients) < MAX_RECIPIENTS

    def chosen_hour(self, field) -> int | None:
        """The start hour a select holds (for the line beside it), None when none or bad."""
        if field.errors or (field.data or "") not in {str(h) for h in range(HOURS_PER_DAY)}:
            return None
        return int(field.data)

    def error_summary(self) -> list[ErrorLink]:
        """The refused 確認's errors for the top of the screen, each naming its field."""
        labels = {
            self.hour_1.id: _("見守り開始時刻 %(n)s", n=1),
            self.hour_2.id: _("見守り開始時刻 %(n)s", n=2),
        }
        for number, entry in enumerate(self.recipients, start=1):
            card = _("通知先%(n)s", n=number)
            for sub in (entry.form.name, entry.form.email, entry.form.locale):
                labels[sub.id] = _("%(recipient)sの%(field)s", recipient=card, field=sub.label.text)
        links = error_links(self, labels)
        if self.recipients_errors:
            hours = sum(1 for link in links if link.target in (self.hour_1.id, self.hour_2.id))
            first = self.recipients[0].form.name.id
            row = ErrorLink(tuple(str(m) for m in self.recipients_errors), first, _("通知先"))
            links.insert(hours, row)
        return links

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        self._check_extra_fields()
        self._check_hours()
        self._check_home_name()
        self._check_recipients()
        alert_forms.check(self)
        fields_ok = not any(f.errors for name, f in self._fields.items() if name != "recipients")
        rows_ok = not any(entry.form.errors for entry in self.recipients.entries)
        return fields_ok and rows_ok and not (self.form_errors or self.recipients_errors)

    def _check_extra_fields(self) -> None:
        """Whatever the browser sends: no third window, no sixth recipient."""
        for key, value in request.form.items(multi=True):
            if not value.strip():
                continue
            hour = _EXTRA_HOUR.match(key)
            if hour and int(hour.group(1)) > MAX_WINDOWS:
                self.form_errors.append(MESSAGES["too_many_windows"])
            row = _EXTRA_RECIPIENT.match(key)
            if row and int(row.group(1)) >= MAX_RECIPIENTS:
                self.form_errors.append(MESSAGES["too_many_recipients"])
        self.form_errors[:] = list(dict.fromkeys(self.form_errors))

    def _check_hours(self) -> None:
        entered: list[int | None] = []
        for field in (self.hour_1, self.hour_2):
            raw = (field.data or "").strip()
            if not raw:
                entered.append(None)
                continue
            try:
                hour = int(raw)
                field.data = str(start_hour(hour))  # 24 shown again as the list's 00:00
            except (ValueError, RuleError):
                field.errors.append(MESSAGES["hour_invalid"])
                hour = None
            entered.append(hour)
        if self.hour_1.errors or self.hour_2.errors:
            return
        try:
            self.hours = check_windows(entered, self.width)
        except RuleError as exc:
            field = self.hour_2 if exc.index == 1 else self.hour_1
            field.errors.append(MESSAGES[exc.code])
            if exc.code == "windows_overlap":
                field.errors.append(overlap_detail(entered[0], entered[1], self.width))

    def _check_home_name(self) -> None:
        if not self.home_name.errors:
            self.home_name_value = _checked(self.home_name, check_home_name, self.home_name.data)

    def _check_recipients(self) -> None:
        seen: set[str] = set()
        rows = []
        for entry in self.recipients:
            row = entry.form
            name, email = (row.name.data or "").strip(), (row.email.data or "").strip()
            if not name and not email:
                continue
            checked = Recipient(
                # A name PlainName refused already says why; check_name would say it again.
                name=name if row.name.errors else _checked(row.name, check_name, name),
                email=_checked(row.email, check_email, email),
                locale=row.locale.data,
            )
            if row.locale.data not in LANGUAGES:
                row.locale.errors.append(MESSAGES["locale_invalid"])
            if not row.email.errors:
                if email_key(checked.email) in seen:
                    row.email.errors.append(MESSAGES["email_duplicate"])
                seen.add(email_key(checked.email))
            rows.append(checked)
        if not rows:
            self.recipients_errors.append(MESSAGES["recipient_required"])
        self.recipient_rows = rows
        self._check_notice_limits()

    def _check_notice_limits(self) -> None:
        """A new address that had its 「登録されました」 notices of 24 hours is refused."""
        entries = [e.form for e in self.recipients if e.form.email.data and not e.form.email.errors]
        if not entries:
            return
        refused = notices.refused_addresses(
            self.registration,
            [row.email.data.strip() for row in entries],
            live_addresses(self.registration) | self.stopped,
        )
        for row in entries:
            if email_key(row.email.data) in refused:
                row.email.errors.append(MESSAGES["notice_daily_limit"])


def live_addresses(registration) -> set[str]:
    """The addresses (email_key) that get the registration's mails now."""
    if registration is None:
        return set()
    return {email_key(r.email) for r in registration.recipients if r.removed_at is None}


def _checked(field, check, value: str) -> str:
    try:
        return check(value)
    except RuleError as exc:
        field.errors.append(MESSAGES[exc.code])
        return value


class ConfirmForm(FlaskForm):
    submit = SubmitField(_l("登録"))


class EndForm(FlaskForm):
    submit = SubmitField(_l("はい"))


class PauseForm(FlaskForm):
    start_date = DateField(_l("開始日"))
    end_date = DateField(_l("終了日"))
    submit = SubmitField(_l("一時停止する"))

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def validate(self, extra_validators=None) -> bool:
        for field in (self.start_date, self.end_date):
            field.process_errors = []
        ok = super().validate(extra_validators)
        for field in (self.start_date, self.end_date):
            if field.data is None:
                field.errors[:] = [_l("日付を入力してください")]
                ok = False
        if not ok:
            return False
        try:
            check_pause(self.start_date.data, self.end_date.data, self.today)
        except PauseError as exc:
            target = self.start_date if exc.code == "pause_in_past" else self.end_date
            target.errors.append(MESSAGES[exc.code])
            return False
        return True


class CancelPauseForm(FlaskForm):
    submit = SubmitField(_l("一時停止を取り消す"))
