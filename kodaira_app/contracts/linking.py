"""契約の追加: the identity check and the link, apart from the views.

A contract belongs to at most one account (UNIQUE contract_links.customer_id). Whoever
knows the customer number and the holder's kana name may add it; failures are counted
per customer number across accounts, so guessing names for one number stops quickly.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kodaira_app.auth.throttle import Limit, first_block, record
from kodaira_app.contracts.normalize import kana_key
from kodaira_app.extensions import db
from kodaira_app.models import Account, Consent, ContractLink, Customer

RELATIONS = {"self": _l("本人"), "family": _l("家族"), "other": _l("その他")}
# Bump when the wording of the 契約者の同意確認 block changes: each Consent row says which
# text the applicant confirmed.
CONSENT_TEXT_VERSION = "guide-2024-1"

PER_NUMBER = Limit("contract-number", 5, timedelta(minutes=30))
PER_ACCOUNT = Limit("contract-account", 10, timedelta(minutes=30))


class LinkRefused(Exception):
    """The contract cannot be added; the message is shown beside お客様番号.

    `held_by_you` is the contract when this account already holds it.
    """

    def __init__(self, message: str, held_by_you: Customer | None = None):
        super().__init__(message)
        self.held_by_you = held_by_you


def mismatch_message() -> str:
    # One message for an unknown number and for a wrong name: no way to learn which.
    return _(
        "お客様番号またはお客様氏名カナが正しくありません。"
        "検針票などに記載のお客様番号と、ご契約者様のお名前のカナをご確認ください。"
    )


def find_claimable(account: Account, number: str, kana: str) -> Customer:
    """The contract `number` if `kana` is its holder's and it is free; else LinkRefused."""
    checks = [(PER_NUMBER, number), (PER_ACCOUNT, str(account.id))]
    until = first_block(checks)
    if until is not None:
        raise LinkRefused(
            _(
                "入力の誤りが続いたため、契約の追加を一時的に停止しています。"
                "日本時間%(time)s以降にもう一度お試しください。",
                time=format_time(until, "HH:mm"),
            )
        )
    customer = db.session.scalar(select(Customer).where(Customer.customer_number == number))
    if customer is None or kana_key(customer.name_kana) != kana_key(kana):
        record(checks)
        raise LinkRefused(mismatch_message())
    if customer.link is not None:
        if customer.link.account_id == account.id:
            raise LinkRefused(
                _("この契約はすでにご登録済みです。契約内容のご確認でご覧いただけます。"),
                held_by_you=customer,
            )
        raise LinkRefused(
            _(
                "この契約はすでにアプリに登録されているため、追加できません。"
                "ご不明な点は小平町 上下水道までお問い合わせください。"
            )
        )
    return customer


def link_contract(account: Account, customer: Customer, relation: str) -> ContractLink:
    """Add the link (and, for 家族 / その他, the consent record) to the session.

    The caller commits; a second link of the same contract fails on the UNIQUE constraint.
    """
    link = ContractLink(account_id=account.id, customer_id=customer.id, relation=relation)
    db.session.add(link)
    if relation != "self":
        db.session.add(
            Consent(
                account_id=account.id,
                account_email=account.email,
                customer_id=customer.id,
                relation=relation,
                text_version=CONSENT_TEXT_VERSION,
            )
        )
    db.session.flush()
    return link
