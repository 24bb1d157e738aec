"""What a clerk does at the console: find a customer, read the contract's story, filter
deliveries, read the outbox, upload CSVs, process 口座振替 — each step audited."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from kodaira_app.extensions import db
from kodaira_app.models import (
    Consent,
    Customer,
    Delivery,
    OutboxMail,
    Reading,
    WatchPause,
    WatchRecipient,
    WatchRegistration,
    WatchWindow,
    WindowEvaluation,
)
from kodaira_app.models.staff import AuditLog
from kodaira_app.timeutil import utcnow
from tests.support.accounts import make_account
from tests.support.billing import make_bill
from tests.support.factories import link, make_customer
from tests.support.pages import page

JST_OFFSET = timedelta(hours=9)


def table_rows(soup, selector) -> list[list[str]]:
    return [
        [cell.get_text(" ", strip=True) for cell in tr.select("td")]
        for tr in soup.select(f"{selector} tbody tr")
    ]


def last_audit() -> AuditLog:
    return db.session.scalar(select(AuditLog).order_by(AuditLog.id.desc()))


def make_watch(customer, account, *, recipients=(("息子", "son@example.com", "ja"),)):
    registration = WatchRegistration(customer_id=customer.id, account_id=account.id)
    db.session.add(registration)
    db.session.flush()
    window = WatchWindow(
        registration_id=registration.id, position=1, start_hour=6, entered_hour=6, width_hours=6
    )
    db.session.add(window)
    for position, (name, email, locale) in enumerate(recipients, start=1):
        db.session.add(
            WatchRecipient(
                registration_id=registration.id,
                position=position,
                name=name,
                email=email,
                locale=locale,
                stop_token=f"tok-{registration.id}-{position}",
            )
        )
    db.session.commit()
    return registration


def make_delivery(
    registration,
    recipient,
    *,
    day=date(2026, 11, 24),
    status="sent",
    window_status="used",
    late=False,
    **fields,
):
    start = datetime(day.year, day.month, day.day, 6, tzinfo=UTC) - JST_OFFSET
    evaluation = db.session.scalar(
        select(WindowEvaluation).where(
            WindowEvaluation.registration_id == registration.id,
            WindowEvaluation.window_start == start,
        )
    )
    if evaluation is None:
        evaluation = WindowEvaluation(
            registration_id=registration.id,
            window_id=registration.windows[0].id,
            window_start=start,
            window_end=start + timedelta(hours=6),
            status=window_status,
            deciliters=1234,
            hours_expected=6,
            hours_received=6,
            late=late,
        )
        db.session.add(evaluation)
        db.session.flush()
    delivery = Delivery(evaluation_id=evaluation.id, recipient_id=recipient.id, stage=status)
    if status not in ("pending", "missed", "paused"):  # its mail holds the sending state
        mail = OutboxMail(
            kind="watch_report",
            to_addr=recipient.email,
            subject="見守り",
            body_text="本文",
            status=status,
            **fields,
        )
        db.session.add(mail)
        db.session.flush()
        delivery.stage, delivery.outbox_id = "mailed", mail.id
    db.session.add(delivery)
    db.session.commit()
    return delivery


# --- search -----------------------------------------------------------------------------


@pytest.fixture
def town(app):
    taro = make_customer(
        "00000008002",
        name_kana="コダイラ タロウ",
        name="小平 太郎",
        address="北海道留萌郡小平町字小平町1番地",
        meter_id="MTR-0001",
    )
    hanako = make_customer(
        "00000008003",
        name_kana="ルモイ ハナコ",
        name="留萌 花子",
        address="北海道留萌郡小平町字鬼鹿2番地",
        meter_id="MTR-0002",
    )
    return taro, hanako


@pytest.mark.parametrize(
    "query",
    [
        "0-0000008002",
        "00000008002",
        "０－００００００８００２",
        "0 0000 008002",
        "8002",
        "コダイラ",
        "こだいら たろう",
        "ｺﾀﾞｲﾗ",
        "コダイラタロウ",
        "小平太郎",
        "小平 太郎",
        "字小平町1番地",
        "字小平町１番地",
        "mtr-0001",
    ],
)
def test_search_finds_the_customer_however_typed(client, clerk, town, query):
    soup = page(client.get("/staff/", query_string={"q": query}))
    rows = table_rows(soup, "table.staff-results")
    assert [r[0] for r in rows] == ["0-0000008002"], query
    assert rows[0][1] == "小平 太郎"
    assert soup.select_one("table.staff-results a")["href"] == f"/staff/contracts/{town[0].id}"


def test_search_by_recipient_or_account_email(client, clerk, town):
    account = make_account("child@example.com")
    link(account, town[1], relation="family")
    make_watch(town[0], account, recipients=[("息子", "Son@Example.com", "en")])
    assert [
        r[0]
        for r in table_rows(page(client.get("/staff/?q=son@example.com")), "table.staff-results")
    ] == ["0-0000008002"]
    assert [
        r[0]
        for r in table_rows(page(client.get("/staff/?q=child@example.com")), "table.staff-results")
    ] == ["0-0000008003"]


def test_search_with_nothing_found_and_wildcards(client, clerk, town):
    soup = page(client.get("/staff/?q=9999"))
    assert soup.select_one(".notice").get_text(strip=True) == "該当するお客様はいません。"
    assert table_rows(page(client.get("/staff/?q=%25")), "table.staff-results") == []
    assert table_rows(page(client.get("/staff/?q=_")), "table.staff-results") == []


def test_empty_search_shows_the_error_beside_the_field(client, clerk):
    soup = page(client.get("/staff/?q="))
    assert soup.select_one("#q-error").get_text(strip=True) == "入力してください。"
    assert db.session.scalar(select(AuditLog)) is None


def test_search_is_audited(client, clerk, town):
    client.get("/staff/?q=コダイラ")
    row = last_audit()
    assert (row.action, row.staff_id, row.detail) == (
        "search",
        clerk.id,
        {"query": "コダイラ", "found": 1},
    )


# --- a contract's page ------------------------------------------------------------------


def test_contract_page_tells_the_whole_story(client, clerk, town):
    taro = town[0]
    account = make_account("watcher@example.com")
    link(account, taro, relation="family")
    db.session.add(
        Consent(
            account_id=account.id,
            account_email=account.email,
            customer_id=taro.id,
            relation="family",
            text_version="2024-1",
        )
    )
    registration = make_watch(
        taro,
        account,
        recipients=[("息子", "son@example.com", "ja"), ("Daughter", "daughter@example.com", "en")],
    )
    son, daughter = registration.recipients
    daughter.stopped_at = utcnow()
    db.session.add(
        WatchPause(
            registration_id=registration.id,
            start_date=date(2026, 12, 1),
            end_date=date(2026, 12, 3),
        )
    )
    hour = utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    db.session.add(Reading(meter_id="MTR-0001", hour_start=hour, deciliters=123))
    db.session.add(
        Reading(meter_id="MTR-0001", hour_start=hour - timedelta(days=8), deciliters=999)
    )
    db.session.commit()
    make_delivery(
        registration, son, status="sent", attempts=1, message_id="<abc@town>", sent_at=utcnow()
    )
    make_delivery(
        registration,
        daughter,
        status="failed",
        attempts=3,
        last_error="SMTPRecipientsRefused: 550 no such user",
    )

    soup = page(client.get(f"/staff/contracts/{taro.id}"))
    assert soup.h1.get_text(strip=True) == "お客様番号 0-0000008002"
    text = soup.get_text(" ", strip=True)
    assert "小平 太郎" in text and "MTR-0001" in text
    assert soup.select_one(".account-email").get_text(strip=True) == "w***@example.com"
    # made before sign-up asked for the agreement: nothing recorded, and said so
    assert soup.select_one(".account-agreement").get_text(strip=True).startswith("記録なし")
    assert "watcher@example.com" not in soup.select_one("#account-heading").parent.get_text()
    assert "watcher@example.com" not in soup.get_text()  # masked everywhere, consents too
    assert table_rows(soup, "table.staff-consents")[0][1:] == [
        "w***@example.com",
        "家族",
        "2024-1",
    ]
    assert soup.select_one(".staff-windows li").get_text(strip=True).startswith("1. 06:00")
    recipients = table_rows(soup, "table.staff-recipients")
    assert recipients[0] == ["息子", "s***@example.com", "日本語", "配信中"]
    assert recipients[1][:3] == ["Daughter", "d***@example.com", "English"]
    assert recipients[1][3].startswith("配信停止")
    assert "2026-12-01 – 2026-12-03" in soup.select_one(".staff-pauses").get_text()
    deliveries = table_rows(soup, "table.staff-deliveries")
    assert len(deliveries) == 2
    by_recipient = {row[2]: row for row in deliveries}
    sent = by_recipient["息子 s***@example.com"]
    assert sent[4] == "送信済み" and sent[5] == "1" and sent[8] == "<abc@town>"
    failed = by_recipient["Daughter d***@example.com"]
    assert failed[4] == "失敗" and failed[5] == "3" and "550 no such user" in failed[6]
    readings = table_rows(soup, "#table-readings")
    assert readings == [[readings[0][0], "12.3"]]  # the 8-day-old hour is not shown

    row = last_audit()
    assert (row.action, row.target_type, row.target_id) == (
        "view_customer",
        "customer",
        str(taro.id),
    )


def test_contract_page_of_an_unlinked_customer(client, clerk, town):
    soup = page(client.get(f"/staff/contracts/{town[1].id}"))
    assert "この契約はどのアカウントにも登録されていません。" in soup.get_text()
    assert "見守り登録はありません。" in soup.get_text()
    assert soup.find("a", string="このお客様の閲覧・操作の記録（監査ログ）") is None  # admins only
    assert client.get("/staff/contracts/99999").status_code == 404


NOW = datetime(2026, 12, 4, 3, tzinfo=UTC)  # 12:00 JST


def test_contract_page_charts_the_weeks_readings_above_a_folded_table(client, clerk, town, clock):
    clock.freeze(NOW)
    taro = town[0]
    make_watch(taro, make_account())  # watched from 06:00 for 6 hours
    # 12:00-15:00 JST on 12/2, and an hour 8 days back that is not shown.
    for i, deciliters in enumerate((40, 0, 25)):
        hour = datetime(2026, 12, 2, 3 + i, tzinfo=UTC)
        db.session.add(Reading(meter_id="MTR-0001", hour_start=hour, deciliters=deciliters))
    db.session.add(
        Reading(meter_id="MTR-0001", hour_start=datetime(2026, 11, 26, 3, tzinfo=UTC), deciliters=9)
    )
    db.session.commit()

    soup = page(client.get(f"/staff/contracts/{taro.id}"))
    section = soup.select_one("#readings-heading").parent
    svg = section.select_one("svg#chart-readings")
    assert svg["role"] == "img"
    assert svg.title.get_text() == "過去7日間の1時間ごとの使用量"
    assert svg.desc.get_text().startswith("合計 6.5 L。")
    assert len(svg.select("rect.chart-bar")) == 2  # the hour at 0 L has no bar
    assert len(svg.select("rect.chart-watch")) == 7 * 6  # 06:00-12:00 each day
    # Each town day's first hour carries its date: 11/28 to 12/4 JST.
    ticks = [t.get_text() for t in svg.select("text.chart-axis")][3:]
    assert ticks == ["11/28", "11/29", "11/30", "12/1", "12/2", "12/3", "12/4"]
    assert section.select_one("figcaption.chart-legend").get_text(strip=True) == "見守り時間帯"
    # The numbers stay one click away, folded by default.
    details = section.select_one("details.chart-table")
    assert "open" not in details.attrs
    assert details.summary.get_text(strip=True) == "数値を表で見る"
    assert len(table_rows(details, "#table-readings")) == 3


def test_contract_page_lists_the_latest_bills_for_a_billing_call(client, clerk, town, clock):
    clock.freeze(NOW)
    taro = town[0]
    for month in range(1, 13, 2):  # six two-month periods of 2024, all paid
        start = date(2024, month, 1)
        make_bill(taro, start, start + timedelta(days=58), paid_on=start + timedelta(days=80))
    paid = {"paid_on": date(2026, 10, 20), "method": "direct_debit"}
    make_bill(taro, date(2026, 7, 1), date(2026, 8, 31), 31, 4400, 2800, date(2026, 10, 31), **paid)
    make_bill(taro, date(2026, 9, 1), date(2026, 10, 31), usage_m3=29, due=date(2026, 11, 30))
    make_bill(taro, date(2026, 11, 1), date(2026, 12, 31), usage_m3=27, due=date(2027, 1, 31))
    for start in (date(2025, 1, 1), date(2025, 3, 1), date(2025, 5, 1), date(2025, 7, 1)):
        make_bill(taro, start, start + timedelta(days=58), paid_on=start + timedelta(days=80))

    soup = page(client.get(f"/staff/contracts/{taro.id}"))
    section = soup.select_one("#bills-heading").parent
    assert soup.select_one("#bills-heading").get_text(strip=True) == "ご請求（最新12件）"
    rows = table_rows(section, "table.staff-bills")
    assert len(rows) == 12  # of 13: the oldest is left out
    assert rows[0] == ["2026/11/01〜2026/12/31", "27 m³", "￥5,000", "2027/01/31", "未払い"]
    assert rows[1][4] == "未払い — 納期限を過ぎています"
    assert "overdue" in section.select("tbody tr")[1]["class"]
    assert rows[2] == [
        "2026/07/01〜2026/08/31",
        "31 m³",
        "￥7,200",
        "2026/10/31",
        "2026/10/20 お支払い済み（口座振替）",
    ]
    assert rows[-1][0] == "2024/03/01〜2024/04/28"


def test_contract_page_without_bills_says_so(client, clerk, town):
    soup = page(client.get(f"/staff/contracts/{town[1].id}"))
    section = soup.select_one("#bills-heading").parent
    assert section.get_text(" ", strip=True) == "ご請求 ご請求の記録はまだありません。"


# --- deliveries -------------------------------------------------------------------------


@pytest.fixture
def deliveries(town):
    account = make_account()
    registration = make_watch(
        town[0],
        account,
        recipients=[("息子", "son@example.com", "ja"), ("娘", "daughter@example.com", "ja")],
    )
    other = make_watch(town[1], make_account("b@example.com"))
    son, daughter = registration.recipients
    return {
        "sent": make_delivery(registration, son, status="sent"),
        "failed": make_delivery(registration, daughter, status="failed", attempts=2),
        "pending": make_delivery(registration, son, day=date(2026, 11, 25), status="pending"),
        "late": make_delivery(
            registration, daughter, day=date(2026, 11, 22), status="sent", late=True
        ),
        "missed": make_delivery(
            other,
            other.recipients[0],
            day=date(2026, 11, 23),
            status="missed",
            window_status="missed",
        ),
    }


def delivery_ids(soup) -> set[int]:
    return {
        int(a["href"].rsplit("/", 1)[-1])
        for a in soup.select("table.staff-deliveries td:first-child a")
    }


@pytest.mark.parametrize("status", ["failed", "late", "missed", "pending"])
def test_filter_deliveries_by_status(client, clerk, deliveries, status):
    soup = page(client.get("/staff/deliveries", query_string={"status": status}))
    assert delivery_ids(soup) == {deliveries[status].id}


def test_filter_deliveries_by_date_and_contract(client, clerk, deliveries):
    soup = page(client.get("/staff/deliveries?day=2026-11-24"))
    assert delivery_ids(soup) == {deliveries["sent"].id, deliveries["failed"].id}
    soup = page(client.get("/staff/deliveries", query_string={"contract": "0-0000008003"}))
    assert delivery_ids(soup) == {deliveries["missed"].id}
    soup = page(client.get("/staff/deliveries?contract=9999&status="))
    assert delivery_ids(soup) == set()
    assert len(delivery_ids(page(client.get("/staff/deliveries")))) == 5
    assert last_audit().action == "view_deliveries"


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("contract=abc", "contract", "お客様番号は数字で入力してください。"),
        ("day=2026-13-40", "day", "日付は 2026-11-25 のように、年-月-日で入力してください。"),
        ("status=lost", "status", "一覧から選んでください。"),
    ],
)
def test_bad_delivery_filters_show_errors_beside_fields(client, clerk, query, field, message):
    soup = page(client.get(f"/staff/deliveries?{query}"))
    assert soup.select_one(f"#{field}-error").get_text(strip=True) == message
    assert soup.select("table.staff-deliveries") == []
    assert last_audit() is None  # nothing was listed, so nothing was seen


def test_delivery_page_shows_the_row_and_its_mail(client, clerk, deliveries):
    mail = OutboxMail(
        kind="report",
        to_addr="son@example.com",
        subject="見守り 06:00-12:00",
        body_text="本文",
        status="sent",
    )
    db.session.add(mail)
    db.session.flush()
    deliveries["sent"].outbox_id = mail.id
    db.session.commit()
    soup = page(client.get(f"/staff/deliveries/{deliveries['sent'].id}"))
    assert soup.select_one(".delivery-status").get_text(strip=True) == "送信済み"
    assert soup.find("a", string="見守り 06:00-12:00")["href"] == f"/staff/outbox/{mail.id}"
    assert last_audit().action == "view_customer"


# --- the outbox -------------------------------------------------------------------------


@pytest.fixture
def mail(app):
    row = OutboxMail(
        kind="report",
        to_addr="son@example.com",
        subject="小平町水道 見守りのお知らせ",
        body_text="06:00〜12:00 の使用量は 123.4 L でした。\n<b>not bold</b>",
        body_html='<p>使用量 <b>123.4 L</b></p><script>alert("x")</script>',
        headers={"List-Unsubscribe": "<http://localhost/stop/abc>"},
        status="kept",
    )
    db.session.add(row)
    db.session.add(
        OutboxMail(
            kind="account",
            to_addr="other@example.com",
            subject="確認",
            body_text="x",
            status="sent",
        )
    )
    db.session.commit()
    return row


def test_outbox_lists_and_filters_mails(client, clerk, mail):
    soup = page(client.get("/staff/outbox"))
    assert len(table_rows(soup, "table.staff-outbox")) == 2
    rows = table_rows(page(client.get("/staff/outbox?to=son@")), "table.staff-outbox")
    assert [r[1:4] for r in rows] == [
        ["s***@example.com", "小平町水道 見守りのお知らせ", "保管（SMTP未設定）"]
    ]
    assert last_audit().action == "view_outbox"


def test_a_mail_reads_exactly_as_sent_and_html_is_sandboxed(client, clerk, mail):
    response = client.get(f"/staff/outbox/{mail.id}")
    soup = page(response)
    assert soup.select_one(".mail-to").get_text() == "s***@example.com"
    assert soup.select_one("pre.mail-text").get_text() == mail.body_text
    assert soup.select_one("pre.mail-text b") is None  # shown as text, not markup
    assert soup.select("script") == []
    assert soup.select_one("pre.mail-html-source").get_text() == mail.body_html
    frame = soup.select_one("iframe.mail-html")
    assert frame["sandbox"] in ("", [])  # sandboxed, with no exception allowed
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    row = last_audit()
    assert (row.action, row.target_type, row.target_id) == (
        "view_mail",
        "outbox_mail",
        str(mail.id),
    )

    html = client.get(frame["src"])
    assert html.get_data(as_text=True) == mail.body_html
    csp = html.headers["Content-Security-Policy"]
    assert csp.startswith("sandbox;") and "default-src 'none'" in csp
    assert "frame-ancestors 'self'" in csp
    assert html.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_a_text_only_mail_has_no_html_view(client, clerk, mail):
    other = db.session.scalar(select(OutboxMail).where(OutboxMail.id != mail.id))
    assert page(client.get(f"/staff/outbox/{other.id}")).select_one("iframe") is None
    assert client.get(f"/staff/outbox/{other.id}/html").status_code == 404


# --- uploads ----------------------------------------------------------------------------

CUSTOMERS_CSV = (
    "customer_number,name_kana,name,address,meter_id,smart_meter\n"
    "0-0000009001,オビラ イチロウ,小平 一郎,小平町1,M-9001,1\n"
    "12345,オビラ ジロウ,小平 次郎,小平町2,,0\n"
    "0-0000009003,obira,小平 三郎,小平町3,,0\n"
    "0-0000009004,オビラ シロウ,小平 四郎,小平町4,M-9004,1\n"
)


def upload(client, kind, content: str, filename="data.csv"):
    data = {f"{kind}-file": (io.BytesIO(content.encode("utf-8")), filename)}
    return client.post(f"/staff/uploads/{kind}", data=data, content_type="multipart/form-data")


def test_upload_page_has_a_form_per_kind(client, chief):
    soup = page(client.get("/staff/uploads"))
    assert [h.get_text(strip=True) for h in soup.select("main h2")] == [
        "お客様（契約）",
        "検針データ（1時間ごと）",
        "請求・お支払い",
    ]
    headers = [code.get_text() for code in soup.select("code.upload-header")]
    assert headers[0] == "customer_number,name_kana,name,address,meter_id,smart_meter"
    assert headers[1] == "meter_id,hour_start,liters"
    for kind in ("customers", "readings", "billing"):
        assert (
            soup.find("label", attrs={"for": f"{kind}-file"})
            .get_text(strip=True)
            .startswith("CSVファイル")
        )


def test_customers_upload_imports_good_rows_and_reports_bad_ones(client, chief):
    response = upload(client, "customers", CUSTOMERS_CSV, "master.csv")
    assert response.status_code == 302
    soup = page(client.get(response.headers["Location"]))
    assert soup.select_one("dd.imported").get_text() == "2"
    assert soup.select_one("dd.error-count").get_text() == "2"
    errors = table_rows(soup, "table.upload-errors")
    assert [line for line, _ in errors] == ["3", "4"]
    assert "customer_number" in errors[0][1] and "12345" in errors[0][1]
    assert "カタカナ" in errors[1][1]
    numbers = set(db.session.scalars(select(Customer.customer_number)))
    assert numbers == {"00000009001", "00000009004"}
    row = last_audit()
    assert (row.action, row.target_id, row.detail["filename"], row.detail["imported"]) == (
        "upload",
        "customers",
        "master.csv",
        2,
    )
    assert row.detail["errors"][0][0] == 3


def test_upload_with_a_wrong_header_imports_nothing(client, chief):
    response = upload(client, "customers", "number,name\n1,x\n")
    soup = page(client.get(response.headers["Location"]))
    error = soup.select_one(".header-error").get_text(" ", strip=True)
    assert error.startswith("ファイルを読み込めませんでした。何も取り込んでいません。")
    assert "customer_number,name_kana" in error
    assert db.session.scalar(select(Customer)) is None
    assert last_audit().detail["header_error"]


def test_upload_without_a_file_shows_the_error_beside_the_field(client, chief):
    soup = page(client.post("/staff/uploads/billing", data={}, content_type="multipart/form-data"))
    error = soup.select_one("#billing-file-error").get_text(strip=True)
    assert error == "ファイルを選んでください。"
    assert soup.select_one("#customers-file-error") is None
    assert db.session.scalar(select(AuditLog)) is None


def test_billing_upload_reports_rows_of_unknown_customers(client, chief, town):
    header = (
        "customer_number,period_start,period_end,reading_date,meter_reading,usage_m3,"
        "water_charge,sewer_charge,tax,total,due_date,paid_on,payment_method\n"
    )
    good = "0-0000008002,2026-09-01,2026-10-31,2026-11-01,1234,30,3000,2000,454,5000,2026-11-30,,\n"
    unknown = good.replace("0-0000008002", "0-0000007777")
    response = upload(client, "billing", header + good + unknown)
    soup = page(client.get(response.headers["Location"]))
    assert soup.select_one("dd.imported").get_text() == "1"
    assert [row[0] for row in table_rows(soup, "table.upload-errors")] == ["3"]


def test_upload_results_are_only_upload_rows(client, chief):
    client.get("/staff/?q=1")
    assert client.get(f"/staff/uploads/results/{last_audit().id}").status_code == 404
    assert client.post("/staff/uploads/nothing").status_code == 404


# --- 口座振替 applications --------------------------------------------------------------


@pytest.fixture
def application(town):
    from kodaira_app.models.billing import DirectDebitApplication

    account = make_account()
    row = DirectDebitApplication(
        account_id=account.id,
        customer_id=town[0].id,
        bank_name="留萌信用金庫",
        branch_name="小平支店",
        account_type="ordinary",
        account_number_last4="4567",
        account_number_masked="***4567",
        account_holder_kana="コダイラ タロウ",
        request_key="key-1",
    )
    db.session.add(row)
    db.session.commit()
    return row


def test_direct_debit_list_and_process(client, chief, application):
    soup = page(client.get("/staff/direct-debit"))
    card = soup.select_one("section.direct-debit")
    assert "0-0000008002" in card.h2.get_text() and "留萌信用金庫 小平支店" in card.get_text()
    assert card.find("label", attrs={"for": f"dd{application.id}-status"}) is not None
    assert last_audit().action == "view_direct_debit"

    response = client.post(
        f"/staff/direct-debit/{application.id}",
        data={f"dd{application.id}-status": "processed", f"dd{application.id}-note": "銀行へ送付"},
    )
    assert response.headers["Location"] == "/staff/direct-debit"
    flash = page(client.get("/staff/direct-debit")).select_one(".flash-success")
    assert flash.get_text(strip=True) == f"申込 #{application.id} を「手続き完了」にしました。"
    db.session.refresh(application)
    assert (application.status, application.processed_by, application.note) == (
        "processed",
        chief.id,
        "銀行へ送付",
    )
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "direct_debit_processed"))
    assert (row.target_id, row.detail["status"]) == (str(application.id), "processed")

    soup = page(client.get("/staff/direct-debit?status=processed"))
    assert soup.select_one(".dd-status").get_text().startswith("手続き完了")
    assert soup.select_one("section.direct-debit form") is None


def test_direct_debit_processed_twice_records_once(client, chief, application):
    data = {f"dd{application.id}-status": "rejected"}
    client.post(f"/staff/direct-debit/{application.id}", data=data)
    client.post(f"/staff/direct-debit/{application.id}", data=data)
    flash = page(client.get("/staff/direct-debit")).select_one(".flash-error")
    assert flash.get_text(strip=True) == "この申込はすでに処理済みか、存在しません。"
    assert (
        len(
            db.session.scalars(
                select(AuditLog).where(AuditLog.action == "direct_debit_processed")
            ).all()
        )
        == 1
    )


def test_direct_debit_needs_an_outcome(client, chief, application):
    client.post(
        f"/staff/direct-debit/{application.id}", data={f"dd{application.id}-status": "lost"}
    )
    flash = page(client.get("/staff/direct-debit")).select_one(".flash-error")
    assert flash.get_text(strip=True) == "処理結果を選んでください。"
    db.session.refresh(application)
    assert application.status == "submitted"


def test_readings_upload_reports_bad_rows_with_their_lines(client, clerk, town):
    csv = (
        "meter_id,hour_start,liters\n"
        "MTR-0001,2026-11-25T06:00:00+09:00,2.5\n"
        "MTR-0001,2026-11-25T07:00:00,1.0\n"
        "MTR-0001,2026-11-25T08:00:00+09:00,-3\n"
    )
    response = upload(client, "readings", csv)
    soup = page(client.get(response.headers["Location"]))
    assert soup.select_one("dd.imported").get_text() == "1"
    errors = table_rows(soup, "table.upload-errors")
    assert [line for line, _ in errors] == ["3", "4"]
    assert "UTCからの時差がありません" in errors[0][1] and "マイナス" in errors[1][1]
    assert db.session.scalar(select(Reading.deciliters)) == 25
    assert last_audit().target_id == "readings"


def test_contract_page_shows_the_editions_the_account_agreed_to(client, clerk, town, clock):
    from kodaira_app.auth import agreement

    clock.freeze(datetime(2026, 12, 4, 1, 30, tzinfo=UTC))  # 10:30 Japan time
    account = make_account("watcher@example.com")
    link(account, town[0], relation="self")
    agreement.record(account, agreement.current(utcnow()))  # as the sign-up job does
    db.session.commit()
    soup = page(client.get(f"/staff/contracts/{town[0].id}"))
    assert soup.select_one(".account-agreement").get_text(strip=True) == (
        "利用規約 第1版・個人情報の取扱い 第1版（2026-12-04 10:30）"
    )
