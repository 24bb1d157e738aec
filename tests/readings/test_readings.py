"""Meter readings in: the CSV import, its rules, re-deliveries and streaming."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from flask_babel import force_locale
from sqlalchemy import select

from kodaira_app.csvimport import HeaderError
from kodaira_app.extensions import db
from kodaira_app.models import Reading, ReadingChange
from kodaira_app.readings.importer import import_readings_csv, import_readings_rows
from kodaira_app.readings.problems import MESSAGES
from kodaira_app.timeutil import utcnow
from tests.support.factories import make_customer

HEADER = "meter_id,hour_start,liters\n"
GOOD = "M1,2026-11-25T06:00:00+09:00,12.3\n"
SIX_TOKYO = datetime(2026, 11, 24, 21, tzinfo=UTC)  # 2026-11-25 06:00 in Tokyo


@pytest.fixture
def meters(app):
    make_customer(meter_id="M1")
    make_customer(meter_id="M2")
    make_customer(meter_id="OLD1", smart_meter=False)


@pytest.fixture
def english(app):
    """The reasons in English, as the en catalog words them (and the API gives them)."""
    with force_locale("en"):
        yield


def csv_file(*lines: str, bom: bool = False) -> io.BytesIO:
    text = HEADER + "".join(lines)
    return io.BytesIO(("\ufeff" if bom else "").encode() + text.encode())


def readings() -> dict[tuple[str, datetime], int]:
    rows = db.session.scalars(select(Reading)).all()
    return {(r.meter_id, r.hour_start): r.deciliters for r in rows}


def changes() -> list[tuple[str, datetime, int, int, str]]:
    rows = db.session.scalars(select(ReadingChange).order_by(ReadingChange.id)).all()
    return [(c.meter_id, c.hour_start, c.old_deciliters, c.new_deciliters, c.source) for c in rows]


def in_hours(hours: int) -> str:
    hour = utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(hours=hours)
    return hour.isoformat()


def test_good_rows_are_stored_in_deciliters_by_utc_hour(meters):
    result = import_readings_csv(
        csv_file(GOOD, "M2,2026-11-24T22:00:00Z,0\n", "M1,2026-11-25T07:00:00+09:00,7\n"), "t"
    )
    assert (result.imported, result.unchanged, result.errors) == (3, 0, [])
    assert readings() == {
        ("M1", SIX_TOKYO): 123,
        ("M2", SIX_TOKYO + timedelta(hours=1)): 0,
        ("M1", SIX_TOKYO + timedelta(hours=1)): 70,
    }


@pytest.mark.parametrize(
    ("row", "code", "reason"),
    [
        ("M9,2026-11-25T06:00:00+09:00,1\n", "meter_unknown", "unknown meter_id: M9"),
        (
            "OLD1,2026-11-25T06:00:00+09:00,1\n",
            "meter_not_smart",
            "meter_id OLD1 has no smart meter",
        ),
        (",2026-11-25T06:00:00+09:00,1\n", "meter_missing", "meter_id is missing"),
        (
            "M1,2026-11-25T06:30:00+09:00,1\n",
            "hour_not_on_the_hour",
            "hour_start is not on the hour: 2026-11-25T06:30",
        ),
        (
            "M1,2026-11-25T06:00:00+05:30,1\n",
            "hour_not_on_the_hour",
            "hour_start is not on the hour: 2026-11-25T06:00",
        ),
        ("M1,2026-11-25T06:00:00,1\n", "hour_no_offset", "hour_start has no UTC offset"),
        (
            "M1,25/11/2026 06:00,1\n",
            "hour_invalid",
            "hour_start is not an ISO 8601 date and time: 25/11/2026",
        ),
        ("M1,,1\n", "hour_missing", "hour_start is missing"),
        (
            "M1,2026-11-25T06:00:00+09:00,-0.5\n",
            "liters_negative",
            "liters must not be negative: -0.5",
        ),
        (
            "M1,2026-11-25T06:00:00+09:00,1.25\n",
            "liters_too_precise",
            "liters has more than one decimal",
        ),
        ("M1,2026-11-25T06:00:00+09:00,abc\n", "liters_invalid", "liters is not a number: abc"),
        ("M1,2026-11-25T06:00:00+09:00,1e3\n", "liters_invalid", "liters is not a number: 1e3"),
        ("M1,2026-11-25T06:00:00+09:00,\n", "liters_missing", "liters is missing"),
        (
            "M1,2026-11-25T06:00:00+09:00,1000000.1\n",
            "liters_too_large",
            "liters is more than 1,000,000 in one hour",
        ),
        ("M1,2026-11-25T06:00:00+09:00\n", "wrong_columns", "2 columns, expected 3"),
    ],
)
def test_each_bad_row_comes_back_with_its_line_and_reason(meters, english, row, code, reason):
    result = import_readings_csv(csv_file(GOOD, row, "M2,2026-11-25T06:00:00+09:00,2\n"), "t")
    assert len(result.errors) == 1
    line, got = result.errors[0]
    assert line == 3
    assert got.startswith(reason)
    [(_, problem)] = result.problems
    assert problem.code == code
    # The good rows on either side are stored all the same.
    assert readings() == {("M1", SIX_TOKYO): 123, ("M2", SIX_TOKYO): 20}
    assert not result.ok


def test_reasons_are_in_japanese_by_default_and_have_every_code_translated(meters):
    result = import_readings_csv(csv_file("M9,2026-11-25T06:00:00+09:00,1\n", "M1,x,1\n"), "t")
    assert result.errors == [
        (2, "meter_id M9 は登録されていません"),
        (3, "hour_start が ISO 8601 形式の日時ではありません：x"),
    ]
    japanese = {code: str(message) for code, message in MESSAGES.items()}
    for locale in ("en", "zh_Hans", "ko", "vi"):
        with force_locale(locale):
            untranslated = [c for c, m in MESSAGES.items() if str(m) == japanese[c]]
        assert untranslated == [], locale


def test_an_hour_ahead_is_accepted_more_is_not(meters, english):
    result = import_readings_csv(csv_file(f"M1,{in_hours(1)},1\n", f"M1,{in_hours(2)},1\n"), "t")
    assert result.imported == 1
    assert result.errors == [(3, f"hour_start is more than an hour in the future: {in_hours(2)}")]


@pytest.mark.parametrize(("text", "deciliters"), [("0", 0), ("0.1", 1), ("12.30", 123), ("-0", 0)])
def test_liters_at_the_meters_resolution(meters, text, deciliters):
    import_readings_csv(csv_file(f"M1,2026-11-25T06:00:00+09:00,{text}\n"), "t")
    assert readings() == {("M1", SIX_TOKYO): deciliters}


def test_same_value_again_changes_nothing(meters):
    import_readings_csv(csv_file(GOOD), "first")
    received = db.session.scalar(select(Reading.received_at))
    db.session.commit()
    # Another way to write the same hour: UTC instead of Tokyo time.
    again = import_readings_csv(csv_file("M1,2026-11-24T21:00:00Z,12.3\n"), "second")
    assert (again.imported, again.unchanged, again.replaced) == (0, 1, 0)
    assert changes() == []
    assert db.session.scalar(select(Reading.received_at)) == received


def test_another_value_replaces_the_old_one_and_is_logged(meters):
    import_readings_csv(csv_file(GOOD, "M2,2026-11-25T06:00:00+09:00,1\n"), "csv:first.csv")
    result = import_readings_csv(
        csv_file(
            "M1,2026-11-25T06:00:00+09:00,15\n",
            "M2,2026-11-25T06:00:00+09:00,1\n",
            "M2,2026-11-25T07:00:00+09:00,3\n",
        ),
        "csv:second.csv",
    )
    assert (result.imported, result.replaced, result.unchanged) == (2, 1, 1)
    assert readings() == {
        ("M1", SIX_TOKYO): 150,
        ("M2", SIX_TOKYO): 10,
        ("M2", SIX_TOKYO + timedelta(hours=1)): 30,
    }
    assert changes() == [("M1", SIX_TOKYO, 123, 150, "csv:second.csv")]
    reading = db.session.get(Reading, ("M1", SIX_TOKYO))
    assert reading.previous_deciliters == 123


def test_the_same_hour_twice_in_one_file_keeps_the_later_value(meters):
    result = import_readings_csv(
        csv_file(GOOD, "M1,2026-11-25T06:00:00+09:00,20\n", GOOD.replace("12.3", "20")), "t"
    )
    assert (result.imported, result.replaced, result.unchanged) == (2, 1, 1)
    assert readings() == {("M1", SIX_TOKYO): 200}
    assert changes() == [("M1", SIX_TOKYO, 123, 200, "t")]


def test_meter_ids_with_unusual_characters_are_stored_as_they_are(app):
    make_customer(meter_id="KM\\01")
    import_readings_csv(csv_file("KM\\01,2026-11-25T06:00:00+09:00,1\n"), "t")
    assert readings() == {("KM\\01", SIX_TOKYO): 10}


def test_a_file_with_a_bom_and_crlf_line_ends(meters):
    data = csv_file(GOOD.replace("\n", "\r\n"), bom=True)
    assert import_readings_csv(data, "t").imported == 1
    assert readings() == {("M1", SIX_TOKYO): 123}


def test_a_wrong_header_is_refused(meters):
    with pytest.raises(HeaderError, match="meter_id,hour_start,liters"):
        import_readings_csv(io.BytesIO(b"meter,hour,l\n" + GOOD.encode()), "t")
    assert readings() == {}


def test_a_byte_that_is_not_utf8_spoils_only_its_row(meters, english):
    data = io.BytesIO(
        HEADER.encode() + b"M1,2026-11-25T06:00:00+09:00,\xff1\n" + b"M2,2026-11-24T21:00Z,2\n"
    )
    result = import_readings_csv(data, "t")
    assert result.errors == [(2, "liters is not a number: \ufffd1")]
    assert readings() == {("M2", SIX_TOKYO): 20}


def test_an_unreadable_spot_stops_the_import_there(meters, english):
    huge = "x" * 200_000  # over the CSV reader's field size limit
    result = import_readings_csv(csv_file(GOOD, f"M2,{huge},1\n", GOOD), "t")
    assert result.imported == 1
    assert len(result.errors) == 1
    line, reason = result.errors[0]
    assert line == 3
    assert reason.startswith("the file cannot be read from here on (")


def test_the_callers_stream_stays_open(meters):
    data = csv_file(GOOD)
    import_readings_csv(data, "t")
    assert not data.closed


class LazyCsv(io.RawIOBase):
    """A CSV of many rows made while it is read; counts the rows handed out so far."""

    def __init__(self, meters: list[str], hours: int):
        self.produced = 0
        self._lines = self._generate(meters, hours)
        self._pending = b""

    def _generate(self, meters, hours):
        yield HEADER.encode()
        start = datetime(2026, 1, 1, tzinfo=UTC)
        for h in range(hours):
            stamp = (start + timedelta(hours=h)).isoformat()
            for meter in meters:
                self.produced += 1
                yield f"{meter},{stamp},{h % 50}.{h % 10}\n".encode()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while len(self._pending) < len(buffer):
            chunk = next(self._lines, b"")
            if not chunk:
                break
            self._pending += chunk
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def test_a_large_file_streams_in_batches(app):
    meters = [f"S{n:03d}" for n in range(100)]
    for meter in meters:
        make_customer(meter_id=meter)
    stream = LazyCsv(meters, hours=2_000)  # 200,000 rows
    seen = []

    def on_batch(result):
        seen.append((result.batches, result.imported, stream.produced))

    result = import_readings_csv(stream, "t", batch_size=5_000, on_batch=on_batch)
    assert (result.imported, result.error_count, result.batches) == (200_000, 0, 40)
    # Each batch was stored before the file had been read much further: the rows are
    # never all in memory at once.
    for batches, imported, produced in seen:
        assert imported == batches * 5_000
        assert produced - imported <= 3 * 5_000 + 1_000
    assert db.session.scalar(select(db.func.count()).select_from(Reading)) == 200_000


def test_errors_beyond_the_cap_are_counted(meters):
    bad = [f"M9,2026-11-25T{h:02d}:00:00+09:00,1\n" for h in range(10)]
    result = import_readings_csv(csv_file(*bad), "t", max_errors=3)
    assert result.error_count == 10
    assert [line for line, _ in result.errors] == [2, 3, 4]


def test_rows_from_the_api_report_their_index(meters, english):
    rows = [
        {"meter_id": "M1", "hour_start": "2026-11-25T06:00:00+09:00", "liters": 12.3},
        {"meter_id": "M1", "hour_start": "2026-11-25T07:00:00+09:00", "liters": -1},
        "M1,2026-11-25T08:00:00+09:00,1",
        {"meter_id": "M2", "hour_start": "2026-11-25T06:00:00+09:00", "liters": "4"},
        {"meter_id": "M2", "hour_start": "2026-11-25T07:00:00+09:00", "liters": True},
        {"meter_id": 7, "hour_start": "2026-11-25T07:00:00+09:00", "liters": 1},
        {"meter_id": "M2", "hour_start": "2026-11-25T08:00:00+09:00", "liters": 1.25},
        {"meter_id": ["M2"], "hour_start": "2026-11-25T09:00:00+09:00", "liters": 1},
        {"meter_id": " M2 ", "hour_start": "2026-11-25T09:00:00+09:00", "liters": 0},
    ]
    result = import_readings_rows(rows, "api:test")
    assert result.imported == 3
    assert result.errors == [
        (1, "liters must not be negative: -1"),
        (2, "each row must be an object with meter_id, hour_start, liters"),
        (4, "liters must be a string or a number"),
        (5, "meter_id must be a string"),
        (6, "liters has more than one decimal (0.1 L is the resolution): 1.25"),
        (7, "meter_id must be a string"),
    ]
    assert readings() == {
        ("M1", SIX_TOKYO): 123,
        ("M2", SIX_TOKYO): 40,
        ("M2", SIX_TOKYO + timedelta(hours=3)): 0,
    }


def test_cli_import_prints_counts_and_every_bad_row(meters, runner, tmp_path):
    path = tmp_path / "readings.csv"
    path.write_text(HEADER + GOOD + "M9,2026-11-25T06:00:00+09:00,1\n" + "M2,x,1\n")
    result = runner.invoke(args=["readings", "import", str(path)], env={"LANG": "en_US.UTF-8"})
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "line 3: unknown meter_id: M9",
        "line 4: hour_start is not an ISO 8601 date and time: x",
        "readings.csv: 1 stored (1 new, 0 replaced), 0 unchanged, 2 bad rows.",
    ]
    assert readings() == {("M1", SIX_TOKYO): 123}


@pytest.mark.parametrize(
    ("env", "args", "reason"),
    [
        ({"LANG": "ja_JP.UTF-8"}, [], "meter_id M9 は登録されていません"),
        ({"LANG": "C.UTF-8"}, [], "meter_id M9 は登録されていません"),
        ({"LANG": "ko_KR.UTF-8"}, [], "meter_id M9"),
        ({"LANG": "en_US.UTF-8"}, ["--lang", "zh_Hans"], "meter_id M9"),
    ],
    ids=["ja", "C-is-ja", "ko", "option-wins"],
)
def test_cli_import_reasons_speak_the_operators_language(
    meters, runner, tmp_path, env, args, reason
):
    path = tmp_path / "readings.csv"
    path.write_text(HEADER + "M9,2026-11-25T06:00:00+09:00,1\n")
    result = runner.invoke(args=["readings", "import", str(path), *args], env=env)
    [line, _] = result.output.splitlines()
    assert line.startswith(f"line 2: {reason}")
    assert ("登録されていません" in line) == (reason.endswith("ません"))
    assert "unknown" not in line


def test_cli_import_refuses_an_unknown_language(meters, runner, tmp_path):
    path = tmp_path / "readings.csv"
    path.write_text(HEADER + GOOD)
    result = runner.invoke(args=["readings", "import", str(path), "--lang", "fr"])
    assert result.exit_code == 2
    assert "not one of the app's languages: fr" in result.output


def test_cli_import_of_a_good_file_exits_0_and_logs_the_file_as_source(meters, runner, tmp_path):
    path = tmp_path / "day.csv"
    path.write_text(HEADER + GOOD)
    assert runner.invoke(args=["readings", "import", str(path)]).exit_code == 0
    path.write_text(HEADER + GOOD.replace("12.3", "9"))
    result = runner.invoke(args=["readings", "import", str(path)])
    assert result.exit_code == 0
    assert result.output == "day.csv: 1 stored (0 new, 1 replaced), 0 unchanged, 0 bad rows.\n"
    assert changes() == [("M1", SIX_TOKYO, 123, 90, "csv:day.csv")]


def test_cli_import_with_a_wrong_header_says_so(meters, runner, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("meter,hour\n")
    result = runner.invoke(args=["readings", "import", str(path)])
    assert result.exit_code == 1
    assert "bad.csv: the header must be meter_id,hour_start,liters" in result.output


def test_an_import_stopped_by_an_exception_keeps_the_batches_written(meters):
    rows = [f"M1,2026-11-25T{h:02d}:00:00+09:00,1\n" for h in range(6)]

    def stop(result):
        raise RuntimeError("stopped")

    with pytest.raises(RuntimeError, match="stopped"):
        import_readings_csv(csv_file(*rows), "t", batch_size=2, on_batch=stop)
    assert len(readings()) == 2
    # The connection went back to the pool in order: the next import works.
    again = import_readings_csv(csv_file(*rows), "t", batch_size=2)
    assert (again.imported + again.unchanged, again.error_count) == (6, 0)
    assert len(readings()) == 6


def test_staff_upload_reasons_are_in_the_clerks_language(client, meters):
    from tests.support.staff import make_staff, sign_in_staff

    sign_in_staff(client, make_staff(role="admin"))
    client.set_cookie("lang", "ko")
    data = {
        "readings-file": (
            io.BytesIO((HEADER + "M9,2026-11-25T06:00:00+09:00,1\n").encode()),
            "r.csv",
        )
    }
    response = client.post("/staff/uploads/readings", data=data, content_type="multipart/form-data")
    soup = BeautifulSoup(client.get(response.headers["Location"]).data, "html.parser")
    [row] = soup.select("table.upload-errors tbody tr")
    assert row.select("td")[1].get_text(strip=True) == "meter_id M9는 등록되어 있지 않습니다"
