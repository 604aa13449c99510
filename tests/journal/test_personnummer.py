"""Personnummer, samordningsnummer and their written forms."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest

from journal.personnummer import (
    PERSONNUMMER,
    SAMORDNINGSNUMMER,
    InvalidIdentityNumber,
    format_identity,
    looks_like_identity_number,
    luhn_check_digit,
    parse_identity_number,
)

TODAY = datetime.date(2026, 11, 24)
TEST_NUMBERS = [
    line.strip()
    for line in (Path(__file__).resolve().parents[2] / "data/testpersonnummer.txt")
    .read_text()
    .splitlines()
    if line.strip() and not line.startswith("#")
]


def parse(raw):
    return parse_identity_number(raw, today=TODAY)


@pytest.mark.parametrize(
    "raw",
    [
        "191212121212",
        "19121212-1212",
        "19121212+1212",
        "121212+1212",
        " 19121212 - 1212 ",
        "1912 1212 1212",
    ],
)
def test_every_common_form_of_a_centenarian(raw):
    number = parse(raw)
    assert number.canonical == "191212121212"
    assert number.kind == PERSONNUMMER
    assert number.birth_date == datetime.date(1912, 12, 12)
    assert number.formatted == "19121212-1212"


def test_without_century_a_dash_means_under_100():
    # 121212-1212 is a child born 2012, 121212+1212 the same digits for someone born 1912.
    assert parse("121212-1212").canonical == "201212121212"
    assert parse("1212121212").canonical == "201212121212"
    assert parse("121212+1212").canonical == "191212121212"


def test_century_is_inferred_around_today():
    # Born 1926-11-25 would be 100 tomorrow: still under 100 today, so "-" gives 1926.
    check = luhn_check_digit("261125001")
    assert parse(f"261125-001{check}").birth_date == datetime.date(1926, 11, 25)
    # Born 2026-11-25 would be in the future: a dash means the previous century.
    # Born 1926-11-24 turns 100 today: written with "+" it is 1926, with "-" 2026 (a newborn).
    check = luhn_check_digit("261124001")
    assert parse(f"261124+001{check}").birth_date == datetime.date(1926, 11, 24)
    assert parse(f"261124-001{check}").birth_date == datetime.date(2026, 11, 24)


def test_samordningsnummer_day_plus_60():
    base = "199001012380"
    # day 01 + 60 = 61, with a new check digit
    nine = "900161238"
    sam = f"19900161238{luhn_check_digit(nine)}"
    number = parse(sam)
    assert number.kind == SAMORDNINGSNUMMER
    assert number.birth_date == datetime.date(1990, 1, 1)
    assert number.canonical == sam
    assert parse(f"900161-238{luhn_check_digit(nine)}").canonical == sam
    assert base != sam


def test_samordningsnummer_with_impossible_date():
    nine = "900191238"  # day 91 - 60 = 31, but it is 31 January: fine; use February instead
    assert parse(f"900191-238{luhn_check_digit(nine)}").birth_date == datetime.date(1990, 1, 31)
    nine = "900290238"  # 30 February
    with pytest.raises(InvalidIdentityNumber, match="samordningsnummer"):
        parse(f"19900290238{luhn_check_digit(nine)}")


@pytest.mark.parametrize(
    ("nine", "message"),
    [
        ("900230123", "1990-02-30 är inget giltigt datum"),
        ("011301123", "2001-13-01 är inget giltigt datum"),
        ("230229123", "2023-02-29 är inget giltigt datum"),
        ("850400123", "1985-04-00 är inget giltigt datum"),
    ],
)
def test_impossible_dates_with_correct_check_digits(nine, message):
    raw = f"{nine[:6]}-{nine[6:]}{luhn_check_digit(nine)}"
    with pytest.raises(InvalidIdentityNumber, match=message):
        parse(raw)


def test_leap_day_exists_in_leap_years():
    nine = "000229123"
    assert parse(f"000229-123{luhn_check_digit(nine)}").birth_date == datetime.date(2000, 2, 29)


def test_bad_check_digit_is_called_invalid_without_proposing_a_digit():
    """The typo may be anywhere: proposing a last digit invites a valid number of someone else."""
    with pytest.raises(InvalidIdentityNumber) as error:
        parse("19121212-1213")
    message = str(error.value)
    assert "inte giltigt" in message and "Kontrollsiffran" in message
    assert not re.search(r"\b\d\b", message)  # no digit proposed


def test_future_birth_date_with_century():
    nine = "271224123"
    with pytest.raises(InvalidIdentityNumber, match="ligger i framtiden"):
        parse(f"20271224-123{luhn_check_digit(nine)}")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Ange ett personnummer"),
        (None, "Ange ett personnummer"),
        ("   ", "Ange ett personnummer"),
        ("abc", "bara innehålla siffror"),
        ("19121212_1212", "bara innehålla siffror"),
        ("1912121212121", "10 eller 12 siffror"),
        ("12121212", "10 eller 12 siffror"),
        ("121212--1212", "10 eller 12 siffror"),
        ("1212-121212", "10 eller 12 siffror"),
    ],
)
def test_garbage_and_empty(raw, message):
    with pytest.raises(InvalidIdentityNumber, match=message):
        parse(raw)


def hundredth_birthday(born: datetime.date) -> datetime.date:
    try:
        return born.replace(year=born.year + 100)
    except ValueError:  # 29 February
        return datetime.date(born.year + 100, 3, 1)


def test_every_skatteverket_test_number_is_valid_in_both_forms():
    assert len(TEST_NUMBERS) > 39_000
    for canonical in TEST_NUMBERS:
        number = parse(canonical)
        assert number.canonical == canonical
        separator = "+" if hundredth_birthday(number.birth_date) <= TODAY else "-"
        short = f"{canonical[2:8]}{separator}{canonical[8:]}"
        assert parse(short).canonical == canonical, short


def test_format_and_shape():
    assert format_identity("191212121212") == "19121212-1212"
    assert format_identity("R-2026-001") == "R-2026-001"
    assert looks_like_identity_number("19121212-1212")
    assert looks_like_identity_number("121212 1212")
    assert looks_like_identity_number("191212")
    assert not looks_like_identity_number("Anna")
    assert not looks_like_identity_number("")
    # Mistyped numbers are still numbers: the search explains what is wrong with them.
    assert looks_like_identity_number("19121212-12121")
    assert looks_like_identity_number("19121212/1212")
    assert not looks_like_identity_number("R12-2027-0001")
