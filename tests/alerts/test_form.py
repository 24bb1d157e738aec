"""The 「異変のお知らせ」 section of the 見守り input screen, 確認 and the done screen."""

from __future__ import annotations

from bs4 import BeautifulSoup
from sqlalchemy import select

from kodaira_app.extensions import db
from kodaira_app.models import Consent, WatchRegistration
from tests.support.mailbox import text_body
from tests.support.watch import error_beside, input_data

TWO = (("息子", "son@example.com"), ("民生委員", "minsei@example.com"))


def alerts_data(**values) -> dict:
    data = {"alerts-flow_hours": "3", "alerts-idle_hours": "12", "alerts-nodata_hours": "6"}
    data.update(values)
    return data


def test_a_new_registration_starts_with_the_rules_on_and_no_use_at_12_hours(
    client, account, contract
):
    page = BeautifulSoup(client.get(f"/watch/{contract.id}/edit").data, "html.parser")
    section = page.select_one("fieldset.watch-alerts")
    assert section.select_one("legend").get_text(strip=True) == "異変のお知らせ"
    chosen = {s["id"]: s.select_one("option[selected]").get_text() for s in section("select")}
    assert chosen == {
        "alerts-flow_hours": "3時間",
        "alerts-idle_hours": "12時間",
        "alerts-nodata_hours": "6時間",
    }


def test_rules_chosen_are_shown_on_confirm_and_saved(client, account, contract):
    data = input_data(recipients=TWO) | alerts_data(
        **{"alerts-flow_hours": "2", "alerts-idle_hours": ""}
    )
    client.post(f"/watch/{contract.id}/edit", data=data)
    page = BeautifulSoup(client.get(f"/watch/{contract.id}/confirm").data, "html.parser")
    summary = page.select_one(".watch-alerts-summary")
    assert summary.select_one(".alert-flow").get_text(strip=True) == "2時間"
    assert summary.select_one(".alert-idle").get_text(strip=True) == "お知らせしない"
    client.post(f"/watch/{contract.id}/confirm")
    registration = db.session.scalar(select(WatchRegistration))
    assert (registration.alert_flow_hours, registration.alert_idle_hours) == (2, None)
    assert registration.alert_nodata_hours == 6
    done = BeautifulSoup(client.get(f"/watch/{contract.id}/done").data, "html.parser")
    assert done.select_one(".alert-flow").get_text(strip=True) == "2時間"


def test_a_helper_needs_the_watched_persons_consent(client, account, contract):
    data = input_data(recipients=TWO) | alerts_data(**{"alerts-helpers": "2"})
    page = BeautifulSoup(client.post(f"/watch/{contract.id}/edit", data=data).data, "html.parser")
    assert error_beside(page, "alerts-helper_consent") == [
        "見守り協力者を登録するには、見守られる方ご本人の同意の確認が必要です"
    ]
    assert db.session.scalar(select(WatchRegistration)) is None


def test_a_helper_with_consent_is_recorded_who_when_and_which_text(client, account, contract):
    data = input_data(recipients=TWO) | alerts_data(
        **{"alerts-helpers": "2", "alerts-helper_consent": "y"}
    )
    client.post(f"/watch/{contract.id}/edit", data=data)
    page = BeautifulSoup(client.get(f"/watch/{contract.id}/confirm").data, "html.parser")
    assert page.select_one(".alert-helpers").get_text(strip=True) == "通知先2"
    assert "同意を得ています" in page.select_one(".alert-consent").get_text()
    client.post(f"/watch/{contract.id}/confirm")
    registration = db.session.scalar(select(WatchRegistration))
    helpers = [r.email for r in registration.recipients if r.helper]
    assert helpers == ["minsei@example.com"]
    consent = db.session.scalar(select(Consent).where(Consent.relation == "helper"))
    assert consent.account_email == account.email and consent.text_version == "helper-2026-1"


def test_not_every_recipient_may_be_a_helper(client, account, contract):
    data = input_data(recipients=TWO[:1]) | alerts_data(
        **{"alerts-helpers": "1", "alerts-helper_consent": "y"}
    )
    page = BeautifulSoup(client.post(f"/watch/{contract.id}/edit", data=data).data, "html.parser")
    assert "全員を見守り協力者にはできません" in page.select_one(".watch-alerts").get_text()


def test_a_helpers_notice_says_alerts_only_and_no_report_times(
    client, account, contract, run_jobs, smtp
):
    data = input_data(recipients=TWO) | alerts_data(
        **{"alerts-helpers": "2", "alerts-helper_consent": "y"}
    )
    client.post(f"/watch/{contract.id}/edit", data=data)
    client.post(f"/watch/{contract.id}/confirm")
    run_jobs()
    helper = text_body(smtp.to("minsei@example.com")[0])
    assert "見守り協力者として登録されました。定時のお知らせは届きません。" in helper
    assert "ごろお知らせします" not in helper
    family = text_body(smtp.to(TWO[0][1])[0])
    assert "ごろお知らせします" in family and "見守り協力者として" not in family
