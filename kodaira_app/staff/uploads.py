"""CSV uploads from the console: the same importers, and the same per-row report, as the CLI."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import IO

from flask_babel import lazy_gettext as _l

from kodaira_app.csvimport import HeaderError, ImportResult
from kodaira_app.extensions import db

# Errors kept in the audit row (and shown on the result page) per upload.
MAX_REPORTED_ERRORS = 1000
READINGS_SOURCE = "staff-upload"


@dataclass(frozen=True)
class UploadKind:
    label: object
    module: str
    function: str
    extra_args: tuple = ()

    def importer(self) -> Callable[..., ImportResult]:
        return getattr(import_module(self.module), self.function)

    @property
    def header(self) -> str:
        """The first line the file must have, as the importer requires it."""
        return ",".join(import_module(self.module).HEADER)


KINDS: dict[str, UploadKind] = {
    "customers": UploadKind(
        _l("お客様（契約）"), "kodaira_app.customers.importer", "import_customers"
    ),
    "readings": UploadKind(
        _l("検針データ（1時間ごと）"),
        "kodaira_app.readings.importer",
        "import_readings_csv",
        (READINGS_SOURCE,),
    ),
    "billing": UploadKind(_l("請求・お支払い"), "kodaira_app.billing.importer", "import_billing"),
}


def run_import(kind: UploadKind, stream: IO) -> dict:
    """Import the stream and commit; the outcome as the audit row's detail."""
    try:
        result = kind.importer()(stream, *kind.extra_args)
    except HeaderError as exc:
        db.session.rollback()
        return {
            "header_error": str(exc),
            "imported": 0,
            "unchanged": 0,
            "error_count": 0,
            "errors": [],
        }
    db.session.commit()
    return {
        "header_error": None,
        "imported": result.imported,
        "unchanged": result.unchanged,
        # The readings importer counts every bad row but keeps only the first ones.
        "error_count": max(len(result.errors), getattr(result, "error_count", 0)),
        "errors": [[line, reason] for line, reason in result.errors[:MAX_REPORTED_ERRORS]],
    }
