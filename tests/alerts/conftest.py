"""Fixtures of the alert tests: a watched home with two family recipients, a clock at
00:00 Japan time, and one run of the periodic evaluation with its mails sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kodaira_app.alerts.episodes import evaluate
from kodaira_app.extensions import db
from kodaira_app.timeutil import utcnow
from kodaira_app.watch.registrations import Draft, save_registration
from kodaira_app.watch.windows import Recipient
from tests.support.watch import own_contract

# 2026-12-02 00:00 Japan time; the first hour of every fixture.
DAY = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
FAMILY = (("息子", "son@example.com", "ja"), ("娘", "daughter@example.com", "ja"))


def hour(n: int) -> datetime:
    return DAY + timedelta(hours=n)


@pytest.fixture
def account(auth):
    return auth.signed_in()


@pytest.fixture
def contract(account):
    return own_contract(account, customer_number="00000008002", name="小平 花子")


def watch(account, customer, flow=3, idle=None, nodata=None, recipients=FAMILY, helpers=()):
    """A registration saved as 登録 would, with the chosen rules (None: off)."""
    draft = Draft(
        customer_id=customer.id,
        hours=[8],
        recipients=[Recipient(*row) for row in recipients],
        alerts={
            "flow": flow,
            "idle": idle,
            "nodata": nodata,
            "helpers": list(helpers),
            "consent": bool(helpers),
        },
    )
    registration = save_registration(account, customer, draft, 6, notify=False)
    db.session.refresh(registration)
    return registration


@pytest.fixture
def tick(run_jobs):
    """The periodic evaluation at the clock's time, then the mail jobs it queued."""

    def run():
        result = evaluate(utcnow())
        run_jobs()
        return result

    return run
