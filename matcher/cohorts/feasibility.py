"""Checks of a grouping problem: its arrays fit together, and its constraints can be met at all.

:class:`~.problem.GroupingProblem` runs :func:`check_shapes` when it is built and
:func:`check_feasible` from :meth:`~.problem.GroupingProblem.validate`.

>>> import numpy as np
>>> from matcher.cohorts.problem import GroupingProblem
>>> check_feasible(GroupingProblem(np.zeros((3, 3)), [2, 2], [2, 2]))
Traceback (most recent call last):
...
matcher.errors.InfeasibleError: the 2 groups need at least 4 people in all, but there are only 3
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..errors import InfeasibleError, Issue, ValidationError
from .pairsets import _pair_lookup

if TYPE_CHECKING:
    from .problem import GroupingProblem

__all__ = ["check_shapes", "check_feasible"]


def _invalid(field: str, message: str, value: str | None = None, *, row: int | None = None, where: str = "") -> ValidationError:
    """A rejected problem or file: one :class:`Issue` naming ``field``, the message as summary."""
    return ValidationError([Issue(row, field, value, message)], summary=where + message)


def _no_pair(i: int, j: int) -> bool:
    return False


def check_shapes(problem: GroupingProblem) -> None:
    """Raise :class:`~matcher.errors.ValidationError` when the arrays do not fit together."""
    w = problem.weights
    n = w.shape[0]
    if w.ndim != 2 or w.shape != (n, n):
        raise _invalid("weights", f"weights must be a square matrix, got shape {w.shape}")
    if not isinstance(w, np.ndarray):
        data = w.data
        if not np.all(np.isfinite(data)):
            raise _invalid("weights", "weights contain NaN or infinite values")
        if abs(w - w.T).max() > 1e-9 * max(1.0, np.abs(data).max(initial=0)):
            raise _invalid("weights", "weights must be symmetric")
    else:
        if not np.all(np.isfinite(w)):
            raise _invalid("weights", "weights contain NaN or infinite values")
        if not np.allclose(w, w.T, rtol=1e-9, atol=1e-12):
            raise _invalid("weights", "weights must be symmetric")
    if problem.lower.shape != problem.upper.shape:
        raise _invalid("upper", "lower and upper bounds must list the same number of groups")
    if problem.allowed is not None and problem.allowed.shape != (n, n):
        raise _invalid("allowed", f"allowed must have shape ({n}, {n}), got {problem.allowed.shape}")
    for name, sets in (("keep_together", problem.keep_together), ("locked", tuple(problem.locked.values()))):
        for s in sets:
            for i in s:
                if not 0 <= i < n:
                    raise _invalid(name, f"{name} names member {i}, outside 0..{n - 1}", str(i))
    if len(problem.forbidden) and (problem.forbidden.min() < 0 or problem.forbidden.max() >= n):
        raise _invalid("forbidden", f"forbidden pairs name members outside 0..{n - 1}")


def check_feasible(problem: GroupingProblem) -> None:
    """Check that the constraints can be met at all; raise :class:`InfeasibleError`
    saying why not (see :meth:`GroupingProblem.validate`)."""
    n, m, noun = problem.n, problem.m, problem.noun
    if m == 0:
        if n:
            raise InfeasibleError(f"there are {n} {noun} but no groups to put them in")
        return
    bad = np.flatnonzero(problem.lower > problem.upper)
    if bad.size:
        g = int(bad[0])
        raise InfeasibleError(f"group {g + 1}: smallest size {problem.lower[g]} exceeds largest size {problem.upper[g]}")
    if (problem.lower < 0).any():
        raise InfeasibleError("group sizes cannot be negative")
    if problem.lower.sum() > n:
        raise InfeasibleError(f"the {m} groups need at least {problem.lower.sum()} {noun} in all, but there are only {n}")
    if problem.upper.sum() < n:
        raise InfeasibleError(f"the {m} groups hold at most {problem.upper.sum()} {noun} in all, but there are {n}")
    _check_locked(problem)
    if problem.locked:
        free_groups = [g for g in range(m) if g not in problem.locked]
        n_free = n - sum(len(s) for s in problem.locked.values())
        lo_sum = int(problem.lower[free_groups].sum()) if free_groups else 0
        hi_sum = int(problem.upper[free_groups].sum()) if free_groups else 0
        if not lo_sum <= n_free <= hi_sum:
            raise InfeasibleError(
                f"besides the locked groups there are {n_free} {noun} for {len(free_groups)} groups "
                f"that take {lo_sum} to {hi_sum}"
            )
    pairs = problem.forbidden_pairs()
    bad_pair = _pair_lookup(pairs) if problem.blocks else _no_pair
    for block in problem.blocks:
        if len(block) > problem.upper.max():
            names = ", ".join(problem.name(i) for i in block)
            raise InfeasibleError(
                f"{len(block)} {noun} must stay together ({names}) but the largest group holds {problem.upper.max()}"
            )
        for x in range(len(block)):
            for y in range(x + 1, len(block)):
                far = problem.meeting is not None and not problem.meeting.can_meet([block[x]], [block[y]])[0]
                if bad_pair(block[x], block[y]) or far:
                    raise InfeasibleError(
                        f"{problem.name(block[x])} and {problem.name(block[y])} must stay together "
                        "but may not share a group"
                    )
    free_groups = [g for g in range(m) if g not in problem.locked]
    if (pairs.size or problem.meeting is not None) and free_groups:
        need = int(min(problem.lower[free_groups]))
        if need > 1:
            keep = np.ones(n, dtype=bool)
            for s in problem.locked.values():
                keep[list(s)] = False
            free = np.flatnonzero(keep)
            partners = problem._cached("_partners_cache", lambda: problem.partner_counts(keep))
            worst = free[np.argmin(partners[free])]
            if partners[worst] < need - 1:
                raise InfeasibleError(
                    f"{problem.name(int(worst))} may share a group with only {partners[worst]} of the others, "
                    f"but every group needs at least {need} members"
                )


def _check_locked(problem: GroupingProblem) -> None:
    seen: dict[int, int] = {}
    for g, members in problem.locked.items():
        if not 0 <= g < problem.m:
            raise InfeasibleError(f"locked group {g + 1} does not exist (there are {problem.m} groups)")
        if not problem.lower[g] <= len(members) <= problem.upper[g]:
            raise InfeasibleError(
                f"locked group {g + 1} has {len(members)} members, outside its size range "
                f"{problem.lower[g]}-{problem.upper[g]}"
            )
        for i in members:
            if i in seen:
                raise InfeasibleError(f"{problem.name(i)} is in two locked groups ({seen[i] + 1} and {g + 1})")
            seen[i] = g
    for block in problem.blocks:
        where = {seen.get(i) for i in block}
        if len(where) > 1:
            names = ", ".join(problem.name(i) for i in block)
            raise InfeasibleError(f"must stay together ({names}) but a locked group holds only some of them")
