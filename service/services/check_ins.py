"""Check-ins: after a proposed meeting, each member says whether the group met and how it went.

A meeting is one of the proposed meetings of one of the teacher's published groups
(:mod:`.my_group`, :mod:`.group_meetings`), named by its start time as My group lists it
(ISO 8601 with its offset, e.g. ``2026-09-24T16:00:00+01:00``); it is stored as its run, its
1-based group number and its start in UTC (:class:`~service.models.CheckIn`). The answer:

- ``met``: ``yes``, ``no`` or ``rescheduled``;
- ``useful``: 1-5, required when ``met`` is ``yes``; when the group did not meet (``no`` or
  ``rescheduled``) there is nothing to rate, so a rating sent with it is not kept (the answer
  shows ``useful`` empty);
- ``tried``: one thing tried or to try, optional, at most 500 characters of plain text
  (line breaks are kept; invisible and control characters are refused, as in profiles);
- ``not_a_good_fit``: optional, seen by the coordinator only, never by other members.

A group may also meet at a time it arranged itself (its members share no free slot, so it
has no proposed meetings, or it met on another day): a member reports it by its start, which
must have passed and fall within the dates of the round of one of their published groups (the
newest such run), and it is stored like any other check-in (``meeting_start`` that time). This
is open to every group, not only to groups without proposed dates. Two members who give
slightly different times for the same self-arranged meeting make two meetings; that is
accepted (programme health counts each).

One answer per member per meeting. The first answer can be changed for :data:`EDIT_WINDOW`
(7 days) after it was given; after that it is kept as it is (409). Only a teacher who is
still in the group can check in: a run that was deleted, or a group the teacher was
repaired out of, has no meetings for them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from matcher.errors import Issue
from matcher.profiles.fields import hidden_characters

from .. import db
from ..auth import Identity
from ..models import CheckIn, MET_ANSWERS, Round, utcnow
from ..problems import Problem
from . import group_meetings
from .my_group import members_of, published_runs_of

__all__ = [
    "EDIT_WINDOW",
    "MAX_TRIED_CHARS",
    "GroupMeeting",
    "Answer",
    "MyCheckIns",
    "clock",
    "parse_meeting",
    "meeting_label",
    "check_in_path",
    "meetings_of",
    "check_in_for",
    "record_check_in",
    "my_check_ins",
    "meeting_states",
]

#: How long after the first answer a member may change it.
EDIT_WINDOW = timedelta(days=7)
MAX_TRIED_CHARS = 500
#: "Now" for check-ins (tests replace it to step through the week).
clock: Callable[[], datetime] = utcnow


@dataclass(frozen=True)
class GroupMeeting:
    """One proposed meeting of one of a teacher's published groups."""

    run_id: int
    group: int
    round_id: int
    round_name: str
    start: datetime
    end: datetime
    #: ``False`` for a meeting the group arranged itself (not one of its proposed meetings).
    proposed: bool = True

    @property
    def start_utc(self) -> datetime:
        return self.start.astimezone(timezone.utc)

    @property
    def iso(self) -> str:
        """The start as My group lists it (``GET /api/v1/me/group`` ``meetings``)."""
        return self.start.isoformat()

    @property
    def label(self) -> str:
        return meeting_label(self.start)

    @property
    def path(self) -> str:
        """The check-in page for this meeting."""
        return check_in_path(self.iso)


@dataclass(frozen=True)
class Answer:
    """A stored check-in with what the teacher may still do with it."""

    row: CheckIn
    meeting: str
    round_name: str
    editable_until: datetime
    editable: bool


@dataclass(frozen=True)
class MyCheckIns:
    """The teacher's answers (newest meeting first) and the past meetings still without one."""

    answers: list[Answer]
    awaiting: list[GroupMeeting]


def meeting_label(start: datetime) -> str:
    """A meeting's start in words, in its own time zone.

    >>> meeting_label(datetime(2026, 9, 24, 16, 0, tzinfo=timezone.utc))
    'Thursday 24 September 2026, 16:00'
    """
    return start.strftime("%A %d %B %Y, %H:%M").replace(" 0", " ")


def check_in_path(meeting: str) -> str:
    """The check-in page's path for a meeting (its ISO start, quoted: ``+`` must not become a space).

    >>> check_in_path("2026-09-24T16:00:00+01:00")
    '/me/check-in?meeting=2026-09-24T16%3A00%3A00%2B01%3A00'
    """
    return "/me/check-in?" + urlencode({"meeting": meeting})


def parse_meeting(value: object) -> datetime | Issue:
    """A meeting's start from its ISO text (with its offset), or the issue naming what is wrong.

    A ``+`` turned into a space by a hand-typed query string is read as ``+``.

    >>> parse_meeting("2026-09-24T16:00:00+01:00").isoformat()
    '2026-09-24T16:00:00+01:00'
    >>> parse_meeting("2026-09-24T16:00:00 01:00").isoformat()
    '2026-09-24T16:00:00+01:00'
    >>> parse_meeting("2026-09-24T16:00").message
    'give the time zone offset, as My group lists the meetings (e.g. 2026-09-24T16:00:00+01:00)'
    """
    example = "e.g. 2026-09-24T16:00:00+01:00"
    if not isinstance(value, str) or not value.strip():
        return Issue(None, "meeting", None, f"give the meeting's start time as My group lists it ({example})")
    text = value.strip()[:64]
    if len(text) > 19 and text[-6] == " ":
        text = text[:-6] + "+" + text[-5:]
    try:
        start = datetime.fromisoformat(text)
    except ValueError:
        return Issue(None, "meeting", value[:40], f"not a date and time; give the start as My group lists it ({example})")
    if start.tzinfo is None:
        return Issue(None, "meeting", value[:40], f"give the time zone offset, as My group lists the meetings ({example})")
    return start


def _teacher_of(identity: Identity) -> str:
    if not identity.is_teacher or not identity.teacher_id:
        raise Problem(403, "Check-ins are for teachers in a published group; coordinators see them on programme health.")
    return identity.teacher_id


def meetings_of(programme_id: int, teacher_id: str) -> list[GroupMeeting]:
    """Every proposed meeting of the teacher's published groups (newest run first, then by date)."""
    s = db.session()
    out: list[GroupMeeting] = []
    for run, index in published_runs_of(programme_id, teacher_id):
        if run.round_id is None:
            continue
        rnd = s.get_one(Round, run.round_id)
        plan = group_meetings.plan(members_of(run, index), rnd, run.published_at)
        out.extend(GroupMeeting(run.id, index + 1, rnd.id, rnd.name, m.start, m.end) for m in plan.meetings)
    return out


def _clean_tried(value: str | None) -> str | Issue | None:
    if value is None:
        return None
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > MAX_TRIED_CHARS:
        return Issue(None, "tried", text[:20] + "...", f"must be at most {MAX_TRIED_CHARS} characters (got {len(text)})")
    hidden = [c for c in hidden_characters(text) if c not in ("U+000A", "U+0009")]
    if hidden:
        return Issue(None, "tried", text[:40], f"must not contain invisible or control characters: {', '.join(hidden)}")
    return text or None


def _self_arranged(programme_id: int, teacher_id: str, start: datetime) -> GroupMeeting | None:
    """A meeting the group arranged itself: the teacher's newest published group whose round's
    dates, from the day the run was published (:func:`.group_meetings.first_day`: the group did
    not exist before), hold ``start`` (its day in its own offset), or ``None``."""
    s = db.session()
    for run, index in published_runs_of(programme_id, teacher_id):
        if run.round_id is None:
            continue
        rnd = s.get_one(Round, run.round_id)
        if group_meetings.first_day(rnd, run.published_at) <= start.date() <= rnd.ends:
            return GroupMeeting(run.id, index + 1, rnd.id, rnd.name, start, start + timedelta(hours=1), proposed=False)
    return None


def _started_meeting(programme_id: int, teacher_id: str, start: datetime, given: str, now: datetime) -> GroupMeeting:
    found = next((m for m in meetings_of(programme_id, teacher_id) if m.start == start), None)
    if found is None:
        found = _self_arranged(programme_id, teacher_id, start)
    if found is None:
        raise Problem(
            422,
            "That is neither a proposed meeting of a group you are in nor a time within the dates of one of your rounds; check in from My group.",
            errors=[Issue(None, "meeting", given[:40], "not a proposed meeting of your published groups, nor within the dates of one of their rounds since the group was published")],
        )
    if now < found.start:
        raise Problem(
            422,
            f"This meeting has not happened yet: it is on {found.label}. Check in after it.",
            errors=[Issue(None, "meeting", given[:40], f"starts {found.label}")],
        )
    return found


def _stored(programme_id: int, teacher_id: str, m: GroupMeeting) -> CheckIn | None:
    return db.session().execute(
        sa.select(CheckIn).where(CheckIn.programme_id == programme_id, CheckIn.teacher_id == teacher_id, CheckIn.run_id == m.run_id, CheckIn.meeting_start == m.start_utc)
    ).scalar_one_or_none()


def check_in_for(identity: Identity, meeting: str, *, now: datetime | None = None) -> tuple[GroupMeeting, Answer | None]:
    """The meeting the check-in page is about, and the teacher's answer so far (``None`` before the first).

    Raises
    ------
    Problem
        403 for anyone but a teacher; 422 for a meeting that is not one of theirs or has not started.
    """
    teacher_id = _teacher_of(identity)
    now = now or clock()
    start = parse_meeting(meeting)
    if isinstance(start, Issue):
        raise Problem(422, f"meeting: {start.message}.", errors=[start])
    found = _started_meeting(identity.programme_id, teacher_id, start, meeting, now)
    row = _stored(identity.programme_id, teacher_id, found)
    if row is None:
        return found, None
    until = row.created_at + EDIT_WINDOW
    return found, Answer(row, found.iso, found.round_name, until, now <= until)


def record_check_in(
    identity: Identity,
    *,
    meeting: str,
    met: str,
    useful: int | None = None,
    tried: str | None = None,
    not_a_good_fit: bool = False,
    now: datetime | None = None,
) -> tuple[Answer, bool]:
    """Record (or, within the week, change) the signed-in teacher's answer about a meeting.

    Returns
    -------
    (Answer, bool)
        The stored answer, and ``True`` when it is the first answer for this meeting.

    Raises
    ------
    Problem
        403 for anyone but a teacher; 422 naming each bad field (an unknown meeting, one
        that has not started yet, ``met`` not yes/no/rescheduled, ``useful`` missing or not
        1-5 when ``met`` is ``yes``, ``tried`` too long or with hidden characters); 409 when
        the first answer was given more than :data:`EDIT_WINDOW` ago.
    """
    teacher_id = _teacher_of(identity)
    now = now or clock()
    issues: list[Issue] = []
    start = parse_meeting(meeting)
    if isinstance(start, Issue):
        issues.append(start)
    if met not in MET_ANSWERS:
        issues.append(Issue(None, "met", str(met)[:20], "must be one of yes, no, rescheduled"))
    if met == "yes" and (useful is None or not 1 <= useful <= 5):
        issues.append(Issue(None, "useful", None if useful is None else str(useful), "say how useful the meeting was, from 1 (not at all) to 5 (very)"))
    cleaned = _clean_tried(tried)
    if isinstance(cleaned, Issue):
        issues.append(cleaned)
    if issues:
        raise Problem(422, "The check-in has problems: " + "; ".join(f"{i.field}: {i.message}" for i in issues) + ".", errors=issues)
    assert isinstance(start, datetime) and not isinstance(cleaned, Issue)
    found = _started_meeting(identity.programme_id, teacher_id, start, meeting, now)
    s = db.session()
    row = _stored(identity.programme_id, teacher_id, found)
    kept_useful = useful if met == "yes" else None
    if row is None:
        new = CheckIn(
            programme_id=identity.programme_id,
            teacher_id=teacher_id,
            run_id=found.run_id,
            round_id=found.round_id,
            group_number=found.group,
            meeting_start=found.start_utc,
            met=met,
            useful=kept_useful,
            tried=cleaned,
            not_a_good_fit=bool(not_a_good_fit),
            created_at=now,
            updated_at=now,
        )
        try:
            with s.begin_nested():  # the same answer sent twice at once (a double tap): the second updates the first
                s.add(new)
            return Answer(new, found.iso, found.round_name, now + EDIT_WINDOW, True), True
        except IntegrityError:
            row = _stored(identity.programme_id, teacher_id, found)
            if row is None:
                raise
    until = row.created_at + EDIT_WINDOW
    if now > until:
        raise Problem(
            409,
            f"You answered about this meeting on {meeting_label(row.created_at)} (UTC); answers can be changed for "
            f"{EDIT_WINDOW.days} days, until {meeting_label(until)} (UTC), so this one is kept as it is.",
        )
    row.met, row.useful, row.tried, row.not_a_good_fit, row.updated_at = met, kept_useful, cleaned, bool(not_a_good_fit), now
    s.flush()
    return Answer(row, found.iso, found.round_name, until, True), False


def my_check_ins(identity: Identity, *, now: datetime | None = None) -> MyCheckIns:
    """The teacher's answers and the past meetings of their groups that still await one."""
    teacher_id = _teacher_of(identity)
    now = now or clock()
    meetings = meetings_of(identity.programme_id, teacher_id)
    listed = {(m.run_id, m.start_utc): m for m in meetings}
    groups = {(run.id, index + 1) for run, index in published_runs_of(identity.programme_id, teacher_id)}
    s = db.session()
    rows = s.execute(
        sa.select(CheckIn, Round.name).outerjoin(Round, Round.id == CheckIn.round_id)
        .where(CheckIn.programme_id == identity.programme_id, CheckIn.teacher_id == teacher_id)
        .order_by(CheckIn.meeting_start.desc(), CheckIn.id.desc())
    ).all()
    answers = []
    for row, round_name in rows:
        shown = listed.get((row.run_id, row.meeting_start))
        until = row.created_at + EDIT_WINDOW
        mine = shown is not None or (row.run_id, row.group_number) in groups  # self-arranged meetings of a group still mine
        answers.append(Answer(row, shown.iso if shown else row.meeting_start.isoformat(), round_name or "", until, now <= until and mine))
    answered = {(a.row.run_id, a.row.meeting_start) for a in answers}
    awaiting = [m for m in meetings if m.start <= now and (m.run_id, m.start_utc) not in answered]
    awaiting.sort(key=lambda m: m.start, reverse=True)
    return MyCheckIns(answers=answers, awaiting=awaiting)


def meeting_states(identity: Identity, run_id: int, round_name: str, starts: Sequence[datetime], *, now: datetime | None = None) -> dict[datetime, Answer | None]:
    """For My group: each meeting of ``starts`` (of run ``run_id``) that has started, with the
    teacher's answer or ``None`` when they have not checked in yet. Meetings still to come are left out."""
    teacher_id = _teacher_of(identity)
    now = now or clock()
    rows = db.session().execute(
        sa.select(CheckIn).where(CheckIn.programme_id == identity.programme_id, CheckIn.teacher_id == teacher_id, CheckIn.run_id == run_id)
    ).scalars()
    by_start = {r.meeting_start: r for r in rows}
    out: dict[datetime, Answer | None] = {}
    for start in starts:
        if start > now:
            continue
        row = by_start.get(start.astimezone(timezone.utc))
        until = row.created_at + EDIT_WINDOW if row is not None else now
        out[start] = Answer(row, start.isoformat(), round_name, until, now <= until) if row is not None else None
    return out
