"""Staff see each contract's episodes (rule, start, end, who was told, who confirmed,
escalations) and preview the alert mails; both are audited."""

from __future__ import annotations

import re
from datetime import timedelta

from bs4 import BeautifulSoup
from sqlalchemy import select

from kodaira_app.extensions import db
from kodaira_app.models.staff import AuditLog
from tests.alerts.conftest import hour, watch
from tests.support.mailbox import text_body
from tests.support.readings import add_readings
from tests.support.staff import make_staff, sign_in_staff
from tests.support.watch import anonymous


def test_staff_see_the_episode_who_was_told_and_who_confirmed(
    app, account, contract, clock, smtp, tick
):
    watch(account, contract, flow=3)
    add_readings(contract.meter_id, hour(0), [70, 70, 70])
    clock.freeze(hour(3) + timedelta(minutes=1))
    tick()
    link = re.search(
        r"http://localhost(/alerts/confirm/\S+)", text_body(smtp.to("son@example.com")[0])
    )
    clock.freeze(hour(5) + timedelta(minutes=25))
    anonymous(app, "post", link.group(1))
    clerk = app.test_client()
    sign_in_staff(clerk, make_staff("clerk@town.example"))
    contract_page = BeautifulSoup(clerk.get(f"/staff/contracts/{contract.id}").data, "html.parser")
    assert contract_page.select_one(".confirmed-by").get_text(strip=True) == (
        "息子さんが 05:25 に確認しました"
    )
    page = BeautifulSoup(clerk.get(f"/staff/episodes/{contract.id}").data, "html.parser")
    row = page.select_one("table.staff-episodes tbody tr")
    assert row.select_one(".episode-rule").get_text(strip=True) == "水が出続けています"
    assert "s***@example.com" in row.select_one(".episode-told").get_text()
    assert row.select_one(".episode-confirmed").get_text(strip=True) == (
        "息子さんが 05:25 に確認しました"
    )
    preview = BeautifulSoup(
        clerk.get(f"/staff/episodes/{contract.id}/preview?rule=idle&kind=alert_start").data,
        "html.parser",
    )
    assert "長い時間、水が使われていません" in preview.select_one(".mail-subject").get_text()
    actions = set(db.session.scalars(select(AuditLog.action)))
    assert {"view_episodes", "preview_alert_mail"} <= actions
