"""Publishing a round's run: lock it, record who was grouped with whom, tell every member.

Everything happens in the request's one transaction: the run's ``published_at`` (a
compare-and-swap on its version), the groupmate history of the round, and one outbox
message per member (:func:`service.mail.outbox.enqueue`, idempotency key
``publish-{run_id}-{teacher_id}``). If any step fails, none of it is stored and nobody is
told. A round has at most one published run: the round's row is locked (on PostgreSQL)
while the second publish checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app

from .. import db
from ..auth import Identity
from ..mail import outbox
from ..models import CohortRun, Round, Teacher, utcnow
from ..problems import Problem
from . import group_meetings
from .cohort_review import grouping_of
from .cohort_runs import check_version, get_run_for
from .rounds import published_run_of, record_history

__all__ = ["Published", "publish_run", "first_name"]


def first_name(name: str) -> str:
    """The first word of a name, as messages address people.

    >>> first_name("Ada Lovelace"), first_name("")
    ('Ada', '')
    """
    parts = name.split()
    return parts[0] if parts else ""


@dataclass(frozen=True)
class Published:
    """The published run and what publishing it wrote."""

    run: CohortRun
    groups: int
    messages: int
    pairs: int


def publish_run(identity: Identity, run_id: int, *, if_match: str | None, version: int | None) -> Published:
    """Publish a round's finished run (see the module's description).

    Raises
    ------
    Problem
        404/403 as :func:`.cohort_runs.get_run_for`; 409 for a run that is not done, is
        already published, or whose round already has a published run, or a stale
        version; 422 for a run that belongs to no round; 428 without If-Match or version.
    """
    run = get_run_for(identity, run_id)
    grouping = grouping_of(run)  # 409 unless done
    if run.round_id is None:
        raise Problem(422, f"Run {run_id} belongs to no round; create the run with a round_id to publish it.")
    if run.published_at is not None:
        raise Problem(409, f"Run {run_id} is already published.")
    expected = check_version(run, if_match, version)
    s = db.session()
    rnd = s.execute(sa.select(Round).where(Round.id == run.round_id).with_for_update()).scalar_one()
    other = published_run_of(s, rnd.id)
    if other is not None:
        raise Problem(409, f"Round {rnd.name!r} already has a published run ({other.id}); a round is published once.")
    published_at = utcnow()
    stmt = (
        sa.update(CohortRun)
        .where(CohortRun.id == run.id, CohortRun.version == expected, CohortRun.published_at.is_(None))
        .values(published_at=published_at, version=expected + 1)
    )
    if cast("sa.CursorResult[Any]", s.execute(stmt)).rowcount != 1:
        raise Problem(409, "Someone else changed this run at the same time; reload it and try again.")
    gone = set(grouping.erased)  # pseudonyms of members erased since the run: not history, nobody to tell
    groups = [[t for t in g if t not in gone] for g in grouping.groups]
    pairs = record_history(s, rnd, groups)
    messages = _tell_members(s, identity.programme_id, run.id, rnd, groups, published_at)
    from .questionnaire import invite_before  # imports this module (first_name)

    invite_before(s, identity.programme_id, rnd, [t for g in groups for t in g])
    s.expire(run)
    return Published(run=s.get_one(CohortRun, run.id), groups=len(groups), messages=messages, pairs=pairs)


def _tell_members(s: sa.orm.Session, programme_id: int, run_id: int, rnd: Round, groups: list[list[str]], published_at: datetime) -> int:
    """One ``group_published`` message per member still in the programme; returns how many were written."""
    ids = sorted({t for g in groups for t in g})
    teachers = {t.id: t for t in s.execute(sa.select(Teacher).where(Teacher.programme_id == programme_id, Teacher.id.in_(ids))).scalars()}
    link = f"{current_app.config['PEERMATCH_PUBLIC_URL'].rstrip('/')}/me/group"
    written = 0
    for group in groups:
        members = [teachers[t] for t in group if t in teachers]  # erased members are pseudonyms: nobody to tell
        plan = group_meetings.plan(members, rnd, published_at)
        for t in members:
            context = {
                "name": first_name(t.name),
                "round": rnd.name,
                "members": [{"first_name": first_name(m.name), "school": m.school.name if m.school else ""} for m in members if m.id != t.id],
                "slot": plan.slot_label,
                "first_meeting": plan.first_meeting_label,
                "link": link,
            }
            key = f"publish-{run_id}-{t.id}"
            if outbox.enqueue(s, programme_id=programme_id, to=t.email, template="group_published", context=context, idempotency_key=key, teacher_id=t.id) is not None:
                written += 1
    return written
