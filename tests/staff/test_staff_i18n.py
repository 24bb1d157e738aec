"""The console in English and Vietnamese carries no Japanese brackets (「」【】（）) around
its values: the brackets are part of the translatable strings, so Japanese keeps its own and
each language writes its own punctuation."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from kodaira_app.extensions import db
from kodaira_app.models import (
    Account,
    ApiToken,
    Consent,
    Customer,
    Delivery,
    OutboxMail,
    WatchPause,
    WatchRegistration,
)
from kodaira_app.models.billing import DirectDebitApplication
from kodaira_app.timeutil import utcnow
from tests.support.billing import make_bill
from tests.support.factories import link
from tests.support.i18n import page_offending
from tests.support.readings import add_readings
from tests.support.staff import make_staff, sign_in_staff
from tests.support.watch_rows import jst, make_watch

BRACKETS = re.compile("[「」【】（）]")


@pytest.fixture
def console_world(app, client, run_jobs, smtp):
    registration = make_watch(
        hours=(6,), recipients=(("息子", "son@example.com"), ("娘", "daughter@example.com"))
    )
    customer = db.session.get(Customer, registration.customer_id)
    account = db.session.get(Account, registration.account_id)
    link(account, customer, "family")
    db.session.add(
        Consent(
            account_id=account.id,
            account_email=account.email,
            customer_id=customer.id,
            relation="family",
            text_version="2024-1",
        )
    )
    db.session.add(
        WatchRegistration(customer_id=customer.id, account_id=account.id, ended_at=utcnow())
    )
    registration.recipients[1].stopped_at = utcnow()
    db.session.add(
        WatchPause(
            registration_id=registration.id,
            start_date=jst(2026, 12, 1).date(),
            end_date=jst(2026, 12, 2).date(),
            cancelled_at=utcnow(),
        )
    )
    db.session.add(
        DirectDebitApplication(
            account_id=account.id,
            customer_id=customer.id,
            bank_name="留萌信用金庫",
            branch_name="小平支店",
            account_type="ordinary",
            account_number_last4="4567",
            account_number_masked="***4567",
            account_holder_kana="コダイラ タロウ",
            request_key="key-1",
            status="processed",
            processed_at=utcnow(),
        )
    )
    db.session.add(ApiToken(name="本番", token_hash="0" * 64, revoked_at=utcnow()))
    db.session.commit()
    add_readings(customer.meter_id, jst(2026, 11, 25, 6), [2.0, 3.5, 0, 4.0, 1.5, 1.5])
    # A paid bill and an overdue one: the bills section's payment column in every state.
    make_bill(customer, date(2026, 7, 1), date(2026, 8, 31), paid_on=date(2026, 9, 20))
    make_bill(customer, date(2026, 9, 1), date(2026, 10, 31), due=date(2026, 11, 1))
    smtp.refuse_rcpt = "550 5.1.1 no such user"
    return customer


@pytest.mark.parametrize("locale", ["en", "vi"])
def test_staff_pages_carry_no_japanese_brackets_in_english_and_vietnamese(
    client, console_world, run_jobs, locale
):
    sign_in_staff(client, make_staff("chief@town.example", role="admin"))
    customer = console_world
    client.post("/staff/tick/run", data={"day": "2026-11-25", "time": "12:30"})
    run_jobs()
    client.set_cookie("lang", locale)
    mail = db.session.scalar(select(OutboxMail))
    delivery = db.session.scalar(select(Delivery))
    pages = {
        "search": client.get(f"/staff/?q={customer.customer_number}"),
        "contract": client.get(f"/staff/contracts/{customer.id}"),
        "delivery": client.get(f"/staff/deliveries/{delivery.id}"),
        "mail": client.get(f"/staff/outbox/{mail.id}"),
        "tick": client.get("/staff/tick?day=2026-11-25&time=12:30"),
        "tick result": client.post(
            "/staff/tick/run", data={"day": "2026-11-25", "time": "12:30"}, follow_redirects=True
        ),
        "direct debit": client.get("/staff/direct-debit?status=processed"),
        "tokens": client.get("/staff/tokens"),
        "upload": client.post(
            "/staff/uploads/readings",
            data={"readings-file": (io.BytesIO(b"meter_id\n"), "x.csv")},
            content_type="multipart/form-data",
            follow_redirects=True,
        ),
    }
    found = {}
    for name, response in pages.items():
        assert response.status_code == 200, name
        html = response.get_data(as_text=True)
        lines = page_offending(locale, html, allowed=(mail.subject,), strict=True)
        if bad := [line for line in lines if BRACKETS.search(line)]:
            found[name] = bad
    assert not found, found
