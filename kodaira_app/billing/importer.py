"""`flask billing import`: bills from the billing system's CSV, upserted by
(customer number, period start)."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import IO

from flask_babel import gettext as _
from sqlalchemy import select

from kodaira_app.csvimport import ImportResult, RowError, read_rows
from kodaira_app.extensions import db
from kodaira_app.models import Customer
from kodaira_app.models.billing import PAYMENT_METHODS, Bill

HEADER = [
    "customer_number",
    "period_start",
    "period_end",
    "reading_date",
    "meter_reading",
    "usage_m3",
    "water_charge",
    "sewer_charge",
    "tax",
    "total",
    "due_date",
    "paid_on",
    "payment_method",
]
FIELDS = HEADER[1:]


def _date(row: dict[str, str], name: str, required: bool = True) -> date | None:
    raw = row[name]
    if not raw:
        if required:
            raise RowError(_("%(column)s が空です", column=name))
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise RowError(
            _("%(column)s は YYYY-MM-DD の日付にしてください（%(value)s）", column=name, value=raw)
        ) from None


def _amount(row: dict[str, str], name: str) -> int:
    raw = row[name]
    if not raw.isascii() or not raw.isdigit():
        raise RowError(
            _("%(column)s は0以上の整数にしてください（%(value)s）", column=name, value=raw)
        )
    return int(raw)


def _customer_number(raw: str) -> str:
    number = unicodedata.normalize("NFKC", raw).replace("-", "").replace(" ", "")
    if len(number) != 11 or not number.isdigit():
        raise RowError(_("customer_number は11桁の数字にしてください（%(value)s）", value=raw))
    return number


def parse_row(row: dict[str, str]) -> tuple[str, dict]:
    """(customer number, Bill fields) of one row, or RowError with the reason."""
    if "__error__" in row:
        raise RowError(_("列の数が正しくありません（%(detail)s）", detail=row["__error__"]))
    number = _customer_number(row["customer_number"])
    values = {
        "period_start": _date(row, "period_start"),
        "period_end": _date(row, "period_end"),
        "reading_date": _date(row, "reading_date"),
        "due_date": _date(row, "due_date"),
        "paid_on": _date(row, "paid_on", required=False),
        "payment_method": row["payment_method"] or None,
    }
    for name in ("meter_reading", "usage_m3", "water_charge", "sewer_charge", "tax", "total"):
        values[name] = _amount(row, name)
    if values["period_end"] < values["period_start"]:
        raise RowError(_("period_end が period_start より前です"))
    if values["total"] != values["water_charge"] + values["sewer_charge"]:
        raise RowError(_("total は water_charge と sewer_charge の合計にしてください"))
    if values["tax"] > values["total"]:
        raise RowError(_("tax が total より大きくなっています"))
    method = values["payment_method"]
    if method is not None and method not in PAYMENT_METHODS:
        raise RowError(
            _(
                "payment_method は %(methods)s のどれかにしてください（%(value)s）",
                methods=", ".join(PAYMENT_METHODS),
                value=method,
            )
        )
    if values["paid_on"] and method is None:
        raise RowError(_("paid_on があるときは payment_method が必要です"))
    return number, values


BATCH = 1000


def import_billing(stream: IO) -> ImportResult:
    """Import the CSV in `stream` (bytes or text) and commit; HeaderError for a wrong file.

    Bad rows are reported with their line and reason and skipped; good rows are kept.
    """
    result = ImportResult()
    customers: dict[str, int | None] = {}
    for line, row in read_rows(stream, HEADER):
        try:
            number, values = parse_row(row)
            if number not in customers:
                customers[number] = db.session.scalar(
                    select(Customer.id).where(Customer.customer_number == number)
                )
            customer_id = customers[number]
            if customer_id is None:
                raise RowError(
                    _("お客様番号 %(number)s のお客様が登録されていません", number=number)
                )
        except RowError as exc:
            result.errors.append((line, str(exc)))
            continue
        bill = db.session.scalar(
            select(Bill).where(
                Bill.customer_id == customer_id, Bill.period_start == values["period_start"]
            )
        )
        if bill is None:
            db.session.add(Bill(customer_id=customer_id, **values))
        elif all(getattr(bill, name) == value for name, value in values.items()):
            result.unchanged += 1
            continue
        else:
            for name, value in values.items():
                setattr(bill, name, value)
        result.imported += 1
        # Flushed row by row, so that a period repeated later in the file is an update.
        db.session.flush()
        if result.imported % BATCH == 0:
            db.session.commit()
    db.session.commit()
    return result
