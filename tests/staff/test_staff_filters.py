"""The console's GET filters are forms: a bad value is refused beside its field, in the
clerk's language, the page keeps what was typed, and nothing is listed (or recorded)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kodaira_app.extensions import db
from kodaira_app.models.staff import AuditLog
from tests.support.pages import field_error, page, text


def recorded() -> list[str]:
    return list(db.session.scalars(select(AuditLog.action)))


@pytest.mark.parametrize(
    ("url", "field", "typed", "message"),
    [
        (
            "/staff/deliveries?day=2026-13-40",
            "day",
            "2026-13-40",
            "日付は 2026-11-25 のように、年-月-日で入力してください。",
        ),
        (
            "/staff/deliveries?contract=abc",
            "contract",
            "abc",
            "お客様番号は数字で入力してください。",
        ),
        (
            "/staff/tick?day=2026-11-25&time=25:99",
            "time",
            "25:99",
            "時刻は 12:30 のように、時:分で入力してください。",
        ),
        ("/staff/outbox?to=" + "x" * 101, "to", "x" * 101, "100文字以内で入力してください。"),
        ("/staff/?q=" + "x" * 101, "q", "x" * 101, "100文字以内で入力してください。"),
    ],
)
def test_a_bad_filter_is_refused_beside_its_field_and_keeps_what_was_typed(
    client, chief, url, field, typed, message
):
    soup = page(client.get(url))
    assert field_error(soup, field) == message
    assert soup.select_one(f"#{field}")["value"] == typed
    assert recorded() == []


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/staff/deliveries?status=lost", "status"),
        ("/staff/audit?action=everything", "action"),
        ("/staff/direct-debit?status=lost", "status"),
    ],
)
def test_a_choice_not_on_the_list_is_refused(client, chief, url, field):
    soup = page(client.get(url))
    assert field_error(soup, field) == "一覧から選んでください。"
    assert recorded() == []


def test_an_audit_filter_by_a_bad_customer_says_so(client, chief):
    soup = page(client.get("/staff/audit?customer=abc"))
    assert text(soup.select_one(".form-errors")) == (
        "お客様の指定が正しくありません。絞り込みを外してやり直してください。"
    )
    assert soup.select("table.staff-audit tbody tr") == []


def test_filter_messages_are_in_the_clerks_language(client, chief):
    client.set_cookie("lang", "en")
    soup = page(client.get("/staff/deliveries?day=2026-13-40&status=lost"))
    assert field_error(soup, "day") == "Please enter the date as year-month-day, e.g. 2026-11-25."
    assert field_error(soup, "status") == "Please choose from the list."


def test_a_good_filter_lists_and_is_recorded(client, chief):
    page(client.get("/staff/audit?action=search"))
    page(client.get("/staff/direct-debit?status=processed"))
    page(client.get("/staff/outbox?to=son@"))
    assert recorded() == ["view_audit", "view_direct_debit", "view_outbox"]
