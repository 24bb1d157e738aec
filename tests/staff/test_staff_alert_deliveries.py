"""配信状況 lists the alert mails beside the reports: their kind, contract, masked address,
state and who confirmed, filtered by the same form."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kodaira_app.alerts.episodes import evaluate
from kodaira_app.timeutil import utcnow
from tests.alerts.conftest import hour, watch
from tests.alerts.test_confirm import confirm_link
from tests.staff.test_staff_console import last_audit, table_rows
from tests.support.accounts import make_account
from tests.support.pages import page
from tests.support.readings import add_readings
from tests.support.watch import anonymous, own_contract

CONFIRMED = "息子さんが 12/2 03:30 に確認しました"  # read the next day


@pytest.fixture
def alert_mails(app, clock, smtp, run_jobs):
    """0-0000008002: running water 00:00–03:00 on 2 December, the son confirms at 03:30, it
    ends at 04:00. 0-0000008003: water in every hour for a day, the leak notice to its
    holder refused by the mail server."""

    def run(moment):
        clock.freeze(moment + timedelta(minutes=1))
        evaluate(utcnow())
        run_jobs()

    holder = make_account("holder@example.com")
    running = own_contract(holder, customer_number="00000008002")
    watch(holder, running, flow=3)
    other = make_account("other@example.com")
    leaking = own_contract(other, customer_number="00000008003")
    watch(other, leaking, flow=None, recipients=(("兄", "brother@example.com", "ja"),))
    add_readings(running.meter_id, hour(0), [70, 70, 70])
    run(hour(3))
    clock.freeze(hour(3) + timedelta(minutes=30))
    anonymous(app, "post", confirm_link(smtp.to("son@example.com")[0]))
    add_readings(running.meter_id, hour(3), [1.0])
    run(hour(4))
    add_readings(leaking.meter_id, hour(0), [1.0] * 24)
    smtp.refuse_rcpt = "550 no such mailbox"
    run(hour(24))
    smtp.refuse_rcpt = None
    return running, leaking


def alert_rows(client, **query) -> list[list[str]]:
    soup = page(client.get("/staff/deliveries", query_string=query))
    return table_rows(soup, "table.staff-alert-mails")


def test_the_alert_mails_are_listed_with_kind_contract_address_state_and_confirmation(
    client, clerk, alert_mails
):
    rows = alert_rows(client)
    # 作成日時, 種類, お客様番号, 宛先, 状態, 最後のエラー, 確認, 送信日時 — newest first.
    assert "550" in rows[0][5] and [row[5] for row in rows[1:]] == [""] * 4
    assert [row[1:5] + row[6:7] for row in rows] == [
        ["漏水", "0-0000008003", "ご契約者 o***@example.com", "失敗", ""],
        *(
            ["終了（水が出続けています）", "0-0000008002", who, "送信済み", CONFIRMED]
            for who in ("娘 d***@example.com", "息子 s***@example.com")
        ),
        *(
            ["開始（水が出続けています）", "0-0000008002", who, "送信済み", CONFIRMED]
            for who in ("娘 d***@example.com", "息子 s***@example.com")
        ),
    ]
    assert rows[-1][0] == "2026-12-02 03:01"
    assert last_audit().action == "view_deliveries"


def test_the_alert_mails_are_filtered_by_the_form(client, clerk, alert_mails):
    kinds = lambda **query: [row[1] for row in alert_rows(client, **query)]  # noqa: E731
    assert kinds(contract="0-0000008003") == ["漏水"]
    assert len(kinds(contract="0-0000008002")) == 4
    assert kinds(contract="9999") == []
    assert kinds(status="failed") == ["漏水"]
    assert kinds(status="late") == [] and kinds(status="missed") == []
    assert kinds(status="pending") == []
    assert len(kinds(day="2026-12-02")) == 4
    assert kinds(day="2026-12-03") == ["漏水"]
    assert kinds(day="2026-12-03", contract="0-0000008002") == []


def test_the_alert_mails_keep_their_episode_after_the_bodies_are_purged(
    client, clerk, alert_mails, clock
):
    from kodaira_app.mailer.retention import purge_old_bodies

    before = alert_rows(client)
    assert purge_old_bodies(utcnow() + timedelta(days=91)) >= 5  # OUTBOX_RETENTION_DAYS
    after = alert_rows(client)
    assert after == before  # kind, contract, address and who confirmed, without the bodies
    assert after[-1][1:3] == ["開始（水が出続けています）", "0-0000008002"]
