"""All models, split by feature; importing this package registers every table."""

from kodaira_app.models import billing, staff  # noqa: F401  (their tables register here)
from kodaira_app.models.accounts import Account, ThrottleEvent
from kodaira_app.models.alerts import AlertConfirmation, AlertEpisode, AlertMail, TownOutage
from kodaira_app.models.customers import Consent, ContractLink, Customer
from kodaira_app.models.mail import OutboxMail
from kodaira_app.models.readings import ApiToken, Reading, ReadingChange
from kodaira_app.models.reports import Delivery, ReportSlot, WindowEvaluation
from kodaira_app.models.sessions import LoginSession
from kodaira_app.models.test_mails import TestDelivery
from kodaira_app.models.watch import WatchPause, WatchRecipient, WatchRegistration, WatchWindow

__all__ = [
    "Account",
    "AlertConfirmation",
    "AlertMail",
    "AlertEpisode",
    "ApiToken",
    "Consent",
    "ContractLink",
    "Customer",
    "Delivery",
    "LoginSession",
    "OutboxMail",
    "Reading",
    "ReadingChange",
    "ReportSlot",
    "TestDelivery",
    "ThrottleEvent",
    "TownOutage",
    "WatchPause",
    "WatchRecipient",
    "WatchRegistration",
    "WatchWindow",
    "WindowEvaluation",
]
