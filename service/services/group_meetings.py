"""When a published group can meet: its shared free slots, proposed meetings and calendar.

The one place the service asks :mod:`matcher.programme`: meetings every ``cadence_weeks``
weeks on the group's first shared slot, from the later of the round's start and the day its
run was published (:func:`first_day`: nobody is asked about a date they were never told of)
to the round's end, in term time of the members' local
authority (:func:`~matcher.programme.term_dates_for`: typical London dates where an LA's
own are missing, saying so). A group that shares no slot, or a round the term dates do not
cover, gets no proposed meetings and a note saying why: never a made-up date.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone

from matcher.cohorts.group_csv import shared_slots
from matcher.errors import MatcherError
from matcher.profiles.phrases import slot_phrase
from matcher.programme import Meeting, TermDates, group_calendar, load_term_dates, propose_meetings, term_dates_for

from ..models import Round, Teacher

__all__ = ["Plan", "plan", "plan_for", "first_day", "calendar", "term_dates_table"]


@functools.lru_cache(maxsize=1)
def term_dates_table() -> Mapping[str, TermDates]:
    """The shipped term dates (``data/term_dates/``), read once per process."""
    return load_term_dates()


@dataclass(frozen=True)
class Plan:
    """A group's shared slots and proposed meetings (empty: none proposed; ``note`` says why)."""

    slots: tuple[str, ...]
    meetings: tuple[Meeting, ...] = ()
    note: str = ""

    @property
    def starts(self) -> list[datetime]:
        """The meetings' start times."""
        return [m.start for m in self.meetings]

    @property
    def slot_label(self) -> str:
        """The slot the meetings are on, in words, or what to do without one."""
        return slot_phrase(self.slots[0]) if self.slots else "no common free time yet: agree one together"

    @property
    def first_meeting_label(self) -> str:
        """The first proposed meeting in words, or what to do without one."""
        if not self.meetings:
            return "to be agreed in the group"
        return self.meetings[0].start.strftime("%A %d %B %Y, %H:%M").replace(" 0", " ")


def _local_authority(members: Sequence[Teacher]) -> str | None:
    """The local authority most members' schools are in (the first of a tie)."""
    return majority_authority([t.school.local_authority if t.school is not None else None for t in members])


def majority_authority(authorities: Sequence[str | None]) -> str | None:
    """The local authority named most often (the first of a tie), ``None`` when none is.

    >>> majority_authority(["Camden", None, "Brent", "Brent"]), majority_authority([None])
    ('Brent', None)
    """
    las = [la for la in authorities if la]
    return Counter(las).most_common(1)[0][0] if las else None


def first_day(rnd: Round, published_at: datetime | None) -> date:
    """The first day meetings are proposed on: the round's start, or the day (UTC) the run was
    published when that is later (``None``: not published, the round's start).

    >>> from datetime import timezone
    >>> rnd = Round(name="Autumn", starts=date(2026, 9, 2), ends=date(2026, 12, 18))
    >>> first_day(rnd, datetime(2026, 12, 3, 23, 30, tzinfo=timezone.utc)), first_day(rnd, None)
    (datetime.date(2026, 12, 3), datetime.date(2026, 9, 2))
    """
    if published_at is None:
        return rnd.starts
    day = (published_at.astimezone(timezone.utc) if published_at.tzinfo is not None else published_at).date()
    return max(rnd.starts, day)


def plan(members: Sequence[Teacher], rnd: Round, published_at: datetime | None) -> Plan:
    """The group's shared slots and its proposed meetings over ``rnd`` from the day its run
    was ``published_at`` (:func:`first_day`)."""
    return plan_for([t.availability for t in members], _local_authority(members), rnd, published_at)


def plan_for(availability: Sequence[Sequence[str]], local_authority: str | None, rnd: Round, published_at: datetime | None) -> Plan:
    """:func:`plan` from plain values: each member's availability and the group's local authority
    (programme health plans thousands of groups from a few columns, without loading profiles)."""
    slots = shared_slots(availability)
    if not slots:
        return Plan(slots=(), note="Your group shares no free slot in your profiles, so no dates are proposed: agree a time together.")
    starts = first_day(rnd, published_at)
    if starts > rnd.ends:
        return Plan(slots=slots, note="The groups were published after the round's last day, so no dates are proposed: agree a time together.")
    meetings, notes = _meetings(slots[0], local_authority, starts, rnd.ends, rnd.cadence_weeks)
    return Plan(slots=slots, meetings=meetings, note=notes)


@functools.lru_cache(maxsize=4096)
def _meetings(slot: str, local_authority: str | None, starts: date, ends: date, cadence_weeks: int) -> tuple[tuple[Meeting, ...], str]:
    """The meetings on ``slot`` (only the first shared slot is used) and the note; cached, as
    groups of one programme share a few slots and local authorities."""
    try:
        dates = term_dates_for(local_authority, term_dates_table())
        meetings = propose_meetings((slot,), starts, ends, cadence_weeks=cadence_weeks, term_dates=dates)
    except MatcherError as exc:
        return (), f"No dates are proposed ({exc}): agree them in your group."
    notes = [dates.note] if dates.note else []
    if not meetings:
        notes.append("No term-time day on your shared slot falls in this round: agree a time together.")
    return meetings, " ".join(notes)


def calendar(group_name: str, uid_prefix: str, members: Sequence[Teacher], p: Plan, updated: datetime) -> bytes:
    """The group's ``.ics`` (:func:`matcher.programme.group_calendar`): UIDs ``{uid_prefix}-{n}``,
    stable for the group, so a second download updates the same events."""
    names = [t.name for t in members]
    return group_calendar(group_name, p.meetings, uid_prefix=uid_prefix, members=names, description=p.note, updated=updated)
