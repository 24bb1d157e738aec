"""The 見守り report mails: what the guide's examples produce at a real SMTP server."""

from __future__ import annotations

from datetime import date

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from kodaira_app.extensions import db
from kodaira_app.models import Delivery, OutboxMail, WindowEvaluation
from kodaira_app.watch.history import history_rows
from tests.support.mailbox import html_body, text_body
from tests.support.readings import add_readings
from tests.support.ticks import run_tick
from tests.support.watch_rows import jst, make_watch, pause


def meter_of(registration):
    from kodaira_app.models import Customer

    return db.session.get(Customer, registration.customer_id).meter_id


def only_mail(smtp, address="son@example.com"):
    [message] = smtp.to(address)
    return message


def test_start_0600_mails_at_1230_about_0600_to_1200(app, smtp, run_jobs):
    reg = make_watch(hours=(6,))
    add_readings(meter_of(reg), jst(2026, 11, 25, 6), [2.0, 3.5, 0, 4.0, 1.5, 1.5])
    # 12:29 in the town: not due yet.
    assert run_tick(jst(2026, 11, 25, 12, 29)).slots == []
    result = run_tick(jst(2026, 11, 25, 12, 30))
    assert [s.statuses["used"] for s in result.slots] == [1]
    run_jobs()
    message = only_mail(smtp)
    assert message["Subject"] == "【見守り】小平 太郎：使用あり 12.5 L ／ 11月25日 06:00〜12:00"
    body = text_body(message)
    assert "息子 様" in body
    assert "お客様番号: 0-******" in body and reg.customer_id  # masked, not the full number
    assert "見守り時間: 11月25日 06:00〜12:00（日本時間）" in body
    assert "使用水量: 12.5 L" in body
    # The ※ notes went out once, with the 通知先 notice; each report links them.
    assert "※ 水道スマートメーターの電波状況によってはご利用できない場合もあります。" not in body
    assert "ご注意を見る\nhttp://localhost/faq#notes" in body


def test_masked_number_hides_the_middle_digits(app, smtp, run_jobs):
    from tests.support.factories import make_customer

    customer = make_customer(customer_number="00000008002")
    reg = make_watch(customer=customer)
    add_readings(meter_of(reg), jst(2026, 11, 25, 6), [1] * 6)
    run_tick(jst(2026, 11, 25, 12, 30))
    run_jobs()
    body = text_body(only_mail(smtp))
    assert "お客様番号: 0-******8002" in body
    assert "0000008002" not in body


def test_mail_carries_stop_link_headers_and_html(app, smtp, run_jobs):
    reg = make_watch(hours=(6,))
    add_readings(meter_of(reg), jst(2026, 11, 25, 6), [1.0] * 6)
    run_tick(jst(2026, 11, 25, 12, 30))
    run_jobs()
    message = only_mail(smtp)
    token = reg.recipients[0].stop_token
    stop = f"http://localhost/stop/{token}"
    assert message["List-Unsubscribe"] == f"<{stop}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert stop in text_body(message)
    assert "http://localhost/procedures" in text_body(message)
    soup = BeautifulSoup(html_body(message), "html.parser")
    links = {a.get_text(strip=True): a["href"] for a in soup.find_all("a")}
    assert links["このメールの配信を停止する"] == stop
    terms = [dt.get_text(strip=True) for dt in soup.find_all("dt")]
    values = [dd.get_text(" ", strip=True) for dd in soup.find_all("dd")]
    assert dict(zip(terms, values, strict=True))["使用水量"].startswith("6.0 L")
    assert soup.select("ul.notes li") == []
    assert links["ご注意を見る"] == "http://localhost/faq#notes"
    assert links["見守り履歴を見る"] == f"http://localhost/watch/{reg.customer_id}/history"
    raw = smtp.raw[0]
    assert b"=?utf-8?" in raw.lower()
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    # staff read the same mail in the outbox, linked from the delivery
    delivery = db.session.scalars(select(Delivery)).one()
    copy = db.session.get(OutboxMail, delivery.outbox_id)
    assert copy.subject == message["Subject"] and copy.status == "sent"
    assert delivery.message_id == message["Message-ID"]


def test_start_24_mails_at_0630_about_0000_to_0600(app, smtp, run_jobs):
    reg = make_watch(hours=(24,))
    add_readings(meter_of(reg), jst(2026, 11, 26, 0), [0, 0, 0.5, 0, 0, 0])
    run_tick(jst(2026, 11, 26, 6, 30))
    run_jobs()
    message = only_mail(smtp)
    assert message["Subject"] == "【見守り】小平 太郎：使用あり 0.5 L ／ 11月26日 00:00〜06:00"


def test_window_ending_at_midnight_ends_the_next_day_at_0_00(app, smtp, run_jobs):
    reg = make_watch(hours=(18,))
    add_readings(meter_of(reg), jst(2026, 11, 25, 18), [1] * 6)
    run_tick(jst(2026, 11, 26, 0, 30))
    run_jobs()
    assert "11月25日 18:00〜翌0:00" in only_mail(smtp)["Subject"]


def test_zero_use_is_reported_as_none(app, smtp, run_jobs):
    reg = make_watch()
    add_readings(meter_of(reg), jst(2026, 11, 25, 6), [0] * 6)
    run_tick(jst(2026, 11, 25, 12, 30))
    run_jobs()
    message = only_mail(smtp)
    assert message["Subject"] == "【見守り】小平 太郎：使用なし ／ 11月25日 06:00〜12:00"
    body = text_body(message)
    assert "使用水量: 0.0 L" in body
    assert "この時間帯に水道の使用はありませんでした。" in body


def test_no_data_is_never_reported_as_zero(app, smtp, run_jobs):
    make_watch()
    run_tick(jst(2026, 11, 25, 12, 30))
    run_jobs()
    message = only_mail(smtp)
    assert message["Subject"] == "【見守り】小平 太郎：データ未着 ／ 11月25日 06:00〜12:00"
    body = text_body(message)
    assert "使用水量: データを受信できませんでした" in body
    assert "0.0 L" not in body and "使用はありませんでした" not in body


def test_partial_data_names_missing_hours_then_follow_up_has_real_figure(app, smtp, run_jobs):
    reg = make_watch()
    meter = meter_of(reg)
    add_readings(meter, jst(2026, 11, 25, 6), [1.0, None, None, 2.0, 0, 0.5])
    run_tick(jst(2026, 11, 25, 12, 30))
    run_jobs()
    message = only_mail(smtp)
    assert (
        message["Subject"]
        == "【見守り】小平 太郎：使用あり 3.5 L 以上（一部未受信） ／ 11月25日 06:00〜12:00"
    )
    body = text_body(message)
    # Two missing hours in a row are one range.
    assert "受信できなかった時間: 07:00〜09:00\n" in body
    assert "受信できた時間の使用量: 3.5 L" in body
    # An hour later only one of the two hours has come: no follow-up yet.
    add_readings(meter, jst(2026, 11, 25, 7), [4.0])
    run_tick(jst(2026, 11, 25, 13, 30))
    run_jobs()
    assert len(smtp.messages) == 1
    add_readings(meter, jst(2026, 11, 25, 8), [1.0])
    run_tick(jst(2026, 11, 25, 14, 30))
    run_tick(jst(2026, 11, 25, 15, 30))
    run_jobs()
    followup = smtp.messages[1]
    assert followup["Subject"] == (
        "【見守り・続報】小平 太郎：使用あり 8.5 L ／ 11月25日 06:00〜12:00"
    )
    assert "あらためてお知らせします" in text_body(followup)
    assert len(smtp.messages) == 2


def test_missing_data_follow_up_once_within_24_hours_only(app, smtp, run_jobs):
    reg = make_watch()
    run_tick(jst(2026, 11, 25, 12, 30))
    # Data arrives more than 24 h after the window: no follow-up.
    add_readings(meter_of(reg), jst(2026, 11, 25, 6), [0] * 6)
    run_tick(jst(2026, 11, 26, 12, 30))
    run_jobs()
    subjects = [m["Subject"] for m in smtp.messages]
    assert subjects[0].startswith("【見守り】小平 太郎：データ未着 ／")
    assert not any("続報" in s for s in subjects)


def test_missing_data_that_arrives_gives_follow_up_with_zero(app, smtp, run_jobs):
    reg = make_watch()
    run_tick(jst(2026, 11, 25, 12, 30))
    add_readings(meter_of(reg), jst(2026, 11, 25, 6), [0] * 6)
    run_tick(jst(2026, 11, 25, 13, 30))
    run_jobs()
    assert [m["Subject"] for m in smtp.messages] == [
        "【見守り】小平 太郎：データ未着 ／ 11月25日 06:00〜12:00",
        "【見守り・続報】小平 太郎：使用なし ／ 11月25日 06:00〜12:00",
    ]


def test_usual_use_is_median_of_previous_complete_days(app, smtp, run_jobs):
    reg = make_watch(created_at=jst(2026, 11, 1))
    meter = meter_of(reg)
    # Previous days: 6 L, 12 L, 30 L and one day with missing data (not counted).
    for day, liters in ((22, [1.0] * 6), (23, [2.0] * 6), (24, [5.0] * 6), (21, [None] * 6)):
        add_readings(meter, jst(2026, 11, day, 6), liters)
    for day in (21, 22, 23, 24):  # the tick of each day, on time
        run_tick(jst(2026, 11, day, 12, 30))
    add_readings(meter, jst(2026, 11, 25, 6), [0.5] * 6)
    run_tick(jst(2026, 11, 25, 12, 30))
    run_jobs()
    last = smtp.messages[-1]
    assert "11月25日" in last["Subject"]
    assert "ふだんの使用量: 12.0 L（過去14日間の同じ時間帯の中央値）" in text_body(last)


def test_without_history_no_usual_use_is_claimed(app, smtp, run_jobs):
    reg = make_watch()
    add_readings(meter_of(reg), jst(2026, 11, 25, 6), [1] * 6)
    run_tick(jst(2026, 11, 25, 12, 30))
    run_jobs()
    assert "ふだんの使用量" not in text_body(only_mail(smtp))


def test_late_report_says_so_and_older_ones_are_missed(app, smtp, run_jobs):
    reg = make_watch(created_at=jst(2026, 11, 23, 5))
    meter = meter_of(reg)
    add_readings(meter, jst(2026, 11, 23, 6), [1] * 6)
    add_readings(meter, jst(2026, 11, 24, 6), [1] * 6)
    # The worker was down from the 23rd 12:00 until the 25th 10:00.
    run_tick(jst(2026, 11, 25, 10, 0))
    run_jobs()
    evaluations = db.session.scalars(
        select(WindowEvaluation).order_by(WindowEvaluation.window_start)
    ).all()
    assert [(e.window_start, e.status, e.late) for e in evaluations] == [
        (jst(2026, 11, 23, 6), "missed", False),
        (jst(2026, 11, 24, 6), "used", True),
    ]
    message = only_mail(smtp)
    assert message["Subject"] == (
        "【見守り】（遅延）小平 太郎：使用あり 6.0 L ／ 11月24日 06:00〜12:00"
    )
    assert "このお知らせは予定より遅れて送信しています" in text_body(message)
    statuses = db.session.scalars(select(Delivery.status).order_by(Delivery.id)).all()
    assert sorted(statuses) == ["missed", "sent"]


def test_paused_window_is_recorded_without_mail(app, smtp, run_jobs):
    reg = make_watch()
    pause(reg, date(2026, 11, 25), date(2026, 11, 26))
    run_tick(jst(2026, 11, 25, 12, 30))
    run_jobs()
    assert smtp.messages == []
    evaluation = db.session.scalars(select(WindowEvaluation)).one()
    assert evaluation.status == "paused"
    assert db.session.scalars(select(Delivery.status)).all() == ["paused"]


def test_cancelled_pause_does_not_stop_mails(app, smtp, run_jobs):
    from kodaira_app.timeutil import utcnow

    reg = make_watch()
    row = pause(reg, date(2026, 11, 25), date(2026, 11, 25))
    row.cancelled_at = utcnow()
    db.session.commit()
    run_tick(jst(2026, 11, 25, 12, 30))
    run_jobs()
    assert len(smtp.messages) == 1


def test_stopped_removed_recipients_and_ended_registrations_get_nothing(app, smtp, run_jobs):
    from kodaira_app.timeutil import utcnow

    reg = make_watch(
        recipients=(
            ("息子", "son@example.com"),
            ("娘", "daughter@example.com"),
            ("孫", "grandchild@example.com"),
        )
    )
    reg.recipients[1].stopped_at = utcnow()
    reg.recipients[2].removed_at = utcnow()
    ended = make_watch(recipients=(("妻", "wife@example.com"),))
    ended.ended_at = utcnow()
    db.session.commit()
    run_tick(jst(2026, 11, 25, 12, 30))
    run_jobs()
    assert [m["To"] for m in smtp.messages] == ["son@example.com"]


def test_stop_pressed_between_the_tick_and_the_send_stops_that_mail_too(app, smtp, run_jobs):
    reg = make_watch(recipients=(("息子", "son@example.com"), ("娘", "daughter@example.com")))
    add_readings(meter_of(reg), jst(2026, 11, 25, 6), [1.0] * 6)
    run_tick(jst(2026, 11, 25, 12, 30))  # the deliveries are written, their mails not yet
    son = reg.recipients[0]
    stop = app.test_client().post(f"/stop/{son.stop_token}")  # the link of an earlier mail
    assert stop.status_code == 200
    run_jobs()
    assert [m["To"] for m in smtp.messages] == ["daughter@example.com"]
    # 見守り履歴 says why the son got nothing for this window.
    [row] = history_rows(reg.customer_id, jst(2026, 11, 25, 13))
    assert sorted((line.name, line.state) for line in row.mails) == [
        ("娘", "sent"),
        ("息子", "stopped"),
    ]


def test_watch_ended_between_the_tick_and_the_send_sends_only_the_notice(app, smtp, run_jobs):
    from kodaira_app.models import Customer
    from kodaira_app.watch.registrations import end_registration

    reg = make_watch(recipients=(("息子", "son@example.com"),))
    add_readings(meter_of(reg), jst(2026, 11, 25, 6), [1.0] * 6)
    run_tick(jst(2026, 11, 25, 12, 30))
    end_registration(reg, db.session.get(Customer, reg.customer_id))  # 解除 at 12:30
    db.session.commit()
    run_jobs()
    # The family is told the watch ended, and no report comes after that notice.
    assert [m["Subject"] for m in smtp.messages] == [
        "【小平町水道アプリ】見守りサービスが解除されました"
    ]
    assert db.session.scalars(select(Delivery.stage)).all() == ["stopped"]


def test_window_created_after_its_end_is_not_evaluated_that_day(app, smtp, run_jobs):
    make_watch(created_at=jst(2026, 11, 25, 12, 10))
    run_tick(jst(2026, 11, 25, 12, 30))
    assert db.session.scalars(select(WindowEvaluation)).all() == []


def test_window_changed_after_its_end_still_gets_its_report(app, smtp, run_jobs):
    from kodaira_app.models import WatchWindow

    reg = make_watch(hours=(6,))
    add_readings(meter_of(reg), jst(2026, 11, 25, 6), [1.0] * 6)
    # At 12:10 the user moves the window to 08:00: the 06:00-12:00 window was live at 12:00.
    changed_at = jst(2026, 11, 25, 12, 10)
    reg.windows[0].removed_at = changed_at
    db.session.add(
        WatchWindow(
            registration_id=reg.id,
            position=1,
            start_hour=8,
            entered_hour=8,
            width_hours=6,
            created_at=changed_at,
        )
    )
    db.session.commit()
    run_tick(jst(2026, 11, 25, 12, 30))
    run_tick(jst(2026, 11, 25, 14, 30))
    run_jobs()
    assert [m["Subject"] for m in smtp.messages] == [
        "【見守り】小平 太郎：使用あり 6.0 L ／ 11月25日 06:00〜12:00",
        # the new window, live before its end at 14:00 (its last two hours not read yet)
        "【見守り】小平 太郎：使用あり 4.0 L 以上（一部未受信） ／ 11月25日 08:00〜14:00",
    ]


def test_ended_registration_gets_no_report_for_a_window_already_ended(app, smtp, run_jobs):
    from kodaira_app.timeutil import utcnow

    reg = make_watch()
    reg.ended_at = utcnow()  # 解除 at 12:10, before the 12:30 tick
    db.session.commit()
    run_tick(jst(2026, 11, 25, 12, 30))
    run_jobs()
    assert smtp.messages == []


def test_each_recipient_gets_own_mail_in_own_language(app, smtp, run_jobs):
    reg = make_watch(recipients=(("Ken", "ken@example.com"),), locale="en")
    add_readings(meter_of(reg), jst(2026, 11, 25, 6), [1000.0, 234.5, 0, 0, 0, 0])
    run_tick(jst(2026, 11, 25, 12, 30))
    run_jobs()
    message = only_mail(smtp, "ken@example.com")
    # Babel formats the date and the number for English readers.
    assert "Nov 25 06:00–12:00" in message["Subject"]
    assert "1,234.5 L" in message["Subject"]


def test_tick_needs_an_aware_time(app):
    from datetime import datetime

    with pytest.raises(ValueError):
        run_tick(datetime(2026, 11, 25, 12, 30))


def test_two_windows_a_day_make_two_mails_per_recipient(app, smtp, run_jobs):
    reg = make_watch(
        hours=(6, 18),
        recipients=(("息子", "son@example.com"), ("娘", "daughter@example.com")),
        created_at=jst(2026, 11, 25, 1),
    )
    meter = meter_of(reg)
    add_readings(meter, jst(2026, 11, 25, 6), [1] * 12 + [2] * 6)
    run_tick(jst(2026, 11, 25, 12, 30))
    run_tick(jst(2026, 11, 26, 0, 30))
    run_jobs()
    subjects = sorted((m["To"], m["Subject"]) for m in smtp.messages)
    assert subjects == [
        ("daughter@example.com", "【見守り】小平 太郎：使用あり 12.0 L ／ 11月25日 18:00〜翌0:00"),
        ("daughter@example.com", "【見守り】小平 太郎：使用あり 6.0 L ／ 11月25日 06:00〜12:00"),
        ("son@example.com", "【見守り】小平 太郎：使用あり 12.0 L ／ 11月25日 18:00〜翌0:00"),
        ("son@example.com", "【見守り】小平 太郎：使用あり 6.0 L ／ 11月25日 06:00〜12:00"),
    ]


def test_tick_alone_enqueues_nothing_its_job_enqueues_the_sends(app, smtp, run_jobs, clock):
    from kodaira_app.queue import QUEUES, get_queue
    from kodaira_app.reports import jobs, tick

    def queued() -> int:
        return sum(get_queue(name, app).count for name in QUEUES)

    reg = make_watch()
    add_readings(meter_of(reg), jst(2026, 11, 25, 6), [1] * 6)
    add_readings(meter_of(reg), jst(2026, 11, 26, 6), [2] * 6)
    [written] = tick.run_tick(jst(2026, 11, 25, 12, 30)).delivery_ids
    assert queued() == 0
    run_jobs()
    assert smtp.messages == []
    assert db.session.get(Delivery, written).status == "pending"  # left for the sweeper

    # The periodic job runs the tick and enqueues the sends of what it wrote.
    clock.freeze(jst(2026, 11, 26, 12, 30))
    assert jobs.tick()["deliveries"] == 1
    assert queued() == 1
    run_jobs()
    [message] = smtp.messages
    assert message["Subject"] == "【見守り】小平 太郎：使用あり 12.0 L ／ 11月26日 06:00〜12:00"
    db.session.expire_all()
    assert db.session.get(Delivery, written).status == "pending"
