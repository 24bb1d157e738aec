"""Demo data: a 見守り registration on the demo account's parent's contract (pattern 2)."""

from flask import current_app
from sqlalchemy import select

from kodaira_app.contracts.queries import active_registration
from kodaira_app.extensions import db
from kodaira_app.models import Account, ContractLink, Customer
from kodaira_app.watch.registrations import Draft, save_registration
from kodaira_app.watch.windows import Recipient

DEMO_EMAIL = "demo@example.com"
DEMO_RECIPIENT = Recipient(name="息子", email="demo-child@example.com", locale="ja")


def load(echo) -> None:
    """Idempotent: skips when the demo account or its 家族 contract is absent or watched."""
    account = db.session.scalar(select(Account).where(Account.email == DEMO_EMAIL))
    if account is None:
        echo("watch: no demo account, skipped")
        return
    link = db.session.scalar(
        select(ContractLink)
        .where(ContractLink.account_id == account.id, ContractLink.relation == "family")
        .order_by(ContractLink.id)
    )
    customer = db.session.get(Customer, link.customer_id) if link else None
    if customer is None or not customer.smart_meter:
        echo("watch: the demo account has no family contract with a smart meter, skipped")
        return
    if active_registration(customer.id) is not None:
        echo(f"watch: {customer.display_number} is already watched")
        return
    draft = Draft(customer_id=customer.id, hours=[6], recipients=[DEMO_RECIPIENT])
    save_registration(
        account, customer, draft, current_app.config["WATCH_WINDOW_HOURS"], notify=False
    )
    echo(f"watch: {customer.display_number} watched from 06:00, mails to {DEMO_RECIPIENT.email}")
