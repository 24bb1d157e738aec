"""E-mail addresses on staff pages are masked (t***@example.com) everywhere — account,
consents, 通知先, deliveries, outbox, tick preview, audit details — unless an admin presses
the reveal button, which is a POST, is recorded, and lasts for that one page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kodaira_app.extensions import db
from kodaira_app.models import Account, Consent, Customer, Delivery, OutboxMail
from kodaira_app.models.staff import AuditLog
from tests.support.factories import link
from tests.support.pages import page, text
from tests.support.readings import add_readings
from tests.support.staff import make_staff, sign_in_staff
from tests.support.watch_rows import jst, make_watch

SON = "son@example.com"
SON_MASKED = "s***@example.com"


@pytest.fixture
def world(app, client, run_jobs):
    """A watched contract with its account and consent, and one report sent to the son."""
    registration = make_watch(hours=(6,), recipients=(("息子", SON),))
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
    db.session.commit()
    add_readings(customer.meter_id, jst(2026, 11, 25, 6), [2.0, 3.5, 0, 4.0, 1.5, 1.5])
    sign_in_staff(client, make_staff("chief@town.example", role="admin"))
    client.post("/staff/tick/run", data={"day": "2026-11-25", "time": "12:30"})
    run_jobs()
    delivery = db.session.scalar(select(Delivery))
    db.session.refresh(delivery)
    return {
        "customer": customer,
        "holder": account.email,
        "delivery": delivery,
        "mail": db.session.get(OutboxMail, delivery.outbox_id),
    }


def console_text(response) -> str:
    """What the page shows, the mail bodies as sent left aside."""
    soup = page(response)
    assert response.status_code == 200
    for node in soup.select("pre.mail-text, pre.mail-html-source"):
        node.decompose()
    return text(soup)


def test_emails_are_masked_on_every_staff_page(client, world):
    customer, mail = world["customer"], world["mail"]
    holder = world["holder"]
    urls = [
        f"/staff/contracts/{customer.id}",
        "/staff/deliveries",
        f"/staff/deliveries/{world['delivery'].id}",
        "/staff/outbox",
        f"/staff/outbox?to={SON}",
        f"/staff/outbox/{mail.id}",
        "/staff/tick?day=2026-11-25&time=12:30",
        f"/staff/?q={SON}",
        "/staff/audit",
    ]
    for url in urls:
        shown = console_text(client.get(url))
        assert SON not in shown and holder not in shown, url
    contract = page(client.get(f"/staff/contracts/{customer.id}"))
    assert text(contract.select_one(".account-email")) == "h***@example.com"
    consents = contract.select("table.staff-consents tbody td")
    assert text(consents[1]) == "h***@example.com"  # the consent table too
    assert SON_MASKED in text(contract.select_one("table.staff-recipients"))
    assert text(page(client.get(f"/staff/outbox/{mail.id}")).select_one(".mail-to")) == SON_MASKED
    audit_text = text(page(client.get("/staff/audit")).select_one("table.staff-audit"))
    assert f"to={SON_MASKED}" in audit_text


def test_an_admin_reveals_emails_on_a_contract_page_and_it_is_audited(client, world):
    customer = world["customer"]
    soup = page(client.get(f"/staff/contracts/{customer.id}"))
    form = soup.select_one("form.reveal-emails")
    assert form["action"] == f"/staff/contracts/{customer.id}/reveal"
    revealed = page(client.post(form["action"]))
    assert text(revealed.select_one(".account-email")) == world["holder"]
    assert text(revealed.select("table.staff-consents tbody td")[1]) == world["holder"]
    assert SON in text(revealed.select_one("table.staff-recipients"))
    assert revealed.select_one(".emails-revealed") is not None
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "reveal_email"))
    assert (row.target_type, row.target_id) == ("customer", str(customer.id))
    # the next page masks again: nothing was remembered
    again = page(client.get(f"/staff/contracts/{customer.id}"))
    assert text(again.select_one(".account-email")) == "h***@example.com"


def test_an_admin_reveals_a_mails_and_a_deliverys_address(client, world):
    mail, delivery = world["mail"], world["delivery"]
    shown = page(client.post(f"/staff/outbox/{mail.id}/reveal"))
    assert text(shown.select_one(".mail-to")) == SON
    shown = page(client.post(f"/staff/deliveries/{delivery.id}/reveal"))
    assert SON in text(shown.select_one("dl.summary"))
    targets = db.session.execute(
        select(AuditLog.target_type).where(AuditLog.action == "reveal_email").order_by(AuditLog.id)
    ).scalars()
    assert list(targets) == ["outbox_mail", "customer"]


def test_plain_staff_cannot_reveal_emails(client, world):
    sign_in_staff(client, make_staff())
    soup = page(client.get(f"/staff/contracts/{world['customer'].id}"))
    assert soup.select_one("form.reveal-emails") is None
    for url in (
        f"/staff/contracts/{world['customer'].id}/reveal",
        f"/staff/outbox/{world['mail'].id}/reveal",
        f"/staff/deliveries/{world['delivery'].id}/reveal",
    ):
        response = client.post(url)
        assert response.status_code == 403 and SON not in response.get_data(as_text=True)
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "reveal_email")) is None
