"""The readings CSV read line by line: quoted fields, blank lines and spaces are read as
the csv module reads them, and errors keep their physical line numbers."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from kodaira_app.extensions import db
from kodaira_app.models import Reading
from kodaira_app.readings.importer import import_readings_csv
from tests.support.factories import make_customer

HEADER = "meter_id,hour_start,liters\n"
SIX_TOKYO = datetime(2026, 11, 24, 21, tzinfo=UTC)
SEVEN_TOKYO = datetime(2026, 11, 24, 22, tzinfo=UTC)


@pytest.fixture
def meters(app):
    make_customer(meter_id="M1")
    make_customer(meter_id="M2")


def run(*lines: str):
    return import_readings_csv(io.BytesIO((HEADER + "".join(lines)).encode()), "t")


def stored() -> dict[tuple[str, datetime], int]:
    return {(r.meter_id, r.hour_start): r.deciliters for r in db.session.scalars(select(Reading))}


def test_quoted_fields_and_spaces_are_read_like_any_other(meters):
    result = run(
        '"M1","2026-11-25T06:00:00+09:00","1.5"\n',
        " M2 , 2026-11-25T06:00:00+09:00 , 2\n",
    )
    assert (result.imported, result.errors) == (2, [])
    assert stored() == {("M1", SIX_TOKYO): 15, ("M2", SIX_TOKYO): 20}


def test_blank_lines_are_skipped_and_lines_still_counted(meters):
    result = run("\n", ",,\n", '"",""\n', "M1,2026-11-25T06:00:00+09:00,1\n", "M9,x,1\n")
    assert result.imported == 1
    assert result.errors == [(6, "meter_id M9 は登録されていません")]


def test_a_quoted_line_break_keeps_the_next_lines_numbers(meters):
    result = run(
        '"M1\nM2",2026-11-25T06:00:00+09:00,1\n',  # lines 2-3: one record, a bad meter
        "M1,2026-11-25T07:00:00+09:00,abc\n",  # line 4
        "M2,2026-11-25T07:00:00+09:00,3\n",
    )
    assert [line for line, _ in result.errors] == [2, 4]
    assert result.errors[0][1].startswith("meter_id M1")
    assert result.errors[1][1] == "liters が数値ではありません：abc"
    assert stored() == {("M2", SEVEN_TOKYO): 30}


def test_a_wrong_number_of_columns_after_many_good_lines(meters):
    good = [f"M1,2026-11-{d:02d}T06:00:00+09:00,1\n" for d in range(1, 21)]
    result = run(*good, "M2,2026-11-25T06:00:00+09:00,1,9\n")
    assert result.imported == 20
    assert result.errors == [(22, "列の数が4です（3列にしてください）")]
