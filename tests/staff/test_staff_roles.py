"""Staff powers by role, written down in one table (staff/access.PERMISSIONS) and checked by
the one gate: what a plain clerk may not do answers 403 with a page in their language, does
nothing, is recorded, and is not in their menu."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from kodaira_app.extensions import db
from kodaira_app.models import ApiToken, Customer, Reading, WindowEvaluation
from kodaira_app.models.billing import Bill, DirectDebitApplication
from kodaira_app.models.staff import AuditLog
from kodaira_app.staff.access import ADMIN, PERMISSIONS, PUBLIC, STAFF
from tests.support.accounts import make_account
from tests.support.factories import make_customer
from tests.support.pages import page, text
from tests.support.readings import add_readings
from tests.support.staff import make_staff, sign_in_staff
from tests.support.watch_rows import jst, make_watch


def console_rules(app):
    """(endpoint under "staff.", method, url) of every rule of the console."""
    from flask import url_for

    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("staff."):
            continue
        args = {name: 1 for name in rule.arguments - set(rule.defaults or {})}
        with app.test_request_context():
            url = url_for(rule.endpoint, **args)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint.removeprefix("staff."), method, url))
    return found


def refused(response) -> bool:
    """The 403 page a clerk sees: in the console's layout, saying why."""
    if response.status_code != 403:
        return False
    soup = page(response, status=403)
    return (
        text(soup.h1) == "権限がありません"
        and "この操作は管理者だけが行えます。" in text(soup.select_one(".forbidden"))
        and soup.select_one("nav.global-nav") is not None
    )


def forbidden_rows() -> list[str]:
    return list(
        db.session.scalars(
            select(AuditLog.detail).where(AuditLog.action == "forbidden").order_by(AuditLog.id)
        )
    )


def test_every_console_endpoint_is_in_the_roles_table(app):
    endpoints = {endpoint for endpoint, _, _ in console_rules(app)}
    assert endpoints - PUBLIC == set(PERMISSIONS), "a console page without a role"
    assert set(PERMISSIONS.values()) == {STAFF, ADMIN}


def test_plain_staff_gets_403_on_every_admin_endpoint(app, client, clerk):
    admin_only = [r for r in console_rules(app) if PERMISSIONS.get(r[0]) == ADMIN]
    assert len(admin_only) >= 10
    for endpoint, method, url in admin_only:
        assert refused(client.open(url, method=method)), (endpoint, method, url)
    assert [row["endpoint"] for row in forbidden_rows()] == [e for e, _, _ in admin_only]


def test_an_admin_passes_the_gate_everywhere(app, client):
    sign_in_staff(client, make_staff("chief@town.example", role="admin"))
    for endpoint, method, url in console_rules(app):
        if endpoint == "logout":
            continue
        assert client.open(url, method=method).status_code != 403, (endpoint, method, url)
    assert forbidden_rows() == []


def test_plain_staff_cannot_issue_api_tokens(client, clerk):
    assert refused(client.post("/staff/tokens", data={"name": "ヘッドエンド"}))
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_plain_staff_cannot_list_or_revoke_api_tokens(client, clerk):
    token = ApiToken(name="本番", token_hash="0" * 64)
    db.session.add(token)
    db.session.commit()
    assert refused(client.get("/staff/tokens"))
    assert refused(client.post(f"/staff/tokens/{token.id}/revoke"))
    db.session.refresh(token)
    assert token.revoked_at is None


def csv_upload(client, kind: str, content: str):
    data = {f"{kind}-file": (io.BytesIO(content.encode()), "data.csv")}
    return client.post(f"/staff/uploads/{kind}", data=data, content_type="multipart/form-data")


def test_plain_staff_cannot_upload_customers(client, clerk):
    csv = "customer_number,name_kana,name,address,meter_id,smart_meter\n"
    csv += "0-0000009001,オビラ イチロウ,小平 一郎,小平町1,M-9001,1\n"
    assert refused(csv_upload(client, "customers", csv))
    assert db.session.scalar(select(func.count(Customer.id))) == 0


def test_plain_staff_cannot_upload_billing(client, clerk):
    make_customer("00000008002")
    header = (
        "customer_number,period_start,period_end,reading_date,meter_reading,usage_m3,"
        "water_charge,sewer_charge,tax,total,due_date,paid_on,payment_method\n"
    )
    row = "0-0000008002,2026-09-01,2026-10-31,2026-11-01,1234,30,3000,2000,454,5000,2026-11-30,,\n"
    assert refused(csv_upload(client, "billing", header + row))
    assert db.session.scalar(select(func.count(Bill.id))) == 0


def test_plain_staff_may_upload_readings_and_sees_only_that_form(client, clerk):
    make_customer(meter_id="MTR-0001")
    csv = "meter_id,hour_start,liters\nMTR-0001,2026-11-25T06:00:00+09:00,2.5\n"
    response = csv_upload(client, "readings", csv)
    assert response.status_code == 302
    result = page(client.get(response.headers["Location"]))
    assert text(result.select_one("dd.imported")) == "1"
    assert db.session.scalar(select(Reading.deciliters)) == 25
    forms = page(client.get("/staff/uploads")).select("main form")
    assert [form["action"] for form in forms] == ["/staff/uploads/readings"]


def test_plain_staff_cannot_open_an_admins_customer_upload_result(client, clerk):
    sign_in_staff(client, make_staff("chief@town.example", role="admin"))
    csv = "customer_number,name_kana,name,address,meter_id,smart_meter\n1,x,y,z,,0\n"
    location = csv_upload(client, "customers", csv).headers["Location"]
    assert page(client.get(location)).select_one("dd.error-count") is not None
    sign_in_staff(client, clerk)
    assert refused(client.get(location))
    assert [row["endpoint"] for row in forbidden_rows()] == ["uploads.result"]


@pytest.fixture
def application(app):
    customer = make_customer()
    row = DirectDebitApplication(
        account_id=make_account().id,
        customer_id=customer.id,
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


def test_plain_staff_cannot_process_direct_debits(client, clerk, application):
    soup = page(client.get("/staff/direct-debit"))
    assert soup.select_one("section.direct-debit") is not None  # reading is every clerk's
    assert soup.select_one("section.direct-debit form") is None
    assert text(soup.select_one("main .help")) == "処理結果の記録は管理者が行います。"
    data = {f"dd{application.id}-status": "processed"}
    assert refused(client.post(f"/staff/direct-debit/{application.id}", data=data))
    db.session.refresh(application)
    assert (application.status, application.processed_by) == ("submitted", None)


def test_plain_staff_cannot_run_the_tick_but_may_preview_it(client, clerk):
    registration = make_watch(hours=(6,), recipients=(("息子", "son@example.com"),))
    meter = db.session.get(Customer, registration.customer_id).meter_id
    add_readings(meter, jst(2026, 11, 25, 6), [2.0, 3.5, 0, 4.0, 1.5, 1.5])
    soup = page(client.get("/staff/tick?day=2026-11-25&time=12:30"))
    assert len(soup.select(".tick-preview")) == 1
    assert soup.select_one("form[action='/staff/tick/run']") is None
    assert "実行して送信するのは管理者です。" in text(soup)
    assert refused(client.post("/staff/tick/run", data={"day": "2026-11-25", "time": "12:30"}))
    assert db.session.scalar(select(func.count(WindowEvaluation.id))) == 0


def test_plain_staff_cannot_read_the_audit_log(client, clerk):
    assert refused(client.get("/staff/audit"))
    assert refused(client.get("/staff/audit?customer=1"))
    assert "view_audit" not in db.session.scalars(select(AuditLog.action)).all()


def test_the_menu_hides_what_plain_staff_cannot_use(client, clerk):
    menu = [text(a) for a in page(client.get("/staff/")).select("nav.global-nav a")]
    assert menu == ["お客様検索", "配信状況", "見守り実行", "送信メール", "CSV取込", "口座振替申込"]
    sign_in_staff(client, make_staff("chief@town.example", role="admin"))
    menu = [text(a) for a in page(client.get("/staff/")).select("nav.global-nav a")]
    assert menu == [
        "お客様検索",
        "配信状況",
        "見守り実行",
        "送信メール",
        "CSV取込",
        "APIトークン",
        "口座振替申込",
        "監査ログ",
    ]


def test_the_refusal_page_is_in_the_clerks_language(client, clerk):
    client.set_cookie("lang", "en")
    response = client.get("/staff/tokens")
    assert response.status_code == 403
    soup = page(response, status=403)
    assert text(soup.h1) == "Not permitted"
    assert text(soup.select_one(".forbidden")) == (
        "Only administrators can do this. If it is needed, please ask an administrator."
    )


def test_a_refused_request_is_recorded_with_who_and_what(client, clerk):
    client.post("/staff/tokens", data={"name": "x"})
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "forbidden"))
    assert (row.staff_id, row.detail) == (clerk.id, {"endpoint": "tokens.create", "method": "POST"})
