"""Tests for matcher/programme/terms.py: reading term dates and the typical London fallback."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from matcher.errors import UnknownIdError, ValidationError
from matcher.programme.terms import (
    COLUMNS,
    TYPICAL_LONDON,
    default_term_dates_path,
    load_term_dates,
    parse_term_dates_csv,
    term_dates_for,
    is_school_day,
    is_term_time,
    term_weekend,
)

HEADER = ",".join(COLUMNS) + "\n"
TABLE = load_term_dates()
LONDON = TABLE[TYPICAL_LONDON]


def test_the_shipped_file_is_the_typical_london_pattern_and_says_so():
    assert set(TABLE) == {TYPICAL_LONDON}
    assert LONDON.typical is True
    assert LONDON.source == "typical London pattern (not an LA calendar)"
    assert LONDON.academic_years == ("2026-27", "2027-28")
    assert (LONDON.first_day, LONDON.last_day) == (date(2026, 9, 1), date(2028, 8, 31))
    assert [t.name for t in LONDON.terms] == ["Autumn term", "Spring term", "Summer term"] * 2
    assert [b.name for b in LONDON.breaks][:4] == ["October half-term", "Christmas holiday", "February half-term", "Easter holiday"]


@pytest.mark.parametrize("year", ["2026-27", "2027-28"])
def test_typical_year_has_195_working_days_and_three_half_terms(year):
    first = date(int(year[:4]), 9, 1)
    days = [first + timedelta(days=i) for i in range(365)]
    school = sum(is_school_day(d, LONDON) for d in days)
    assert school == 195  # England: 190 pupil days + 5 INSET days (set by each school, so not listed)
    assert sum(1 for p in LONDON.closures if p.kind == "half_term" and p.academic_year == year) == 3


def test_breaks_and_bank_holidays_are_not_school_days():
    assert not is_school_day(date(2026, 10, 28), LONDON)  # October half-term
    assert not is_school_day(date(2027, 2, 17), LONDON)  # February half-term
    assert not is_school_day(date(2027, 3, 26), LONDON)  # Good Friday (Easter 28 March 2027)
    assert not is_school_day(date(2027, 4, 6), LONDON)  # Easter holiday
    assert not is_school_day(date(2027, 5, 3), LONDON)  # early May bank holiday, in term
    assert not is_school_day(date(2027, 8, 10), LONDON)  # summer holiday
    assert not is_school_day(date(2026, 12, 24), LONDON)
    assert is_school_day(date(2027, 5, 4), LONDON)
    assert is_term_time(date(2027, 5, 3), LONDON)  # a bank holiday closes the day, not the week
    assert not is_term_time(date(2027, 5, 31), LONDON)


def test_a_weekend_is_term_time_only_between_two_school_weeks():
    assert term_weekend(date(2026, 11, 7), LONDON)
    assert not term_weekend(date(2026, 10, 24), LONDON)  # the Monday after is half-term
    assert not term_weekend(date(2026, 10, 31), LONDON)  # the Friday before is half-term
    assert term_weekend(date(2027, 5, 1), LONDON)  # before the early May bank holiday


def test_days_outside_the_covered_years_are_not_known_school_days():
    assert not LONDON.covers(date(2028, 9, 4))
    assert not is_school_day(date(2028, 9, 4), LONDON)


def test_a_local_authority_with_its_own_file_gets_its_own_dates(tmp_path: Path):
    (tmp_path / "camden.csv").write_text(
        HEADER
        + "Camden,2026-27,term,Autumn term,2026-09-03,2026-12-18,https://www.camden.gov.uk/term-dates\n"
        + "Camden,2026-27,inset,INSET day,2026-11-20,2026-11-20,https://www.camden.gov.uk/term-dates\n",
        encoding="utf-8",
    )
    shutil.copy(default_term_dates_path() / "typical_london.csv", tmp_path)
    table = load_term_dates(tmp_path)
    camden = term_dates_for("London Borough of Camden", table)
    assert camden.typical is False
    assert camden.source == "https://www.camden.gov.uk/term-dates"
    assert "Camden's term dates" in camden.note
    assert not is_school_day(date(2026, 11, 20), camden)  # INSET
    assert not is_school_day(date(2026, 9, 2), camden)
    assert is_school_day(date(2026, 9, 2), term_dates_for("Brent", table))
    assert load_term_dates(tmp_path / "camden.csv").keys() == {"Camden"}


def test_the_fallback_says_whose_calendar_it_is_not():
    brent = term_dates_for("Brent", TABLE)
    assert brent.typical is True
    assert brent.note == "No term dates for Brent: typical London dates used (not Brent's calendar)."
    assert brent.terms == LONDON.terms
    assert "No local authority known" in term_dates_for(None, TABLE).note
    assert "No local authority known" in term_dates_for("  ", TABLE).note


def test_no_fallback_is_a_clear_error():
    with pytest.raises(UnknownIdError, match="no term dates for 'Brent'; no typical London dates"):
        term_dates_for("Brent", {})


def test_every_bad_row_is_reported_at_once():
    text = HEADER + (
        "Camden,2026-27,term,Autumn,2026-09-02,2026-12-18,x\n"
        "Camden,2026-2027,holiday,Christmas,2026-12-21,2027-01-01,x\n"
        "Camden,2026-27,hols,Easter,2027-03-26,2027-04-09,x\n"
        "Camden,2026-27,half_term,Feb,2027-02-31,2027-02-19,x\n"
        "Camden,2026-27,half_term,Oct,2026-10-30,2026-10-26,x\n"
        ",2026-27,term,Spring,2027-01-04,2027-03-25,x\n"
        "Brent,2026-27,holiday,Christmas,2026-12-21,2027-01-01,x\n"
    )
    with pytest.raises(ValidationError) as caught:
        parse_term_dates_csv(text, "camden.csv")
    fields = [(i.row, i.field) for i in caught.value.issues]
    assert fields == [(3, "academic_year"), (4, "kind"), (5, "starts"), (6, "ends"), (7, "local_authority"), (None, "kind")]
    assert "camden.csv" in str(caught.value) and "Brent" in str(caught.value)


def test_missing_columns_are_named():
    with pytest.raises(ValidationError, match="missing columns kind, name"):
        parse_term_dates_csv("local_authority,academic_year,starts,ends,source\n")


def test_closure_on_from_the_day_index_equals_scanning_every_closure():
    from matcher.programme.terms import BREAKS, KINDS

    for dates in load_term_dates().values():
        day = dates.first_day
        while day <= dates.last_day:
            found = sorted((p for p in dates.closures if day in p), key=lambda p: (p.kind not in BREAKS, KINDS.index(p.kind)))
            assert dates.closure_on(day) == (found[0] if found else None), (dates.local_authority, day)
            day += timedelta(days=1)
