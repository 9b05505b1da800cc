"""The CSV export of a finished run: one row per member, pseudonymised for analysts.

Rows are built from the run's :class:`matcher.cohorts.Grouping` (ids) and today's profiles,
in the library's one group CSV format (:mod:`matcher.cohorts.group_csv`), which
``peermatch practice --group`` reads back.
"""

from __future__ import annotations

import sqlalchemy as sa

from matcher.cohorts.group_csv import GroupMember, shared_slots, write_group_csv

from .. import db
from ..auth import Identity
from ..models import School, Teacher
from ..problems import Problem
from .cohort_review import review_of
from .cohort_runs import get_run_for
from .common import pseudonym

__all__ = ["export_csv"]


def export_csv(identity: Identity, run_id: int) -> str:
    """One row per member: complete for coordinators, pseudonymised for analysts.

    ``group`` is the group's number as the pages show it (``index`` + 1); ``group_affinity``
    is the group's score as the pages show it (mean pair affinity, 0 to 1; see
    :data:`matcher.cohorts.results.SCALE`). Emails appear only for teachers who consented to
    share their contact, and never for analysts, who get no school either (with the group,
    it would identify a department of one); a member erased since the run keeps its row
    under its pseudonym, with no name or school.
    """
    run = get_run_for(identity, run_id, export=True)
    if run.status != "done" or not run.result:
        raise Problem(409, f"The run is {run.status}; there is nothing to export yet.")
    review = review_of(run)
    grouping = review.grouping
    s = db.session()
    members = list(grouping.teacher_ids)
    people = {
        t.id: (t, school)
        for t, school in s.execute(
            sa.select(Teacher, School).join(School, School.urn == Teacher.school_urn).where(Teacher.programme_id == run.programme_id, Teacher.id.in_(members))
        ).all()
    }
    analyst = identity.is_analyst
    rows: list[GroupMember] = []
    for index, group in enumerate(grouping.groups):
        explained = review.explained(index)
        score = round(explained.mean_affinity, 4) if explained is not None else None
        reasons = tuple(explained.reasons) if explained is not None and not analyst else ()  # reasons name members
        slots = shared_slots(people[m][0].availability or () for m in group if m in people)
        approved = grouping.is_approved(index)
        for member in group:
            t, school = people.get(member, (None, None))
            if t is None or school is None:  # erased since the run: its pseudonym only
                rows.append(GroupMember(group=index + 1, teacher_id=member, approved=approved, group_affinity=score))
                continue
            rows.append(
                GroupMember(
                    group=index + 1,
                    teacher_id=pseudonym(member) if analyst else member,
                    name="" if analyst else t.name,
                    school_urn=None if analyst else school.urn,  # a school names a department of one
                    school="" if analyst else school.name,
                    email=t.email if t.consent_share_contact and not analyst and t.email else "",
                    meeting_slots=slots,
                    approved=approved,
                    group_affinity=score,
                    reasons=reasons,
                )
            )
    return write_group_csv(rows)
