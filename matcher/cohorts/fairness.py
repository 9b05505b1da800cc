"""Re-balance a grouping for its worst-off members.

Each member's score is their mean link to their groupmates; :func:`fair_improve` climbs
``(1 - fairness) * total / total0 + fairness * softmin(u) / mean(u0)`` with moves and
swaps (compiled, :func:`._numba.fairness.fair_climb`), then kicks from the best while time
remains. The smooth minimum lets small gains for the worst-off count.

>>> import numpy as np
>>> from matcher.cohorts.problem import GroupingProblem
>>> # 0 and 1 get on best (10), but then 2 and 3 have nothing (0); crosswise everyone has 5
>>> w = np.array([[0, 10, 5, 0], [10, 0, 0, 5], [5, 0, 0, 0], [0, 5, 0, 0]], dtype=float)
>>> fair_improve(GroupingProblem(w, [2, 2], [2, 2]), np.array([0, 0, 1, 1]), fairness=1.0, rounds=3).tolist()
[0, 1, 0, 1]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .budget import Budget
from .problem import GroupingProblem
from .reduced import IntArray, Reduced, kernels

__all__ = ["fair_improve"]


def fair_improve(
    problem: GroupingProblem,
    assignment: npt.ArrayLike,
    *,
    fairness: float,
    seconds: float | None = None,
    rounds: int | None = None,
    seed: int = 0,
    budget: Budget | None = None,
) -> npt.NDArray[np.integer[Any]]:
    """Re-balance ``assignment`` for ``(1 - fairness) * total / total0 + fairness *
    softmin(u) / mean(u0)``, where ``u`` are the members' mean links to their groupmates
    and ``total0``/``u0`` those of the start. Hill climbing over moves and swaps, then
    small random kicks from the best while time (or ``rounds`` kicks) remain; the time is
    ``seconds`` or a caller's ``budget``. Returns the best assignment found (never worse on
    this objective than the start)."""
    budget = Budget.given(seconds, budget)
    if not 0.0 < fairness <= 1.0:
        return np.asarray(assignment)
    K = kernels()
    red = Reduced(problem, None, 0.0)
    r = len(red.groups)
    if r == 0 or red.n_units == 0:
        return np.asarray(assignment)
    p = red.to_units(np.asarray(assignment, dtype=np.int64))
    Gt = K.gain_matrix(red.D, p, r)
    sizes = K.group_sizes(p, red.wt, r)
    t0 = max(abs(K.objective(Gt, p)), 1e-12)
    links = [Gt[p[v], v] / max(sizes[p[v]] - red.wt[v], 1) for v in range(red.n_units) if red.wt[v] > 0]
    u0 = max(float(np.mean(links)) if links else 1.0, 1e-9 * red.scale, 1e-12)
    tau = 0.1 * u0
    rng = K.seed_state(np.uint64((seed * 7_919 + 17) % (1 << 63)))
    lam = float(fairness)

    def climb(p: IntArray, Gt: npt.NDArray[np.float64], sizes: IntArray) -> float:
        value: float = K.fair_value(Gt, p, sizes, red.wt, lam, t0, u0, tau)
        while True:
            new: float = K.fair_climb(red.D, Gt, p, sizes, red.wt, red.lo, red.hi, red.is_free, lam, t0, u0, tau, 1e-12, rng, 50)
            if new <= value + 1e-12 or budget.expired():
                return max(new, value)
            value = new

    best_v = climb(p, Gt, sizes)
    best_p = p.copy()
    kicks = 0
    while (rounds is None or kicks < rounds) and not budget.expired():
        if rounds is None and budget.unlimited:
            break
        kicks += 1
        q = best_p.copy()
        Gq = K.gain_matrix(red.D, q, r)
        sq = K.group_sizes(q, red.wt, r)
        K.perturb(red.D, Gq, q, sq, red.wt, red.lo, red.hi, red.is_free, 3, rng)
        v = climb(q, Gq, sq)
        if v > best_v + 1e-12:
            best_v, best_p = v, q
    return red.expand(best_p)
