"""Proposed meeting dates for a group over a round, on its shared slot, in term time.

A group meets every ``cadence_weeks`` weeks on the first of its shared availability slots
(the ids of :data:`matcher.profiles.fields.AVAILABILITY_SLOTS`: ``mon_am`` ...
``fri_after_school``, ``weekend``). A weekday slot skips days the school is closed (half-terms,
holidays, bank holidays, INSET days); a weekend slot (Saturday) skips weekends next to or in
a half-term or holiday. A meeting that cannot take place moves to the same slot a week later,
with a note saying why, and the next one is counted from it, so meetings are never closer
than the cadence.

Clock times come from :data:`PART_TIMES`, the one place they are set:

- ``am``: 09:30-10:30, a morning free period (most groups meet online);
- ``pm``: 13:30-14:30, an afternoon free period, after lunch;
- ``after_school``: 16:00-17:00, after the last lesson, the usual twilight slot;
- ``weekend``: Saturday 10:00-11:30.

Examples
--------
>>> from datetime import date
>>> from matcher.programme.terms import load_term_dates
>>> london = load_term_dates()["typical London"]
>>> meetings = propose_meetings(["mon_after_school"], date(2026, 9, 14), date(2026, 11, 30), term_dates=london)
>>> [m.start.strftime("%a %d %b %H:%M") for m in meetings]
['Mon 14 Sep 16:00', 'Mon 05 Oct 16:00', 'Mon 02 Nov 16:00', 'Mon 23 Nov 16:00']
>>> meetings[2].note
'planned for Mon 26 Oct 2026 (October half-term); 1 week later'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import Issue, ParameterError
from ..profiles.fields import AVAILABILITY_SLOTS
from .terms import TermDates, is_school_day, is_term_time, term_weekend

__all__ = ["Meeting", "PART_TIMES", "WEEKDAYS", "slot_times_for", "propose_meetings"]

# The clock time of each part of the day (start, end): the one place these are set.
PART_TIMES: Mapping[str, tuple[time, time]] = {
    "am": (time(9, 30), time(10, 30)),
    "pm": (time(13, 30), time(14, 30)),
    "after_school": (time(16, 0), time(17, 0)),
    "weekend": (time(10, 0), time(11, 30)),
}
WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "weekend": 5}  # weekend: Saturday


@dataclass(frozen=True)
class Meeting:
    """One proposed meeting: ``start`` and ``end`` are timezone-aware; ``slot`` the availability id.

    ``note`` says why the meeting is not where the cadence put it ("" when it is).
    """

    start: datetime
    end: datetime
    slot: str
    note: str = ""

    @property
    def day(self) -> date:
        """The local date of the meeting."""
        return self.start.date()


def _split(slot: str) -> tuple[str, str]:
    """``"thu_after_school"`` -> ``("thu", "after_school")``; ``"weekend"`` -> ``("weekend", "weekend")``."""
    if slot == "weekend":
        return "weekend", "weekend"
    day, _, part = slot.partition("_")
    return day, part


def slot_times_for(slot: str, slot_times: Mapping[str, tuple[time, time]] | None = None) -> tuple[time, time]:
    """Start and end clock times of ``slot``: ``slot_times[slot]``, else ``slot_times[part]``, else :data:`PART_TIMES`.

    >>> slot_times_for("thu_after_school")
    (datetime.time(16, 0), datetime.time(17, 0))
    >>> slot_times_for("thu_after_school", {"after_school": (time(15, 45), time(16, 45))})[0]
    datetime.time(15, 45)
    """
    overrides = slot_times or {}
    part = _split(slot)[1]
    return overrides.get(slot) or overrides.get(part) or PART_TIMES[part]


def _why_not(day: date, weekend: bool, dates: TermDates) -> str:
    """What stops a meeting on ``day`` (for the note)."""
    days = [day - timedelta(days=1), day, day + timedelta(days=2)] if weekend else [day]
    for d in days:
        closure = dates.closure_on(d)
        if closure is not None and (not weekend or not is_term_time(d, dates)):
            return closure.name or closure.kind.replace("_", " ")
    return "out of term"


def _check(
    shared_slots: Sequence[str], starts: date, ends: date, cadence_weeks: int, term_dates: TermDates, tz: str
) -> ZoneInfo:
    issues: list[Issue] = []
    if isinstance(shared_slots, str):
        raise ParameterError("shared_slots", shared_slots, "must be a list of slot ids, not one string", suggestion=f"[{shared_slots!r}]")
    for slot in shared_slots:
        if slot not in AVAILABILITY_SLOTS:
            issues.append(Issue(None, "shared_slots", slot, f"unknown slot; slots are {', '.join(AVAILABILITY_SLOTS)}"))
    if isinstance(cadence_weeks, bool) or not isinstance(cadence_weeks, int) or cadence_weeks < 1:
        issues.append(Issue(None, "cadence_weeks", repr(cadence_weeks), "must be a whole number >= 1"))
    for name, day in (("starts", starts), ("ends", ends)):
        if isinstance(day, datetime) or not isinstance(day, date):
            raise ParameterError(name, day, "must be a date (a datetime's .date() in the round's time zone)")
    if ends < starts:
        issues.append(Issue(None, "ends", str(ends), f"must not be before starts {starts}"))
    for name, day in (("starts", starts), ("ends", ends)):
        if not term_dates.covers(day):
            issues.append(Issue(
                None, name, str(day),
                f"outside the term dates of {term_dates.local_authority} "
                f"({term_dates.first_day} to {term_dates.last_day}); add that year's dates under data/term_dates/",
            ))
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        issues.append(Issue(None, "tz", tz, "unknown time zone; e.g. Europe/London"))
    if issues:
        raise ParameterError.from_issues(issues, f"cannot propose meetings: {'; '.join(str(i) for i in issues)}")
    return zone


def propose_meetings(
    shared_slots: Sequence[str],
    starts: date,
    ends: date,
    *,
    cadence_weeks: int = 3,
    term_dates: TermDates,
    slot_times: Mapping[str, tuple[time, time]] | None = None,
    tz: str = "Europe/London",
) -> tuple[Meeting, ...]:
    """Meetings every ``cadence_weeks`` weeks on the first shared slot, in term time, within the round.

    Parameters
    ----------
    shared_slots
        The availability slots every member shares, the preferred one first (a group's shared
        slots in :data:`~matcher.profiles.fields.AVAILABILITY_SLOTS` order will do, or
        :func:`matcher.cohorts.group_csv.shared_slots` of the members' availability). Only the
        first is used; empty: no meetings (the caller says why: no shared slot).
    starts, ends
        The round, inclusive: no meeting before ``starts`` or after ``ends``.
    cadence_weeks
        Weeks from one meeting to the next (at least; more when a break is skipped).
    term_dates
        The school year of the group's local authority (:func:`~matcher.programme.terms.term_dates_for`).
    slot_times
        Clock times by slot id (``"thu_after_school"``) or part of day (``"after_school"``),
        overriding :data:`PART_TIMES`.
    tz
        The time zone of the clock times.

    Returns
    -------
    tuple of Meeting
        In date order; ``()`` when there is no shared slot or no term-time day in the round.

    Raises
    ------
    ParameterError
        An unknown slot id, a cadence below 1, ``ends`` before ``starts``, a round outside the
        academic years ``term_dates`` covers, or an unknown time zone (all reported at once).

    Examples
    --------
    >>> from matcher.programme.terms import load_term_dates
    >>> london = load_term_dates()["typical London"]
    >>> [m.day.isoformat() for m in propose_meetings(["weekend"], date(2027, 2, 1), date(2027, 3, 31), term_dates=london)]
    ['2027-02-06', '2027-02-27', '2027-03-20']
    >>> propose_meetings([], date(2027, 2, 1), date(2027, 3, 31), term_dates=london)
    ()
    >>> propose_meetings("mon_am", date(2027, 2, 1), date(2027, 3, 31), term_dates=london)
    Traceback (most recent call last):
    ...
    matcher.errors.ParameterError: shared_slots must be a list of slot ids, not one string, got 'mon_am'
    """
    zone = _check(shared_slots, starts, ends, cadence_weeks, term_dates, tz)
    if not shared_slots:
        return ()
    slot = shared_slots[0]
    weekend = slot == "weekend"
    begin, finish = slot_times_for(slot, slot_times)
    week = timedelta(days=7)

    def possible(day: date) -> bool:
        return term_weekend(day, term_dates) if weekend else is_school_day(day, term_dates)

    target = starts + timedelta(days=(WEEKDAYS[_split(slot)[0]] - starts.weekday()) % 7)
    meetings: list[Meeting] = []
    while target <= ends:
        day = target
        while day <= ends and not possible(day):
            day += week
        if day > ends:
            break
        note = ""
        if day != target:
            weeks = (day - target).days // 7
            why = _why_not(target, weekend, term_dates)
            note = f"planned for {target:%a %d %b %Y} ({why}); {weeks} week{'' if weeks == 1 else 's'} later"
        meetings.append(Meeting(
            start=datetime.combine(day, begin, tzinfo=zone),
            end=datetime.combine(day, finish, tzinfo=zone),
            slot=slot,
            note=note,
        ))
        target = day + cadence_weeks * week
    return tuple(meetings)
