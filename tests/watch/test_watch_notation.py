"""One midnight: a window 18:00–24:00 reads the same on the input, 確認 and done screens, in
the registration mail, the report's subject and 見守り履歴, in every language."""

from __future__ import annotations

import pytest

from kodaira_app.extensions import db
from kodaira_app.timeutil import clock_label, span_label
from kodaira_app.watch.windows import check_windows, window_summary
from tests.support.mailbox import text_body
from tests.support.pages import page
from tests.support.readings import add_readings
from tests.support.ticks import run_tick
from tests.support.watch import input_data
from tests.support.watch_rows import jst

LOCALES = ["ja", "en", "vi", "zh_Hans", "ko"]
# The window of a start at 18:00, and the line beside the chosen hour, on 確認 and done.
SPAN = {
    "ja": "18:00〜翌0:00",
    "en": "18:00–0:00 (next day)",
    "vi": "18:00–0:00 (hôm sau)",
    "zh_Hans": "18:00～次日0:00",
    "ko": "18:00~다음 날 0:00",
}
LINE = {
    "ja": "18:00〜翌0:00 を見守り、翌0:30 ごろメール",
    "en": "Watch 18:00–0:00 (next day), email at about 0:30 (next day)",
    "vi": "Theo dõi 18:00–0:00 (hôm sau), gửi thư vào khoảng 0:30 (hôm sau)",
    "zh_Hans": "守护 18:00～次日0:00，约 次日0:30 发送邮件",
    "ko": "18:00~다음 날 0:00 안부 확인, 다음 날 0:30경 메일 발송",
}
# The registration mail's line about the window.
NOTICE = {
    "ja": "18:00〜翌0:00 の使用量を 翌0:30 ごろお知らせします",
    "en": "We will report the water used from 18:00 to 0:00 (next day) at about 0:30 (next day)",
    "vi": "Lượng nước đã dùng từ 18:00 đến 0:00 (hôm sau) sẽ được thông báo vào khoảng 0:30 "
    "(hôm sau)",
    "zh_Hans": "18:00～次日0:00 的用水量将于 次日0:30 左右通知您",
    "ko": "18:00~다음 날 0:00의 사용량을 다음 날 0:30경에 알려 드립니다",
}


def shown(node) -> str:
    return " ".join(node.get_text().split())


def test_one_function_writes_every_time():
    assert [clock_label(m) for m in (0, 390, 1439)] == ["00:00", "06:30", "23:59"]
    assert [clock_label(m) for m in (1440, 1470, 1680)] == ["翌0:00", "翌0:30", "翌4:00"]
    assert span_label(0, 360) == "00:00〜06:00"  # a window starting at midnight
    assert span_label(1080, 1440) == "18:00〜翌0:00"  # one ending at midnight
    assert window_summary(6) == "06:00〜12:00 を見守り、12:30 ごろメール"
    assert window_summary(24) == window_summary(0) == "00:00〜06:00 を見守り、06:30 ごろメール"


def test_24_is_still_accepted_where_an_hour_is_typed(client, contract):
    assert check_windows([6, 24]) == [6, 24]
    response = client.post(f"/watch/{contract.id}/edit", data=input_data(hours=("24", "")))
    assert response.headers["Location"] == f"/watch/{contract.id}/confirm"
    soup = page(client.get(response.headers["Location"]))
    assert [shown(d) for d in soup.select(".watch-hour")] == ["1. 00:00"]
    assert [shown(d) for d in soup.select(".watch-window")] == [
        "00:00〜06:00 を見守り、06:30 ごろメール"
    ]


@pytest.mark.parametrize("locale", LOCALES)
def test_midnight_reads_the_same_everywhere(
    client, clock, account, contract, smtp, run_jobs, locale
):
    clock.freeze(jst(2026, 12, 1, 9))
    account.locale = locale
    db.session.commit()
    client.set_cookie("lang", locale)
    data = input_data(hours=("18", ""), recipients=(("息子", "son@example.com"),), locale=locale)
    client.post(f"/watch/{contract.id}/edit", data=data)
    # 確認
    soup = page(client.get(f"/watch/{contract.id}/confirm"))
    assert [shown(d) for d in soup.select(".watch-hour")] == ["1. 18:00"]
    assert [shown(d) for d in soup.select(".watch-window")] == [LINE[locale]]
    # 戻る: the input screen, the line beside the chosen hour
    soup = page(client.get(f"/watch/{contract.id}/edit"))
    assert shown(soup.select_one("#hour_1-window")) == LINE[locale]
    assert "hour_1-window" in soup.select_one("#hour_1")["aria-describedby"].split()
    # 登録 → done
    soup = page(client.post(f"/watch/{contract.id}/confirm", follow_redirects=True))
    assert [shown(d) for d in soup.select(".watch-window")] == [LINE[locale]]
    # the registration mail, in the recipient's language
    run_jobs()
    [notice] = smtp.to("son@example.com")
    assert NOTICE[locale] in " ".join(text_body(notice).split())
    smtp.clear()
    # the report of the evening, sent after midnight
    add_readings(contract.meter_id, jst(2026, 12, 1, 18), [1.0] * 6)
    clock.freeze(jst(2026, 12, 2, 0, 30))
    run_tick(jst(2026, 12, 2, 0, 30))
    run_jobs()
    [report] = smtp.to("son@example.com")
    assert SPAN[locale] in report["Subject"], report["Subject"]
    # 見守り履歴
    soup = page(client.get(f"/watch/{contract.id}/history"))
    cells = [shown(td) for td in soup.select("table.history-table td")]
    assert any(cell.endswith(SPAN[locale]) for cell in cells)
    for text in (report["Subject"], text_body(report), soup.main.get_text()):
        assert "24:00" not in text
