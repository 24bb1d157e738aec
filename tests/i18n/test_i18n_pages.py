"""Every page and every mail, rendered in each language, has no Japanese left in it.

Japanese may remain only in customer data (marked translate="no" in pages; the known values
in mails) and in the language names of the switch. For English, Korean and Vietnamese no
kana or CJK ideographs may appear; for Simplified Chinese, no kana. Residents' pages and the
mails in English and Vietnamese carry no Japanese punctuation (、。「」（）〜) either.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from bs4 import BeautifulSoup
from flask import current_app

from kodaira_app.auth import tokens
from kodaira_app.extensions import db
from kodaira_app.i18n import html_lang
from kodaira_app.mailer.outbox import render_mail
from kodaira_app.models import OutboxMail, WatchPause
from kodaira_app.models.reports import Delivery
from kodaira_app.reports.content import Renderer, ReportFacts
from kodaira_app.timeutil import utcnow
from kodaira_app.watch.pauses import send_due_pause_notices
from tests.billing.test_billing_direct_debit import form_data as direct_debit_form
from tests.support.accounts import DEFAULT_PASSWORD, make_account
from tests.support.billing import make_bill
from tests.support.factories import link, make_customer
from tests.support.i18n import (
    TARGET_LOCALES,
    TRANSLATIONS,
    offending,
    page_offending,
)
from tests.support.mailbox import text_body
from tests.support.readings import add_readings
from tests.support.staff import STAFF_PASSWORD, make_staff, sign_in_staff
from tests.support.watch import input_data, register

PARENT = {
    "name": "留萌 花子",
    "name_kana": "ルモイ ハナコ",
    "address": "北海道留萌郡小平町字達布1番地",
}


class Walk:
    """Requests pages in one language and collects the Japanese text found on them."""

    def __init__(self, client, locale: str, strict: bool = True):
        """strict: in English and Vietnamese, no Japanese punctuation either."""
        self.client = client
        self.locale = locale
        self.strict = strict
        self.found: dict[str, list[str]] = {}
        client.set_cookie("lang", locale)

    def __call__(
        self,
        path: str,
        data: dict | None = None,
        status: int | None = 200,
        allowed: tuple[str, ...] = (),
    ):
        """One page; `allowed` is customer data that cannot carry translate="no" (<title>)."""
        if data is None:
            response = self.client.get(path, follow_redirects=True)
            label = f"GET {path}"
        else:
            response = self.client.post(path, data=data, follow_redirects=True)
            label = f"POST {path} {sorted(k for k, v in data.items() if v)}"
        if status is not None:
            assert response.status_code == status, f"{label}: {response.status_code}"
        html = response.get_data(as_text=True)
        soup = BeautifulSoup(html, "html.parser")
        lang = soup.html.get("lang") if soup.html else None
        assert lang == html_lang(self.locale), f"{label}: <html lang={lang}>"
        bad = page_offending(self.locale, html, allowed, self.strict)
        if bad:
            self.found[label] = bad
        return soup

    def check(self) -> None:
        report = "\n".join(
            f"  {page}:\n" + "\n".join(f"    {line}" for line in lines)
            for page, lines in self.found.items()
        )
        assert not self.found, f"Japanese text on pages in {self.locale}:\n{report}"


def resident_world(account):
    """Contracts (own, a parent's, one without a smart meter), a 見守り, bills, readings."""
    own = make_customer()
    link(account, own)
    parent = make_customer(**PARENT)
    link(account, parent, "family")
    plain = make_customer(smart_meter=False, name="小平 次郎", name_kana="コダイラ ジロウ")
    link(account, plain)
    registration = register(account, own, hours=(6, 18), recipients=(("息子", "son@example.com"),))
    since = utcnow() - timedelta(days=3)  # registered days ago: yesterday's windows count
    for row in [registration, *registration.windows, *registration.recipients]:
        row.created_at = since
    db.session.commit()
    today = utcnow().date()
    make_bill(
        own,
        today - timedelta(days=150),
        today - timedelta(days=90),
        due=today - timedelta(days=60),
        paid_on=today - timedelta(days=65),
    )
    make_bill(
        own, today - timedelta(days=89), today - timedelta(days=30), due=today - timedelta(days=2)
    )
    hour = utcnow().replace(minute=0, second=0, microsecond=0, tzinfo=UTC)
    add_readings(own.meter_id, hour - timedelta(hours=72), [1.2, 0, None, 3.0] * 18)
    add_readings(parent.meter_id, hour - timedelta(hours=30), [0.5] * 30)
    return own, parent, plain, registration


@pytest.mark.parametrize("locale", TARGET_LOCALES)
def test_public_pages_have_no_japanese_left(app, client, locale):
    walk = Walk(client, locale)
    customer = make_customer()
    hanako = make_account("hanako@example.com")
    registration = register(hanako, customer)
    token = registration.recipients[0].stop_token
    unconfirmed = make_account("ken@example.com", confirmed=False)
    walk(f"/confirm/{tokens.make_token(unconfirmed, tokens.CONFIRM_SALT)}")
    walk(f"/reset/{tokens.make_token(hanako, tokens.RESET_SALT)}")
    walk(f"/reset/{tokens.make_token(hanako, tokens.RESET_SALT)}", {"password": "x"})
    for path in (
        "/",
        "/about",
        "/guide",
        "/login",
        "/signup",
        "/terms",
        "/privacy",
        "/reset",
        "/confirm/resend",
        "/mail-sent/signup",
        "/mail-sent/resend",
        "/mail-sent/reset",
        "/staff/login",
    ):
        # The guide's sample mails end with 問い合わせ先 as configured (plain text there).
        office = (app.config["CONTACT_OFFICE_NAME"], app.config["CONTACT_ADDRESS"])
        walk(path, allowed=office if path == "/guide" else ())
    for path in ("/confirm/not-a-token", "/reset/not-a-token", "/stop/not-a-token"):
        walk(path, status=None)  # the invalid-link pages answer 404
    soup = walk("/no-such-page", status=404)
    assert soup.h1 is not None and soup.select_one(".language-switch") is not None
    walk("/login", {"email": "", "password": ""})
    walk("/login", {"email": "nobody@example.com", "password": "wrong password"})
    walk("/signup", {"email": "not an address", "password": "short", "password_confirm": "x"})
    walk("/reset", {"email": ""})
    walk("/confirm/resend", {"email": "bad"})
    walk("/staff/login", {"email": "", "password": ""})
    make_staff(enrolled=False)
    walk("/staff/login", {"email": "clerk@town.example", "password": STAFF_PASSWORD})
    walk("/staff/login", {"code": "000000"})
    walk(f"/stop/{token}")
    walk(f"/stop/{token}", {})
    walk.check()


@pytest.mark.parametrize("locale", TARGET_LOCALES)
def test_resident_pages_have_no_japanese_left(app, auth, client, locale):
    account = auth.signed_in()
    own, parent, plain, _ = resident_world(account)
    spare = make_customer(
        customer_number="40000000001",
        name="増毛 一郎",
        name_kana="マシケ イチロウ",
        smart_meter=True,
    )
    walk = Walk(client, locale)
    for path in (
        "/",
        "/contracts",
        "/contracts/add",
        "/usage",
        f"/usage/{own.id}",
        f"/usage/{parent.id}",
        f"/usage/{plain.id}",
        "/pay",
        "/payments",
        "/pay/direct-debit",
        "/procedures",
        "/procedures/email",
        "/procedures/password",
        "/procedures/leave",
        "/watch",
        f"/watch/{own.id}/edit",
        f"/watch/{parent.id}/edit",
        f"/watch/{own.id}/end",
        f"/watch/{own.id}/pause",
    ):
        walk(path)
    # Forms with their errors beside the fields.
    walk("/contracts/add", {"customer_number": "12", "name_kana": "abc", "relation": "family"})
    walk(
        "/contracts/add",
        {"customer_number": "0-0000000000", "name_kana": "コダイラ", "relation": "self"},
    )
    walk("/pay/direct-debit", {"contract": "", "account_number": "12"})
    walk("/procedures/email", {"email": "bad", "current_password": ""})
    walk(
        "/procedures/password",
        {"current_password": "wrong", "password": "a", "password_confirm": "b"},
    )
    walk("/procedures/leave", {"current_password": ""})
    walk("/watch", {})
    walk("/watch", {"contract": str(plain.id)})
    bad = input_data(hours=("", "7"), recipients=(("", "not-an-address"), ("息子", "x@y")))
    walk(f"/watch/{own.id}/edit", bad)
    walk(f"/watch/{own.id}/pause", {"start_date": "2020-01-01", "end_date": "2019-01-01"})
    start = date.today() + timedelta(days=2)
    walk(
        f"/watch/{own.id}/pause",
        {"start_date": start.isoformat(), "end_date": (start + timedelta(days=3)).isoformat()},
    )
    # The two-step flows to their last screen.
    walk(
        f"/watch/{parent.id}/edit",
        input_data(hours=("9", "21"), recipients=(("娘", "daughter@example.com"),)),
    )
    walk(f"/watch/{parent.id}/confirm")
    walk(f"/watch/{parent.id}/confirm", {})
    walk(
        "/contracts/add",
        {
            "customer_number": spare.customer_number,
            "name_kana": spare.name_kana,
            "relation": "self",
        },
    )
    walk("/contracts/add/confirm", {})
    walk(f"/usage/{own.id}?date={date.today().isoformat()}")
    walk(f"/usage/{own.id}?date=not-a-date")
    walk("/pay/direct-debit", direct_debit_form(own))
    walk("/pay")
    walk("/procedures/email", {"email": "new@example.com", "current_password": DEFAULT_PASSWORD})
    walk("/procedures/email/confirm/not-a-token", status=None)
    for csv in ("daily.csv", "hourly.csv", "periods.csv"):
        header = client.get(f"/usage/{own.id}/{csv}").get_data(as_text=True).splitlines()[0]
        if found := offending(locale, header):
            walk.found[f"GET {csv} (header)"] = found
    change = tokens.sign(
        {"id": account.id, "old": account.email, "new": "n@example.com"}, tokens.EMAIL_CHANGE_SALT
    )
    walk(f"/procedures/email/confirm/{change}")
    walk(f"/watch/{own.id}/end", {})
    walk("/procedures")
    walk("/procedures/leave", {"current_password": DEFAULT_PASSWORD})
    walk.check()


@pytest.mark.parametrize("locale", TARGET_LOCALES)
def test_welcome_page_of_a_new_account_has_no_japanese_left(app, auth, client, locale):
    auth.signed_in()
    walk = Walk(client, locale)
    for path in ("/", "/contracts", "/usage", "/pay", "/payments", "/watch", "/procedures"):
        walk(path)
    walk.check()


@pytest.mark.parametrize("locale", TARGET_LOCALES)
def test_staff_console_has_no_japanese_left(app, auth, client, locale, run_jobs):
    walk = Walk(client, locale, strict=False)  # a console for the town's own staff
    account = auth.signed_in()
    own, parent, plain, registration = resident_world(account)
    client.post("/pay/direct-debit", data=direct_debit_form(own))
    auth.logout()
    run_jobs()
    sign_in_staff(client, make_staff(role="admin"))
    day = (utcnow() + timedelta(hours=9) - timedelta(days=1)).date().isoformat()
    walk(f"/staff/tick?day={day}&time=12:30")
    walk("/staff/tick/run", {"day": day, "time": "12:30"})
    walk("/staff/tick?day=bad&time=")
    run_jobs()
    walk("/staff/")
    walk("/staff/?q=0000")
    walk("/staff/?q=" + own.customer_number)
    for path in (
        f"/staff/contracts/{own.id}",
        f"/staff/contracts/{plain.id}",
        "/staff/deliveries",
        "/staff/outbox",
        "/staff/direct-debit",
        "/staff/tick",
        "/staff/tokens",
        "/staff/uploads",
        "/staff/audit",
    ):
        walk(path)
    upload = {"customers-file": (io.BytesIO(b"customer_number\n1\n"), "x.csv")}
    walk("/staff/uploads/customers", upload)
    for mail in db.session.query(OutboxMail):
        walk(f"/staff/outbox/{mail.id}", allowed=(mail.subject,))  # the mail as it was sent
    deliveries = db.session.query(Delivery).all()
    assert deliveries, "the tick sent no report to look at"
    walk(f"/staff/deliveries/{deliveries[0].id}")
    walk("/staff/deliveries?to=son@example.com")
    walk.check()


# --- Mails --------------------------------------------------------------------------

MAIL_KINDS = sorted(
    p.name.removesuffix(".subject.txt")
    for p in (TRANSLATIONS.parent / "templates" / "mail").glob("*.subject.txt")
)
# Customer data the mails carry (never translated).
CUSTOMER_DATA = ("小平 太郎", "留萌 花子", "息子")


def mail_context() -> dict:
    """Every value any mail template reads, customer data in Japanese."""
    return {
        "link": "http://localhost/confirm/abc",
        "login_link": "http://localhost/login",
        "reset_link": "http://localhost/reset",
        "hours": 24,
        "minutes": 30,
        "email": "new@example.com",
        "new_email": "n***@example.com",
        "name": "留萌 花子",
        "recipient_name": "息子",
        "adder": "小平 太郎",
        "contract_number": "0-00000*****",
        "stop_link": "http://localhost/stop/abc",
        "windows": [
            {"start": "06:00", "end": "12:00", "report": "12:30"},
            {"start": "18:00", "end": "24:00", "report": "00:30"},
        ],
        "start_date": date(2026, 12, 1),
        "end_date": date(2026, 12, 5),
    }


def mail_offending(locale: str, subject: str, text: str, html: str) -> list[str]:
    html_text = BeautifulSoup(html, "html.parser").get_text("\n")
    # 問い合わせ先 in the footer names the office as configured, like customer data.
    config = current_app.config
    allowed = (*CUSTOMER_DATA, config["CONTACT_OFFICE_NAME"], config["CONTACT_ADDRESS"])
    return [
        f"{part}: {line}"
        for part, body in (("subject", subject), ("text", text), ("html", html_text))
        for line in offending(locale, body, tuple(v for v in allowed if v))
    ]


def report_facts(locale: str, kind: str, status: str, late: bool):
    start = datetime(2026, 11, 25, 6, tzinfo=timezone(timedelta(hours=9)))
    return ReportFacts(
        kind=kind,
        status=status,
        window_start=start,
        window_end=start + timedelta(hours=6),
        deciliters=12345 if status in ("used", "partial") else (0 if status == "none" else None),
        usual_deciliters=4000,
        missing_hours=[(start + timedelta(hours=2)).isoformat()],
        late=late,
        followup_deciliters=2345,
        recipient_name="息子",
        recipient_email="son@example.com",
        locale=locale,
        stop_token="abc",
        masked_number="0-00000*****",
    )


def test_every_mail_kind_is_covered():
    assert "report" in MAIL_KINDS and "account_confirm" in MAIL_KINDS


@pytest.mark.parametrize("locale", TARGET_LOCALES)
@pytest.mark.parametrize("kind", MAIL_KINDS)
def test_mail_has_no_japanese_left(app, locale, kind):
    found = []
    if kind == "report":
        renderer = Renderer()
        for facts in (
            report_facts(locale, "report", status, late)
            for status in ("used", "none", "partial", "missing")
            for late in (False, True)
        ):
            mail = renderer.render(facts)
            found += mail_offending(locale, mail["subject"], mail["body_text"], mail["body_html"])
        found += mail_offending(locale, *_render_followup(renderer, locale))
    else:
        subject, text, html = render_mail(kind, locale, **mail_context())
        found += mail_offending(locale, subject, text, html)
        lang = BeautifulSoup(html, "html.parser").html.get("lang")
        assert lang == html_lang(locale), f"{kind} in {locale}: <html lang={lang}>"
    assert not found, f"Japanese text in the {kind} mail in {locale}:\n  " + "\n  ".join(
        dict.fromkeys(found)
    )


def _render_followup(renderer, locale):
    mail = renderer.render(report_facts(locale, "followup", "partial", False))
    return mail["subject"], mail["body_text"], mail["body_html"]


def test_pause_mail_dates_are_formatted_for_the_recipient(app, smtp, run_jobs):
    """Babel writes the dates of a pause the way each recipient's language writes them."""
    registration = register(
        make_account(),
        make_customer(),
        recipients=(("Ken", "ken@example.com"), ("Lan", "lan@example.com")),
    )
    registration.recipients[0].locale = "en"
    registration.recipients[1].locale = "vi"
    db.session.add(
        WatchPause(
            registration_id=registration.id,
            start_date=date(2026, 12, 1),
            end_date=date(2026, 12, 5),
        )
    )
    db.session.commit()
    smtp.clear()
    send_due_pause_notices(datetime(2026, 12, 1, 0, 0, tzinfo=UTC))
    db.session.commit()
    run_jobs()
    bodies = {m["To"]: text_body(m) for m in smtp.messages}
    assert "from December 1, 2026 to December 5, 2026" in bodies["ken@example.com"]
    assert "từ 1 tháng 12, 2026 đến 5 tháng 12, 2026" in bodies["lan@example.com"]
