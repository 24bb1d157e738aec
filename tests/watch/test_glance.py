"""The latest report at a glance on トップ and on the registration screen: one line per
status, as the tick evaluated a known window, and when the next report comes."""

from __future__ import annotations

from datetime import date

import pytest

from tests.support.pages import get_page, text
from tests.support.readings import add_readings
from tests.support.ticks import run_tick
from tests.support.watch import register
from tests.support.watch_rows import jst, pause

# 08:00〜14:00 on 2 December, reported at 14:30: what the meter sent, what the line says.
CASES = {
    "used": (
        [20.0, 30.0, 40.0, 47.0, 0, 0],
        "12月2日 08:00〜14:00 水道の使用がありました 137 L — 14:30 送信",
    ),
    "none": ([0] * 6, "12月2日 08:00〜14:00 水道の使用はありませんでした — 14:30 送信"),
    "missing": (None, "12月2日 08:00〜14:00 データを受信できませんでした — 14:30 送信"),
    "partial": (
        [1.0, None, 1.5, 1.0, 1.0, 1.0],
        "12月2日 08:00〜14:00 一部のデータを受信できませんでした（1時間分）、"
        "受信できた時間に 5.5 L の使用 — 14:30 送信",
    ),
    "paused": ([3.0] * 6, "12月2日 08:00〜14:00 一時停止中のため、お知らせしていません"),
}
NEXT = "次のお知らせ: 12月3日 14:30（08:00〜14:00 の分）"


@pytest.fixture
def reported(clock, account, contract, run_jobs, smtp):
    """Registered on 1 December; 2 December's window evaluated with the case's readings."""

    def report(case: str):
        clock.freeze(jst(2026, 12, 1, 15))
        registration = register(account, contract, hours=(8,))
        if case == "paused":
            pause(registration, date(2026, 12, 2), date(2026, 12, 2))
        run_jobs()
        liters = CASES[case][0]
        if liters is not None:
            add_readings(contract.meter_id, jst(2026, 12, 2, 8), liters)
        clock.freeze(jst(2026, 12, 2, 14, 30))
        run_tick(jst(2026, 12, 2, 14, 30))
        run_jobs()
        clock.freeze(jst(2026, 12, 2, 15))
        return registration

    return report


def glance_of(soup, contract):
    """The glance block: on トップ inside the contract's card, else the page's own."""
    card = soup.find(id=f"contract-{contract.id}")
    block = (card.find_parent("section") if card else soup).select_one(".watch-latest")
    return text(block.select_one(".watch-glance")), text(block.select_one(".watch-next"))


@pytest.mark.parametrize("case", list(CASES))
def test_the_glance_line_per_status_on_top_and_the_registration_screen(
    client, contract, reported, case
):
    reported(case)
    for url in ("/", f"/watch/{contract.id}/edit"):
        assert glance_of(get_page(client, url), contract) == (CASES[case][1], NEXT), url


def test_before_the_first_report_the_glance_says_none_yet(client, clock, account, contract):
    clock.freeze(jst(2026, 12, 2, 9))
    register(account, contract, hours=(8,))
    for url in ("/", f"/watch/{contract.id}/edit"):
        line, coming = glance_of(get_page(client, url), contract)
        assert line.startswith("まだお知らせはありません。"), url
        assert coming == "次のお知らせ: 12月2日 14:30（08:00〜14:00 の分）"


def test_a_contract_not_watched_has_no_glance(client, contract):
    soup = get_page(client, "/")
    assert soup.select(".watch-latest") == []


def test_top_links_the_history_from_the_glance(client, contract, reported):
    reported("used")
    block = get_page(client, "/").select_one(".watch-latest")
    link = block.find("a", string="見守り履歴を見る")
    assert link["href"] == f"/watch/{contract.id}/history"


LANGUAGES = {
    "en": (
        "used",
        "Dec 2 08:00–14:00 Water was used: 137 L — sent at 14:30",
        "Next report: Dec 3 14:30 (for 08:00–14:00)",
    ),
    "vi": (
        "none",
        "2 thg 12 08:00–14:00 Không có sử dụng nước — gửi lúc 14:30",
        "Thông báo tiếp theo: 3 thg 12 14:30 (cho khung giờ 08:00–14:00)",
    ),
    "zh_Hans": (
        "missing",
        "12月2日 08:00～14:00 未能接收到数据 — 14:30 发送",
        "下次通知: 12月3日 14:30（08:00～14:00 的部分）",
    ),
    "ko": (
        "paused",
        "12월 2일 08:00~14:00 일시 정지 중이므로 알려 드리지 않았습니다",
        "다음 알림: 12월 3일 14:30(08:00~14:00 분)",
    ),
}


@pytest.mark.parametrize("locale", list(LANGUAGES))
def test_the_glance_in_each_language(client, contract, reported, locale):
    case, line, coming = LANGUAGES[locale]
    reported(case)
    client.get(f"/lang/{locale}?next=/")
    for url in ("/", f"/watch/{contract.id}/edit"):
        assert glance_of(get_page(client, url), contract) == (line, coming), url
