"""異変のお知らせ in the browser: the watcher sets the rules on the input screen, sees them
on 確認 and the done screen; two hours of running water imported with `flask readings
import` bring the alert (`flask alerts run`, the worker's every-minute job); the son presses
確認しました in his mail, and the page says so."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PASSWORD, labelled
from tests.support.mailbox import text_body

EMAIL = "alerts-walk@example.com"
NUMBER = "00000008091"
METER = "E2E-M-8091"
SON = "alerts-son@example.com"


@pytest.fixture(scope="module")
def resident(arrange):
    from kodaira_app.extensions import db
    from tests.support.accounts import make_account
    from tests.support.factories import link, make_customer

    with arrange.app_context():
        account = make_account(EMAIL, PASSWORD)
        customer = make_customer(customer_number=NUMBER, name="小平 四郎", meter_id=METER)
        link(account, customer)
        ids = {"contract": customer.id}
        db.session.remove()
    return ids


def test_the_watcher_sets_the_rules_and_running_water_brings_one_alert(
    walk_factory, live_server, resident, tmp_path
):
    walk = walk_factory(DESKTOP)
    page = walk.goto("/login")
    labelled(page, "メールアドレス").fill(EMAIL)
    labelled(page, "パスワード").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="ログイン").click()
    page = walk.goto(f"/watch/{resident['contract']}/edit")
    page.select_option("#hour_1", "8")
    page.fill("#recipients-0-name", "息子")
    page.fill("#recipients-0-email", SON)
    section = page.locator("fieldset.watch-alerts")
    expect(section.get_by_label("長い時間、水が使われていません")).to_have_value("12")
    section.get_by_label("水が出続けています").select_option("2")
    section.get_by_label("メーターのデータが届いていません").select_option("")
    walk.seen()
    page.get_by_role("button", name="確認").click()
    expect(page.locator(".watch-alerts-summary .alert-flow")).to_have_text("2時間")
    expect(page.locator(".watch-alerts-summary .alert-nodata")).to_have_text("お知らせしない")
    walk.seen()
    page.get_by_role("button", name="登録").click()
    expect(page.locator(".watch-alerts-summary .alert-idle")).to_have_text("12時間")
    walk.seen()

    # Two complete hours of running water, as the head-end delivers them.
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    rows = ["meter_id,hour_start,liters"]
    rows += [f"{METER},{(now - timedelta(hours=h)).isoformat()},85.0" for h in (2, 1)]
    path = tmp_path / "running.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = live_server.flask("readings", "import", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    # The worker's periodic jobs stay off in the walk: the same job, run by hand.
    result = live_server.flask("alerts", "run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "episodes opened 1" in result.stdout, result.stdout
    alert = live_server.wait_for_mail(
        SON, timeout=90, match=lambda m: "水が出続けています" in m["Subject"]
    )
    assert len(alert) == 1

    found = re.search(re.escape(live_server.url) + r"(/alerts/confirm/\S+)", text_body(alert[0]))
    assert found, text_body(alert[0])
    page = walk.goto(found.group(1))
    page.get_by_role("main").get_by_role("button", name="確認しました").click()
    expect(page.locator(".confirm-result")).to_contain_text("確認を記録しました")
    expect(page.locator(".confirmed-by")).to_contain_text("息子さんが")
    walk.seen()
