"""The customer master from the billing system's CSV: upsert by customer number.

Used by `flask customers import` and by the staff console's upload. Every bad row is
reported with its line number and reason; the good rows are imported.
"""

from __future__ import annotations

from typing import IO

from flask_babel import gettext as _
from sqlalchemy import select

from kodaira_app.contracts.normalize import display_kana, is_katakana, normalize_customer_number
from kodaira_app.csvimport import ImportResult, RowError, read_rows
from kodaira_app.extensions import db
from kodaira_app.models import Customer

HEADER = ["customer_number", "name_kana", "name", "address", "meter_id", "smart_meter"]
FIELDS = ("name_kana", "name", "address", "meter_id", "smart_meter")
BATCH = 500


def parse_row(row: dict[str, str]) -> dict:
    """The row's values as the model keeps them, or RowError with the reason."""
    if "__error__" in row:
        raise RowError(_("列の数が正しくありません（%(detail)s）", detail=row["__error__"]))
    number = normalize_customer_number(row["customer_number"])
    if number is None:
        raise RowError(
            _(
                "customer_number は11桁の数字にしてください（%(value)s）",
                value=row["customer_number"],
            )
        )
    if not row["name_kana"]:
        raise RowError(_("name_kana が空です"))
    if not is_katakana(row["name_kana"]):
        raise RowError(_("name_kana はカタカナにしてください（%(value)s）", value=row["name_kana"]))
    for name in ("name", "address"):
        if not row[name]:
            raise RowError(_("%(column)s が空です", column=name))
    if row["smart_meter"] not in {"0", "1"}:
        raise RowError(
            _("smart_meter は 1 か 0 にしてください（%(value)s）", value=row["smart_meter"])
        )
    smart_meter = row["smart_meter"] == "1"
    meter_id = row["meter_id"] or None
    if smart_meter and meter_id is None:
        raise RowError(_("smart_meter が 1 のときは meter_id が必要です"))
    if meter_id and len(meter_id) > 32:
        raise RowError(_("meter_id は32文字までにしてください"))
    if len(row["name"]) > 100 or len(row["name_kana"]) > 100 or len(row["address"]) > 255:
        raise RowError(_("name・name_kana は100文字まで、address は255文字までにしてください"))
    return {
        "customer_number": number,
        "name_kana": display_kana(row["name_kana"]),
        "name": row["name"],
        "address": row["address"],
        "meter_id": meter_id,
        "smart_meter": smart_meter,
    }


def _check_meter(values: dict, seen_meters: dict[str, int]) -> None:
    meter_id = values["meter_id"]
    if meter_id is None:
        return
    if meter_id in seen_meters:
        raise RowError(
            _(
                "meter_id %(meter)s は%(line)s行目でも使われています",
                meter=meter_id,
                line=seen_meters[meter_id],
            )
        )
    holder = db.session.scalar(
        select(Customer.customer_number).where(
            Customer.meter_id == meter_id, Customer.customer_number != values["customer_number"]
        )
    )
    if holder is not None:
        raise RowError(
            _(
                "meter_id %(meter)s はお客様番号 %(number)s のものです",
                meter=meter_id,
                number=holder,
            )
        )


def _upsert(values: dict) -> bool:
    """Insert or update one customer; False when nothing changed."""
    customer = db.session.scalar(
        select(Customer).where(Customer.customer_number == values["customer_number"])
    )
    if customer is None:
        db.session.add(Customer(**values))
        return True
    if all(getattr(customer, name) == values[name] for name in FIELDS):
        return False
    for name in FIELDS:
        setattr(customer, name, values[name])
    return True


def import_customers(stream: IO) -> ImportResult:
    """Import the CSV in `stream` (bytes or text) and commit; HeaderError for a wrong file."""
    result = ImportResult()
    seen_numbers: dict[str, int] = {}
    seen_meters: dict[str, int] = {}
    for line, row in read_rows(stream, HEADER):
        try:
            values = parse_row(row)
            number = values["customer_number"]
            if number in seen_numbers:
                raise RowError(
                    _(
                        "お客様番号 %(number)s は%(line)s行目にもあります",
                        number=number,
                        line=seen_numbers[number],
                    )
                )
            _check_meter(values, seen_meters)
        except RowError as exc:
            result.errors.append((line, str(exc)))
            continue
        seen_numbers[number] = line
        if values["meter_id"]:
            seen_meters[values["meter_id"]] = line
        if _upsert(values):
            result.imported += 1
            # Flushed row by row so that a meter moved to another customer is seen.
            db.session.flush()
        else:
            result.unchanged += 1
        if (result.imported + result.unchanged) % BATCH == 0:
            db.session.commit()
    db.session.commit()
    return result
