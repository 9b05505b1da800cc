"""Near-optimal groups under a time limit: a population of local optima improved by
perturbation, group crossover and ejection, in compiled kernels (:mod:`._numba`).

:func:`improve` is a generator that yields every improving :class:`SearchState`;
:func:`solve` is the thin wrapper that returns the best one found within the limit.

Examples
--------
>>> import numpy as np
>>> w = np.array([[0, 9, 1, 1], [9, 0, 1, 1], [1, 1, 0, 9], [1, 1, 9, 0]], dtype=float)
>>> problem = GroupingProblem.from_size_range(w, (2, 2))
>>> best = solve(problem, rounds=5, seed=1)
>>> best.objective, bool(best.assignment[0] == best.assignment[1])
(18.0, True)

Notes
-----
The scheme follows the three-phase search of Yang et al., "A three-phase search approach
with dynamic population size for solving the maximally diverse grouping problem", EJOR
302(3), 2022, itself built on the iterated maxima search of Lai & Hao (EJOR 254(3), 2016):
every generation perturbs each member at random and descends (move and swap
neighbourhoods with O(1) deltas from an ``m x n`` gain matrix), crosses members over by
copying whole groups, and ejects each group's least connected member; the population and
the perturbation strength shrink as time runs out. Our descent rescans only the pairs of
groups whose gains changed. Independent islands run on separate threads (the kernels
release the GIL) and the best island wins.

Hard constraints: forbidden pairs carry a penalty larger than anything a member can gain
elsewhere, keep-together sets are contracted into one weighted element, locked groups are
taken out of the search.

Sparse (CSR) weights, for tens of thousands of members, use an iterated local search
instead: gains come from each member's stored row, a queue holds the members whose
neighbourhood changed, kicks swap members with neighbouring groups and are undone when
they make things worse.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from ..errors import InfeasibleError, Issue, ParameterError
from .budget import Budget
from .fairness import fair_improve
from .islands import population_island, sparse_island
from .params import SearchParams, default_threads
from .problem import GroupingProblem
from .reduced import IntArray, Reduced

__all__ = ["SearchParams", "SearchState", "Solution", "improve", "solve", "default_threads", "fair_improve"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class SearchState:
    """The best grouping found so far: ``assignment[i]`` is the group of member ``i``."""

    assignment: np.ndarray
    objective: float
    conflicts: int
    elapsed: float
    generation: int
    island: int


@dataclass(frozen=True, eq=False)
class Solution:
    """What :func:`solve` returns: the best state plus how the run went."""

    assignment: np.ndarray
    objective: float
    conflicts: int
    elapsed: float
    generations: int
    improvements: int
    seed: int
    threads: int


def _events(
    problem: GroupingProblem,
    *,
    seed: int,
    budget: Budget,
    rounds: int | None,
    params: SearchParams | None,
    start: np.ndarray | None,
    prefer: np.ndarray | None,
    stay_bonus: float,
    tick: float,
) -> Iterator[SearchState | None]:
    """Improving states, interleaved with ``None`` about every ``tick`` seconds."""
    _need_a_limit(budget, rounds)
    problem.validate()
    params = params or SearchParams.for_size(problem.n)
    threads = _threads(params, budget, rounds)
    red = Reduced(problem, prefer, stay_bonus)
    warm = None
    if start is not None:
        start = np.asarray(start, dtype=np.int64)
        if _warm_ok(problem, start):
            warm = red.to_units(start)
        else:
            log.info("start grouping ignored: it breaks the size bounds, a locked group or a keep-together set")
    stop = threading.Event()
    # islands compare by penalised value; across islands fewer broken pairs come first
    best_key = (np.inf, np.inf)

    def better(st: SearchState, f: float) -> bool:
        nonlocal best_key
        key = (st.conflicts, -f)
        if key < best_key:
            best_key = key
            return True
        return False

    def state(f: float, p: np.ndarray, gen: int, k: int) -> SearchState:
        a = red.expand(p)
        a.setflags(write=False)
        return SearchState(a, problem.objective(a), red.conflicts(a), budget.elapsed(), gen, k)

    if len(red.groups) == 0 or red.n_units == 0:
        a = red.locked_of.copy()
        a.setflags(write=False)
        yield SearchState(a, problem.objective(a), red.conflicts(a), budget.elapsed(), 0, 0)
        return
    island = sparse_island if red.sparse else (lambda *a: population_island(red, params, *a[1:]))
    if threads == 1:
        for f, p, gen in island(red, seed, 0, budget, rounds, stop, warm):
            st = state(f, p, gen, 0)
            if better(st, f):
                yield st
        return
    q: queue.Queue[tuple[int, tuple[float, IntArray, int] | BaseException | None]] = queue.Queue()

    def work(k: int) -> None:
        try:
            for item in island(red, seed, k, budget, rounds, stop, warm if k == 0 else None):
                q.put((k, item))
        except BaseException as exc:  # handed to the consumer, re-raised there
            q.put((k, exc))
        finally:
            q.put((k, None))

    workers = [threading.Thread(target=work, args=(k,), daemon=True, name=f"mdgp-island-{k}") for k in range(threads)]
    for w in workers:
        w.start()
    running = threads
    try:
        while running:
            try:
                k, item = q.get(timeout=tick)
            except queue.Empty:
                yield None
                continue
            if item is None:
                running -= 1
            elif isinstance(item, BaseException):
                raise item
            else:
                f, p, gen = item
                st = state(f, p, gen, k)
                if better(st, f):
                    yield st
    finally:
        stop.set()
        for w in workers:
            w.join()


def _need_a_limit(budget: Budget, rounds: int | None) -> None:
    if budget.unlimited and rounds is None:
        raise ParameterError.from_issues([Issue(None, "seconds", None, "give a time limit (seconds) or a number of rounds")])


def _threads(params: SearchParams, budget: Budget, rounds: int | None) -> int:
    """Islands to run: one for a very short timed run (threads would not pay), else as tuned."""
    short = rounds is None and budget.seconds is not None and budget.seconds <= 0.05
    return 1 if short else (params.threads or default_threads())


def _warm_ok(problem: GroupingProblem, a: np.ndarray) -> bool:
    """A start grouping is usable when only forbidden pairs (penalised anyway) are wrong."""
    if a.shape != (problem.n,) or (problem.n and (a.min() < 0 or a.max() >= problem.m)):
        return False
    sizes = np.bincount(a, minlength=problem.m)
    if not np.all((sizes >= problem.lower) & (sizes <= problem.upper)):
        return False
    if any(len({int(a[i]) for i in block}) > 1 for block in problem.blocks):
        return False
    return all(set(np.flatnonzero(a == g).tolist()) == set(ms) for g, ms in problem.locked.items())


def improve(
    problem: GroupingProblem,
    *,
    seed: int = 0,
    seconds: float | None = None,
    rounds: int | None = None,
    deadline: float | None = None,
    params: SearchParams | None = None,
    start: np.ndarray | None = None,
    prefer: np.ndarray | None = None,
    stay_bonus: float = 0.0,
    budget: Budget | None = None,
) -> Iterator[SearchState]:
    """Search for a grouping of ``problem``, yielding each improving :class:`SearchState`.

    Parameters
    ----------
    problem : GroupingProblem
        What to solve; it is validated first.
    seed : int
        Seeds every island. With ``rounds`` (and no time limit) the result depends only on
        the seed; with a time limit it also depends on how much work fits in the time.
    seconds, rounds, deadline : optional
        Stop after this many seconds (counted from the first ``next()``), generations per
        island, or at this ``time.monotonic()`` value, whichever comes first (at least one
        is needed).
    params : SearchParams, optional
        Tuning; default :meth:`SearchParams.for_size`.
    start : ndarray, optional
        A grouping to start from (used as one member of the first island's population
        when its sizes fit the bounds).
    prefer, stay_bonus : optional
        ``prefer[i]`` is a group member ``i`` should rather stay in (``-1``: none); staying
        earns ``stay_bonus`` times the largest pair weight. Used by repairs to move few people.
    budget : Budget, optional
        The time limit as a caller's :class:`~.budget.Budget` (instead of ``seconds`` and
        ``deadline``).

    Yields
    ------
    SearchState
        Strictly improving (in the penalised objective) best states, the first one right
        after construction.

    Raises
    ------
    InfeasibleError
        When the bounds or constraints cannot be met (see :meth:`GroupingProblem.validate`).
    ParameterError
        Without any limit, or with both a time limit and a budget.
    """
    for event in _events(
        problem,
        seed=seed,
        budget=Budget.given(seconds, budget, deadline=deadline),
        rounds=rounds,
        params=params,
        start=start,
        prefer=prefer,
        stay_bonus=stay_bonus,
        tick=0.25,
    ):
        if event is not None:
            yield event


def solve(
    problem: GroupingProblem,
    *,
    seconds: float | None = None,
    seed: int = 0,
    rounds: int | None = None,
    deadline: float | None = None,
    params: SearchParams | None = None,
    start: np.ndarray | None = None,
    prefer: np.ndarray | None = None,
    stay_bonus: float = 0.0,
    progress: Callable[[float, SearchState | None], None] | None = None,
    allow_conflicts: bool = False,
    budget: Budget | None = None,
) -> Solution:
    """The best grouping :func:`improve` finds within the limits.

    ``progress(fraction_of_time_used, best_state)`` is called on every improvement and
    about four times a second. Unless ``allow_conflicts``, a result in which forbidden
    pairs still share a group raises :class:`InfeasibleError` naming one such pair.
    Without ``seconds``, ``rounds``, ``deadline`` or ``budget`` the search runs for 10
    seconds; the time limit counts from the call (validation and set-up included).
    """
    if seconds is None and rounds is None and deadline is None and budget is None:
        seconds = 10.0
    budget = Budget.given(seconds, budget, deadline=deadline)
    params = params or SearchParams.for_size(problem.n)
    best: SearchState | None = None
    count = 0
    for event in _events(
        problem,
        seed=seed,
        budget=budget,
        rounds=rounds,
        params=params,
        start=start,
        prefer=prefer,
        stay_bonus=stay_bonus,
        tick=0.25,
    ):
        if event is not None and (best is None or _better(event, best)):
            best = event
            count += 1
        if progress is not None:
            progress(min(1.0, budget.used()), best)
    assert best is not None
    if best.conflicts and not allow_conflicts:
        example = _conflict_example(problem, best.assignment)
        raise InfeasibleError(
            f"could not find groups that keep every forbidden pair apart ({f'e.g. {example}; ' if example else ''}{best.conflicts} pair(s) "
            "in all); allow more time, widen the size range or relax keep-apart / same-school / travel constraints"
        )
    return Solution(
        assignment=best.assignment,
        objective=best.objective,
        conflicts=best.conflicts,
        elapsed=budget.elapsed(),
        generations=best.generation,
        improvements=count,
        seed=seed,
        threads=_threads(params, budget, rounds),
    )


def _conflict_example(problem: GroupingProblem, assignment: np.ndarray) -> str:
    """One broken pair rule of ``assignment`` in words, with its group and the pair's names
    ("group 3: Fergus meets online only; Sanjay in person only"), or ``""`` when none is broken."""
    return next((str(v) for v in problem.broken_rules(assignment) if v.kind == "pair"), "")


def _better(a: SearchState, b: SearchState) -> bool:
    return (a.conflicts, -a.objective) < (b.conflicts, -b.objective)
