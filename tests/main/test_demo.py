"""The demo town: customers, the demo account with patterns 1 and 2, one contract to add."""

from sqlalchemy import func, select

from kodaira_app.demo import town
from kodaira_app.extensions import db
from kodaira_app.models import Account, Consent, ContractLink, Customer
from tests.support.pages import page, text


def load_town():
    lines = []
    town.load(lines.append)
    db.session.commit()
    return lines


def counts():
    return [
        db.session.scalar(select(func.count(model.id)))
        for model in (Customer, Account, ContractLink, Consent)
    ]


def test_town_has_customers_with_and_without_smart_meters(app):
    load_town()
    customers = list(db.session.scalars(select(Customer)))
    assert len(customers) == 20
    assert any(not c.smart_meter and c.meter_id is None for c in customers)
    assert all(c.meter_id for c in customers if c.smart_meter)


def test_demo_account_holds_own_and_parents_contract(app):
    lines = load_town()
    assert "demo login: demo@example.com / kodaira-demo" in lines
    account = db.session.scalar(select(Account).where(Account.email == "demo@example.com"))
    assert account.email_confirmed_at is not None
    held = {
        link.customer.display_number: (link.relation, link.customer.smart_meter)
        for link in db.session.scalars(select(ContractLink))
    }
    assert held == {"0-0000008001": ("self", True), "0-0000008002": ("family", True)}
    [consent] = db.session.scalars(select(Consent))
    assert (consent.account_id, consent.relation) == (account.id, "family")


def test_loading_twice_changes_nothing(app):
    load_town()
    before = counts()
    hashes = db.session.scalar(select(Account.password_hash))
    load_town()
    assert counts() == before == [20, 1, 2, 1]
    assert db.session.scalar(select(Account.password_hash)) == hashes


def test_demo_login_works_and_the_free_contract_can_be_added(app, client):
    lines = load_town()
    hint = next(line for line in lines if line.startswith("try 契約の追加"))
    assert hint == "try 契約の追加 with お客様番号 0-0000008003 and お客様氏名カナ オニシカ ハナコ"
    response = client.post("/login", data={"email": "demo@example.com", "password": "kodaira-demo"})
    assert response.headers["Location"] == "/"
    rows = page(client.get("/contracts")).select("table.contracts tbody tr")
    assert [text(row.td) for row in rows] == ["0-0000008001", "0-0000008002"]
    client.post(
        "/contracts/add",
        data={
            "customer_number": "0-0000008003",
            "name_kana": "オニシカ ハナコ",
            "relation": "self",
        },
    )
    assert client.post("/contracts/add/confirm").headers["Location"] == "/contracts/add/done"
    assert "(already added to an account)" in load_town()[-1]


def test_flask_demo_load_prints_the_login(app, runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "demo login: demo@example.com / kodaira-demo" in result.output


def test_demo_account_agreed_to_the_documents_in_force(app):
    from kodaira_app.auth.agreement import PRIVACY, TERMS

    load_town()
    account = db.session.scalar(select(Account).where(Account.email == "demo@example.com"))
    assert (account.terms_version, account.privacy_version) == (TERMS.version, PRIVACY.version)
    assert account.agreed_at is not None
