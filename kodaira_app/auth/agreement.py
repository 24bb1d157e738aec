"""利用規約 and 個人情報の取扱い: the edition of each document in force, in one place.

A new edition bumps its line here: the page shows it, and sign-up records the editions
agreed with the time (accounts.terms_version, privacy_version, agreed_at). Accounts made
before the documents existed keep NULL there; they are not asked again, and the pages
stay open to them like to everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from kodaira_app.models import Account


@dataclass(frozen=True)
class Document:
    version: str  # the edition, 「第1版」 on the page
    issued: date


TERMS = Document("1", date(2026, 12, 1))
PRIVACY = Document("1", date(2026, 12, 1))


def current(now: datetime) -> dict[str, str]:
    """What a sign-up agreed to at `now`, for the job that creates the account."""
    return {"terms": TERMS.version, "privacy": PRIVACY.version, "at": now.isoformat()}


def record(account: Account, agreed: dict[str, str]) -> None:
    account.terms_version = agreed["terms"]
    account.privacy_version = agreed["privacy"]
    account.agreed_at = datetime.fromisoformat(agreed["at"])
