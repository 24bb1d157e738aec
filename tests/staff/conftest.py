"""Fixtures of the staff console's tests."""

import pytest

from tests.support.staff import make_staff, sign_in_staff


@pytest.fixture
def clerk(client):
    """A signed-in clerk (plain staff role) on `client`."""
    return sign_in_staff(client, make_staff())


@pytest.fixture
def chief(client):
    """An admin: API tokens, customer and billing uploads and 口座振替 processing are theirs."""
    return sign_in_staff(client, make_staff("chief@town.example", role="admin"))
