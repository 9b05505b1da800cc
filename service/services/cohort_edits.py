"""Edits of a finished run: approve a group, move a member, repair after drop-outs.

Each edit loads the run's :class:`matcher.cohorts.Grouping`, asks the library for the new
record (:meth:`~matcher.cohorts.Grouping.approve`, :meth:`~matcher.cohorts.Grouping.move`,
:func:`~matcher.cohorts.repair_grouping`) and saves it against the version the client
edits from (:func:`.cohort_runs.save_grouping`). Groups are named by the numbers people
see, in arguments and messages alike: group 1 is the first (the library's 0-based index
is ``number - 1``, and is converted here only).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import current_app

from matcher.cohorts import Grouping, repair_grouping
from matcher.errors import MatcherError

from .. import db
from ..auth import Identity
from ..models import CohortRun
from ..problems import Problem, _from_matcher
from .cohort_review import Review, current_cohort, grouping_of, review_grouping
from .cohort_runs import check_ids, check_version, cohort_time_limit, get_run_for, save_grouping

__all__ = ["set_approval", "move", "repair", "group_numbers"]


def group_numbers(groups: Sequence[int | dict[str, Any]]) -> str:
    """The numbers of some groups as coordinators see them (``index`` + 1), e.g. "1 to 4".

    ``groups`` holds 0-based indices (or mappings with an ``index``).

    >>> group_numbers([0, 1, 2]), group_numbers([{"index": 0}, {"index": 2}])
    ('1 to 3', '1 and 3')
    """
    numbers = sorted(int(g["index"] if isinstance(g, dict) else g) + 1 for g in groups)
    if not numbers:
        return "none"
    if len(numbers) > 2 and numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"{numbers[0]} to {numbers[-1]}"
    if len(numbers) == 1:
        return str(numbers[0])
    return ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"


def _index_of(run_id: int, number: int, grouping: Grouping) -> int:
    """The 0-based index of group ``number``; 404 naming the groups there are when it does not exist."""
    if not 1 <= number <= len(grouping.groups):
        numbers = group_numbers(range(len(grouping.groups)))
        raise Problem(404, f"Run {run_id} has no group {number}; its groups are {numbers}.")
    return number - 1


def _editable(identity: Identity, run_id: int, if_match: str | None, version: int | None) -> tuple[CohortRun, Grouping, int]:
    run = get_run_for(identity, run_id)
    if run.published_at is not None:
        raise Problem(409, f"Run {run_id} is published and locked; its groups can no longer be changed.")
    grouping = grouping_of(run)
    return run, grouping, check_version(run, if_match, version)


def set_approval(identity: Identity, run_id: int, group: int, approved: bool, *, if_match: str | None, version: int | None) -> CohortRun:
    """Approve (lock) or release the group numbered ``group`` (1 is the first)."""
    run, grouping, expected = _editable(identity, run_id, if_match, version)
    index = _index_of(run_id, group, grouping)
    return save_grouping(run, expected, grouping.approve(index, approved))


def move(identity: Identity, run_id: int, teacher_id: str, to_group: int, *, dry_run: bool, if_match: str | None, version: int | None) -> tuple[CohortRun, Review]:
    """Move one member to another group; returns the run (saved unless ``dry_run``) and the
    review of the new grouping (with the rules the move breaks, if any).

    ``to_group`` is the target group's number as people see it (1 is the first), as in
    messages, pages and the CSV export.
    """
    run, grouping, expected = _editable(identity, run_id, if_match, version)
    number = to_group
    to_group = _index_of(run_id, number, grouping)
    if teacher_id not in grouping.assignment:
        raise Problem(404, f"{teacher_id!r} is not in any group of run {run_id}.")
    source = grouping.group_of(teacher_id)
    cohort, _ = current_cohort(run.programme_id)
    if teacher_id in grouping.erased or teacher_id not in cohort.index:
        raise Problem(422, f"{teacher_id!r} was erased since this run and cannot be moved; repair the groups to refill group {source + 1}.")
    if source == to_group:
        raise Problem(
            422,
            f"{teacher_id!r} is already in group {to_group + 1}.",
            errors=[{"field": "to_group", "value": str(number), "message": f"is the member's group already (group {number})"}],
        )
    locked = [g for g in (source, to_group) if grouping.is_approved(g)]
    if locked:
        raise Problem(409, f"Group {locked[0] + 1} is approved and locked; release it before moving members.")
    try:
        new = grouping.move(teacher_id, to_group)
    except MatcherError as exc:
        raise _from_matcher(exc) from None
    review = review_grouping(run.programme_id, new)
    if dry_run:
        return run, review
    return save_grouping(run, expected, new), review


def repair(
    identity: Identity, run_id: int, dropped: Sequence[str], joined: Sequence[str], seconds: float | None, *, if_match: str | None, version: int | None
) -> CohortRun:
    """Re-optimise after drop-outs (and late joiners), keeping approved groups.

    ``seconds`` is checked by :func:`.cohort_runs.cohort_time_limit` (``None``: the
    default). Members erased since the run always count as dropped, so a repair with
    nobody named refills the groups they left short.
    """
    limit = cohort_time_limit(current_app, seconds)
    run, grouping, expected = _editable(identity, run_id, if_match, version)
    missing = [t for t in dropped if t not in grouping.assignment]
    if missing:
        raise Problem(422, "Some dropped teachers are not in this run.", errors=[{"field": "dropped", "value": t, "message": "not a member of this run"} for t in missing])
    check_ids(db.session(), run.programme_id, list(joined), "joined")
    cohort, _ = current_cohort(run.programme_id)
    if not dropped and not joined and not grouping.lost(cohort):
        raise Problem(422, "Name the teachers who dropped out or joined late; nobody in this run was erased since.")
    try:
        new = repair_grouping(grouping, cohort, dropped=[t for t in dropped if t in cohort.index], joined=list(joined), seconds=limit)
    except MatcherError as exc:
        raise _from_matcher(exc) from None
    return save_grouping(run, expected, new)
