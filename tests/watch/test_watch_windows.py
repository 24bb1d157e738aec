"""The rules of a registration (watch/windows.py), without Flask."""

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kodaira_app.watch.windows import (
    Recipient,
    RuleError,
    check_email,
    check_name,
    check_recipients,
    check_windows,
    covered_hours,
    display_hour,
    end_time,
    overlaps,
    report_time,
    start_hour,
    window_bounds,
)

entered_hours = st.integers(min_value=0, max_value=24)
widths = st.integers(min_value=1, max_value=24)


@given(entered_hours, entered_hours, widths)
def test_overlap_means_sharing_an_hour_of_the_clock(a, b, width):
    assert overlaps(a, b, width) == bool(covered_hours(a, width) & covered_hours(b, width))


@given(entered_hours, entered_hours, widths)
def test_overlap_is_symmetric(a, b, width):
    assert overlaps(a, b, width) == overlaps(b, a, width)


@given(entered_hours, widths)
def test_a_window_overlaps_itself_and_24_is_midnight(a, width):
    assert overlaps(a, a, width)
    assert overlaps(24, 0, width)
    assert covered_hours(24, width) == covered_hours(0, width)


@given(st.integers(min_value=0, max_value=23), st.integers(min_value=1, max_value=12))
def test_touching_windows_do_not_overlap(a, width):
    assert not overlaps(a, a + width, width)
    assert overlaps(a, a + width - 1, width)


@given(entered_hours, entered_hours)
def test_check_windows_refuses_exactly_the_overlapping_pairs(a, b):
    if overlaps(a, b):
        with pytest.raises(RuleError) as exc:
            check_windows([a, b])
        assert exc.value.code == "windows_overlap" and exc.value.index == 1
    else:
        assert check_windows([a, b]) == [a, b]


@pytest.mark.parametrize(
    "a, b, overlapping",
    [(22, 2, True), (6, 0, False), (6, 24, False), (0, 18, False), (8, 13, True), (12, 6, False)],
)
def test_the_guide_examples(a, b, overlapping):
    assert overlaps(a, b, 6) is overlapping


def test_width_comes_from_a_parameter():
    assert not overlaps(6, 8, 2)
    assert overlaps(6, 8, 6)


def test_entered_hours_are_kept_as_entered():
    assert check_windows([6, 24]) == [6, 24]
    assert check_windows([8, None]) == [8]
    assert start_hour(24) == 0
    # ...and written as every midnight start is: 00:00, never 24:00.
    assert display_hour(24) == "00:00" == display_hour(0) and display_hour(8) == "08:00"


@pytest.mark.parametrize(
    "entered, code",
    [
        ([None, 6], "first_window_required"),
        ([], "first_window_required"),
        ([25], "hour_invalid"),
        ([-1], "hour_invalid"),
        ([6, 12, 18], "too_many_windows"),
    ],
)
def test_window_refusals(entered, code):
    with pytest.raises(RuleError) as exc:
        check_windows(entered)
    assert exc.value.code == code


def test_report_and_end_times_follow_the_guide():
    # 1に朝6時 ⇒ 昼12時半に朝6時～昼12時; 2に24時 ⇒ 朝6時半に24時～朝6時.
    assert (end_time(6), report_time(6)) == ("12:00", "12:30")
    assert (end_time(24), report_time(24)) == ("06:00", "06:30")
    # A window that ends at midnight ends 翌0:00, and its mail comes 翌0:30.
    assert (end_time(18), report_time(18, 6, 30)) == ("翌0:00", "翌0:30")
    assert (end_time(22), report_time(22)) == ("翌4:00", "翌4:30")


def test_window_bounds_in_town_time_as_utc():
    start, end = window_bounds(6, date(2026, 5, 1))
    assert start == datetime(2026, 4, 30, 21, tzinfo=UTC)
    assert end == datetime(2026, 5, 1, 3, tzinfo=UTC)
    start, end = window_bounds(24, date(2026, 5, 1), width=6)
    assert start == datetime(2026, 4, 30, 15, tzinfo=UTC)
    assert (end - start).total_seconds() == 6 * 3600


@pytest.mark.parametrize(
    "address",
    [
        "a@example.com\r\nBcc: b@example.com",
        "a@example.com\nBcc: b@example.com",
        "a@example.com, b@example.com",
        "Taro <a@example.com>",
        '"a b"@example.com',
        "a@example",
        "a@@example.com",
        "a@[127.0.0.1]",
        "a;b@example.com",
        "a@example.com\x00",
        "ａ@example.com",
        "a" * 250 + "@example.com",
        "",
    ],
)
def test_strict_email_check_refuses(address):
    with pytest.raises(RuleError):
        check_email(address)


def test_email_check_normalizes_the_domain():
    assert check_email(" Taro@Example.COM ") == "Taro@example.com"


def test_names_have_a_length_limit_and_no_control_characters():
    assert check_name("  息子  ") == "息子"
    with pytest.raises(RuleError, match="name_too_long"):
        check_name("あ" * 51)
    with pytest.raises(RuleError, match="name_invalid"):
        check_name("息\x07子")
    with pytest.raises(RuleError, match="name_required"):
        check_name("  ")


def test_recipients_one_to_five_and_no_address_twice():
    one = Recipient("息子", "son@example.com")
    assert check_recipients([one]) == [one]
    with pytest.raises(RuleError, match="recipient_required"):
        check_recipients([])
    six = [Recipient(f"n{i}", f"n{i}@example.com") for i in range(6)]
    with pytest.raises(RuleError, match="too_many_recipients"):
        check_recipients(six)
    with pytest.raises(RuleError) as exc:
        check_recipients([one, Recipient("娘", "SON@example.com")])
    assert exc.value.code == "email_duplicate" and exc.value.index == 1
