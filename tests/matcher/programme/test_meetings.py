"""Tests for matcher/programme/meetings.py: proposed meeting dates in term time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.errors import ParameterError
from matcher.profiles.fields import AVAILABILITY_SLOTS
from matcher.programme.meetings import PART_TIMES, propose_meetings
from matcher.programme.terms import TYPICAL_LONDON, is_school_day, is_term_time, load_term_dates

LONDON = load_term_dates()[TYPICAL_LONDON]


def test_every_availability_slot_has_clock_times():
    for slot in AVAILABILITY_SLOTS:
        (meeting,) = propose_meetings([slot], date(2026, 11, 2), date(2026, 11, 8), term_dates=LONDON)
        assert meeting.slot == slot
        assert meeting.start < meeting.end
    assert set(PART_TIMES) == {"am", "pm", "after_school", "weekend"}


def test_meetings_follow_the_slot_in_local_time_across_the_clock_change():
    meetings = propose_meetings(["thu_after_school"], date(2026, 9, 7), date(2026, 12, 18), term_dates=LONDON)
    assert {m.start.weekday() for m in meetings} == {3}
    assert {(m.start.time(), m.end.time()) for m in meetings} == {(time(16), time(17))}
    offsets = {m.start.utcoffset() for m in meetings}
    assert offsets == {timedelta(hours=1), timedelta(0)}  # BST in September, GMT in December
    assert all(str(m.start.tzinfo) == "Europe/London" for m in meetings)


def test_a_meeting_in_half_term_moves_a_week_later_saying_why():
    meetings = propose_meetings(["mon_after_school"], date(2026, 9, 14), date(2026, 11, 30), term_dates=LONDON)
    assert [m.day for m in meetings] == [date(2026, 9, 14), date(2026, 10, 5), date(2026, 11, 2), date(2026, 11, 23)]
    assert meetings[2].note == "planned for Mon 26 Oct 2026 (October half-term); 1 week later"
    assert [m.note for m in meetings if m is not meetings[2]] == ["", "", ""]


def test_a_bank_holiday_monday_is_skipped():
    meetings = propose_meetings(["mon_am"], date(2027, 4, 19), date(2027, 5, 20), cadence_weeks=2, term_dates=LONDON)
    assert [m.day for m in meetings] == [date(2027, 4, 19), date(2027, 5, 10)]
    assert "Early May bank holiday" in meetings[1].note


def test_the_first_meeting_waits_for_term():
    (first, *_) = propose_meetings(["wed_pm"], date(2026, 12, 21), date(2027, 3, 1), term_dates=LONDON)
    assert first.day == date(2027, 1, 6)
    assert "Christmas holiday" in first.note and "2 weeks later" in first.note


def test_only_the_first_shared_slot_is_used_and_custom_times_apply():
    custom = {"after_school": (time(15, 45), time(16, 30)), "tue_after_school": (time(16, 15), time(17, 15))}
    (m,) = propose_meetings(["wed_after_school", "mon_am"], date(2026, 11, 2), date(2026, 11, 8), term_dates=LONDON, slot_times=custom)
    assert (m.day, m.start.time(), m.end.time()) == (date(2026, 11, 4), time(15, 45), time(16, 30))
    (m,) = propose_meetings(["tue_after_school"], date(2026, 11, 2), date(2026, 11, 8), term_dates=LONDON, slot_times=custom)
    assert m.start.time() == time(16, 15)


def test_no_shared_slot_no_meetings():
    assert propose_meetings([], date(2026, 9, 7), date(2027, 7, 1), term_dates=LONDON) == ()


def test_a_round_in_the_holidays_has_no_meetings():
    assert propose_meetings(["fri_pm"], date(2027, 7, 26), date(2027, 8, 27), term_dates=LONDON) == ()


def test_bad_arguments_are_reported_together():
    with pytest.raises(ParameterError) as caught:
        propose_meetings(["thu_afterschool"], date(2027, 3, 1), date(2027, 1, 1), cadence_weeks=0, term_dates=LONDON, tz="Mars/Base")
    assert [i.field for i in caught.value.issues] == ["shared_slots", "cadence_weeks", "ends", "tz"]


def test_a_round_past_the_known_term_dates_is_refused_not_guessed():
    with pytest.raises(ParameterError, match=r"outside the term dates of typical London \(2026-09-01 to 2028-08-31\)"):
        propose_meetings(["mon_am"], date(2028, 6, 1), date(2028, 10, 1), term_dates=LONDON)


def test_same_input_same_output():
    args = (["thu_after_school"], date(2026, 9, 7), date(2027, 7, 16))
    assert propose_meetings(*args, term_dates=LONDON) == propose_meetings(*args, term_dates=LONDON)


DAYS = st.dates(min_value=LONDON.first_day, max_value=LONDON.last_day)


@settings(max_examples=150, deadline=None)
@given(
    slot=st.sampled_from(AVAILABILITY_SLOTS),
    first=DAYS,
    length=st.integers(min_value=0, max_value=400),
    cadence=st.integers(min_value=1, max_value=8),
)
def test_meetings_are_in_term_within_the_round_and_at_least_the_cadence_apart(slot, first, length, cadence):
    last = min(first + timedelta(days=length), LONDON.last_day)
    meetings = propose_meetings([slot], first, last, cadence_weeks=cadence, term_dates=LONDON)
    for m in meetings:
        assert first <= m.day <= last
        if slot == "weekend":
            assert m.day.weekday() == 5
            assert is_term_time(m.day - timedelta(days=1), LONDON) and is_term_time(m.day + timedelta(days=2), LONDON)
        else:
            assert is_school_day(m.day, LONDON)
    for a, b in zip(meetings, meetings[1:]):
        gap = (b.day - a.day).days
        assert gap % 7 == 0 and gap >= 7 * cadence
        if not b.note:  # on time: exactly the cadence
            assert gap == 7 * cadence


@settings(max_examples=100, deadline=None)
@given(slot=st.sampled_from(AVAILABILITY_SLOTS), first=DAYS, length=st.integers(min_value=0, max_value=300),
       cadence=st.integers(min_value=1, max_value=6))
def test_each_meeting_is_the_first_possible_one(slot, first, length, cadence):
    """The first meeting is the first possible day of the slot in the round; each next one the
    first possible day at least the cadence after it; none is possible after the last."""
    last = min(first + timedelta(days=length), LONDON.last_day)
    meetings = propose_meetings([slot], first, last, cadence_weeks=cadence, term_dates=LONDON)
    weekday = 5 if slot == "weekend" else ("mon", "tue", "wed", "thu", "fri").index(slot[:3])

    def possible(d):
        if slot == "weekend":
            return is_term_time(d - timedelta(days=1), LONDON) and is_term_time(d + timedelta(days=2), LONDON)
        return is_school_day(d, LONDON)

    def first_possible(since):
        d = since + timedelta(days=(weekday - since.weekday()) % 7)
        while d <= last and not possible(d):
            d += timedelta(days=7)
        return d if d <= last else None

    expected, since = [], first
    while (d := first_possible(since)) is not None:
        expected.append(d)
        since = d + timedelta(weeks=cadence)
    assert [m.day for m in meetings] == expected


def test_a_weekend_next_to_half_term_is_skipped_saying_why():
    meetings = propose_meetings(["weekend"], date(2026, 10, 17), date(2026, 11, 30), cadence_weeks=1, term_dates=LONDON)
    assert [m.day for m in meetings][:2] == [date(2026, 10, 17), date(2026, 11, 7)]
    assert meetings[1].note == "planned for Sat 24 Oct 2026 (October half-term); 2 weeks later"
    assert meetings[0].start.time() == time(10) and meetings[0].end.time() == time(11, 30)


@pytest.mark.parametrize("bad", ["2027-01-04", datetime(2027, 1, 4, 9, tzinfo=timezone.utc)])
def test_round_dates_must_be_dates(bad):
    with pytest.raises(ParameterError, match="starts must be a date"):
        propose_meetings(["mon_am"], bad, date(2027, 3, 1), term_dates=LONDON)
