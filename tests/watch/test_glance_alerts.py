"""An alert under way on トップ and on the registration screen: which rule, since when,
who confirmed it, the town-wide delay; never a closed episode nor another account's."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kodaira_app.alerts.episodes import evaluate
from kodaira_app.timeutil import utcnow
from tests.alerts.conftest import hour, watch
from tests.alerts.test_confirm import confirm_link
from tests.support.accounts import make_account
from tests.support.pages import get_page, text
from tests.support.readings import add_readings
from tests.support.watch import anonymous, own_contract

NOT_YET = "まだどなたも「確認しました」を押していません。"

# Each rule with its readings from 00:00 on 2 December, the time the page is read, and the
# line it says: (rules, litres per hour, read at, line).
RULES = {
    "flow": ({"flow": 3}, [70, 70, 70], hour(3), "00:00 から水が出続けています"),
    "idle": (
        {"flow": None, "idle": 8},
        [5.0] + [0.0] * 8,
        hour(9),
        "長い時間、水が使われていません（01:00 以降）",
    ),
    "nodata": (
        {"flow": None, "nodata": 6},
        [3.0],
        hour(7),
        "メーターのデータが届いていません（01:00 以降）",
    ),
}


@pytest.fixture
def alert_run(run_jobs, clock):
    """The periodic evaluation at `moment` (a minute past the hour), its mails sent."""

    def run(moment):
        clock.freeze(moment + timedelta(minutes=1))
        evaluate(utcnow())
        run_jobs()

    return run


def alerts_of(soup, contract) -> list[list[str]] | None:
    """The alert block's lines per alert (None without one): on トップ in the contract's
    card, else the page's own."""
    card = soup.find(id=f"contract-{contract.id}")
    block = (card.find_parent("section") if card else soup).select_one(".watch-alert")
    if block is None:
        return None
    heading = block.find(id=block["aria-labelledby"])
    assert text(heading) == "⚠ 異変のお知らせ" and heading.name in ("h2", "h4")
    return [[text(p) for p in item.select("p")] for item in block.select("li")]


PAGES = ("/", "/watch/{id}/edit")


@pytest.mark.parametrize("rule", list(RULES))
def test_an_open_alert_of_each_rule_on_top_and_the_registration_screen(
    client, account, contract, smtp, alert_run, rule
):
    rules, litres, moment, line = RULES[rule]
    watch(account, contract, **rules)
    add_readings(contract.meter_id, hour(0), litres)
    alert_run(moment)
    assert smtp.to("son@example.com"), "the alert was mailed"
    for url in PAGES:
        soup = get_page(client, url.format(id=contract.id))
        assert alerts_of(soup, contract) == [[line, NOT_YET]], url


def test_who_confirmed_is_said_and_the_ended_alert_is_gone(
    app, client, account, contract, clock, smtp, alert_run
):
    watch(account, contract, flow=3)
    add_readings(contract.meter_id, hour(0), [70, 70, 70])
    alert_run(hour(3))
    clock.freeze(hour(5) + timedelta(minutes=25))
    anonymous(app, "post", confirm_link(smtp.to("son@example.com")[0]))
    for url in PAGES:
        soup = get_page(client, url.format(id=contract.id))
        assert alerts_of(soup, contract) == [
            ["00:00 から水が出続けています", "息子さんが 05:25 に確認しました"]
        ], url
    # The next day, the alert still under way says its day too.
    add_readings(contract.meter_id, hour(3), [70] * 21)
    alert_run(hour(24))
    assert alerts_of(get_page(client, "/"), contract) == [
        ["12月2日 00:00 から水が出続けています", "息子さんが 12/2 05:25 に確認しました"]
    ]
    add_readings(contract.meter_id, hour(24), [2.0])
    alert_run(hour(25))
    assert "水の出し続けは止まりました" in smtp.to("son@example.com")[-1]["Subject"]
    for url in PAGES:
        soup = get_page(client, url.format(id=contract.id))
        assert alerts_of(soup, contract) is None, url
        assert soup.select_one(".watch-latest") is not None  # the glance itself stays


def test_another_accounts_alert_is_never_shown(client, account, contract, smtp, alert_run):
    watch(account, contract, flow=3)
    other = make_account("other@example.com")
    theirs = own_contract(other, name="別の 人")
    watch(other, theirs, flow=3, recipients=(("兄", "brother@example.com", "ja"),))
    add_readings(theirs.meter_id, hour(0), [70, 70, 70])
    add_readings(contract.meter_id, hour(0), [1.0, 1.0, 1.0])
    alert_run(hour(3))
    assert smtp.to("brother@example.com"), "their alert was mailed"
    for url in PAGES:
        soup = get_page(client, url.format(id=contract.id))
        assert alerts_of(soup, contract) is None, url
        assert soup.select_one(".watch-alert") is None, url
    assert client.get(f"/watch/{theirs.id}/edit").status_code == 404


def test_a_town_wide_delay_is_said_as_such(client, account, smtp, alert_run):
    homes = []
    for i in range(10):
        home = own_contract(account)
        watch(
            account, home, flow=None, nodata=6, recipients=((f"家{i}", f"h{i}@example.com", "ja"),)
        )
        add_readings(home.meter_id, hour(0), [1.0])
        homes.append(home)
    alert_run(hour(7))
    assert "町全体" in smtp.to("h0@example.com")[0]["Subject"]
    soup = get_page(client, "/")
    for home in homes:
        assert alerts_of(soup, home) == [
            [
                "町全体でメーターのデータが遅れています（01:00 以降）",
                "町全体でデータの受信が遅れているためで、このお宅だけのことではありません。",
                NOT_YET,
            ]
        ]
