"""Leaving the app (退会) removes what reaches people; consent and audit stay; old bodies go."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from kodaira_app.extensions import db
from kodaira_app.models import AlertConfirmation, Consent, OutboxMail, WatchRecipient
from kodaira_app.models.billing import DirectDebitApplication
from kodaira_app.models.staff import AuditLog
from kodaira_app.timeutil import utcnow
from tests.support.accounts import DEFAULT_PASSWORD
from tests.support.mailbox import text_body
from tests.support.pages import page, text
from tests.support.readings import add_readings
from tests.support.staff import make_staff, sign_in_staff
from tests.support.watch import anonymous, own_contract


def leave(client):
    response = client.post("/procedures/leave", data={"current_password": DEFAULT_PASSWORD})
    assert response.headers["Location"] == "/"


def application(account, customer, key="k" * 32) -> DirectDebitApplication:
    row = DirectDebitApplication(
        account_id=account.id,
        customer_id=customer.id,
        bank_name="留萌信用金庫",
        branch_name="小平支店",
        account_type="ordinary",
        account_number_last4="4567",
        account_number_masked="***4567",
        account_holder_kana="コダイラ タロウ",
        request_key=key,
    )
    db.session.add(row)
    db.session.commit()
    return row


def test_leaving_removes_the_password_hash(client, account):
    leave(client)
    db.session.refresh(account)
    assert account.password_hash == ""
    # Nothing logs in with the old password, even at the old address.
    response = client.post(
        "/login", data={"email": "taro@example.com", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200


def test_leaving_removes_watch_recipients_names_and_addresses(
    client, account, contract, registration, smtp, run_jobs
):
    leave(client)
    run_jobs()
    # The recipient is told the watch ended, then nothing of them is kept.
    assert [m["Subject"] for m in smtp.to("son@example.com")] == [
        "【小平町水道アプリ】見守りサービスが解除されました"
    ]
    db.session.expire_all()
    [recipient] = db.session.scalars(select(WatchRecipient)).all()
    assert recipient.name == ""
    assert "son@example.com" not in recipient.email
    assert recipient.removed_at is not None


def test_leaving_blanks_the_bodies_of_the_accounts_mails(
    client, account, contract, registration, smtp, run_jobs
):
    sent_before = list(db.session.scalars(select(OutboxMail).where(OutboxMail.status == "sent")))
    assert sent_before and all(m.body_text for m in sent_before)  # the 登録 notice was sent
    leave(client)
    run_jobs()
    db.session.expire_all()
    for mail in db.session.scalars(select(OutboxMail)):
        if mail.id in {m.id for m in sent_before}:
            assert (mail.body_text, mail.body_html) == ("", None)
            assert mail.subject  # the envelope stays: staff still see what was sent, when
        else:  # the 解除 notice queued by the leaving went out whole
            assert mail.status == "sent" and "解除" in mail.body_text


def test_leaving_forgets_who_confirmed_an_alert_and_blanks_the_alert_mails(
    app, client, account, clock, smtp, run_jobs
):
    from kodaira_app.alerts.episodes import evaluate
    from tests.alerts.conftest import hour, watch

    contract = own_contract(account, customer_number="00000008002", name="小平 花子")
    watch(account, contract, flow=3)
    add_readings(contract.meter_id, hour(0), [70, 70, 70])  # 3 hours of running water
    clock.freeze(hour(3) + timedelta(minutes=1))
    evaluate(utcnow())
    run_jobs()
    [alert] = smtp.to("son@example.com")
    link = re.search(r"http://localhost(/alerts/confirm/\S+)", text_body(alert)).group(1)
    anonymous(app, "post", link)
    assert db.session.scalars(select(AlertConfirmation.recipient_name)).all() == ["息子"]
    leave(client)
    run_jobs()
    db.session.expire_all()
    assert db.session.scalars(select(AlertConfirmation.recipient_name)).all() == [""]
    alerts = db.session.scalars(select(OutboxMail).where(OutboxMail.kind == "alert_start")).all()
    assert len(alerts) == 2
    assert all((m.body_text, m.body_html) == ("", None) and m.subject for m in alerts)


def test_leaving_withdraws_a_pending_direct_debit_application(app, client, account, contract):
    pending = application(account, contract)
    done = application(account, contract, key="d" * 32)
    done.status = "processed"
    db.session.commit()
    leave(client)
    db.session.expire_all()
    assert (pending.status, done.status) == ("withdrawn", "processed")
    clerk = app.test_client()
    sign_in_staff(clerk, make_staff(role="admin"))  # processing is an admin's
    assert page(clerk.get("/staff/direct-debit")).select("section.direct-debit") == []
    soup = page(clerk.get("/staff/direct-debit?status=withdrawn"))
    [card] = soup.select("section.direct-debit")
    assert text(card.select_one(".dd-status")) == "退会により取り下げ"
    assert card.select_one("form") is None  # nothing left to process
    response = clerk.post(
        f"/staff/direct-debit/{pending.id}", data={f"dd{pending.id}-status": "processed"}
    )
    db.session.refresh(pending)
    assert pending.status == "withdrawn" and response.status_code in (302, 200)


def test_leaving_keeps_consent_records_and_the_audit_trail(client, account):
    own_contract(account, relation="family")
    from kodaira_app.contracts.linking import CONSENT_TEXT_VERSION

    db.session.add(
        Consent(
            account_id=account.id,
            account_email=account.email,
            customer_id=1,
            relation="family",
            text_version=CONSENT_TEXT_VERSION,
        )
    )
    db.session.add(AuditLog(staff_email="clerk@town.example", action="search"))
    db.session.commit()
    leave(client)
    db.session.expire_all()
    assert db.session.scalars(select(Consent.account_id)).all() == [account.id]
    assert db.session.scalars(select(AuditLog.action)).all() == ["search"]


def test_outbox_retention_purges_bodies_older_than_the_setting(app):
    from kodaira_app.mailer.retention import purge_old_bodies
    from kodaira_app.queue.periodic import PERIODIC_JOBS

    assert app.config["OUTBOX_RETENTION_DAYS"] == 90

    def mail(status: str) -> OutboxMail:
        row = OutboxMail(
            kind="account_reset",
            to_addr="a@example.com",
            subject="件名",
            body_text="本文",
            body_html="<p>本文</p>",
            status=status,
        )
        db.session.add(row)
        return row

    sent, failed, waiting = mail("sent"), mail("failed"), mail("queued")
    db.session.commit()
    now = utcnow()
    assert purge_old_bodies(now + timedelta(days=89)) == 0
    assert purge_old_bodies(now + timedelta(days=91)) == 2
    db.session.expire_all()
    assert [(m.body_text, m.body_html) for m in (sent, failed)] == [("", None), ("", None)]
    assert sent.subject == "件名"  # the envelope stays
    assert waiting.body_text == "本文"  # still to be sent: kept
    assert purge_old_bodies(now + timedelta(days=91)) == 0  # nothing twice
    assert ("outbox-retention", "kodaira_app.mailer.retention.purge_old_bodies", "mail") in {
        (job.name, job.func, job.queue) for job in PERIODIC_JOBS
    }
