"""口座振替 online application: validation, storage for staff, once per form."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from kodaira_app.billing.direct_debit import list_applications, mark_processed
from kodaira_app.extensions import db
from kodaira_app.models.billing import DirectDebitApplication
from tests.support.accounts import make_account
from tests.support.billing import signed_in_contract
from tests.support.factories import link, make_customer

NOW = datetime(2026, 3, 10, 3, tzinfo=UTC)


@pytest.fixture
def contract(app, auth, clock):
    return signed_in_contract(auth, clock, NOW)


def form_data(customer, **changes):
    data = {
        "contract": str(customer.id),
        "bank_name": "北海道銀行",
        "branch_name": "留萌支店",
        "account_type": "ordinary",
        "account_number": "1234567",
        "account_holder_kana": "コダイラ タロウ",
        "request_key": "k" * 32,
    }
    data.update(changes)
    return data


def stored() -> list[DirectDebitApplication]:
    return list(db.session.scalars(select(DirectDebitApplication)))


def error_beside(soup, field_id: str) -> list[str]:
    box = soup.find(id=f"{field_id}-error")
    return [li.get_text() for li in box.find_all("li")] if box else []


def test_form_shows_labelled_fields_for_the_accounts_contracts(client, contract):
    other = make_customer()
    link(make_account("hanako@example.com"), other)
    soup = BeautifulSoup(client.get("/pay/direct-debit").data, "html.parser")
    labels = [label.get_text(strip=True) for label in soup.find_all("label")]
    for text in ("お客様番号*", "金融機関名*", "支店名*", "口座番号*", "口座名義（カナ）*"):
        assert text in labels
    assert soup.find("legend").get_text(strip=True) == "預金種目*"
    options = [o.get_text() for o in soup.find("select", id="contract").find_all("option")]
    assert options == [f"{contract.display_number} {contract.name}"]
    assert len(soup.find("input", id="request_key")["value"]) == 32


def test_application_is_stored_masked_and_shown_as_pending(client, contract):
    response = client.post(
        "/pay/direct-debit",
        data=form_data(
            contract,
            account_number="１２３ ４５６７",
            account_holder_kana="ｺﾀﾞｲﾗ　たろう",
            account_type="current",
        ),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/pay/direct-debit/done"
    done = BeautifulSoup(client.get("/pay/direct-debit/done").data, "html.parser")
    assert done.find(class_="flash").get_text() == "口座振替のお申し込みを受け付けました。"
    [application] = stored()
    assert application.customer_id == contract.id
    assert application.account_id == contract.link.account_id
    assert (application.bank_name, application.branch_name) == ("北海道銀行", "留萌支店")
    assert application.account_type == "current"
    assert application.account_number_last4 == "4567"
    assert application.account_number_masked == "***4567"
    assert application.account_holder_kana == "コダイラ タロウ"
    assert application.status == "submitted"
    pay = BeautifulSoup(client.get("/pay").data, "html.parser")
    received = application.created_at.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%Y/%m/%d")
    assert pay.find(class_="notice").get_text() == (
        f"お客様番号 {contract.display_number} の口座振替は、{received} に"
        "お申し込みを受け付けて手続き中です。"
    )


def test_the_same_form_sent_twice_is_stored_once(client, contract):
    for _ in range(2):
        response = client.post("/pay/direct-debit", data=form_data(contract))
        assert response.headers["Location"] == "/pay/direct-debit/done"
    assert len(stored()) == 1


def test_a_second_application_while_one_is_pending_is_refused(client, contract):
    client.post("/pay/direct-debit", data=form_data(contract))
    soup = BeautifulSoup(
        client.post("/pay/direct-debit", data=form_data(contract, request_key="n" * 32)).data,
        "html.parser",
    )
    assert error_beside(soup, "contract") == [
        "この契約の口座振替は、お申し込みを受け付けて手続き中です。"
    ]
    assert len(stored()) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("bank_name", "", "金融機関名を入力してください。"),
        ("bank_name", "　", "金融機関名を入力してください。"),
        ("bank_name", "銀" * 51, "50文字以内で入力してください。"),
        ("branch_name", "", "支店名を入力してください。"),
        ("branch_name", "店" * 51, "50文字以内で入力してください。"),
        ("account_type", "", "預金種目を選択してください。"),
        ("account_type", "savings", "選択肢が正しくありません。"),
        ("account_number", "", "口座番号を入力してください。"),
        ("account_number", "123456", "口座番号は7桁の数字で入力してください。"),
        ("account_number", "12345678", "口座番号は7桁の数字で入力してください。"),
        ("account_number", "12a4567", "口座番号は7桁の数字で入力してください。"),
        ("account_holder_kana", "", "口座名義（カナ）を入力してください。"),
        ("account_holder_kana", "小平太郎", "口座名義はカタカナで入力してください。"),
        ("account_holder_kana", "KODAIRA", "口座名義はカタカナで入力してください。"),
        ("account_holder_kana", "ア" * 101, "100文字以内で入力してください。"),
        ("contract", "", "お客様番号を選択してください。"),
        ("contract", "abc", "お客様番号を選択してください。"),
    ],
)
def test_bad_input_is_refused_beside_its_field(client, contract, field, value, message):
    response = client.post("/pay/direct-debit", data=form_data(contract, **{field: value}))
    assert response.status_code == 200
    soup = BeautifulSoup(response.data, "html.parser")
    assert message in error_beside(soup, field)
    assert stored() == []


def test_another_accounts_contract_cannot_be_chosen(client, contract):
    other = make_customer()
    link(make_account("hanako@example.com"), other)
    soup = BeautifulSoup(
        client.post("/pay/direct-debit", data=form_data(contract, contract=str(other.id))).data,
        "html.parser",
    )
    assert error_beside(soup, "contract") == ["お客様番号を選択してください。"]
    assert stored() == []


def test_without_contracts_there_is_no_form(client, auth):
    auth.signed_in()
    soup = BeautifulSoup(client.get("/pay/direct-debit").data, "html.parser")
    assert soup.find("select") is None and soup.find("input", id="bank_name") is None
    assert "登録されている契約はありません。" in soup.main.get_text()


def _application(customer, key):
    row = DirectDebitApplication(
        account_id=customer.link.account_id,
        customer_id=customer.id,
        bank_name="A銀行",
        branch_name="B支店",
        account_type="ordinary",
        account_number_last4="4567",
        account_number_masked="***4567",
        account_holder_kana="ア",
        request_key=key,
    )
    db.session.add(row)
    db.session.commit()
    return row


def test_staff_list_and_process_applications(app, contract):
    first = _application(contract, "a" * 32)
    second = _application(contract, "b" * 32)
    assert [a.id for a in list_applications("submitted")] == [first.id, second.id]
    done = mark_processed(first.id, 7, "processed", "銀行へ送付")
    db.session.commit()
    assert (done.status, done.processed_by, done.note) == ("processed", 7, "銀行へ送付")
    assert done.processed_at is not None
    assert [a.id for a in list_applications("submitted")] == [second.id]
    assert [a.id for a in list_applications("processed")] == [first.id]
    assert len(list_applications()) == 2
    with pytest.raises(ValueError):
        mark_processed(first.id, 8, "rejected")  # already processed: recorded once
    with pytest.raises(ValueError):
        mark_processed(second.id, 8, "submitted")
    with pytest.raises(ValueError):
        list_applications("unknown")
    mark_processed(second.id, 8, "rejected", "名義不一致")
    db.session.commit()
    assert [a.note for a in list_applications("rejected")] == ["名義不一致"]
