"""Pair penalties: pairs the search avoids without a hard rule (one home for them).

A penalised pair weighs :func:`pair_penalty` less in the search: more than a member could
gain from a whole group of the largest size, so the search joins such a pair only when
every other grouping it finds breaks a hard rule, and far less than a broken pair rule
costs (the kernels' penalty for those grows with the weights), so the hard rules stay
first. Two kinds of pairs are penalised:

- under the common-slot rule, pairs that share no free slot (:mod:`.common_slot`);
- ``discouraged`` pairs (:attr:`~.problem.GroupingProblem.discouraged`): earlier groupmates
  rotation may not keep apart (a teacher who meets in person only has few others within
  reach), so a repeat happens only where the travel rules leave no other choice.

:func:`with_penalties` gives the search its weights; :func:`block_penalty` the same for a
block of members (polishing by blocks); :func:`repeat_reasons` says, per group, which
earlier pair it repeats and why that could not be avoided.

Examples
--------
>>> w = np.array([[0, 3, 1, 1], [3, 0, 1, 1], [1, 1, 0, 3], [1, 1, 3, 0]], dtype=float)
>>> problem = GroupingProblem.from_size_range(w, (2, 2), discouraged=[(0, 1)])
>>> pair_penalty(problem)
12.0
>>> with_penalties(problem).weights[0, 1], with_penalties(problem).weights[0, 2]
(np.float64(-9.0), np.float64(1.0))
>>> plain = GroupingProblem.from_size_range(w, (2, 2))
>>> with_penalties(plain) is plain
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt
from scipy import sparse

from ..profiles.teacher import Cohort
from .common_slot import slot_allowed, slot_pairs
from .problem import GroupingProblem
from .results import Group
from .slot_pass import _pair_ok  # the pair-rule check of the group passes

__all__ = ["pair_penalty", "with_penalties", "with_slot_weights", "with_discouraged", "block_penalty", "discouraged_rows", "kept_apart_once_apart",
           "repeat_reasons"]


def pair_penalty(problem: GroupingProblem) -> float:
    """How much less a penalised pair weighs in the search: twice what a member could gain
    from a whole group of the largest size (so the search never joins such a pair for the
    gain), still far below the penalty of a broken pair rule (which grows with it)."""
    w = problem.weights
    top = float(np.abs(w).max(initial=0.0)) if isinstance(w, np.ndarray) else float(np.abs(w.data).max(initial=0.0))
    return 2.0 * float(problem.upper.max(initial=1)) * (top or 1.0)


def discouraged_rows(cohort: Cohort, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.int64]:
    """The ``pairs`` of teacher ids whose two teachers are both in ``cohort``, as sorted row
    pairs (others are ignored: a teacher who left constrains nobody).

    >>> from matcher.profiles.teacher import TeacherProfile
    >>> c = Cohort.from_profiles([TeacherProfile(id=t, name=t, school_urn=100049) for t in "abc"])
    >>> discouraged_rows(c, [("c", "a"), ("a", "z")]).tolist()
    [[0, 2]]
    """
    out = sorted({(min(i, j), max(i, j)) for a, b in pairs if a in cohort.index and b in cohort.index
                  for i, j in [(cohort.row(a), cohort.row(b))] if i != j})
    return np.array(out, dtype=np.int64).reshape(-1, 2)


def with_slot_weights(problem: GroupingProblem) -> GroupingProblem:
    """``problem`` (with ``slots``) for the search: each pair that shares no free slot weighs
    :func:`pair_penalty` less (dense: every such pair; sparse: the stored ones, as absent
    pairs weigh 0 and give the search no reason to join them). A soft form of keeping them
    apart: pair rules stay first, and the constraint checks never fail on it. Without
    ``slots``, ``problem`` itself."""
    masks = problem.slots
    if masks is None:
        return problem
    p = pair_penalty(problem)
    n = problem.n
    if isinstance(problem.weights, np.ndarray):
        w = np.array(problem.weights, dtype=np.float64)
        for start in range(0, n, 512):
            rows = np.arange(start, min(n, start + 512))
            w[rows] -= p * ~slot_allowed(masks, rows)
        return replace(problem, weights=w)
    csr = sparse.csr_array(problem.weights, copy=True)
    rows = np.repeat(np.arange(n), np.diff(csr.indptr))
    csr.data = np.where(slot_pairs(masks, rows, csr.indices.astype(np.int64)), csr.data - p, csr.data)
    return replace(problem, weights=csr)


def with_discouraged(problem: GroupingProblem, penalty: float | None = None) -> GroupingProblem:
    """``problem`` with each ``discouraged`` pair weighing ``penalty`` (default
    :func:`pair_penalty`) less; sparse weights get the pairs added (there are few).
    Without discouraged pairs, ``problem`` itself."""
    pairs = problem.discouraged
    if not len(pairs):
        return problem
    p = pair_penalty(problem) if penalty is None else penalty
    i, j = pairs[:, 0], pairs[:, 1]
    if isinstance(problem.weights, np.ndarray):
        w = np.array(problem.weights, dtype=np.float64)
        w[i, j] -= p
        w[j, i] -= p
        return replace(problem, weights=w)
    n = problem.n
    extra = sparse.csr_array((np.full(2 * len(i), -p), (np.concatenate([i, j]), np.concatenate([j, i]))), shape=(n, n))
    return replace(problem, weights=sparse.csr_array(problem.weights + extra))


def with_penalties(problem: GroupingProblem) -> GroupingProblem:
    """``problem`` for the search: pairs sharing no free slot (with ``slots``) and
    ``discouraged`` pairs weigh :func:`pair_penalty` less (computed once, on the plain
    weights). Without either, ``problem`` itself."""
    if problem.slots is None and not len(problem.discouraged):
        return problem
    p = pair_penalty(problem)
    return with_discouraged(with_slot_weights(problem), p)


def kept_apart_once_apart(problem: GroupingProblem, assignment: npt.NDArray[np.int64]) -> GroupingProblem:
    """``problem`` with the ``discouraged`` pairs that ``assignment`` keeps apart forbidden,
    for the phases that follow the search on plain weights (re-balancing, the common-slot
    pass): they may not bring a discouraged pair together, and ``assignment`` stays valid.

    >>> p = GroupingProblem(np.zeros((4, 4)), [2, 2], [2, 2], discouraged=[(0, 1), (2, 3)])
    >>> kept_apart_once_apart(p, np.array([0, 1, 0, 1])).forbidden.tolist()
    [[0, 1], [2, 3]]
    >>> kept_apart_once_apart(p, np.array([0, 0, 1, 1])) is p
    True
    """
    pairs = problem.discouraged
    apart = pairs[assignment[pairs[:, 0]] != assignment[pairs[:, 1]]]
    if not len(apart):
        return problem
    return replace(problem, forbidden=np.concatenate([problem.forbidden, apart]).astype(np.int64))


def block_penalty(discouraged: npt.NDArray[np.int64], rows: npt.NDArray[np.int64], penalty: float) -> npt.NDArray[np.float64]:
    """The penalty of every pair among ``rows`` that is ``discouraged``, as a dense block
    (0 elsewhere), for polishing by blocks.

    >>> block_penalty(np.array([[1, 3]]), np.array([0, 1, 3]), 5.0).tolist()
    [[0.0, 0.0, 0.0], [0.0, 0.0, 5.0], [0.0, 5.0, 0.0]]
    """
    out = np.zeros((rows.size, rows.size))
    if not len(discouraged):
        return out
    n = max(int(rows.max(initial=-1)), int(discouraged.max())) + 1
    pos = np.full(n, -1, dtype=np.int64)
    pos[rows] = np.arange(rows.size)
    a, b = pos[discouraged[:, 0]], pos[discouraged[:, 1]]
    inside = (a >= 0) & (b >= 0)
    out[a[inside], b[inside]] = penalty
    out[b[inside], a[inside]] = penalty
    return out


def _reachable_groups(problem: GroupingProblem, x: int, assignment: npt.NDArray[np.int64]) -> int:
    """How many groups other than ``x``'s own ``x`` could join by the pair rules (every
    member allowed and, in person only, within reach)."""
    ok = _pair_ok(problem)
    own = int(assignment[x])
    return sum(1 for g in range(problem.m) if g != own and (rows := np.flatnonzero(assignment == g)).size and ok(x, rows))


def repeat_reasons(cohort: Cohort, problem: GroupingProblem, assignment: npt.NDArray[np.int64], groups: Sequence[Group]) -> list[Group]:
    """``groups`` (ids ``g + 1`` of ``assignment``) with each ``discouraged`` pair they hold
    explained: that the two were groupmates in a recent round, and why no other grouping
    kept them apart (a member who meets in person only with no other group within reach,
    or the rules of the groups within reach)."""
    pairs = problem.discouraged
    if not len(pairs):
        return list(groups)
    together = pairs[assignment[pairs[:, 0]] == assignment[pairs[:, 1]]]
    if not len(together):
        return list(groups)
    strict = np.zeros(problem.n, dtype=bool) if problem.meeting is None else problem.meeting.in_person_only
    if problem.meeting is None:  # dense affinities fold the meeting range into ``allowed``: read the modes
        strict = np.array([p.meeting_mode == "in_person" for p in cohort.profiles], dtype=bool)
    notes: dict[int, list[str]] = {}

    def name(r: int) -> str:
        p = cohort.profiles[r]
        return p.name or p.id

    for i, j in together.tolist():
        local = [x for x in (i, j) if strict[x]]
        names = f"{name(i)} and {name(j)}"
        if local:
            reach = {x: _reachable_groups(problem, x, assignment) for x in local}
            who = "both meet" if len(local) == 2 else f"{name(local[0])} meets"
            if not any(reach.values()):
                why = f"{who} in person only and no other group is within reach"
            else:
                k = sum(reach.values())
                why = (f"{who} in person only, and the search found no way to seat them in the {k} other "
                       f"group{'s' if k != 1 else ''} within reach without breaking a size limit, another rule or another repeat")
        else:
            why = "no grouping the search found within the rules kept them apart"
        notes.setdefault(int(assignment[i]), []).append(f"{names} were groupmates in a recent round (a repeat rotation "
                                                        f"avoids where it can): {why}.")
    out = []
    for g in groups:
        extra = notes.get(g.id - 1)
        out.append(g if not extra else replace(g, reasons=g.reasons + tuple(extra)))
    return out
