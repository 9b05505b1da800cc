"""The suggested repair for a "not a good fit" flag, and applying it when the coordinator says so.

A flag is a member's check-in in a published run saying the group is not a good fit
(:func:`.health.programme_health` lists them). The repair moves that member only
(:func:`matcher.cohorts.suggest_move`: the group they score best with, under the run's own
rules), so everyone else keeps their group. Nothing is changed until the coordinator applies
it, naming the run's version (``If-Match`` with the run's ETag, or ``version``) like every
other edit of a run. Publishing locks a run against the ordinary edits; this one move is the
exception, made for a published round on purpose, and in one transaction it also records the
new groupmate pairs of the round and tells the moved member (outbox, template ``notice``).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from matcher.cohorts import Grouping, MoveSuggestion, suggest_move
from matcher.cohorts.group_csv import shared_slots
from matcher.profiles import Cohort
from matcher.errors import MatcherError

from .. import db
from ..auth import Identity
from ..mail import outbox
from ..models import CheckIn, CohortRun, Round, Teacher
from ..problems import Problem, _from_matcher
from .cohort_review import current_cohort, grouping_of
from .cohort_runs import check_version, etag, save_grouping
from .publish import first_name
from .rounds import record_history

__all__ = ["Proposal", "suggest_repair", "apply_repair", "teacher_label"]


@dataclass(frozen=True)
class Proposal:
    """A suggested move for a flagged member, against the run version it was computed from."""

    run: CohortRun
    suggestion: MoveSuggestion
    # free slots the member's group shares now, and the target group would share with them:
    # without one, no meeting dates are proposed (My group asks them to agree a time)
    slots_now: tuple[str, ...] = ()
    slots_after: tuple[str, ...] = ()

    @property
    def etag(self) -> str:
        return etag(self.run)


def teacher_label(identity: Identity, teacher_id: str) -> str:
    """"Name (id)" of a teacher of the coordinator's programme, as the health page names them;
    the id alone for anyone else (the page then says there is no flag)."""
    name = db.session().execute(
        sa.select(Teacher.name).where(Teacher.programme_id == identity.programme_id, Teacher.id == teacher_id)
    ).scalar_one_or_none()
    return f"{name} ({teacher_id})" if name else teacher_id


def _flagged_run(identity: Identity, teacher_id: str) -> tuple[CohortRun, Grouping]:
    """The newest published run in which ``teacher_id`` flagged their (current) group."""
    if not identity.is_coordinator:
        raise Problem(403, "Only coordinators see and repair not-a-good-fit flags.")
    s = db.session()
    rows = s.execute(
        sa.select(CohortRun, CheckIn.group_number)
        .join(CheckIn, CheckIn.run_id == CohortRun.id)
        .where(
            CohortRun.programme_id == identity.programme_id, CohortRun.published_at.is_not(None),
            CheckIn.programme_id == identity.programme_id, CheckIn.teacher_id == teacher_id, CheckIn.not_a_good_fit.is_(True),
        )
        .order_by(CohortRun.published_at.desc(), CohortRun.id.desc())
    ).all()
    for run, number in rows:
        grouping = grouping_of(run)
        if grouping.assignment.get(teacher_id) == int(number) - 1:
            return run, grouping
    raise Problem(404, f"{teacher_id!r} has no open not-a-good-fit flag: nobody said so, or they were moved since.")


def suggest_repair(identity: Identity, teacher_id: str) -> Proposal:
    """The move suggested for ``teacher_id``'s flag (nothing is saved).

    Raises
    ------
    Problem
        403 for non-coordinators, 404 without an open flag, 409 when no group can take them
        (the message says why: full, approved, or a rule such as travel or previous groupmates).
    """
    run, grouping = _flagged_run(identity, teacher_id)
    cohort, _ = current_cohort(identity.programme_id)
    try:
        move = suggest_move(grouping, cohort, teacher_id)
    except MatcherError as exc:
        problem = _from_matcher(exc)
        raise Problem(409, f"No repair to suggest: {problem.detail}") from None
    return Proposal(
        run=run, suggestion=move, slots_now=_slots(cohort, grouping.groups[move.from_group - 1]), slots_after=_slots(cohort, move.grouping.groups[move.to_group - 1])
    )


def _slots(cohort: Cohort, members: tuple[str, ...]) -> tuple[str, ...]:
    return shared_slots([cohort.get(t).availability for t in members if t in cohort.index])


def apply_repair(identity: Identity, teacher_id: str, to_group: int, *, if_match: str | None, version: int | None) -> CohortRun:
    """Move ``teacher_id`` to group ``to_group`` (1 is the first) of the flagged run.

    Raises
    ------
    Problem
        As :func:`suggest_repair`; 428 without If-Match or version, 409 for a stale version;
        422 for a group that is not a possible target (their own, full, or unknown, or, when
        the run has the common-slot rule, one whose members share no free slot with them).
    """
    run, grouping = _flagged_run(identity, teacher_id)
    expected = check_version(run, if_match, version)
    lo, hi = grouping.size
    source = grouping.group_of(teacher_id)
    problem = None
    if not 1 <= to_group <= len(grouping.groups):
        problem = f"run {run.id} has groups 1 to {len(grouping.groups)}"
    elif to_group - 1 == source:
        problem = f"it is {teacher_id}'s group already"
    elif len(grouping.groups[to_group - 1]) >= hi:
        problem = f"group {to_group} is full ({hi} members)"
    elif len(grouping.groups[source]) - 1 < lo:
        problem = f"group {source + 1} would fall below {lo} members"
    elif grouping.common_slot:
        cohort, _ = current_cohort(identity.programme_id)
        together = (*grouping.groups[to_group - 1], teacher_id)
        if any(cohort.get(t).availability for t in together if t in cohort.index) and not _slots(cohort, together):
            problem = f"its members share no free slot with {teacher_id} (the run has the common-slot rule)"
    if problem:
        raise Problem(422, f"{teacher_id} cannot move to group {to_group}: {problem}.", errors=[{"field": "to_group", "value": str(to_group), "message": problem}])
    try:
        moved = grouping.move(teacher_id, to_group - 1)
    except MatcherError as exc:
        raise _from_matcher(exc) from None
    saved = save_grouping(run, expected, moved)
    s = db.session()
    if run.round_id is not None:
        record_history(s, s.get_one(Round, run.round_id), [moved.groups[to_group - 1]])
    _tell(identity.programme_id, saved, teacher_id, to_group)
    return saved


def _tell(programme_id: int, run: CohortRun, teacher_id: str, to_group: int) -> None:
    s = db.session()
    t = s.execute(sa.select(Teacher).where(Teacher.programme_id == programme_id, Teacher.id == teacher_id)).scalar_one()
    context = {
        "title": "You have a new peer group",
        "name": first_name(t.name),
        "paragraphs": [f"Thank you for telling us your group was not a good fit. Your coordinator has moved you to group {to_group}: see your new groupmates and meeting dates on My group."],
        "link": f"{current_app.config['PEERMATCH_PUBLIC_URL'].rstrip('/')}/me/group",
        "link_text": "Open My group",
    }
    key = f"health-move-{run.id}-v{run.version}-{teacher_id}"
    outbox.enqueue(s, programme_id=programme_id, to=t.email, template="notice", context=context, idempotency_key=key, teacher_id=t.id)
