"""見守り履歴: six known windows (used, none, no data, a pause, partial data, used again)
evaluated by the tick on the clock, read back as the page, its chart, its table and CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from kodaira_app.watch.registrations import stop_recipient
from tests.support.accounts import make_account, session_id
from tests.support.pages import get_page, page, text
from tests.support.readings import add_readings
from tests.support.ticks import run_tick
from tests.support.watch import own_contract, register
from tests.support.watch_rows import jst, pause

# 08:00〜14:00 each day, reported at 14:30: what the meter sent on each day.
DAYS = {
    21: [2.0] * 6,  # used 12.0 L
    22: [0] * 6,  # none
    23: None,  # nothing arrived
    24: [3.0] * 6,  # paused: not reported whatever was used
    25: [1.0, None, 1.0, 1.0, 1.0, 1.0],  # one hour missing
    26: [1.0] * 6,  # used 6.0 L
}


@pytest.fixture
def watched(app, clock, account, contract, run_jobs, smtp):
    """The contract watched since 20 Nov from 08:00 for 息子 and 娘; 娘 stops on the 25th."""
    clock.freeze(jst(2026, 11, 20, 15))
    registration = register(
        account,
        contract,
        hours=(8,),
        recipients=(("息子", "son@example.com"), ("娘", "daughter@example.com")),
    )
    pause(registration, date(2026, 11, 24), date(2026, 11, 24))
    run_jobs()
    for day, liters in DAYS.items():
        if day == 25:
            stop_recipient(registration.recipients[1].stop_token)
        if liters is not None:
            add_readings(contract.meter_id, jst(2026, 11, day, 8), liters)
        clock.freeze(jst(2026, 11, day, 14, 30))
        run_tick(jst(2026, 11, day, 14, 30))
        run_jobs()
    clock.freeze(jst(2026, 11, 26, 15))
    smtp.clear()
    return registration


def history_rows(soup):
    """Each row's cells as read; a recipient's mail reads 「息子: 送信済み 14:30」."""
    table = soup.select_one("table.history-table")
    return [
        [" ".join(td.get_text().split()) for td in tr.find_all("td")]
        for tr in table.tbody.find_all("tr")
    ]


def test_rows_newest_first_with_status_usual_use_and_each_recipients_mail(
    client, contract, watched
):
    rows = history_rows(get_page(client, f"/watch/{contract.id}/history"))
    assert [r[0] for r in rows] == [f"11月{d}日 08:00〜14:00" for d in (26, 25, 24, 23, 22, 21)]
    assert [r[1] for r in rows] == [
        "使用あり 6.0 L",
        "一部未着（1時間）",
        "一時停止",
        "データ未着",
        "使用なし",
        "使用あり 12.0 L",
    ]
    # The usual use: the median of the complete days before (12.0 L and 0 L).
    assert rows[0][2] == "6.0 L"
    assert rows[0][3] == "息子: 送信済み 14:30 娘: 配信停止"
    assert rows[2][3] == "息子: 送信なし（一時停止中） 娘: 送信なし（一時停止中）"
    assert rows[3][3] == "息子: 送信済み 14:30 娘: 送信済み 14:30"


def test_missing_data_is_never_shown_as_zero(client, contract, watched):
    rows = history_rows(get_page(client, f"/watch/{contract.id}/history"))
    no_data = rows[3]
    assert "0.0" not in " ".join(no_data) and "使用なし" not in no_data[1]


def test_chart_draws_each_day_beside_its_usual_band_and_marks_what_is_missing(
    client, contract, watched
):
    soup = get_page(client, f"/watch/{contract.id}/history")
    [svg] = soup.select("svg.chart")
    assert text(soup.select_one(".history-chart h2")) == "08:00〜14:00 の使用水量"
    bars = svg.select("rect.chart-bar")
    assert len(bars) == 2  # the two days with use: 21st and 26th
    heights = sorted(float(b["height"]) for b in bars)
    assert heights[1] == pytest.approx(2 * heights[0], rel=0.02)  # 12.0 L vs 6.0 L
    assert len(svg.select("rect.chart-zero")) == 1  # the 22nd: a red line on the axis
    assert len(svg.select("circle.chart-mark-missing")) == 2  # the 23rd and the 25th
    assert len(svg.select("rect.chart-mark-paused")) == 1  # the 24th
    assert len(svg.select("rect.chart-partial")) == 1  # what came on the 25th
    # Today is the last of 60 slots: its bar sits at the right end, the 23rd's slot has a
    # mark and no bar.
    slot = 300 / 60
    today_x = max(float(b["x"]) for b in bars)
    assert 52 + 59 * slot <= today_x < 52 + 60 * slot
    marks = sorted(float(c["cx"]) for c in svg.select("circle.chart-mark-missing"))
    assert marks[0] == pytest.approx(52 + 56 * slot + slot / 2)
    assert not any(abs(float(b["x"]) - (52 + 56 * slot)) < slot for b in bars)
    assert "データ未着 2日、一時停止 1日" in text(svg.find("desc"))


def test_chart_table_lists_each_day_oldest_first(client, contract, watched):
    soup = get_page(client, f"/watch/{contract.id}/history")
    table = soup.select_one(".chart-table table")
    rows = [[text(c) for c in tr.find_all(["th", "td"])] for tr in table.tbody.find_all("tr")]
    assert [r[0] for r in rows] == [f"11月{d}日" for d in (21, 22, 23, 24, 25, 26)]
    # No figure for the 23rd, though its usual use is known (the 21st and the 22nd).
    assert rows[2] == ["11月23日", "–", "6.0 L", "データ未着"]
    assert rows[1][1] == "0.0 L"
    assert rows[5][1:3] == ["6.0 L", "6.0 L"]


def test_csv_has_one_line_per_window(client, contract, watched):
    response = client.get(f"/watch/{contract.id}/history.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0][:4] == ["開始", "終了", "状況", "使用水量(L)"]
    body = lines[1:]
    assert [line[0] for line in body][:2] == ["2026-11-26T08:00+09:00", "2026-11-25T08:00+09:00"]
    by_day = {line[0][8:10]: line for line in body}
    assert by_day["23"][2:4] == ["データ未着", ""]
    assert by_day["22"][2:4] == ["使用なし", "0.0"]
    assert by_day["25"][2:5] == ["一部未着", "", "5.0"]


def test_only_the_last_60_days(client, clock, account, contract, watched):
    clock.freeze(jst(2026, 11, 21, 14, 30) + timedelta(days=60, minutes=1))
    with client.session_transaction() as session:  # a login of that day
        session["_user_id"] = session_id(account)
    rows = history_rows(get_page(client, f"/watch/{contract.id}/history"))
    assert rows[-1][0] == "11月22日 08:00〜14:00"


def test_another_account_gets_404(app, client, contract, watched):
    other = make_account("other@example.com")
    mine = own_contract(other)
    assert client.get(f"/watch/{mine.id}/history").status_code == 404
    assert client.get(f"/watch/{mine.id}/history.csv").status_code == 404
    stranger = app.test_client()
    with stranger.session_transaction() as session:
        session["_user_id"] = session_id(other)
        session["_fresh"] = True
    page(stranger.get(f"/watch/{contract.id}/history"), status=404)
    page(stranger.get(f"/watch/{contract.id}/history.csv"), status=404)


def test_login_is_needed(app, contract):
    response = app.test_client().get(f"/watch/{contract.id}/history")
    assert response.status_code == 302 and "/login" in response.location


def test_registration_screen_shows_the_last_report_and_links_the_history(client, contract, watched):
    soup = get_page(client, f"/watch/{contract.id}/edit")
    latest = soup.select_one(".watch-latest")
    assert text(latest.select_one(".watch-glance")) == (
        "11月26日 08:00〜14:00 水道の使用がありました 6 L — 14:30 送信"
    )
    link = latest.find("a", string="見守り履歴を見る")
    assert link["href"] == f"/watch/{contract.id}/history"
    select = get_page(client, "/watch")
    assert select.find("a", href=f"/watch/{contract.id}/history") is not None


def test_before_the_first_report_the_page_says_so(client, contract, registration):
    soup = get_page(client, f"/watch/{contract.id}/history")
    status = text(soup.select_one("dl.summary dd:nth-of-type(2)"))
    assert status == "登録中 （見守り開始時刻 08:00、日本時間）"
    assert "まだお知らせはありません" in text(soup.select_one("main .notice"))
    assert soup.select("svg.chart") == []


def test_history_in_english(client, contract, watched):
    client.get("/lang/en?next=/")
    soup = get_page(client, f"/watch/{contract.id}/history")
    assert text(soup.h1) == "Watch history"
    rows = history_rows(soup)
    assert rows[0][1] == "Water was used 6.0 L"
    assert rows[3][1] == "No data received"


def next_report_shown(client, contract) -> str:
    soup = get_page(client, f"/watch/{contract.id}/edit")
    return text(soup.select_one(".watch-latest .watch-next"))


def test_registration_screen_says_when_the_next_report_comes(
    client, clock, account, contract, run_jobs
):
    clock.freeze(jst(2026, 12, 2, 9))
    register(account, contract, hours=(8, 20))
    run_jobs()
    # 08:00〜14:00 is reported at 14:30 today, before 20:00〜翌2:00 at 02:30.
    assert next_report_shown(client, contract) == "次のお知らせ: 12月2日 14:30（08:00〜14:00 の分）"
    clock.freeze(jst(2026, 12, 2, 14, 30))
    assert (
        next_report_shown(client, contract) == "次のお知らせ: 12月3日 02:30（20:00〜翌2:00 の分）"
    )


def test_next_report_skips_a_paused_day(client, clock, account, contract, run_jobs):
    clock.freeze(jst(2026, 12, 2, 15))
    registration = register(account, contract, hours=(8,))
    pause(registration, date(2026, 12, 3), date(2026, 12, 4))
    run_jobs()
    assert next_report_shown(client, contract) == "次のお知らせ: 12月5日 14:30（08:00〜14:00 の分）"
    history = get_page(client, f"/watch/{contract.id}/history")
    assert text(history.select_one("dd.watch-next")) == "12月5日 14:30（08:00〜14:00 の分）"
