"""Fixtures of the 見守り tests: a signed-in account, its own contract, a registration."""

import pytest

from tests.support.watch import own_contract, register


@pytest.fixture
def account(auth):
    """The account of the test, logged in on `client`."""
    return auth.signed_in()


@pytest.fixture
def contract(account):
    """The account's own contract (本人), with a smart meter: the guide's 0-0000008002."""
    return own_contract(account, customer_number="00000008002", name="小平 花子")


@pytest.fixture
def registration(account, contract, run_jobs, smtp):
    """The contract watched from 08:00 for son@example.com; the notice sent and cleared."""
    registration = register(account, contract)
    run_jobs()
    smtp.clear()
    return registration
