"""Leaving the app acts on a watched contract: the 見守り fixtures."""

from tests.watch.conftest import account, contract, registration  # noqa: F401
