"""Repair groups after drop-outs and late joiners, touching as few groups as possible.

:func:`repair` re-optimises only the groups that lost members, the best groups for each
joiner and, if the sizes cannot work out there, their nearest neighbouring groups, ring by
ring; everyone else stays put, locked groups never change, and members who could stay
are rewarded for staying. :func:`move_member` is the coordinator's manual adjustment:
move one teacher and see the new figures (and any constraint it breaks).

Examples
--------
>>> from matcher.profiles.teacher import Cohort, TeacherProfile
>>> people = [TeacherProfile(id=f"t-{k}", name=f"T{k}", school_urn=100049 + k, meeting_mode="online",
...                          challenges=("singing",) if k % 2 else ("composition",),
...                          strengths=("composition",) if k % 2 else ("singing",)) for k in range(8)]
>>> from matcher.cohorts.groups import form_groups
>>> first = form_groups(Cohort.from_profiles(people[:6]), size=(2, 3), rounds=3)
>>> later = repair(first, Cohort.from_profiles(people), joined=["t-6", "t-7"], rounds=3)
>>> later.figures.teachers, later.figures.moved <= 2, later.violations()
(8, True, [])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ..affinity.terms import Affinity, AffinityOptions, AffinityWeights
from ..errors import InfeasibleError, UnknownTeacherError
from ..profiles.teacher import Cohort
from .budget import Budget
from .common_slot import Masks, slot_masks
from .explain import describe
from .slot_pass import enforce_common_slot
from .groups import member_labels
from .grouping_affinity import GroupingAffinity, as_grouping_affinity
from .penalties import discouraged_rows, kept_apart_once_apart, with_penalties
from .problem import GroupingProblem
from .results import CohortResult
from .search import solve
from .sparse_affinity import cohort_affinity

__all__ = ["repair", "move_member"]


def _old_groups(result: CohortResult) -> dict[int, list[str]]:
    return {g.id - 1: list(g.members) for g in result.groups}


def repair(
    result: CohortResult,
    cohort: Cohort,
    *,
    dropped: Sequence[str] = (),
    joined: Sequence[str] = (),
    locked: Sequence[int] = (),
    seconds: float | None = 5.0,
    seed: int = 0,
    stay: float = 0.25,
    rounds: int | None = None,
    weights: AffinityWeights | None = None,
    keep_apart: Sequence[tuple[str, str]] = (),
    avoid_previous: bool = True,
    allow_same_school: bool = False,
    affinity: Affinity | GroupingAffinity | None = None,
    common_slot: bool = False,
    discourage: Sequence[tuple[str, str]] = (),
) -> CohortResult:
    """Re-optimise ``result`` after ``dropped`` teachers left and ``joined`` ones arrived.

    Parameters
    ----------
    result : CohortResult
        The current groups (their size bounds are kept).
    cohort : Cohort
        Profiles of everyone still in a group plus the joiners (others are ignored).
    dropped, joined : teacher ids
        Who left, who is new.
    locked : group ids
        Groups (1-based ids of ``result``) to lock now, besides those already locked.
    seconds, rounds, seed : as in :func:`~matcher.cohorts.groups.form_groups`
    stay : float
        Reward for staying in one's group, in units of the largest pair affinity: higher
        moves fewer people, lower allows more improvement.
    weights, keep_apart, avoid_previous, allow_same_school, affinity
        The affinity model for the new cohort, as in ``form_groups``.
    common_slot : bool
        The groups the repair touches share a free slot where possible (as in
        ``form_groups``); a group that cannot is reported by ``violations()``, not raised.
    discourage : pairs of teacher ids
        Pairs the groups the repair touches avoid where the rules allow, as in ``form_groups``
        (earlier groupmates); a group holding one says so in its reasons.

    Returns
    -------
    CohortResult
        With ``figures.moved`` = members of the old groups whose group changed.

    Raises
    ------
    UnknownTeacherError
        For a dropped teacher who was in no group, or a member missing from ``cohort``.
    InfeasibleError
        When a locked group loses too many members, or no valid groups exist.
    """
    # neither a time limit nor rounds: 10 seconds, as a search without limits gets
    budget = Budget.of(10.0 if seconds is None and rounds is None else seconds)
    search_budget = budget.less(0.1 * budget.seconds) if common_slot and budget.seconds else budget
    old = _old_groups(result)
    member_of = {t: g for g, ms in old.items() for t in ms}
    for t in dropped:
        if t not in member_of:
            raise UnknownTeacherError(t)
    for t in joined:
        if t in member_of and t not in dropped:
            raise InfeasibleError(f"{t} is already in group {member_of[t] + 1}")
        cohort.row(t)
    gone = set(dropped)
    keep_ids = [t for t in cohort.ids if (t in member_of and t not in gone) or t in set(joined)]
    missing = [t for t in member_of if t not in gone and t not in cohort.index]
    if missing:
        raise UnknownTeacherError(missing[0])
    sub = cohort.subset(keep_ids)
    if affinity is None:
        # a keep-apart pair with someone who dropped out no longer constrains anyone
        pairs = tuple((str(a), str(b)) for a, b in keep_apart if str(a) in sub.index and str(b) in sub.index)
        options = AffinityOptions(allow_same_school=allow_same_school, avoid_previous=avoid_previous, keep_apart=pairs)
        affinity = cohort_affinity(sub, weights, options, seed=seed)
    grouping_affinity = as_grouping_affinity(affinity, sub)
    masks = slot_masks(p.availability for p in sub.profiles) if common_slot else None
    soft = discouraged_rows(sub, discourage)
    lower, upper = result.problem.lower, result.problem.upper
    locked_now = {g.id - 1 for g in result.groups if g.locked} | {int(g) - 1 for g in locked}
    rows = {t: r for r, t in enumerate(keep_ids)}
    groups = {g: [rows[t] for t in ms if t not in gone] for g, ms in old.items()}
    for g in locked_now:
        if g not in old:
            raise InfeasibleError(f"there is no group {g + 1} to lock")
        if len(groups[g]) < lower[g]:
            raise InfeasibleError(
                f"locked group {g + 1} is down to {len(groups[g])} members, below its minimum {lower[g]}: unlock it to repair"
            )
    joiners = [rows[t] for t in joined]
    affected = {g for g, ms in old.items() if len(groups[g]) < len(ms) and g not in locked_now}
    unlocked = [g for g in sorted(old) if g not in locked_now]

    def link(rows_a: list[int], g: int) -> float:
        ms = groups[g]
        if not ms or not rows_a:
            return 0.0
        block, allowed = grouping_affinity.pair_block(rows_a, ms)
        return float(np.where(allowed, block, -1.0).mean())

    ring = set(affected)
    for j in joiners:
        ring |= set(sorted(unlocked, key=lambda g: -link([j], g))[:2])
    if not ring and unlocked:
        ring = {unlocked[0]}
    extra_groups: list[tuple[int, int]] = []
    last_error: InfeasibleError | None = None
    while True:
        members = sorted({r for g in ring for r in groups[g]} | set(joiners))
        ring_list = sorted(ring)
        bounds = [(int(lower[g]), int(upper[g])) for g in ring_list] + extra_groups
        lo_sum, hi_sum = sum(b[0] for b in bounds), sum(b[1] for b in bounds)
        outside = [g for g in unlocked if g not in ring]
        if members and not (lo_sum <= len(members) <= hi_sum) and outside:
            ring.add(max(outside, key=lambda g: link(members, g)))
            continue
        if len(members) > hi_sum:  # every unlocked group is in: open new groups
            lo_, hi_ = _typical_bounds(result, unlocked)
            extra_groups.append((lo_, hi_))
            continue
        if len(members) < lo_sum:  # too few people for the groups: dissolve the emptiest
            if extra_groups:
                extra_groups.pop()
            else:
                ring.discard(min(ring_list, key=lambda g: (len(groups[g]), g)))
                affected.discard(min(ring_list, key=lambda g: (len(groups[g]), g)))
                dissolved = [g for g in ring_list if g not in ring]
                for g in dissolved:
                    old_members = groups.pop(g)
                    unlocked.remove(g)
                    joiners = sorted(set(joiners) | set(old_members))
            if not ring and not extra_groups:
                if not joiners:  # the dissolved groups were empty: nobody is left to place
                    break
                outside = [g for g in unlocked if g not in ring]
                if not outside:
                    raise InfeasibleError(f"{len(members)} teachers cannot fill any group within the size bounds")
                ring.add(max(outside, key=lambda g: link(joiners, g)))
            continue
        solved = _solve_ring(
            grouping_affinity, sub, members, ring_list, bounds, groups, seed, search_budget, rounds, stay, masks, soft
        )
        if not isinstance(solved, InfeasibleError):
            sub_assignment = solved
            break
        last_error = solved
        outside = [g for g in unlocked if g not in ring]
        if not outside or search_budget.expired():
            raise last_error
        ring.add(max(outside, key=lambda g: link(members, g)))
    # rebuild every group: untouched ones as they were, ring groups (and new ones) from the search
    final: list[list[int]] = []
    order: list[int | None] = [*sorted(groups), *[None] * len(extra_groups)]
    new_lower: list[int] = []
    new_upper: list[int] = []
    new_locked: dict[int, tuple[int, ...]] = {}
    ident: list[int | None] = []
    for k, old_g in enumerate(order):
        if old_g is not None and old_g not in ring:
            ms = groups[old_g]
        else:
            slot = ring_list.index(old_g) if old_g is not None else len(ring_list) + (k - len(groups))
            ms = [members[i] for i in np.flatnonzero(sub_assignment == slot)]
        final.append(ms)
        lo_, hi_ = (int(lower[old_g]), int(upper[old_g])) if old_g is not None else extra_groups[k - len(groups)]
        new_lower.append(lo_)
        new_upper.append(hi_)
        ident.append(old_g)
        if old_g is not None and old_g in locked_now:
            new_locked[k] = tuple(ms)
    assignment = np.full(len(keep_ids), -1, dtype=np.int64)
    for k, ms in enumerate(final):
        assignment[ms] = k
    moved = sum(
        1 for t, g in member_of.items() if t not in gone and ident[assignment[rows[t]]] != g
    )
    w, rules = grouping_affinity.problem_weights(0.0)
    problem = GroupingProblem(
        w, np.array(new_lower), np.array(new_upper), **rules, locked=new_locked, labels=member_labels(sub), noun="teachers",
        slots=masks, discouraged=soft,
    )
    if masks is not None:  # the group rule, on the groups the repair touched
        touched = [k for k, old_g in enumerate(ident) if old_g is None or old_g in ring]
        left = budget.remaining()  # its tenth of the time, even if the search ran late
        slot_budget = Budget.of(None if left is None else max(left, 0.1 * (budget.seconds or 0.0)))
        slot_problem = kept_apart_once_apart(problem, assignment)  # the pass may not bring discouraged pairs together
        assignment = enforce_common_slot(slot_problem, assignment, budget=slot_budget, movable=touched)
        moved = sum(1 for t, g in member_of.items() if t not in gone and ident[assignment[rows[t]]] != g)
    out = describe(sub, grouping_affinity, problem, assignment, locked=tuple(new_locked), seed=seed,
                   seconds=budget.elapsed(), moved=moved)
    return out.check(allow=("slot",))


def _typical_bounds(result: CohortResult, unlocked: list[int]) -> tuple[int, int]:
    pairs = [(int(result.problem.lower[g]), int(result.problem.upper[g])) for g in unlocked] or [
        (int(result.problem.lower.min()), int(result.problem.upper.max()))
    ]
    return max(set(pairs), key=pairs.count)


def _solve_ring(
    affinity: GroupingAffinity,
    sub: Cohort,
    members: list[int],
    ring_list: list[int],
    bounds: list[tuple[int, int]],
    groups: dict[int, list[int]],
    seed: int,
    budget: Budget,
    rounds: int | None,
    stay: float,
    masks: Masks | None = None,
    discouraged: npt.NDArray[np.int64] | None = None,
) -> npt.NDArray[np.int64] | InfeasibleError:
    """Solve the sub-problem of the ring's members; returns the assignment, or the error
    when the ring cannot be grouped."""
    idx = np.array(members, dtype=np.int64)
    w, allowed = affinity.pair_block(idx, idx)
    where = {r: k for k, g in enumerate(ring_list) for r in groups[g]}
    prefer = np.array([where.get(int(r), -1) for r in idx], dtype=np.int64)
    soft = np.zeros((0, 2), dtype=np.int64)
    if discouraged is not None and len(discouraged):  # the discouraged pairs among the ring's members, by position
        pos = np.full(int(max(idx.max(initial=-1), discouraged.max())) + 1, -1, dtype=np.int64)
        pos[idx] = np.arange(idx.size)
        a, b = pos[discouraged[:, 0]], pos[discouraged[:, 1]]
        soft = np.column_stack([a, b])[(a >= 0) & (b >= 0)]
    problem = GroupingProblem(
        w, np.array([b[0] for b in bounds]), np.array([b[1] for b in bounds]), allowed=allowed,
        labels=tuple(member_labels(sub)[r] for r in idx), noun="teachers", slots=None if masks is None else masks[idx],
        discouraged=soft,
    )
    problem = with_penalties(problem)  # pairs with no slot in common (common_slot) and discouraged pairs weigh far less
    try:  # each attempt gets what is left of the repair's budget
        best = solve(problem, budget=budget.share(1.0), rounds=rounds, seed=seed, prefer=prefer, stay_bonus=stay)
    except InfeasibleError as exc:
        return exc
    return best.assignment


def move_member(
    result: CohortResult,
    cohort: Cohort,
    teacher_id: str,
    to_group: int,
    *,
    affinity: Affinity | GroupingAffinity | None = None,
) -> CohortResult:
    """Move ``teacher_id`` to the group with id ``to_group`` and return the new groups and
    figures. The move is made even if it breaks a size bound or a forbidden pair (the
    coordinator decides); see ``violations()`` of the result. Locked groups refuse.

    Raises
    ------
    UnknownTeacherError
        For a teacher in no group.
    InfeasibleError
        When the teacher's group or the target group is locked, or the group does not exist.
    """
    source = result.group_of(teacher_id)
    target = next((g for g in result.groups if g.id == int(to_group)), None)
    if target is None:
        raise InfeasibleError(f"there is no group {to_group} (groups are 1-{len(result.groups)})")
    for g in (source, target):
        if g.locked:
            raise InfeasibleError(f"group {g.id} is locked: unlock it before moving people in or out")
    ids = result.ids
    sub = cohort.subset(ids)
    if affinity is None:
        affinity = cohort_affinity(sub, seed=result.figures.seed)
    a = result.assignment()
    a[ids.index(teacher_id)] = target.id - 1
    locked = tuple(g.id - 1 for g in result.groups if g.locked)
    return describe(sub, affinity, result.problem, a, locked=locked, seed=result.figures.seed,
                    seconds=0.0, moved=int(source.id != target.id))
