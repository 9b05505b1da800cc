"""iCalendar (RFC 5545) files of proposed meetings: one per group, one per teacher.

Events keep their identity when a group changes, so that importing (or re-fetching) the
updated file replaces the old events instead of adding new ones:

- ``UID`` is ``{uid_prefix}-{n}``, the n-th meeting of the group's round (1, 2, ...): a
  meeting that moves keeps its UID, and a teacher's calendar uses the same UIDs as the group's.
  Use one ``uid_prefix`` per group and round that never changes (e.g. ``"camden-hub-round-7-group-3"``).
- ``SEQUENCE`` grows with ``updated`` (whole seconds since 2020-01-01 UTC) and
  ``LAST-MODIFIED``/``DTSTAMP`` are ``updated`` itself, so the newer file wins.
- Times are local: ``DTSTART;TZID=Europe/London:20270104T160000``, with the ``VTIMEZONE``
  the file needs (from the ``zoneinfo`` database, for the years of its meetings), so a
  meeting stays at 16:00 across the clock change.
- ``STATUS:TENTATIVE``: these are proposals; the group agrees them.

Examples
--------
>>> from datetime import datetime, timezone
>>> from zoneinfo import ZoneInfo
>>> london = ZoneInfo("Europe/London")
>>> m = Meeting(datetime(2027, 1, 4, 16, tzinfo=london), datetime(2027, 1, 4, 17, tzinfo=london), "mon_after_school")
>>> ics = group_calendar("Camden singing", [m], uid_prefix="r1-g3", updated=datetime(2026, 12, 1, tzinfo=timezone.utc))
>>> [line for line in ics.decode().splitlines() if line.startswith(("UID", "DTSTART;", "SEQUENCE"))]
['DTSTART;TZID=Europe/London:20270104T160000', 'UID:r1-g3-1', 'SEQUENCE:218246400']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone

from icalendar import Calendar, Event

from ..errors import Issue, ParameterError
from .meetings import Meeting

__all__ = ["GroupMeetings", "PRODID", "group_calendar", "teacher_calendar", "sequence_number"]

PRODID = "-//Peer to Peer Matcher//programme//EN"
_EPOCH = datetime(2020, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class GroupMeetings:
    """One group's meetings, as a teacher's calendar lists them (see :func:`teacher_calendar`)."""

    group_name: str
    meetings: tuple[Meeting, ...]
    uid_prefix: str
    updated: datetime
    members: tuple[str, ...] = ()
    description: str = ""


def sequence_number(updated: datetime) -> int:
    """The ``SEQUENCE`` of events last changed at ``updated``: whole seconds since 2020-01-01 UTC.

    >>> sequence_number(datetime(2020, 1, 1, 0, 1, tzinfo=timezone.utc))
    60
    """
    return max(0, int((updated - _EPOCH).total_seconds()))


def _check(group_name: str, uid_prefix: str, updated: datetime, meetings: Iterable[Meeting]) -> list[Issue]:
    issues = []
    if not group_name.strip():
        issues.append(Issue(None, "group_name", group_name, "must not be empty"))
    if not uid_prefix.strip() or any(c.isspace() for c in uid_prefix):
        issues.append(Issue(None, "uid_prefix", uid_prefix, "must be non-empty text without spaces"))
    if updated.tzinfo is None or updated.utcoffset() is None:
        issues.append(Issue(None, "updated", updated.isoformat(), "must be timezone-aware (e.g. datetime.now(timezone.utc))"))
    for meeting in meetings:
        if meeting.start.tzinfo is None or meeting.end.tzinfo is None:
            issues.append(Issue(None, "meetings", meeting.start.isoformat(), "meeting times must be timezone-aware"))
        elif meeting.end <= meeting.start:
            issues.append(Issue(None, "meetings", meeting.start.isoformat(), "a meeting must end after it starts"))
    return issues


def _one_line(text: str) -> str:
    """A name as a calendar shows it: one line, single spaces."""
    return " ".join(text.split())


def _events(item: GroupMeetings) -> list[Event]:
    stamp = item.updated.astimezone(timezone.utc)
    text = [item.description.strip()] if item.description.strip() else []
    if item.members:
        text.append("Members: " + ", ".join(item.members))
    events = []
    for n, meeting in enumerate(item.meetings, start=1):
        event = Event()
        event.add("uid", f"{item.uid_prefix}-{n}")
        event.add("dtstamp", stamp)
        event.add("last-modified", stamp)
        event.add("sequence", sequence_number(item.updated))
        event.add("dtstart", meeting.start)
        event.add("dtend", meeting.end)
        event.add("summary", f"Peer group: {_one_line(item.group_name)}")
        event.add("status", "TENTATIVE")
        body = "\n\n".join([*text, meeting.note] if meeting.note else text)
        if body:
            event.add("description", body)
        events.append(event)
    return events


def _calendar(name: str, items: Sequence[GroupMeetings]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.calendar_name = _one_line(name)  # NAME (RFC 7986) and X-WR-CALNAME
    days: list[date] = []
    for item in items:
        for event in _events(item):
            calendar.add_component(event)
        days += [m.start.date() for m in item.meetings]
    if days:  # the time zones the events use, for the years they span (deterministic)
        calendar.add_missing_timezones(first_date=date(min(days).year, 1, 1), last_date=date(max(days).year + 1, 1, 1))
    return bytes(calendar.to_ical())


def group_calendar(
    group_name: str,
    meetings: Sequence[Meeting],
    *,
    uid_prefix: str,
    members: Sequence[str] = (),
    description: str = "",
    updated: datetime,
) -> bytes:
    """The ``.ics`` file of one group's meetings.

    Parameters
    ----------
    group_name
        Shown as the calendar's name and in each event's summary.
    meetings
        From :func:`~matcher.programme.meetings.propose_meetings`.
    uid_prefix
        Stable and unique per group and round (no spaces): event UIDs are ``{uid_prefix}-{n}``.
    members
        Names listed in each event's description (no e-mail addresses are written).
    description
        Text put first in each event's description (where to meet, the term-dates note...).
    updated
        When the group last changed (timezone-aware): ``LAST-MODIFIED``, ``DTSTAMP`` and ``SEQUENCE``.

    Returns
    -------
    bytes
        RFC 5545 text (CRLF lines), for ``Content-Type: text/calendar; charset=utf-8``.

    Raises
    ------
    ParameterError
        An empty name, a ``uid_prefix`` with spaces, a naive ``updated`` or meeting time.
    """
    issues = _check(group_name, uid_prefix, updated, meetings)
    if isinstance(members, str):
        issues.append(Issue(None, "members", members, "must be a list of names, not one string"))
    if issues:
        raise ParameterError.from_issues(issues, f"cannot write the calendar: {'; '.join(str(i) for i in issues)}")
    item = GroupMeetings(group_name, tuple(meetings), uid_prefix, updated, tuple(members), description)
    return _calendar(group_name, [item])


def teacher_calendar(teacher_name: str, items: Iterable[GroupMeetings]) -> bytes:
    """The ``.ics`` file of one teacher's meetings, in every group they belong to.

    Each group's events have the same UIDs as in its :func:`group_calendar`, so a teacher
    who imports both gets each meeting once.

    Parameters
    ----------
    teacher_name
        The calendar's name ("Peer groups: {teacher_name}").
    items
        One :class:`GroupMeetings` per group of the teacher.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> from zoneinfo import ZoneInfo
    >>> at = datetime(2027, 1, 4, 16, tzinfo=ZoneInfo("Europe/London"))
    >>> group = GroupMeetings("Singing", (Meeting(at, at.replace(hour=17), "mon_after_school"),), "r1-g3",
    ...                       datetime(2026, 12, 1, tzinfo=timezone.utc))
    >>> b"X-WR-CALNAME:Peer groups: Sam Lee" in teacher_calendar("Sam Lee", [group])
    True
    """
    items = tuple(items)
    issues = [issue for item in items for issue in _check(item.group_name, item.uid_prefix, item.updated, item.meetings)]
    prefixes = [item.uid_prefix for item in items]
    if len(set(prefixes)) != len(prefixes):
        issues.append(Issue(None, "items", ", ".join(prefixes), "each group needs its own uid_prefix"))
    if issues:
        raise ParameterError.from_issues(issues, f"cannot write the calendar: {'; '.join(str(i) for i in issues)}")
    return _calendar(f"Peer groups: {teacher_name}", items)
