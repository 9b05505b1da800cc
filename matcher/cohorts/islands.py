"""One island of the search: a stream of improving groupings under a shared budget.

:func:`population_island` runs the population search on dense weights (perturbation,
descent, group crossover, ejection; see :mod:`._numba`); :func:`sparse_island` the
iterated local search on sparse weights (see :mod:`._numba.sparse`). Both yield
``(objective, reduced assignment, generation)`` on every improvement and stop when the
:class:`~.budget.Budget` is spent, the ``rounds`` are done or ``stop`` is set;
:mod:`.search` runs several on threads.

>>> progress(Budget.of(None), 4, 1), progress(Budget.of(None), 4, 4)
(0.25, 1.0)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

from ..errors import InfeasibleError, Issue, ParameterError
from .budget import Budget
from .params import SearchParams
from .reduced import IntArray, Reduced, kernels, sparse_kernels

__all__ = ["progress", "population_island", "sparse_island"]


def progress(budget: Budget, rounds: int | None, generation: int) -> float:
    """How far a run is, 0 to 1 (done at 1): the larger of the share of ``budget`` used and
    ``generation / rounds`` (0 with neither a time limit nor rounds: run until stopped)."""
    parts = [budget.used()] if not budget.unlimited else []
    if rounds is not None:
        parts.append(generation / max(rounds, 1))
    return max(parts) if parts else 0.0


def population_island(
    red: Reduced,
    params: SearchParams,
    seed: int,
    k: int,
    budget: Budget,
    rounds: int | None,
    stop: threading.Event,
    warm: IntArray | None,
) -> Iterator[tuple[float, IntArray, int]]:
    """One island's run: yields ``(objective, reduced assignment, generation)`` on improvement."""
    K = kernels()
    if red.D is None:
        raise ParameterError.from_issues([Issue(None, "weights", "sparse", "population_island needs dense weights (use sparse_island)")])
    u = red.D.shape[0]
    r = len(red.groups)
    rng = K.seed_state(np.uint64((seed * 1_000_003 + k) % (1 << 63)))
    beta = params.population
    pop = np.empty((beta, u), dtype=np.int64)
    fit: npt.NDArray[np.float64] = np.empty(beta)
    if r == 0:
        return
    ok = K.initial_population(red.D, red.wt, red.lo, red.hi, red.is_free, red.start, pop, fit, rng, red.eps)
    if not ok:
        raise InfeasibleError(
            "the keep-together sets cannot be packed into the groups within their size bounds; "
            "try a wider size range or smaller keep-together sets"
        )
    if warm is not None:
        pop[0] = warm
        Gt = K.gain_matrix(red.D, pop[0], r)
        sizes = K.group_sizes(pop[0], red.wt, r)
        K.descent(red.D, Gt, pop[0], sizes, red.wt, red.lo, red.hi, red.is_free, K.objective(Gt, pop[0]), red.eps, rng)
        fit[0] = K.objective(K.gain_matrix(red.D, pop[0], r), pop[0])
    b = int(np.argmax(fit))
    best_p = pop[b].copy()
    best_f = np.array([fit[b]])
    yield best_f[0], best_p.copy(), 0
    gen = 0
    shown = best_f[0]
    while not stop.is_set():
        frac = progress(budget, rounds, gen)
        if frac >= 1.0:
            break
        size = max(params.min_population, int(round(beta + (params.min_population - beta) * frac)))
        theta = params.theta_start + (params.theta_end - params.theta_start) * frac
        K.evolve(
            red.D, red.wt, red.lo, red.hi, red.is_free, pop, fit, size, best_p, best_f, theta, params.eta, 1, red.eps, rng
        )
        gen += 1
        if best_f[0] > shown + red.eps:
            shown = best_f[0]
            yield shown, best_p.copy(), gen


def sparse_island(
    red: Reduced, seed: int, k: int, budget: Budget, rounds: int | None, stop: threading.Event, warm: IntArray | None
) -> Iterator[tuple[float, IntArray, int]]:
    """Iterated local search on sparse weights: yields ``(objective, assignment, kicks)``."""
    K = sparse_kernels()
    G = red.csr
    r = len(red.groups)
    if r == 0:
        return
    rng = kernels().seed_state(np.uint64((seed * 1_000_003 + k) % (1 << 63)))
    p = warm.copy() if warm is not None else None
    if p is None:
        for _attempt in range(10):
            p = red.start.copy()
            if K.sp_fill(G, p, red.wt, red.lo, red.hi, r, rng):
                break
        else:
            raise InfeasibleError(
                "the keep-together sets cannot be packed into the groups within their size bounds; "
                "try a wider size range or smaller keep-together sets"
            )
    best_p = p.copy()
    kicks, done = 64, 0
    best_f = -np.inf
    while not stop.is_set():
        if done and progress(budget, rounds, done) >= 1.0:
            break
        t = time.monotonic()
        f, _ = K.sp_iterate(G, p, red.wt, red.lo, red.hi, red.is_free, red.penalty, kicks, 3, red.eps, rng, best_p, done == 0)
        done += 1
        if f > best_f + red.eps:
            best_f = f
            yield f, best_p.copy(), done
        left = budget.remaining()
        if left is None:
            continue  # a fixed amount of work per round: reproducible
        took = time.monotonic() - t
        kicks = int(min(max(kicks * (0.25 / max(took, 1e-3)), 16), 1 << 20))
        left = budget.remaining()  # do not overrun the budget by a whole chunk
        if left is None:
            continue  # (cannot happen: the budget was limited above)
        kicks = max(1, min(kicks, int(kicks * left / 0.25) if left < 0.25 else kicks))
