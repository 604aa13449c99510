import datetime

from journal.workdays import add_working_days, holiday_name, is_working_day


def test_weekends_and_public_holidays_are_not_working_days():
    assert is_working_day(datetime.date(2026, 11, 24))  # a Tuesday
    assert not is_working_day(datetime.date(2026, 11, 28))  # Saturday
    assert not is_working_day(datetime.date(2026, 1, 6))  # Trettondedag jul
    assert not is_working_day(datetime.date(2026, 5, 14))  # Kristi himmelsfärd


def test_the_eves_are_not_working_days():
    assert holiday_name(datetime.date(2026, 12, 24)) == "Julafton"
    assert holiday_name(datetime.date(2026, 12, 31)) == "Nyårsafton"
    assert holiday_name(datetime.date(2026, 6, 19)) == "Midsommarafton"
    assert not is_working_day(datetime.date(2026, 6, 19))
    assert holiday_name(datetime.date(2027, 6, 25)) == "Midsommarafton"


def test_add_working_days_skips_holidays():
    # Tuesday 2026-12-22 + 3 working days: 23, (24, 25, 26, 27 off), 28, 29
    assert add_working_days(datetime.date(2026, 12, 22), 3) == datetime.date(2026, 12, 29)
    # 3 working days before Thursday 2026-01-08: 7, (6 off), 5, (3, 4 weekend) 2
    assert add_working_days(datetime.date(2026, 1, 8), -3) == datetime.date(2026, 1, 2)
    assert add_working_days(datetime.date(2026, 11, 24), 0) == datetime.date(2026, 11, 24)
