"""ご利用実績: period chart with the year before, daily and hourly use, CSV downloads."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from kodaira_app.extensions import db
from kodaira_app.models import WatchRegistration, WatchWindow
from kodaira_app.usage import charts
from tests.support.accounts import make_account
from tests.support.billing import account_of, make_bill, signed_in_contract
from tests.support.factories import link, make_customer
from tests.support.pages import get_page
from tests.support.readings import add_readings

# 12:00 JST on 2026-03-10.
NOW = datetime(2026, 3, 10, 3, tzinfo=UTC)
MISSING = date(2024, 5, 1)  # the billing system has no bill for this period


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def period_end(start: date) -> date:
    month = start.month + 2
    return date(start.year + (month - 1) // 12, (month - 1) % 12 + 1, 1) - timedelta(days=1)


def usage_of(start: date) -> int:
    return start.year % 100 + start.month


def starts() -> list[date]:
    """Two-month periods from 2021-11 to 2026-01, without MISSING (25 bills)."""
    out, year, month = [], 2021, 11
    while (year, month) <= (2026, 1):
        if date(year, month, 1) != MISSING:
            out.append(date(year, month, 1))
        month += 2
        if month > 12:
            year, month = year + 1, month - 12
    return out


@pytest.fixture
def contract(app, auth, clock):
    customer = signed_in_contract(auth, clock, NOW)
    for start in starts():
        make_bill(
            customer,
            start,
            period_end(start),
            usage_m3=usage_of(start),
            paid_on=period_end(start) + timedelta(days=20),
        )
    return customer


def rows(soup, table_id):
    table = soup.find("table", id=table_id)
    return [
        [cell.get_text(" ", strip=True) for cell in tr.find_all(["th", "td"])]
        for tr in table.tbody.find_all("tr")
    ]


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_usage_redirects_to_the_first_contract(client, contract):
    response = client.get("/usage")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/usage/{contract.id}")


def test_usage_without_contracts_says_so(client, auth):
    auth.signed_in()
    soup = get_page(client, "/usage")
    assert "登録されている契約はありません。" in soup.main.get_text()


def period_names(soup) -> list[str]:
    svg = soup.find("svg", id="chart-periods")
    return [t.get_text() for t in svg.find_all("text", class_="chart-period")]


def test_the_latest_6_periods_newest_first(client, contract):
    soup = get_page(client, f"/usage/{contract.id}")
    table = rows(soup, "table-periods")
    assert table == [
        ["2026/01/01〜2026/02/28", "27 m³", "26 m³"],
        ["2025/11/01〜2025/12/31", "36 m³", "35 m³"],
        ["2025/09/01〜2025/10/31", "34 m³", "33 m³"],
        ["2025/07/01〜2025/08/31", "32 m³", "31 m³"],
        # The bill of 2024-05 is missing: a year later there is nothing to compare with.
        ["2025/05/01〜2025/06/30", "30 m³", "データなし"],
        ["2025/03/01〜2025/04/30", "28 m³", "27 m³"],
    ]
    # The chart and the table in the same order: the current period first.
    assert period_names(soup) == [
        "2026/01〜2026/02",
        "2025/11〜2025/12",
        "2025/09〜2025/10",
        "2025/07〜2025/08",
        "2025/05〜2025/06",
        "2025/03〜2025/04",
    ]
    switch = soup.select_one("p.period-switch a")
    assert switch.get_text(strip=True) == "すべて表示（24期間）"
    assert switch["href"] == f"/usage/{contract.id}?periods=all#periods-heading"


def test_すべて表示_shows_all_24_periods_newest_first(client, contract):
    soup = get_page(client, f"/usage/{contract.id}?periods=all")
    table = rows(soup, "table-periods")
    assert len(table) == 24
    assert table[0] == ["2026/01/01〜2026/02/28", "27 m³", "26 m³"]
    assert not [r for r in table if r[0].startswith("2024/05/01")]
    # 2021-11 is older than the 24 periods shown, but still the year before 2022-11.
    assert ["2022/11/01〜2022/12/31", "33 m³", "32 m³"] in table
    assert table[-1] == ["2022/01/01〜2022/02/28", "23 m³", "データなし"]
    names = period_names(soup)
    assert len(names) == 24 and names[0] == "2026/01〜2026/02" and names[-1] == "2022/01〜2022/02"
    back = soup.select_one("p.period-switch a")
    assert back.get_text(strip=True) == "直近6期間だけ表示"
    assert back["href"] == f"/usage/{contract.id}#periods-heading"
    # The day form keeps the choice.
    assert soup.select_one("form.day-form input[name=periods]")["value"] == "all"


def test_no_switch_with_6_periods_or_fewer(client, auth, clock):
    customer = signed_in_contract(auth, clock, NOW)
    for start in starts()[-3:]:
        make_bill(customer, start, period_end(start), usage_m3=usage_of(start))
    soup = get_page(client, f"/usage/{customer.id}")
    assert len(rows(soup, "table-periods")) == 3
    assert soup.select_one("p.period-switch") is None


def test_period_chart_is_an_accessible_svg_with_both_bars(client, contract):
    soup = get_page(client, f"/usage/{contract.id}")
    svg = soup.find("svg", id="chart-periods")
    assert svg["role"] == "img"
    assert svg["aria-labelledby"] == "chart-periods-title chart-periods-desc"
    assert svg.title.get_text() == "直近6期間の使用水量と前年同期（新しい順）"
    assert svg.desc.get_text() == "最新の期間（2026/01/01〜2026/02/28）は27 m³、前年同期は26 m³。"
    assert len(svg.find_all("rect", class_="chart-bar")) == 6
    assert len(svg.find_all("rect", class_="chart-bar-before")) == 5  # none for 2025-05
    values = [t.get_text() for t in svg.find_all("text", class_="chart-value")]
    assert values[:4] == ["27 m³", "26 m³", "36 m³", "35 m³"]
    # The legend names the two bars once, in the order drawn and as the table's columns.
    legend = soup.select_one("#chart-periods").find_previous("figcaption", class_="chart-legend")
    assert [s.get_text(strip=True) for s in legend.find_all("span", recursive=False)] == [
        "使用水量",
        "前年同期",
    ]
    assert "今回" not in soup.select_one("#periods-heading").parent.get_text()


def test_charts_draw_text_at_a_fixed_size(client, contract):
    """No viewBox: the text is not scaled with the page; the bars' widths are shares of
    the chart's width."""
    soup = get_page(client, f"/usage/{contract.id}")
    for svg in soup.select("svg.chart"):
        assert "viewbox" not in svg.attrs and svg["width"] == "100%", svg["id"]
        assert int(svg["height"]) > 0
    widths = [r["width"] for r in soup.select("#chart-periods rect")]
    assert all(w.endswith("%") and 0 < float(w[:-1]) <= 72 for w in widths)


def test_period_table_scrolls_as_a_labelled_region(client, contract):
    soup = get_page(client, f"/usage/{contract.id}")
    region = soup.find("table", id="table-periods").parent
    assert region["role"] == "region" and region["tabindex"] == "0"
    caption = soup.find(id=region["aria-labelledby"])
    assert caption.get_text() == "検針期間ごとの使用水量（新しい順）"


def test_period_csv(client, contract):
    lines = read_csv(client.get(f"/usage/{contract.id}/periods.csv"))
    assert lines[0] == ["期間開始", "期間終了", "使用水量(m³)", "前年同期(m³)"]
    assert len(lines) == 25  # all 24 periods, newest first as on the page
    assert lines[1] == ["2026-01-01", "2026-02-28", "27", "26"]
    assert ["2025-05-01", "2025-06-30", "30", ""] in lines
    assert lines[-1] == ["2022-01-01", "2022-02-28", "23", ""]


@pytest.mark.parametrize(
    ("locale", "first_row", "names", "legend", "switch"),
    [
        (
            "en",
            ["Jan 1, 2026–Feb 28, 2026", "27 m³", "26 m³"],
            ["1/2026–2/2026", "11/2025–12/2025"],
            ["Water used", "Same period last year"],
            "Show all (24 periods)",
        ),
        (
            "vi",
            ["1 thg 1, 2026–28 thg 2, 2026", "27 m³", "26 m³"],
            ["tháng 01, 2026–tháng 02, 2026", "tháng 11, 2025–tháng 12, 2025"],
            ["Lượng nước đã dùng", "Cùng kỳ năm trước"],
            "Hiển thị tất cả (24 kỳ)",
        ),
    ],
)
def test_periods_newest_first_in_each_language(
    client, contract, locale, first_row, names, legend, switch
):
    client.set_cookie("lang", locale)
    soup = get_page(client, f"/usage/{contract.id}")
    assert rows(soup, "table-periods")[0] == first_row
    assert period_names(soup)[:2] == names
    caption = soup.select_one("#chart-periods").find_previous("figcaption", class_="chart-legend")
    assert [s.get_text(strip=True) for s in caption.find_all("span", recursive=False)] == legend
    assert soup.select_one("p.period-switch a").get_text(strip=True) == switch


def _day_readings(contract):
    add_readings(contract.meter_id, utc(2026, 2, 8, 14), [4.0, 2.0])  # 23:00 8th, 00:00 9th JST
    add_readings(contract.meter_id, utc(2026, 3, 7, 14), [0.5, 0.7])  # 23:00 7th, 00:00 8th JST
    add_readings(contract.meter_id, utc(2026, 3, 8, 14), [10.0, 3.0])  # 23:00 8th, 00:00 9th


def test_daily_use_counts_each_hour_on_its_town_day(client, contract):
    _day_readings(contract)
    soup = get_page(client, f"/usage/{contract.id}")
    table = rows(soup, "table-daily")
    assert len(table) == 30
    assert table[0] == ["2026/03/10 本日（集計中）", "データなし"]
    assert table[1] == ["2026/03/09", "3.0 L （1時間分）"]
    assert table[2] == ["2026/03/08", "10.7 L （2時間分）"]
    assert table[3] == ["2026/03/07", "0.5 L （1時間分）"]
    assert table[4] == ["2026/03/06", "データなし"]
    # 23:00 JST on 2/8 is before the 30 days; 00:00 JST on 2/9 is their first hour.
    assert table[-1] == ["2026/02/09", "2.0 L （1時間分）"]
    svg = soup.find("svg", id="chart-daily")
    assert svg["role"] == "img"
    assert svg.title.get_text() == "2026/02/09〜2026/03/10 の日ごとの使用水量"
    assert svg.desc.get_text() == "合計 16.2 L。「–」はデータが届いていない日です。"
    assert len(svg.find_all("rect", class_="chart-bar")) == 4
    assert len(svg.find_all("text", class_="chart-missing")) == 26
    ticks = [t.get_text() for t in svg.find_all("text", class_="chart-axis")]
    assert ticks == ["0 L", "10 L", "20 L", "2/9", "2/16", "2/23", "3/2", "3/9"]


def test_daily_csv(client, contract):
    _day_readings(contract)
    lines = read_csv(client.get(f"/usage/{contract.id}/daily.csv"))
    assert lines[0] == ["日付", "使用水量(L)", "データのある時間数"]
    assert len(lines) == 31
    assert lines[1] == ["2026-02-09", "2.0", "1"]
    assert ["2026-03-08", "10.7", "2"] in lines
    assert ["2026-03-06", "", "0"] in lines


@pytest.fixture
def watched(contract):
    registration = WatchRegistration(customer_id=contract.id, account_id=contract.link.account_id)
    db.session.add(registration)
    db.session.flush()
    db.session.add_all(
        [
            WatchWindow(
                registration_id=registration.id,
                position=1,
                start_hour=22,
                entered_hour=22,
                width_hours=6,
            ),
            WatchWindow(
                registration_id=registration.id,
                position=2,
                start_hour=10,
                entered_hour=10,
                width_hours=6,
                removed_at=utc(2026, 3, 1),
            ),
        ]
    )
    db.session.commit()
    return contract


def test_hourly_use_of_a_chosen_day_with_the_watch_windows(client, watched):
    _day_readings(watched)
    soup = get_page(client, f"/usage/{watched.id}?date=2026-03-08")
    table = rows(soup, "table-hourly")
    assert len(table) == 24
    assert table[0] == ["00:00〜01:00", "0.7 L", "見守り"]
    assert table[1] == ["01:00〜02:00", "データなし", "見守り"]
    assert table[4] == ["04:00〜05:00", "データなし", ""]
    assert table[10] == ["10:00〜11:00", "データなし", ""]  # a removed window is not shaded
    assert table[23] == ["23:00〜24:00", "10.0 L", "見守り"]
    svg = soup.find("svg", id="chart-hourly")
    assert svg.title.get_text() == "2026/03/08 の時間ごとの使用水量"
    assert svg.desc.get_text().startswith("合計 10.7 L。網掛けは見守り時間帯です。")
    assert len(svg.find_all("rect", class_="chart-watch")) == 6
    assert len(svg.find_all("rect", class_="chart-bar")) == 2
    assert soup.find("input", id="date")["value"] == "2026-03-08"


def test_hourly_csv(client, watched):
    _day_readings(watched)
    lines = read_csv(client.get(f"/usage/{watched.id}/hourly.csv?date=2026-03-08"))
    assert lines[0] == ["日付", "時刻", "使用水量(L)", "見守り時間帯"]
    assert len(lines) == 25
    assert lines[1] == ["2026-03-08", "00:00", "0.7", "○"]
    assert lines[11] == ["2026-03-08", "10:00", "", ""]
    assert lines[24] == ["2026-03-08", "23:00", "10.0", "○"]


def test_hourly_opens_on_the_last_complete_day(client, contract):
    add_readings(contract.meter_id, utc(2026, 3, 7, 15), [1.0] * 24)  # all of 3/8 JST
    add_readings(contract.meter_id, utc(2026, 3, 8, 15), [2.0] * 20)  # 3/9: 4 hours missing
    add_readings(contract.meter_id, utc(2026, 3, 9, 15), [1.2])  # 00:00 JST on 3/10
    soup = get_page(client, f"/usage/{contract.id}")
    assert soup.find("input", id="date")["value"] == "2026-03-08"
    svg = soup.find("svg", id="chart-hourly")
    assert svg.title.get_text() == "2026/03/08 の時間ごとの使用水量"
    assert rows(soup, "table-hourly")[23] == ["23:00〜24:00", "1.0 L", ""]
    # Its CSV without a day is the same day's.
    lines = read_csv(client.get(f"/usage/{contract.id}/hourly.csv"))
    assert {line[0] for line in lines[1:]} == {"2026-03-08"}
    assert lines[24] == ["2026-03-08", "23:00", "1.0", ""]


def test_hourly_without_a_complete_day_opens_on_yesterday(client, contract):
    add_readings(contract.meter_id, utc(2026, 3, 9, 15), [1.2])  # 00:00 JST on 3/10
    soup = get_page(client, f"/usage/{contract.id}")
    assert soup.find("input", id="date")["value"] == "2026-03-09"
    assert rows(soup, "table-hourly")[0] == ["00:00〜01:00", "データなし", ""]


def test_today_so_far_when_chosen(client, contract):
    add_readings(contract.meter_id, utc(2026, 3, 9, 15), [1.2])  # 00:00 JST on 3/10
    soup = get_page(client, f"/usage/{contract.id}?date=2026-03-10")
    assert soup.find("input", id="date")["value"] == "2026-03-10"
    table = rows(soup, "table-hourly")
    assert table[0] == ["00:00〜01:00", "1.2 L", ""]
    # Now is 12:00 JST: hours that have ended without data are missing, the rest to come.
    assert table[11] == ["11:00〜12:00", "データなし", ""]
    assert table[12] == ["12:00〜13:00", "計測前", ""]
    assert table[23] == ["23:00〜24:00", "計測前", ""]
    svg = soup.find("svg", id="chart-hourly")
    assert len(svg.find_all("text", class_="chart-missing")) == 11


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-13-01", "日付を正しく入力してください。"),
        ("abc", "日付を正しく入力してください。"),
        ("2026-03-11", "未来の日付は指定できません。"),
    ],
)
def test_a_bad_date_is_refused_beside_the_field(client, contract, value, message):
    soup = get_page(client, f"/usage/{contract.id}?date={value}")
    errors = soup.find(id="date-error")
    assert [li.get_text() for li in errors.find_all("li")] == [message]
    assert errors.find_parent(class_="field").label.get_text() == "日付"
    # The chart falls back to the day it opens on (yesterday: no complete day here).
    assert soup.find("svg", id="chart-hourly").title.get_text() == "2026/03/09 の時間ごとの使用水量"


def test_contract_without_smart_meter_has_no_daily_or_hourly_use(client, auth, clock):
    customer = signed_in_contract(auth, clock, NOW, smart_meter=False)
    soup = get_page(client, f"/usage/{customer.id}")
    assert soup.find(class_="notice").get_text() == (
        "水道スマートメーターが設置されていないため、日ごと・時間ごとの使用水量は表示できません。"
    )
    assert soup.find("svg", id="chart-daily") is None
    assert "ご請求の記録はまだありません。" in soup.main.get_text()
    assert client.get(f"/usage/{customer.id}/daily.csv").status_code == 404
    assert client.get(f"/usage/{customer.id}/hourly.csv").status_code == 404


def test_another_accounts_contract_is_not_found(client, contract):
    other = make_customer()
    link(make_account("hanako@example.com"), other)
    for suffix in ("", "/periods.csv", "/daily.csv", "/hourly.csv"):
        assert client.get(f"/usage/{other.id}{suffix}").status_code == 404


def test_usage_needs_login(client):
    assert client.get("/usage").status_code == 302


def test_several_contracts_can_be_switched(client, contract):
    second = make_customer()
    link(account_of(contract), second)
    soup = get_page(client, f"/usage/{second.id}")
    links = soup.find("ul", class_="contract-switch").find_all("a")
    assert [a.get_text(" ", strip=True).split()[0] for a in links] == [
        contract.display_number,
        second.display_number,
    ]
    assert links[1]["aria-current"] == "page"


def test_nice_max_and_bar_heights():
    assert [charts.nice_max(v) for v in (0, 0.7, 3, 12, 26, 99)] == [1, 1, 5, 20, 50, 100]
    chart = charts.column_chart([10, None, 5, 0], ["a", "b", "c", "d"], str)
    assert [round(b.height, 1) for b in chart.bars] == [chart.plot.height, chart.plot.height / 2]
    assert [m.text for m in chart.missing] == ["–"]
    pair = charts.pair_chart([("x", 20, None)], str)
    assert pair.rows[0].before is None and pair.rows[0].current.width > 0


def test_a_one_line_summary_above_the_period_chart(client, contract):
    soup = get_page(client, f"/usage/{contract.id}")
    summary = soup.select_one("#periods-heading ~ p.chart-summary")
    # The latest period 2026-01 used 26+1 m³, the same period a year earlier 25+1 m³.
    assert summary.get_text(" ", strip=True) == "前回 27 m³（前年同期 26 m³）"


@pytest.mark.parametrize(
    ("locale", "line"),
    [
        ("en", "Last period 27 m³ (same period last year 26 m³)"),
        ("vi", "Kỳ trước 27 m³ (cùng kỳ năm trước 26 m³)"),
        ("zh_Hans", "上期 27 m³（上年同期 26 m³）"),
        ("ko", "지난 기간 27 m³(전년 동기 26 m³)"),
    ],
)
def test_the_period_summary_in_each_language(client, contract, locale, line):
    client.set_cookie("lang", locale)
    soup = get_page(client, f"/usage/{contract.id}")
    assert soup.select_one("p.chart-summary").get_text(" ", strip=True) == line


def test_today_is_marked_as_still_counting_in_the_daily_table(client, contract):
    soup = get_page(client, f"/usage/{contract.id}")
    first = soup.find(id="table-daily").tbody.tr.th
    assert first.get_text(" ", strip=True) == "2026/03/10 本日（集計中）"
    second = soup.find(id="table-daily").tbody.find_all("tr")[1].th
    assert second.get_text(" ", strip=True) == "2026/03/09"


def test_the_watch_legend_only_for_a_watched_contract(client, contract):
    soup = get_page(client, f"/usage/{contract.id}")
    assert soup.select("figcaption.chart-legend .swatch-watch") == []


def test_todays_bar_is_drawn_apart_as_still_counting(client, contract):
    add_readings(contract.meter_id, utc(2026, 3, 9, 23), [1.5, 0.5])  # 08:00-10:00 JST today
    add_readings(contract.meter_id, utc(2026, 3, 8, 23), [9.0])
    soup = get_page(client, f"/usage/{contract.id}")
    svg = soup.find("svg", id="chart-daily")
    assert len(svg.find_all("rect", class_="chart-bar-partial")) == 1
    assert len(svg.find_all("rect", class_="chart-today")) == 1  # the whole slot marked
    assert len(svg.find_all("rect", class_="chart-bar")) == 1
    legend = svg.find_next("figcaption", class_="chart-legend")
    assert legend.get_text(strip=True) == "本日（集計中）"
