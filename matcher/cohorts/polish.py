"""Polish a large grouping block by block, with exact scores.

The sparse affinity of a large cohort weighs each teacher's few dozen best partners; every
other pair counts as nothing, although its real affinity is rarely zero. So after the
sparse search, :func:`polish_by_blocks` takes the groups a few dozen at a time (groups that
sit close together: balanced geographic blocks of group centres), scores every pair of
their members exactly, and re-solves each block with the dense population search, warm
started from the current groups. Blocks are disjoint, so each block's gain adds to the
total; the blocks are drawn again at another angle each round, so that groups on a block
border meet new neighbours. This is a large-neighbourhood search whose neighbourhoods are
small dense problems: memory stays linear in the cohort.

Examples
--------
>>> rotate_points(np.array([[51.5, -0.1]]), 0.0).round(3).tolist()
[[51.5, -0.062]]
>>> rng = np.random.default_rng(0)
>>> w = np.triu(rng.uniform(0, 1, (12, 12)), 1); w = w + w.T
>>> problem = GroupingProblem(w, [3] * 4, [3] * 4)
>>> start = np.repeat(np.arange(4), 3)
>>> exact = lambda rows: (w[np.ix_(rows, rows)], np.ones((rows.size, rows.size), dtype=bool))
>>> coords = np.column_stack([51.5 + rng.uniform(0, 0.1, 12), rng.uniform(-0.2, 0, 12)])
>>> better, gain = polish_by_blocks(problem, start, exact, coords, rounds=1, block_size=12)
>>> bool(gain > 0), round(problem.objective(better) - problem.objective(start), 9) == round(gain, 9)
(True, True)
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import numpy.typing as npt

from ..errors import InfeasibleError, Issue, ParameterError
from .budget import Budget
from .problem import GroupingProblem
from .fairness import fair_improve
from .geo import geo_regions
from .params import SearchParams, default_threads
from .search import SearchState, solve

__all__ = ["polish_by_blocks", "fair_by_blocks", "rotate_points", "BLOCK_TEACHERS", "BLOCK_SECONDS"]

log = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
# ``weights_of(rows) -> (weights, allowed)``: exact dense weights and mask among ``rows``
WeightsOf = Callable[[IntArray], tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]]
# ``job(members, groups, block, seconds, generations, seed, budget)``: a block's new groups and gain, or None
BlockJob = Callable[[IntArray, IntArray, IntArray, "float | None", "int | None", int, Budget], "tuple[IntArray, float] | None"]
Progress = Callable[[float, "SearchState | None"], None]

BLOCK_TEACHERS = 960  # members per block: large enough to move people far, small enough to solve in 0.5 s
BLOCK_SECONDS = 0.5  # longest search per block and round: many short rounds beat few long ones
# a small population: the warm start carries the block, perturbation explores around it
BLOCK_PARAMS = SearchParams(population=4, min_population=1, theta_start=2.0, theta_end=1.0, threads=1)
_GOLDEN = math.pi * (3 - math.sqrt(5))  # successive angles spread evenly


def rotate_points(coords: npt.NDArray[np.float64], angle: float) -> npt.NDArray[np.float64]:
    """Latitude/longitude (degrees) as local planar coordinates (longitude scaled by the
    cosine of the latitude) rotated by ``angle`` radians, so that axis-aligned splits
    run in new directions."""
    lat, lon = coords[:, 0], coords[:, 1] * np.cos(np.radians(coords[:, 0].mean() if len(coords) else 0.0))
    c, s = math.cos(angle), math.sin(angle)
    return np.column_stack([c * lat - s * lon, s * lat + c * lon])


def _block_of_groups(
    coords: npt.NDArray[np.float64], assignment: IntArray, groups: IntArray, size: int, angle: float
) -> list[IntArray]:
    """Groups cut into blocks of about ``size`` members by their (rotated) centres."""
    centre = np.zeros((len(groups), 2))
    count = np.zeros(len(groups))
    slot = np.full(int(assignment.max(initial=-1)) + 1, -1, dtype=np.int64)
    slot[groups] = np.arange(len(groups))
    member = slot[assignment] >= 0
    np.add.at(centre, slot[assignment[member]], coords[member])
    np.add.at(count, slot[assignment[member]], 1)
    centre /= np.maximum(count, 1)[:, None]
    per_block = max(2, int(round(size / max(count.mean(), 1.0))))
    labels = geo_regions(rotate_points(centre, angle), max_size=per_block)
    return [groups[labels == k] for k in range(int(labels.max(initial=-1)) + 1)]


def _sub_problem(
    weights_of: WeightsOf, problem: GroupingProblem, members: IntArray, groups: IntArray, block: IntArray
) -> tuple[GroupingProblem, IntArray]:
    """The dense problem of the groups ``block`` (``members`` now in ``groups``) and the
    current grouping in its numbering."""
    w, allowed = weights_of(members)
    local = {int(g): k for k, g in enumerate(block)}
    start = np.array([local[int(g)] for g in groups], dtype=np.int64)
    pos = np.full(problem.n, -1, dtype=np.int64)
    pos[members] = np.arange(members.size)
    together = tuple(tuple(int(pos[i]) for i in s) for s in problem.blocks if pos[s[0]] >= 0)
    # the whole problem's rules hold in the block too, whatever ``weights_of`` says
    allowed = np.array(allowed, dtype=bool, copy=True)
    pairs = pos[problem.explicit_pairs()]
    pairs = pairs[(pairs >= 0).all(axis=1)] if len(pairs) else pairs.reshape(0, 2)
    allowed[pairs[:, 0], pairs[:, 1]] = allowed[pairs[:, 1], pairs[:, 0]] = False
    if problem.meeting is not None:
        k = members.size
        i, j = np.divmod(np.arange(k * k), k)
        allowed &= problem.meeting.can_meet(members[i], members[j]).reshape(k, k)
    sub = GroupingProblem(w, problem.lower[block], problem.upper[block], allowed=allowed, keep_together=together)
    return sub, start


def _block_problem(
    weights_of: WeightsOf, problem: GroupingProblem, members: IntArray, groups: IntArray, block: IntArray,
    seconds: float | None, budget: Budget,
) -> tuple[GroupingProblem, IntArray, Budget] | None:
    """One block's sub-problem, its start and its share of the budget; None when time is up."""
    if budget.expired():
        return None
    sub, start = _sub_problem(weights_of, problem, members, groups, block)
    return sub, start, budget.at_most(seconds)  # the block's share, within the whole budget


def _solve_block(
    sub: GroupingProblem, start: IntArray, budget: Budget, block: IntArray, generations: int | None, seed: int
) -> tuple[IntArray, float] | None:
    """Re-solve one block for the largest total: ``(new groups, gain)`` or None."""
    try:
        best = solve(sub, rounds=generations, seed=seed, start=start, params=BLOCK_PARAMS, budget=budget)
    except InfeasibleError as exc:
        log.debug("block of %d groups left as it is: %s", len(block), exc)
        return None
    gain = best.objective - sub.objective(start)
    if best.conflicts or gain <= 1e-9 * max(1.0, abs(best.objective)):
        return None
    return block[best.assignment], gain


def _fair_block(
    fairness: float, sub: GroupingProblem, start: IntArray, budget: Budget, block: IntArray, generations: int | None, seed: int
) -> tuple[IntArray, float]:
    """Re-balance one block for its worst-off members (see :func:`.fairness.fair_improve`)."""
    better = fair_improve(sub, start, fairness=fairness, rounds=generations, seed=seed, budget=budget)
    return block[better], sub.objective(better) - sub.objective(start)


def _over_blocks(
    problem: GroupingProblem,
    assignment: npt.ArrayLike,
    coords: npt.ArrayLike,
    job: BlockJob,
    *,
    budget: Budget,
    rounds: int | None,
    seed: int,
    block_size: int | None,
    threads: int | None,
    progress: Progress | None,
    generations: int | None,
) -> tuple[IntArray, float]:
    """Run ``job(members, groups, block, seconds, generations, seed, budget)`` on every
    block, round after round (new angle each round), applying what it returns (``None``,
    or the block's new groups and a gain); returns the grouping and the summed gain.
    Without ``generations`` each block gets its share of the time left (timed, not
    reproducible); with it, that many generations (reproducible). ``rounds=None``: until
    the time is up."""
    a = np.array(assignment, dtype=np.int64, copy=True)
    xy = np.asarray(coords, dtype=np.float64)
    free = np.array([g for g in range(problem.m) if g not in problem.locked], dtype=np.int64)
    threads = threads or default_threads()
    block_size = block_size or BLOCK_TEACHERS
    total = 0.0
    r = 0
    while free.size >= 2 and (rounds is None or r < rounds):
        left = budget.remaining()
        if left is not None and left <= 0.05:
            break
        blocks = [b for b in _block_of_groups(xy, a, free, block_size, r * _GOLDEN) if len(b) >= 2]
        if not blocks:
            break
        # a round shares what time is left evenly, at most BLOCK_SECONDS a block
        timed = generations is None
        per_block = max(0.05, min(BLOCK_SECONDS, left * threads / len(blocks))) if timed and left is not None else None
        with ThreadPoolExecutor(max_workers=threads) as pool:
            jobs: list[tuple[IntArray, Future[tuple[IntArray, float] | None]]] = []
            for k, b in enumerate(blocks):  # members taken here: the workers never read ``a``
                members = np.flatnonzero(np.isin(a, b))
                jobs.append((members, pool.submit(job, members, a[members], b, per_block,
                                                  None if timed else generations, seed + 7919 * r + k, budget)))
            for k, (members, fut) in enumerate(jobs):
                out = fut.result()
                if out is not None:
                    a[members] = out[0]
                    total += out[1]
                if progress is not None:
                    # an unlimited budget comes with a number of rounds (see _budget)
                    done = budget.used() if not budget.unlimited or rounds is None else (r + (k + 1) / len(jobs)) / rounds
                    progress(min(1.0, done), None)
        r += 1
    return a, total


def polish_by_blocks(
    problem: GroupingProblem,
    assignment: npt.ArrayLike,
    weights_of: WeightsOf,
    coords: npt.ArrayLike,
    *,
    seconds: float | None = None,
    rounds: int | None = None,
    seed: int = 0,
    block_size: int | None = None,
    threads: int | None = None,
    progress: Progress | None = None,
    budget: Budget | None = None,
) -> tuple[IntArray, float]:
    """Improve ``assignment`` of ``problem`` block by block (see the module docstring).

    Parameters
    ----------
    problem : GroupingProblem
        The whole problem (size bounds, keep-together sets, locked groups are kept).
    assignment : ndarray of int
        A feasible grouping to start from.
    weights_of : callable
        ``weights_of(rows) -> (weights, allowed)``: exact dense weights and the hard-constraint
        mask among the members ``rows``.
    coords : ndarray, shape (n, 2)
        Latitude and longitude of every member (degrees).
    seconds, rounds : optional
        Stop after this many seconds or rounds (each round visits every block once).
    budget : Budget, optional
        The time limit as a caller's :class:`~.budget.Budget` (instead of ``seconds``); each
        block gets its share of it.
    seed : int
        Seeds every block's search; with ``rounds`` and no time limit the result is
        reproducible.
    block_size, threads : int, optional
        Members per block (default :data:`BLOCK_TEACHERS`); blocks solved at once.
    progress : callable, optional
        ``progress(fraction_done, None)`` after every block.

    Returns
    -------
    (assignment, gain)
        The improved grouping and the exact gain of the objective.
    """
    def job(
        members: IntArray, groups: IntArray, block: IntArray, secs: float | None, generations: int | None, s: int,
        budget: Budget,
    ) -> tuple[IntArray, float] | None:
        prepared = _block_problem(weights_of, problem, members, groups, block, secs, budget)
        return None if prepared is None else _solve_block(*prepared, block, generations, s)

    budget = _budget(seconds, budget, rounds)
    return _over_blocks(problem, assignment, coords, job, budget=budget, rounds=rounds, seed=seed,
                        block_size=block_size, threads=threads, progress=progress,
                        generations=None if rounds is None else 3)


def fair_by_blocks(
    problem: GroupingProblem,
    assignment: npt.ArrayLike,
    weights_of: WeightsOf,
    coords: npt.ArrayLike,
    *,
    fairness: float,
    seconds: float | None = None,
    rounds: int | None = None,
    seed: int = 0,
    threads: int | None = None,
    budget: Budget | None = None,
) -> IntArray:
    """Re-balance a large grouping for its worst-off members, block by block, with
    :func:`.search.fair_improve` on each block's exact dense problem (a member's score
    depends on their own group only, so blocks are independent). Arguments as in
    :func:`polish_by_blocks`; returns the new grouping."""
    def job(
        members: IntArray, groups: IntArray, block: IntArray, secs: float | None, generations: int | None, s: int,
        budget: Budget,
    ) -> tuple[IntArray, float] | None:
        prepared = _block_problem(weights_of, problem, members, groups, block, secs, budget)
        return None if prepared is None else _fair_block(fairness, *prepared, block, generations, s)

    # one pass over the blocks (each call of fair_improve re-bases its objective on the
    # grouping it starts from, so passes after the first could trade total for nothing);
    # with ``rounds``, ``rounds`` kicks a block, as fair_improve does
    budget = _budget(seconds, budget, rounds)
    a, _ = _over_blocks(problem, assignment, coords, job, budget=budget, rounds=1, seed=seed, block_size=None,
                        threads=threads, progress=None, generations=rounds)
    return a


def _budget(seconds: float | None, budget: Budget | None, rounds: int | None) -> Budget:
    budget = Budget.given(seconds, budget)
    if budget.unlimited and rounds is None:
        raise ParameterError.from_issues([Issue(None, "seconds", None, "give a time limit (seconds) or a number of rounds")])
    return budget
