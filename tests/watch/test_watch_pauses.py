"""一時停止: from a date to a date, cancellable; recipients told once at each end."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from kodaira_app.extensions import db
from kodaira_app.models import WatchPause
from kodaira_app.queue.periodic import PERIODIC_JOBS, run_periodic
from kodaira_app.timeutil import utcnow
from kodaira_app.watch.pauses import is_paused, send_due_pause_notices, town_date
from kodaira_app.watch.windows import window_bounds
from tests.support.accounts import make_account
from tests.support.mailbox import text_body
from tests.support.pages import page
from tests.support.watch import error_beside, flashes, own_contract, register

TOKYO = ZoneInfo("Asia/Tokyo")


def at(day, hour=0, minute=5):
    return datetime.combine(day, time(hour, minute), tzinfo=TOKYO).astimezone(UTC)


def japanese(day):
    return f"{day.year}年{day.month}月{day.day}日"


@pytest.fixture
def today():
    return town_date(utcnow())


def add_pause(registration, start, end):
    pause = WatchPause(registration_id=registration.id, start_date=start, end_date=end)
    db.session.add(pause)
    db.session.commit()
    return pause


def post_pause(client, contract, start, end):
    return client.post(
        f"/watch/{contract.id}/pause",
        data={
            "start_date": start.isoformat() if start else "",
            "end_date": end.isoformat() if end else "",
        },
    )


def test_pause_is_reached_from_the_registration_screen(client, contract, registration):
    soup = page(client.get(f"/watch/{contract.id}/edit"))
    link = soup.select_one(".actions-end").find("a", string="一時停止")
    soup = page(client.get(link["href"]))
    assert soup.find("label", attrs={"for": "start_date"}).get_text(strip=True) == "開始日*"
    assert soup.find("label", attrs={"for": "end_date"}).get_text(strip=True) == "終了日*"


def test_no_pause_without_a_registration(client, contract):
    response = client.get(f"/watch/{contract.id}/pause")
    assert response.headers["Location"] == "/watch"
    assert "見守りの登録はありません。" in flashes(page(client.get("/watch")))


@pytest.mark.parametrize(
    "start, end, field_id, message",
    [
        (-1, 3, "start_date", "開始日に過去の日付は指定できません"),
        (5, 4, "end_date", "終了日は開始日以降の日付を指定してください"),
        (1, 61, "end_date", "一時停止できるのは最大60日間です"),
        (None, 3, "start_date", "日付を入力してください"),
        (1, None, "end_date", "日付を入力してください"),
    ],
)
def test_bad_pauses_are_refused_beside_the_field(
    client, contract, registration, today, start, end, field_id, message
):
    def day(offset):
        return None if offset is None else today + timedelta(days=offset)

    soup = page(post_pause(client, contract, day(start), day(end)))
    assert error_beside(soup, field_id) == [message]
    assert db.session.query(WatchPause).count() == 0


def test_sixty_days_from_today_is_accepted_and_listed(client, contract, registration, today):
    end = today + timedelta(days=59)
    response = post_pause(client, contract, today, end)
    assert response.headers["Location"] == f"/watch/{contract.id}/pause"
    soup = page(client.get(response.headers["Location"]))
    assert "一時停止を登録しました。" in flashes(soup)
    [period] = [s.get_text(strip=True) for s in soup.select(".pause-period")]
    assert period == f"{japanese(today)} 〜 {japanese(end)}"


def test_overlapping_pause_is_refused(client, contract, registration, today):
    add_pause(registration, today + timedelta(days=3), today + timedelta(days=5))
    soup = page(post_pause(client, contract, today + timedelta(days=5), today + timedelta(days=8)))
    assert error_beside(soup, "start_date") == ["指定の期間は、ほかの一時停止と重なっています"]
    assert db.session.query(WatchPause).count() == 1


def test_pause_can_be_cancelled(client, contract, registration, today):
    pause = add_pause(registration, today + timedelta(days=3), today + timedelta(days=5))
    soup = page(client.get(f"/watch/{contract.id}/pause"))
    form = soup.find("button", string="一時停止を取り消す").find_parent("form")
    response = client.post(form["action"])
    assert "一時停止を取り消しました。" in flashes(page(client.get(response.headers["Location"])))
    db.session.refresh(pause)
    assert pause.cancelled_at is not None
    assert page(client.get(f"/watch/{contract.id}/pause")).select(".pause-period") == []


def test_another_accounts_pause_cannot_be_cancelled(client, contract, registration, today):
    other = make_account("other@example.com")
    theirs = register(other, own_contract(other))
    pause = add_pause(theirs, today + timedelta(days=1), today + timedelta(days=2))
    assert client.post(f"/watch/{contract.id}/pause/{pause.id}/cancel").status_code == 404
    db.session.refresh(pause)
    assert pause.cancelled_at is None


def test_recipients_are_told_once_when_it_starts_and_once_when_it_ends(
    registration, today, smtp, run_jobs
):
    start, end = today + timedelta(days=2), today + timedelta(days=4)
    add_pause(registration, start, end)
    assert send_due_pause_notices(at(today)) == 0
    assert send_due_pause_notices(at(start)) == 1
    assert send_due_pause_notices(at(start, 12)) == 0
    assert send_due_pause_notices(at(end, 23)) == 0
    run_jobs()
    [mail] = smtp.messages
    assert mail["Subject"] == "【小平町水道アプリ】見守りメールを一時停止します"
    body = text_body(mail)
    assert f"{japanese(start)} から {japanese(end)} まで、見守りメールを一時停止します。" in body
    token = registration.recipients[0].stop_token
    assert f"http://localhost/stop/{token}" in body
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    smtp.clear()
    assert send_due_pause_notices(at(end + timedelta(days=1))) == 1
    assert send_due_pause_notices(at(end + timedelta(days=2))) == 0
    run_jobs()
    [mail] = smtp.messages
    assert mail["Subject"] == "【小平町水道アプリ】見守りメールを再開します"
    assert "見守りメールの送信を再開します。" in text_body(mail)


def test_pause_cancelled_before_it_starts_sends_nothing(registration, today, smtp, run_jobs):
    pause = add_pause(registration, today + timedelta(days=1), today + timedelta(days=2))
    pause.cancelled_at = utcnow()
    db.session.commit()
    for offset in range(5):
        assert send_due_pause_notices(at(today + timedelta(days=offset))) == 0


def test_pause_cancelled_after_it_started_ends_with_a_notice(registration, today):
    pause = add_pause(registration, today, today + timedelta(days=10))
    assert send_due_pause_notices(at(today)) == 1
    pause.cancelled_at = utcnow()
    db.session.commit()
    assert send_due_pause_notices(at(today, 23)) == 1
    assert pause.end_notified_at is not None


def test_stopped_recipients_are_not_told(registration, today):
    registration.recipients[0].stopped_at = utcnow()
    db.session.commit()
    add_pause(registration, today, today)
    assert send_due_pause_notices(at(today)) == 0


def test_is_paused_for_windows_inside_the_pause(registration, today):
    start, end = today + timedelta(days=1), today + timedelta(days=2)
    pause = add_pause(registration, start, end)
    assert not is_paused(registration, window_bounds(18, today)[0])
    assert is_paused(registration, window_bounds(0, start)[0])
    assert is_paused(registration, window_bounds(18, end)[0])
    assert not is_paused(registration, window_bounds(0, end + timedelta(days=1))[0])
    # cancelled: windows that began before the cancel stay paused, later ones are not
    pause.cancelled_at = window_bounds(12, start)[0]
    db.session.commit()
    assert is_paused(registration, window_bounds(6, start)[0])
    assert not is_paused(registration, window_bounds(18, start)[0])


def test_the_notices_are_a_periodic_job(registration, today, smtp, run_jobs):
    [job] = [j for j in PERIODIC_JOBS if j.name == "watch-pause-notices"]
    assert (job.func, job.queue) == ("kodaira_app.watch.pauses.send_due_pause_notices", "mail")
    add_pause(registration, today, today + timedelta(days=1))
    run_periodic()
    run_jobs()  # the job, then the mail it queued
    run_jobs()
    assert [m["Subject"] for m in smtp.messages] == [
        "【小平町水道アプリ】見守りメールを一時停止します"
    ]
