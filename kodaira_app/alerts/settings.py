"""Saving the 「異変のお知らせ」 choices of a registration, with the 協力者 consent."""

from __future__ import annotations

from kodaira_app.alerts.rules import AlertSettings
from kodaira_app.extensions import db
from kodaira_app.models import Consent

# The consent text shown for a 見守り協力者 (templates/watch/_alerts_fieldset.html).
HELPER_CONSENT_VERSION = "helper-2026-1"


def apply(registration, account, customer, alerts: dict) -> bool:
    """Write the rules and the 協力者 flags; a consent row when a 協力者 is added.
    Whether anything changed. The caller commits."""
    changed = AlertSettings(alerts.get("flow"), alerts.get("idle"), alerts.get("nodata")).apply(
        registration
    )
    wanted = set(alerts.get("helpers") or ()) if alerts.get("consent") else set()
    added = False
    for recipient in registration.recipients:
        helper = recipient.removed_at is None and recipient.position in wanted
        if helper != bool(recipient.helper):
            added = added or helper
            recipient.helper = helper
            changed = True
    if added:
        db.session.add(
            Consent(
                account_id=account.id,
                account_email=account.email,
                customer_id=customer.id,
                relation="helper",
                text_version=HELPER_CONSENT_VERSION,
            )
        )
    return changed
