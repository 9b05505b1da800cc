"""Explain and repair a stored :class:`~.grouping.Grouping` against today's profiles.

:func:`explain_grouping` turns the record (ids and rules) into groups with reasons,
figures and broken rules, exactly as ``form_groups`` described them when it formed the
groups; :func:`repair_grouping` re-optimises it after drop-outs, late joiners and
erasures (see :func:`~.repair.repair`). Members without a profile (erased) are lost:
left out of the explanation and dropped by a repair, never replaced by stand-ins.

Examples
--------
>>> from matcher.profiles.teacher import Cohort, TeacherProfile
>>> people = [TeacherProfile(id=f"t-{k}", name=f"T{k}", school_urn=100049 + k, meeting_mode="online") for k in range(5)]
>>> grouping = Grouping(groups=(("t-0", "t-1"), ("t-2", "t-3", "t-4")), size=(2, 3)).erase("t-4", "p-0")
>>> present = Cohort.from_profiles(people[:4])
>>> explain_grouping(present, grouping).figures.teachers, grouping.lost(present)
(4, {1: ('p-0',)})
>>> sorted(len(g) for g in repair_grouping(grouping, present, rounds=1).groups)
[2, 2]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
import numpy as np

from ..affinity.terms import Affinity, AffinityOptions
from ..profiles.teacher import Cohort
from .common_slot import slot_masks
from .penalties import discouraged_rows
from .explain import describe
from .grouping import Grouping
from .grouping_affinity import GroupingAffinity, as_grouping_affinity
from .groups import member_labels
from .problem import GroupingProblem
from .repair import repair
from .results import CohortResult, Group
from .rules import PairRules
from .sparse_affinity import cohort_affinity

__all__ = ["explain_grouping", "repair_grouping"]


def _placed(cohort: Cohort, grouping: Grouping) -> Cohort:
    """The members who have a profile, in cohort order (the order ``form_groups`` uses)."""
    erased = set(grouping.erased)
    members = {t for t in grouping.teacher_ids if t not in erased}
    return cohort.subset([t for t in cohort.ids if t in members])


def _explained(
    cohort: Cohort, grouping: Grouping, affinity: Affinity | GroupingAffinity | None = None
) -> tuple[CohortResult, Cohort, Affinity | GroupingAffinity]:
    sub = _placed(cohort, grouping)
    if affinity is None:
        options = AffinityOptions(
            allow_same_school=grouping.allow_same_school,
            avoid_previous=grouping.avoid_previous,
            keep_apart=tuple(p for p in grouping.keep_apart if p[0] in sub.index and p[1] in sub.index),
        )
        affinity = cohort_affinity(sub, grouping.weights, options, seed=grouping.seed)
    m = len(grouping.groups)
    lo, hi = grouping.size
    w, rules = as_grouping_affinity(affinity, sub).problem_weights(grouping.coverage)
    together = [k for k in (tuple(t for t in s if t in sub.index) for s in grouping.keep_together) if len(k) >= 2]
    problem = GroupingProblem(
        w, np.full(m, lo, dtype=np.int64), np.full(m, hi, dtype=np.int64), **rules,
        keep_together=tuple(tuple(int(r) for r in sub.rows(s)) for s in together), labels=member_labels(sub), noun="teachers",
        rules=PairRules(sub, grouping.keep_apart, avoid_previous=grouping.avoid_previous, allow_same_school=grouping.allow_same_school),
        slots=slot_masks(p.availability for p in sub.profiles) if grouping.common_slot else None,
        discouraged=discouraged_rows(sub, grouping.discourage),
    )
    assignment = np.array([grouping.group_of(t) for t in sub.ids], dtype=np.int64)
    result = describe(sub, affinity, problem, assignment, locked=grouping.approved, seed=grouping.seed,
                      seconds=grouping.seconds, upper_bound=grouping.upper_bound, moved=grouping.moved)
    result = replace(result, figures=replace(result.figures, size_balance=grouping.size_balance))
    return replace(result, unplaced=grouping.unplaced), sub, affinity


def explain_grouping(
    cohort: Cohort, grouping: Grouping, *, affinity: Affinity | GroupingAffinity | None = None
) -> CohortResult:
    """Groups with reasons and figures for ``grouping``, from the profiles in ``cohort``.

    Members without a profile in ``cohort`` (erased) are left out of the explanation: their
    groups are explained for the members left, and :meth:`Grouping.lost` lists them.
    ``violations()`` of the result names every rule the groups break (after a manual move,
    say) and why; approved groups come back ``locked``.

    Parameters
    ----------
    cohort : Cohort
        Profiles of (at least) the members; others are ignored.
    grouping : Grouping
        The groups and the rules they were formed under.
    affinity : Affinity or SparseAffinity, optional
        A precomputed affinity of exactly the members with a profile, in cohort order.

    Returns
    -------
    CohortResult
        Equal, for the groups ``form_groups`` returned, to what it returned.

    Examples
    --------
    >>> from matcher.profiles.teacher import Cohort, TeacherProfile
    >>> people = [TeacherProfile(id=f"t-{k}", name=f"T{k}", school_urn=100049 + k, meeting_mode="online") for k in range(3)]
    >>> explain_grouping(Cohort.from_profiles(people), Grouping(groups=(("t-0", "t-1", "t-2"),), size=(2, 3))).figures.teachers
    3
    """
    return _explained(cohort, grouping, affinity)[0]


def repair_grouping(
    grouping: Grouping,
    cohort: Cohort,
    *,
    dropped: Sequence[str] = (),
    joined: Sequence[str] = (),
    seconds: float | None = 5.0,
    rounds: int | None = None,
    stay: float = 0.25,
) -> Grouping:
    """Re-optimise ``grouping`` after ``dropped`` members left and ``joined`` teachers arrived.

    Erased members (no profile in ``cohort``) always count as dropped, so their groups are
    refilled; approved groups never change (see :func:`~matcher.cohorts.repair.repair`).
    The record's ``common_slot`` rule is kept: groups the repair touches are made to share a
    free slot where possible, and any that cannot are named in ``explain_grouping(...).violations()``.

    Raises
    ------
    UnknownTeacherError
        For a dropped teacher in no group, or a joiner missing from ``cohort``.
    InfeasibleError
        When an approved group lost too many members, or no valid groups exist.
    """
    for t in dropped:
        grouping.group_of(t)
    lost = {t for ts in grouping.lost(cohort).values() for t in ts}
    result, _, _ = _explained(cohort, grouping)
    explained = {g.id - 1: g for g in result.groups}
    groups = []
    for index, members in enumerate(grouping.groups):
        g = explained.get(index)
        if g is None:  # nobody with a profile is left in it
            g = Group(id=index + 1, members=(), names=(), score=0.0, mean_affinity=0.0, worst_off="", worst_off_score=0.0,
                      coverage={}, uncovered=(), reasons=(), locked=index in grouping.approved)
        groups.append(replace(g, members=g.members + tuple(t for t in members if t in lost), names=()))
    out = repair(
        replace(result, groups=tuple(groups)), cohort, dropped=sorted(set(dropped) | lost), joined=list(joined),
        seconds=seconds, rounds=rounds, seed=grouping.seed, stay=stay, weights=grouping.weights,
        keep_apart=[p for p in grouping.keep_apart if p[0] in cohort.index and p[1] in cohort.index],
        avoid_previous=grouping.avoid_previous, allow_same_school=grouping.allow_same_school,
        common_slot=grouping.common_slot, discourage=grouping.discourage,
    )
    gone = set(dropped) | set(joined)
    return replace(
        Grouping.from_result(out, size=grouping.size),
        keep_apart=grouping.keep_apart, keep_together=grouping.keep_together, avoid_previous=grouping.avoid_previous,
        allow_same_school=grouping.allow_same_school, weights=grouping.weights, coverage=grouping.coverage,
        seed=grouping.seed, unplaced=tuple(t for t in grouping.unplaced if t not in gone), erased=(),
        common_slot=grouping.common_slot, discourage=grouping.discourage,
    )
