"""The customer master import: `flask customers import FILE.csv` and import_customers()."""

import io

import pytest
from sqlalchemy import func, select

from kodaira_app.csvimport import HeaderError
from kodaira_app.customers.importer import import_customers
from kodaira_app.extensions import db
from kodaira_app.models import Customer
from tests.support.factories import make_customer

HEADER = "customer_number,name_kana,name,address,meter_id,smart_meter"
GOOD = [
    "0-0000008001,コダイラ イチロウ,小平 一郎,北海道留萌郡小平町字小平町352番地,KM00008001,1",
    "00000008002,こだいら　たろう,小平 太郎,北海道留萌郡小平町字鬼鹿広富1045番地,KM00008002,1",
    "00000008005,ﾀｯﾌﾟ ﾖｼｺ,達布 良子,北海道留萌郡小平町字達布260番地,,0",
]


def csv_bytes(*rows, header=HEADER, bom=False):
    body = "\r\n".join([header, *rows]) + "\r\n"
    return io.BytesIO(("\ufeff" if bom else "").encode() + body.encode("utf-8"))


def customer(number):
    db.session.expire_all()
    return db.session.scalar(select(Customer).where(Customer.customer_number == number))


@pytest.mark.parametrize("bom", [False, True])
def test_good_rows_are_imported_with_or_without_bom(app, bom):
    result = import_customers(csv_bytes(*GOOD, bom=bom))
    assert (result.imported, result.unchanged, result.errors) == (3, 0, [])
    first = customer("00000008001")
    assert (first.name_kana, first.name, first.meter_id, first.smart_meter) == (
        "コダイラ イチロウ",
        "小平 一郎",
        "KM00008001",
        True,
    )
    assert first.display_number == "0-0000008001"
    # Kana is kept as full-width katakana, whatever the billing system wrote.
    assert customer("00000008002").name_kana == "コダイラ タロウ"
    third = customer("00000008005")
    assert (third.name_kana, third.meter_id, third.smart_meter) == ("タップ ヨシコ", None, False)


def test_import_upserts_by_customer_number(app):
    import_customers(csv_bytes(*GOOD))
    moved = GOOD[1].replace("字鬼鹿広富1045番地", "字小平町10番地")
    result = import_customers(csv_bytes(GOOD[0], moved, GOOD[2]))
    assert (result.imported, result.unchanged, result.errors) == (1, 2, [])
    assert customer("00000008002").address == "北海道留萌郡小平町字小平町10番地"
    assert db.session.scalar(select(func.count(Customer.id))) == 3


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (
            "8002,コダイラ タロウ,小平 太郎,住所,KM1,1",
            "customer_number は11桁の数字にしてください（8002）",
        ),
        ("00000008009,,小平 太郎,住所,KM1,1", "name_kana が空です"),
        (
            "00000008009,Kodaira,小平 太郎,住所,KM1,1",
            "name_kana はカタカナにしてください（Kodaira）",
        ),
        ("00000008009,コダイラ,,住所,KM1,1", "name が空です"),
        ("00000008009,コダイラ,小平 太郎,,KM1,1", "address が空です"),
        (
            "00000008009,コダイラ,小平 太郎,住所,KM1,yes",
            "smart_meter は 1 か 0 にしてください（yes）",
        ),
        ("00000008009,コダイラ,小平 太郎,住所,,1", "smart_meter が 1 のときは meter_id が必要です"),
        (
            "00000008009,コダイラ,小平 太郎,住所,KM00008001,1",
            "meter_id KM00008001 は1行目でも使われています",
        ),
        ("00000008009,コダイラ,小平 太郎", "列の数が正しくありません（3 columns, expected 6）"),
        (
            "0-0000008001,コダイラ,小平 太郎,住所,KM9,1",
            "お客様番号 00000008001 は1行目にもあります",
        ),
    ],
)
def test_each_bad_row_is_reported_with_line_and_reason_and_good_rows_are_kept(app, row, reason):
    rows = [GOOD[0], row, GOOD[2]]
    result = import_customers(csv_bytes(*rows))
    expected = reason.replace("1行目", "2行目")
    assert result.errors == [(3, expected)]
    assert result.imported == 2
    assert customer("00000008001") is not None and customer("00000008005") is not None
    assert customer("00000008009") is None


def test_meter_held_by_another_customer_in_the_database_is_refused(app):
    make_customer(customer_number="00000007000", meter_id="KM00008001")
    result = import_customers(csv_bytes(GOOD[0]))
    assert result.errors == [(2, "meter_id KM00008001 はお客様番号 00000007000 のものです")]


def test_meter_moved_to_another_customer_within_the_file(app):
    import_customers(csv_bytes(GOOD[0]))
    released = GOOD[0].replace("KM00008001,1", ",0")
    taker = "00000008010,ヤマダ,山田,住所,KM00008001,1"
    result = import_customers(csv_bytes(released, taker))
    assert result.errors == []
    assert customer("00000008010").meter_id == "KM00008001"


def test_wrong_header_is_refused_as_a_whole(app):
    with pytest.raises(HeaderError, match="the header must be"):
        import_customers(csv_bytes(*GOOD, header="number,kana,name,address,meter,smart"))


def test_file_that_is_not_utf8_is_refused(app):
    data = (HEADER + "\r\n00000008001,コダイラ,小平,住所,,0\r\n").encode("shift_jis")
    with pytest.raises(HeaderError):
        import_customers(io.BytesIO(data))


def test_cli_imports_and_reports_bad_rows(app, runner, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_bytes(csv_bytes(GOOD[0], "8002,コダイラ,小平,住所,KM2,1", GOOD[2]).getvalue())
    result = runner.invoke(args=["customers", "import", str(path)])
    assert result.exit_code == 1
    assert f"{path}: 2 imported, 0 unchanged" in result.output
    assert "line 3: customer_number は11桁の数字にしてください（8002）" in result.output
    assert f"{path}: 2 imported, 0 unchanged, 1 errors" in result.output
    assert customer("00000008001") is not None


def test_cli_with_a_clean_file_exits_zero(app, runner, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_bytes(csv_bytes(*GOOD, bom=True).getvalue())
    result = runner.invoke(args=["customers", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 imported, 0 unchanged" in result.output


def test_cli_wrong_header_says_so(app, runner, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    result = runner.invoke(args=["customers", "import", str(path)])
    assert result.exit_code == 1
    assert "the header must be customer_number,name_kana,name,address,meter_id,smart_meter" in (
        result.output
    )
