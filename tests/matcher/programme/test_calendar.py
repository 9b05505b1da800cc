"""Tests for matcher/programme/calendar.py: .ics files parsed back with icalendar."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from matcher.errors import ParameterError
from matcher.programme.calendar import GroupMeetings, group_calendar, sequence_number, teacher_calendar
from matcher.programme.meetings import Meeting, propose_meetings
from matcher.programme.terms import TYPICAL_LONDON, load_term_dates

LONDON = load_term_dates()[TYPICAL_LONDON]
UPDATED = datetime(2026, 12, 1, 9, 30, tzinfo=timezone.utc)
MEETINGS = propose_meetings(["mon_after_school"], date(2026, 9, 14), date(2026, 11, 30), term_dates=LONDON)


def parse(ics: bytes) -> Calendar:
    assert ics.startswith(b"BEGIN:VCALENDAR\r\n") and ics.endswith(b"END:VCALENDAR\r\n")
    return Calendar.from_ical(ics)


def test_group_calendar_round_trips_events_uids_and_local_times():
    ics = group_calendar("Camden singing", MEETINGS, uid_prefix="r7-g3", members=("Sam Lee", "Priya Shah"),
                         description="Online; link from your coordinator.", updated=UPDATED)
    calendar = parse(ics)
    assert str(calendar["x-wr-calname"]) == "Camden singing"
    assert str(calendar["method"]) == "PUBLISH" and str(calendar["version"]) == "2.0"
    events = calendar.walk("VEVENT")
    assert [str(e["uid"]) for e in events] == ["r7-g3-1", "r7-g3-2", "r7-g3-3", "r7-g3-4"]
    assert [e.decoded("dtstart") for e in events] == [m.start for m in MEETINGS]
    assert [e.decoded("dtend") for e in events] == [m.end for m in MEETINGS]
    assert all(e["dtstart"].params["TZID"] == "Europe/London" for e in events)
    assert {e.decoded("dtstart").astimezone(ZoneInfo("Europe/London")).time() for e in events} == {time(16)}
    assert events[0].decoded("dtstart").utcoffset() == timedelta(hours=1)  # BST
    assert events[3].decoded("dtstart").utcoffset() == timedelta(0)  # GMT
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    first = events[0]
    assert str(first["summary"]) == "Peer group: Camden singing"
    assert str(first["status"]) == "TENTATIVE"
    assert first.decoded("last-modified") == UPDATED == first.decoded("dtstamp")
    assert str(first["description"]) == "Online; link from your coordinator.\n\nMembers: Sam Lee, Priya Shah"
    assert "October half-term" in str(events[2]["description"])


def test_an_update_keeps_uids_and_raises_the_sequence():
    before = parse(group_calendar("G", MEETINGS, uid_prefix="r7-g3", updated=UPDATED)).walk("VEVENT")
    moved = propose_meetings(["thu_after_school"], date(2026, 9, 14), date(2026, 11, 30), term_dates=LONDON)
    after = parse(group_calendar("G", moved, uid_prefix="r7-g3", updated=UPDATED + timedelta(hours=2))).walk("VEVENT")
    assert [str(e["uid"]) for e in after] == [str(e["uid"]) for e in before]
    assert all(int(a["sequence"]) == int(b["sequence"]) + 7200 for a, b in zip(after, before))
    assert after[0].decoded("dtstart").weekday() == 3


def test_same_input_same_bytes():
    first = group_calendar("G", MEETINGS, uid_prefix="p", updated=UPDATED)
    assert first == group_calendar("G", MEETINGS, uid_prefix="p", updated=UPDATED)


def test_a_group_without_meetings_is_an_empty_valid_calendar():
    calendar = parse(group_calendar("G", (), uid_prefix="p", updated=UPDATED))
    assert calendar.walk("VEVENT") == [] and calendar.walk("VTIMEZONE") == []


def test_teacher_calendar_lists_every_group_with_the_group_uids():
    other = propose_meetings(["weekend"], date(2027, 1, 4), date(2027, 3, 25), term_dates=LONDON)
    items = [GroupMeetings("Singing", MEETINGS, "r7-g3", UPDATED), GroupMeetings("Composition", other, "r7-g9", UPDATED, ("Jo Kim",))]
    calendar = parse(teacher_calendar("Sam Lee", items))
    assert str(calendar["x-wr-calname"]) == "Peer groups: Sam Lee"
    uids = [str(e["uid"]) for e in calendar.walk("VEVENT")]
    assert uids == [f"r7-g3-{n}" for n in range(1, 5)] + [f"r7-g9-{n}" for n in range(1, len(other) + 1)]
    group_uids = [str(e["uid"]) for e in parse(group_calendar("Singing", MEETINGS, uid_prefix="r7-g3", updated=UPDATED)).walk("VEVENT")]
    assert uids[:4] == group_uids


def test_teacher_calendar_needs_one_prefix_per_group():
    items = [GroupMeetings("A", MEETINGS, "same", UPDATED), GroupMeetings("B", MEETINGS, "same", UPDATED)]
    with pytest.raises(ParameterError, match="each group needs its own uid_prefix"):
        teacher_calendar("Sam", items)


def test_bad_arguments_are_reported_together():
    # naive times on purpose: they must be refused
    naive = Meeting(datetime(2027, 1, 4, 16), datetime(2027, 1, 4, 17), "mon_after_school")  # noqa: DTZ001
    with pytest.raises(ParameterError) as caught:
        group_calendar(" ", [naive], uid_prefix="round 7", updated=datetime(2026, 12, 1))  # noqa: DTZ001
    assert [i.field for i in caught.value.issues] == ["group_name", "uid_prefix", "updated", "meetings"]


def test_sequence_grows_with_the_update_time():
    assert sequence_number(UPDATED + timedelta(seconds=1)) == sequence_number(UPDATED) + 1
    assert sequence_number(datetime(2019, 1, 1, tzinfo=timezone.utc)) == 0
    assert sequence_number(datetime(2037, 12, 31, tzinfo=timezone.utc)) < 2**31


def test_text_with_commas_semicolons_and_newlines_round_trips():
    name = "Brent, Harrow; Ealing\nstrings"
    calendar = parse(group_calendar(name, MEETINGS[:1], uid_prefix="p", description="Room 4; bring a piece,\nplease", updated=UPDATED))
    event = calendar.walk("VEVENT")[0]
    assert str(calendar["x-wr-calname"]) == str(calendar["name"]) == "Brent, Harrow; Ealing strings"  # a name is one line
    assert str(event["summary"]) == "Peer group: Brent, Harrow; Ealing strings"
    assert str(event["description"]) == "Room 4; bring a piece,\nplease"


def test_members_must_be_a_list():
    with pytest.raises(ParameterError, match="members"):
        group_calendar("G", MEETINGS, uid_prefix="p", members="Sam Lee", updated=UPDATED)
