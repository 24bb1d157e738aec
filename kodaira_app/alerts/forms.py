"""The 「異変のお知らせ」 section of the 見守り input screen: a FormField of WatchInputForm."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Form, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from kodaira_app.alerts import rules

MESSAGES = {
    "helper_consent": _l("見守り協力者を登録するには、見守られる方ご本人の同意の確認が必要です"),
    "helper_row": _l("見守り協力者にする通知先を入力してください"),
    "helper_all": _l("ご家族の通知先を1件以上残してください(全員を見守り協力者にはできません)"),
}


def _hour_choices(hours) -> list[SelectChoice]:
    return [SelectChoice("", _l("お知らせしない"))] + [
        SelectChoice(str(n), _l("%(n)s時間", n=n)) for n in hours
    ]


def _hours(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


class AlertsForm(Form):
    flow_hours = SelectField(_l("水が出続けています"), validate_choice=False)
    idle_hours = SelectField(_l("長い時間、水が使われていません"), validate_choice=False)
    nodata_hours = SelectField(_l("メーターのデータが届いていません"), validate_choice=False)
    helpers = SelectMultipleField(
        _l("見守り協力者にする通知先"),
        choices=[SelectChoice(str(n), _l("通知先%(n)s", n=n)) for n in range(1, 6)],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,
    )
    helper_consent = BooleanField(_l("見守られる方ご本人の同意を得ています"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.flow_hours.choices = _hour_choices(rules.flow_choices())
        self.idle_hours.choices = _hour_choices(rules.idle_choices())
        self.nodata_hours.choices = _hour_choices(rules.nodata_choices())

    def settings(self) -> dict:
        """What the draft keeps: each rule's hours (None: off), the 協力者 rows, consent."""
        allowed = {
            "flow": rules.flow_choices(),
            "idle": rules.idle_choices(),
            "nodata": rules.nodata_choices(),
        }
        out: dict = {}
        for key, field in (
            ("flow", self.flow_hours),
            ("idle", self.idle_hours),
            ("nodata", self.nodata_hours),
        ):
            hours = _hours(field.data)
            out[key] = hours if hours in allowed[key] else None
        out["helpers"] = sorted({int(p) for p in self.helpers.data or () if str(p).isdigit()})
        out["consent"] = bool(self.helper_consent.data)
        return out


def initial(registration) -> dict:
    """The section's values: the registration's, or a new registration's defaults."""
    if registration is None:
        settings = rules.AlertSettings.defaults()
        helpers: list[str] = []
    else:
        settings = rules.AlertSettings.of(registration)
        live = [r for r in registration.recipients if r.removed_at is None]
        helpers = [str(r.position) for r in live if r.helper]
    flow, idle, nodata = (str(n) if n else "" for n in settings.as_list())
    return {
        "flow_hours": flow,
        "idle_hours": idle,
        "nodata_hours": nodata,
        "helpers": helpers,
        "helper_consent": bool(helpers),
    }


def check(form) -> None:
    """With the recipients of the input form: 協力者 rows exist, one family row stays,
    and the watched person's consent is ticked."""
    section = form.alerts.form
    settings = section.settings()
    filled = [
        position
        for position, entry in enumerate(form.recipients, start=1)
        if (entry.form.email.data or "").strip()
    ]
    helpers = settings["helpers"]
    if any(p not in filled for p in helpers):
        section.helpers.errors.append(MESSAGES["helper_row"])
    elif helpers and len(set(helpers)) >= len(filled):
        section.helpers.errors.append(MESSAGES["helper_all"])
    if helpers and not settings["consent"]:
        section.helper_consent.errors.append(MESSAGES["helper_consent"])
    # The positions of the saved rows: empty rows in between are skipped on saving.
    renumber = {p: i for i, p in enumerate(filled, start=1)}
    settings["helpers"] = [renumber[p] for p in helpers if p in renumber]
    form.alert_settings = settings


def draft_alerts(draft) -> dict:
    """The section's values after 戻る: what the draft kept."""
    alerts = draft.alerts
    return {
        "flow_hours": str(alerts.get("flow") or ""),
        "idle_hours": str(alerts.get("idle") or ""),
        "nodata_hours": str(alerts.get("nodata") or ""),
        "helpers": [str(p) for p in alerts.get("helpers") or ()],
        "helper_consent": bool(alerts.get("consent")),
    }
