"""The common-slot rule: every group's members share at least one free slot.

A group rule, not a pair rule: members who listed no availability do not constrain (they
did not say), and a group whose members all listed none satisfies it. Availability is a
bitmask per member (bit ``k``: ``AVAILABILITY_SLOTS[k]``; 0: none listed).

The engine enforces it in two steps. Pairs with no slot in common may never share a group
under the rule, so the search weighs them far less (:func:`~.penalties.with_slot_weights`,
the one home of pair penalties), and the re-balancing gets them as keep-apart pairs
(:func:`with_slot_pairs`: a necessary condition, cheap, dense or sparse). Pairs can each share a slot while the group as
a whole shares none, so a group-level pass (:func:`enforce_common_slot`) then moves or swaps
members of the groups that still share no slot, with the least loss of weight and breaking
no other rule (in :mod:`.slot_pass`, which also explains the rule in each group's
reasons); :func:`slot_failures` says the groups left (kind ``"slot"``), saying why.

Examples
--------
>>> masks = slot_masks([("mon_pm", "thu_am"), ("mon_pm",), ()])
>>> slot_names(shared_mask(masks)), slot_names(shared_mask(masks[1:]))
(('mon_pm',), ('mon_pm',))
>>> shared_mask(np.array([0, 0], dtype=np.uint64)) == ALL
True
>>> slot_allowed(slot_masks([("mon_pm",), ("tue_pm",), ()])).tolist()
[[True, False, True], [False, True, True], [True, True, True]]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from scipy import sparse

from ..profiles.phrases import join_phrases, slot_phrase
from ..profiles.teacher import AVAILABILITY_SLOTS

if TYPE_CHECKING:
    from .problem import GroupingProblem

__all__ = [
    "ALL", "Masks", "slot_masks", "slot_names", "shared_mask", "group_shares", "slot_allowed", "slot_pairs",
    "with_slot_pairs", "count_slot_pairs", "slot_failures", "availability_known", "KNOWN_SHARE",
]

Masks = npt.NDArray[np.uint64]
_POS = {s: k for k, s in enumerate(AVAILABILITY_SLOTS)}
ALL = (1 << len(AVAILABILITY_SLOTS)) - 1  #: every slot: what a member who listed none allows
#: availability is "known" in a cohort when at least this share of members listed some
#: (the service turns the rule on by default then)
KNOWN_SHARE = 0.5


def slot_masks(availabilities: Iterable[Sequence[str]]) -> Masks:
    """One bitmask per member from their listed slots (unknown slots are ignored)."""
    return np.array([sum(1 << _POS[s] for s in set(a) if s in _POS) for a in availabilities], dtype=np.uint64)


def slot_names(mask: int) -> tuple[str, ...]:
    """The slots of ``mask``, in the order of ``AVAILABILITY_SLOTS``."""
    return tuple(s for k, s in enumerate(AVAILABILITY_SLOTS) if int(mask) >> k & 1)


def shared_mask(masks: npt.ArrayLike) -> int:
    """The slots every member who listed some lists (:data:`ALL` when nobody listed any)."""
    out = ALL
    for x in np.asarray(masks, dtype=np.uint64).tolist():
        if x:
            out &= int(x)
    return out


def group_shares(masks: Masks, rows: npt.ArrayLike) -> bool:
    """Whether the members ``rows`` share a free slot (members who listed none do not count)."""
    return shared_mask(masks[np.asarray(rows, dtype=np.int64)]) != 0


def availability_known(masks: Masks) -> bool:
    """Whether at least :data:`KNOWN_SHARE` of the members listed some availability.

    >>> availability_known(slot_masks([("mon_pm",), ()])), availability_known(slot_masks([(), (), ("mon_pm",)]))
    (True, False)
    """
    return bool(masks.size) and float(np.mean(masks != 0)) >= KNOWN_SHARE


def _open(masks: Masks) -> Masks:
    return np.where(masks == 0, np.uint64(ALL), masks)


def slot_allowed(masks: Masks, rows_a: npt.ArrayLike | None = None, rows_b: npt.ArrayLike | None = None) -> npt.NDArray[np.bool_]:
    """``True`` where two members (``rows_a`` x ``rows_b``, default all) share a slot or one
    of them listed none."""
    m = _open(masks)
    a = m if rows_a is None else m[np.asarray(rows_a, dtype=np.int64)]
    b = m if rows_b is None else m[np.asarray(rows_b, dtype=np.int64)]
    out: npt.NDArray[np.bool_] = (a[:, None] & b[None, :]) != 0
    return out


def slot_pairs(masks: Masks, i: npt.NDArray[np.int64], j: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """For the pairs ``(i[k], j[k])``: ``True`` where they share no slot (both listed some)."""
    out: npt.NDArray[np.bool_] = (masks[i] != 0) & (masks[j] != 0) & ((masks[i] & masks[j]) == 0)
    return out


def with_slot_pairs(problem: GroupingProblem) -> GroupingProblem:
    """``problem`` (with ``slots``) for the search: pairs that share no slot kept apart too.

    Dense weights: the ``allowed`` mask loses those pairs (row block by row block). Sparse
    weights: the stored pairs that share no slot become forbidden pairs (absent pairs weigh
    0, so the search has no reason to join them; the group-level pass checks them all).
    Slot pairs are not added inside a keep-together set, nor for a member they would leave
    with too few possible partners to fill a group (the rule cannot hold for them anyway:
    the search must not fail on it). Without ``slots``, ``problem`` itself.
    """
    masks = problem.slots
    if masks is None:
        return problem
    n = problem.n
    exempt = np.zeros(n, dtype=bool)
    for block in problem.blocks:
        exempt[list(block)] = True
    free = [g for g in range(problem.m) if g not in problem.locked]
    need = int(problem.lower[free].min()) - 1 if free else 0
    if isinstance(problem.weights, np.ndarray):
        base = np.ones((n, n), dtype=bool) if problem.allowed is None else np.array(problem.allowed, dtype=bool)
        allowed = base.copy()
        for start in range(0, n, 512):
            allowed[start : start + 512] &= slot_allowed(masks, np.arange(start, min(n, start + 512)))
        few = (allowed.sum(axis=1) - allowed.diagonal()) < need
        release = exempt | few
        allowed[release] = base[release]
        allowed[:, release] = base[:, release]
        return replace(problem, allowed=allowed)
    coo = sparse.triu(problem.weights, 1).tocoo()
    i, j = coo.row.astype(np.int64), coo.col.astype(np.int64)
    bad = slot_pairs(masks, i, j) & ~exempt[i] & ~exempt[j]
    pairs = np.concatenate([problem.forbidden, np.column_stack([i[bad], j[bad]])]).astype(np.int64)
    return replace(problem, forbidden=pairs)


def count_slot_pairs(masks: Masks) -> int:
    """How many pairs of members share no slot (both listed some), counted by distinct masks.

    >>> count_slot_pairs(slot_masks([("mon_pm",), ("tue_pm",), ("tue_pm",), ()]))
    2
    """
    values, counts = np.unique(masks[masks != 0], return_counts=True)
    disjoint = (values[:, None] & values[None, :]) == 0
    return int((np.outer(counts, counts) * disjoint).sum() // 2)


def slot_failures(masks: Masks | None, assignment: npt.NDArray[np.int64], m: int, name: Callable[[int], str]) -> list[tuple[int, str]]:
    """``(group, why)`` for each of the ``m`` groups whose members share no free slot, naming
    the slot most of them list and who (``name(row)``) is not free then.

    >>> masks = slot_masks([("mon_pm",), ("mon_pm", "fri_am"), ("tue_pm",)])
    >>> slot_failures(masks, np.array([0, 0, 0]), 1, lambda r: f"#{r}")
    [(0, 'the members share no free slot (common-slot rule): Monday afternoon suits 2 of the 3 who listed availability, not #2')]
    """
    if masks is None:
        return []
    out = []
    for g in range(m):
        rows = np.flatnonzero(assignment == g)
        if rows.size < 2 or group_shares(masks, rows):
            continue
        said = rows[masks[rows] != 0]
        counts = [int(np.count_nonzero(masks[said] >> np.uint64(k) & np.uint64(1))) for k in range(len(AVAILABILITY_SLOTS))]
        best = int(np.argmax(counts))
        lacking = [name(int(r)) for r in said if not int(masks[r]) >> best & 1]
        out.append((g, f"the members share no free slot (common-slot rule): {slot_phrase(AVAILABILITY_SLOTS[best])} suits "
                       f"{counts[best]} of the {said.size} who listed availability, not {join_phrases(lacking)}"))
    return out
