"""Each resident page reads its data in a fixed number of statements, however many
contracts the account holds: a query per contract is what makes a page slow."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event

from kodaira_app.extensions import db
from tests.support.accounts import make_account
from tests.support.billing import make_bill
from tests.support.pages import page
from tests.support.readings import add_readings
from tests.support.watch import own_contract, register

NOW = datetime(2026, 3, 10, 3, tzinfo=UTC)  # 12:00 JST


@contextmanager
def counted():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def account_with(contracts: int, auth, clock):
    """A signed-in account with `contracts` smart-meter contracts, each with a 見守り
    registration, two bills and two days of readings."""
    clock.freeze(NOW)
    account = make_account(email=f"q{contracts}@example.com")
    customers = []
    for _ in range(contracts):
        customer = own_contract(account)
        register(account, customer, hours=(8, 20))
        make_bill(customer, date(2025, 11, 1), date(2025, 12, 31), paid_on=date(2026, 1, 20))
        make_bill(customer, date(2026, 1, 1), date(2026, 2, 28))
        add_readings(customer.meter_id, datetime(2026, 3, 8, 3, tzinfo=UTC), [1.5] * 48)
        customers.append(customer)
    auth.login(email=account.email)
    return customers


def statements_of(client, url: str) -> list[str]:
    client.get(url)  # the first request of a session warms what any first request warms
    with counted() as statements:
        soup = page(client.get(url))
    assert soup.find("h1") is not None
    return statements


PAGES = {
    "トップ": lambda customer: "/",
    "見守り input": lambda customer: f"/watch/{customer.id}/edit",
    "ご利用実績": lambda customer: f"/usage/{customer.id}",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_statements_do_not_grow_with_the_contracts(app, client, auth, clock, name):
    one = account_with(1, auth, clock)
    for_one = statements_of(client, PAGES[name](one[0]))
    auth.logout()
    three = account_with(3, auth, clock)
    for_three = statements_of(client, PAGES[name](three[-1]))

    assert len(for_one) == len(for_three), "\n".join(for_three)


# 見守り input: the login session, the contract, its registration with windows and recipients,
# the stopped addresses, and the latest report, next report and alerts under way of the
# glance (4), and each address's last mail (1).
# トップ: the login session, the contracts, the readings, every contract's latest report and
# the registrations' pauses (for the next report's time), the unpaid bills and each
# address's last mail.
# Both show the open alert episodes with who confirmed them, read for every contract in one
# more statement (kodaira_app/watch/glance.py open_alerts): hence one more than before.
@pytest.mark.parametrize(("name", "most"), [("トップ", 8), ("見守り input", 9), ("ご利用実績", 5)])
def test_statements_per_page(app, client, auth, clock, name, most):
    customers = account_with(3, auth, clock)
    statements = statements_of(client, PAGES[name](customers[1]))
    assert len(statements) <= most, "\n".join(statements)


def test_templates_are_not_reloaded_outside_development(app):
    assert app.jinja_env.auto_reload is False
