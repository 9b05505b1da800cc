"""When a published group can meet: its shared free slots, proposed meetings and calendar.

The one place the service asks :mod:`matcher.programme` (term dates, proposed meetings,
calendars). Without that library, or when a group shares no slot, there are no proposed
meetings: ``meetings`` is empty and the group is told to agree a time, never a made-up date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from matcher.profiles.fields import AVAILABILITY_SLOTS
from matcher.profiles.phrases import slot_phrase

__all__ = ["Member", "Round", "Plan", "shared_slots", "plan", "calendar"]


class Member(Protocol):
    """What a plan needs of a member (a ``service.models.Teacher`` row fits)."""

    id: str
    availability: list[str]


class Round(Protocol):
    """What a plan needs of a round (a ``service.models.Round`` row fits)."""

    id: int
    name: str
    cadence_weeks: int


def shared_slots(members: Sequence[Member]) -> list[str]:
    """The availability slots every member has, in the week's order.

    >>> from types import SimpleNamespace as NS
    >>> shared_slots([NS(id="a", availability=["tue_pm", "mon_am"]), NS(id="b", availability=["mon_am", "tue_pm", "fri_am"])])
    ['mon_am', 'tue_pm']
    >>> shared_slots([])
    []
    """
    if not members:
        return []
    common = set(members[0].availability)
    for m in members[1:]:
        common &= set(m.availability)
    return [s for s in AVAILABILITY_SLOTS if s in common]


@dataclass(frozen=True)
class Plan:
    """A group's shared slots and proposed meeting start times (empty: none proposed)."""

    slots: tuple[str, ...]
    meetings: tuple[datetime, ...] = ()
    note: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def slot_label(self) -> str:
        """The first shared slot in words, or what to do without one."""
        return slot_phrase(self.slots[0]) if self.slots else "no common free time yet: agree one together"

    @property
    def first_meeting_label(self) -> str:
        """The first proposed meeting in words, or what to do without one."""
        if not self.meetings:
            return "to be agreed in the group"
        return self.meetings[0].strftime("%A %d %B %Y, %H:%M").replace(" 0", " ")


def plan(members: Sequence[Member], rnd: Round) -> Plan:
    """Shared slots from the members' profiles; proposed meetings are added by the meetings library."""
    return Plan(slots=tuple(shared_slots(members)), note="No meeting dates are proposed yet: agree them in your group.")


def calendar(members: Sequence[Member], rnd: Round, group_key: str, meetings: Sequence[datetime]) -> bytes:
    """An iCalendar file of the group's proposed meetings (UIDs stable per group and meeting)."""
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", "-//Peer to Peer Matcher//My group//EN")
    cal.add("version", "2.0")
    for n, start in enumerate(meetings, start=1):
        event = icalendar.Event()
        event.add("uid", f"{group_key}-meeting-{n}@peermatch")
        event.add("summary", f"Peer group meeting ({rnd.name})")
        event.add("dtstart", start)
        event.add("dtstamp", start)
        cal.add_component(event)
    data: bytes = cal.to_ical()
    return data
