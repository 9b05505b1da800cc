"""A teacher's published group: who, why, when they can meet, how to reach each other.

The group comes from the newest published run that has the teacher in it. Contact follows
the consent rule of the peer pages: a member's e-mail is shown only when that member ticked
``consent_share_contact`` and so did the teacher looking (mutual consent); the others are reached through :func:`relay_message`,
which sends through the outbox without showing either address (at most
``PEERMATCH_RELAY_PER_DAY`` messages a day per sender).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from matcher.profiles.phrases import theme_phrase

from .. import db
from ..auth import Identity
from ..mail import outbox
from ..models import CohortRun, OutboxMessage, Round, Teacher, utcnow
from ..problems import Problem
from . import group_meetings
from .cohort_review import grouping_of, review_of
from .publish import first_name

__all__ = ["MyGroup", "my_group", "published_runs_of", "members_of", "group_ics", "teacher_ics", "relay_message", "RELAY_TEMPLATE", "MAX_MESSAGE_CHARS"]

RELAY_TEMPLATE = "group_message"
MAX_MESSAGE_CHARS = 2000


@dataclass(frozen=True)
class MyGroup:
    """What the My group page and API show."""

    run_id: int
    group: int
    round: Round
    members: list[dict[str, Any]]
    reasons: list[str]
    plan: group_meetings.Plan
    teacher_id: str
    published_at: datetime

    @property
    def group_key(self) -> str:
        """Names this group for good (the calendar's UIDs): run and group number."""
        return f"run-{self.run_id}-group-{self.group}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "group": self.group,
            "round": {"id": self.round.id, "name": self.round.name, "starts": self.round.starts.isoformat(), "ends": self.round.ends.isoformat(), "cadence_weeks": self.round.cadence_weeks},
            "members": self.members,
            "reasons": self.reasons,
            "shared_slots": list(self.plan.slots),
            "meetings": [start.isoformat() for start in self.plan.starts],
            "meetings_note": self.plan.note,
        }


def _teacher_only(identity: Identity) -> str:
    if not identity.is_teacher or identity.teacher_id is None:
        raise Problem(403, "My group is for teachers; coordinators see every group on the run's page.")
    return identity.teacher_id


def published_runs_of(programme_id: int, teacher_id: str) -> list[tuple[CohortRun, int]]:
    """The published runs (newest first, at most 20) that have the teacher, and their group index."""
    runs = db.session().execute(
        sa.select(CohortRun).where(CohortRun.programme_id == programme_id, CohortRun.published_at.is_not(None)).order_by(CohortRun.published_at.desc(), CohortRun.id.desc()).limit(20)
    )
    out: list[tuple[CohortRun, int]] = []
    for run in runs.scalars():
        grouping = grouping_of(run)
        if teacher_id in grouping.assignment:
            out.append((run, grouping.group_of(teacher_id)))
    return out


def _published_run_of(programme_id: int, teacher_id: str) -> tuple[CohortRun, int] | None:
    runs = published_runs_of(programme_id, teacher_id)
    return runs[0] if runs else None


def members_of(run: CohortRun, index: int) -> list[Teacher]:
    """The members of group ``index`` of ``run`` still in the programme (erased ones are gone for good)."""
    ids = list(grouping_of(run).groups[index])
    rows = {t.id: t for t in db.session().execute(sa.select(Teacher).where(Teacher.programme_id == run.programme_id, Teacher.id.in_(ids))).scalars()}
    return [rows[t] for t in ids if t in rows]


def my_group(identity: Identity) -> MyGroup:
    """The teacher's published group (404 when they are in none yet)."""
    teacher_id = _teacher_only(identity)
    found = _published_run_of(identity.programme_id, teacher_id)
    if found is None:
        raise Problem(404, "You are not in a published group yet; your coordinator will tell you when groups are published.")
    run, index = found
    s = db.session()
    rnd = s.get_one(Round, run.round_id)
    teachers = members_of(run, index)
    explained = review_of(run).explained(index)
    viewer_consents = any(t.id == teacher_id and t.consent_share_contact for t in teachers)
    members = [_member(t, teachers, you=t.id == teacher_id, mutual=viewer_consents) for t in teachers]
    reasons = list(explained.reasons) if explained is not None else []
    return MyGroup(
        run_id=run.id,
        group=index + 1,
        round=rnd,
        members=members,
        reasons=reasons,
        plan=group_meetings.plan(teachers, rnd, run.published_at),
        teacher_id=teacher_id,
        published_at=run.published_at or run.created_at,
    )


def _member(t: Teacher, group: list[Teacher], *, you: bool, mutual: bool) -> dict[str, Any]:
    # An address is shown only when its owner ticked consent_share_contact AND the viewer did too
    # (mutual consent, as for peers); otherwise members reach each other through a relayed message.
    shown = bool(t.email) and t.consent_share_contact and (you or mutual)
    covered_by = {c: [first_name(m.name) for m in group if m.id != t.id and c in m.strengths] for c in t.challenges}
    return {
        "id": t.id,
        "name": t.name,
        "you": you,
        "school": t.school.name if t.school else "",
        "local_authority": t.school.local_authority if t.school else "",
        "challenges": list(t.challenges),
        "strengths": list(t.strengths),
        "covered_by": covered_by,
        "covers": theme_phrase([c for c in _others_challenges(t, group) if c in t.strengths], limit=5),
        "availability": list(t.availability),
        "email": t.email if shown else None,
        "contact": "email" if shown else "message",
    }


def _others_challenges(t: Teacher, group: list[Teacher]) -> list[str]:
    seen: list[str] = []
    for m in group:
        if m.id != t.id:
            seen.extend(c for c in m.challenges if c not in seen)
    return seen


def group_ics(identity: Identity) -> bytes:
    """The teacher's group's proposed meetings as an iCalendar file (event UIDs stable per
    run and group, so downloading it again updates the same events)."""
    g = my_group(identity)
    s = db.session()
    rows = {t.id: t for t in s.execute(sa.select(Teacher).where(Teacher.programme_id == identity.programme_id, Teacher.id.in_([m["id"] for m in g.members]))).scalars()}
    teachers = [rows[m["id"]] for m in g.members if m["id"] in rows]
    return group_meetings.calendar(f"Peer group {g.group}, {g.round.name}", f"peermatch-{g.group_key}", teachers, g.plan, g.published_at)


def teacher_ics(identity: Identity) -> bytes:
    """Every published group of the teacher (one per round) in one calendar; each group's
    events have the UIDs of its group calendar (:func:`group_ics`), so importing both gives
    each meeting once."""
    from matcher.programme import GroupMeetings, teacher_calendar

    teacher_id = _teacher_only(identity)
    s = db.session()
    me = s.execute(sa.select(Teacher).where(Teacher.programme_id == identity.programme_id, Teacher.id == teacher_id)).scalar_one()
    items = []
    for run, index in published_runs_of(identity.programme_id, teacher_id):
        if run.round_id is None:
            continue
        rnd = s.get_one(Round, run.round_id)
        teachers = members_of(run, index)
        plan = group_meetings.plan(teachers, rnd, run.published_at)
        key = f"run-{run.id}-group-{index + 1}"
        updated = run.published_at or run.created_at
        items.append(GroupMeetings(f"Peer group {index + 1}, {rnd.name}", plan.meetings, f"peermatch-{key}", updated, tuple(t.name for t in teachers), plan.note))
    return teacher_calendar(me.name, items)


def relay_message(identity: Identity, to: str, text: str) -> int | None:
    """Send ``text`` to groupmate ``to`` through the outbox, without showing either address.

    Raises
    ------
    Problem
        403 for non-teachers, 404 without a published group, 422 for someone who is not a
        groupmate (or oneself) or an empty or too long text, 429 past the daily limit.
    """
    g = my_group(identity)
    text = text.strip()
    if not text or len(text) > MAX_MESSAGE_CHARS:
        raise Problem(422, f"Write a message of 1 to {MAX_MESSAGE_CHARS} characters.", errors=[{"row": None, "field": "text", "value": None, "message": "empty or too long"}])
    mates = {m["id"]: m for m in g.members if not m["you"]}
    if to not in mates:
        raise Problem(422, "You can send messages to the members of your group only.", errors=[{"row": None, "field": "to", "value": to, "message": "not in your group"}])
    s = db.session()
    prefix = f"relay:{identity.programme_id}:{g.teacher_id}:"
    since = utcnow() - timedelta(days=1)
    keys = s.execute(
        sa.select(OutboxMessage.idempotency_key).where(
            OutboxMessage.programme_id == identity.programme_id, OutboxMessage.template == RELAY_TEMPLATE, OutboxMessage.created_at >= since
        )
    ).scalars()
    limit = int(current_app.config["PEERMATCH_RELAY_PER_DAY"])
    if sum(1 for k in keys if k.startswith(prefix)) >= limit:
        raise Problem(429, f"You can send {limit} messages a day to your group; try again tomorrow.", headers={"Retry-After": "86400"})
    me = next(m for m in g.members if m["you"])
    recipient = s.execute(sa.select(Teacher).where(Teacher.programme_id == identity.programme_id, Teacher.id == to)).scalar_one()
    context = {"name": first_name(recipient.name), "sender": first_name(me["name"]), "sender_school": me["school"], "text": text, "link": f"{current_app.config['PEERMATCH_PUBLIC_URL'].rstrip('/')}/me/group"}
    return outbox.enqueue(
        s, programme_id=identity.programme_id, to=recipient.email, template=RELAY_TEMPLATE, context=context, idempotency_key=f"{prefix}{uuid.uuid4().hex}", teacher_id=recipient.id
    )
