"""Near-optimal groups under a time limit: a population of local optima improved by
perturbation, group crossover and ejection, in compiled kernels (:mod:`._kernels`).

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
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from ..errors import InfeasibleError
from .problem import GroupingProblem

__all__ = ["SearchParams", "SearchState", "Solution", "improve", "solve", "default_threads"]

log = logging.getLogger(__name__)


def _k():
    """The compiled kernels, imported on first use (importing numba takes a moment)."""
    from . import _kernels

    return _kernels


def _sk():
    """The compiled sparse-weight kernels, imported on first use."""
    from . import _sparse_kernels

    return _sparse_kernels


def default_threads() -> int:
    """Threads the search uses by default: the cores this process may run on (at most 4)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


@dataclass(frozen=True)
class SearchParams:
    """Tuning of the population search (defaults suit n = 100-500).

    Parameters
    ----------
    population, min_population : int
        Members per island at the start and at the end of the run (shrinks linearly).
    theta_start, theta_end : float
        Strength of the random perturbation, in units of ``n / m`` moves, at the start and
        the end of the run.
    eta : int
        Rounds of weakest-member ejection per member and generation.
    threads : int or None
        Independent islands run in parallel (``None``: one per core, see
        :func:`default_threads`).
    """

    population: int = 30
    min_population: int = 2
    theta_start: float = 1.2
    theta_end: float = 0.1
    eta: int = 3
    threads: int | None = None

    def __post_init__(self) -> None:
        if self.population < 1 or not 1 <= self.min_population <= self.population:
            raise ValueError("need 1 <= min_population <= population")
        if self.theta_start < 0 or self.theta_end < 0 or self.eta < 0:
            raise ValueError("theta_start, theta_end and eta must be >= 0")
        if self.threads is not None and self.threads < 1:
            raise ValueError("threads must be >= 1")

    @classmethod
    def for_size(cls, n: int, **overrides) -> SearchParams:
        """Defaults scaled to the problem size (larger problems: smaller populations,
        stronger perturbation, as in the published settings for n > 400)."""
        if n <= 400:
            base = cls()
        elif n <= 1500:
            base = cls(population=12, min_population=1, theta_start=2.0, theta_end=1.0)
        else:
            base = cls(population=4, min_population=1, theta_start=2.0, theta_end=1.0)
        return base if not overrides else cls(**{**base.__dict__, **overrides})


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


# ---------------------------------------------------------------------------- reduction


class _Reduced:
    """The problem as the kernels see it: locked groups removed, keep-together sets
    contracted into weighted units, forbidden pairs turned into penalties, and optional
    weightless anchors that reward members for staying in a preferred group."""

    def __init__(self, problem: GroupingProblem, prefer: np.ndarray | None, stay_bonus: float):
        self.problem = problem
        n, m = problem.n, problem.m
        locked_members = np.zeros(n, dtype=bool)
        self.locked_of = np.full(n, -1, dtype=np.int64)
        for g, members in problem.locked.items():
            locked_members[list(members)] = True
            self.locked_of[list(members)] = g
        self.groups = np.array([g for g in range(m) if g not in problem.locked], dtype=np.int64)  # reduced -> original
        free = np.flatnonzero(~locked_members)
        self.free_members = free
        pos = np.full(n, -1, dtype=np.int64)
        pos[free] = np.arange(free.size)
        # units: keep-together blocks (within the free members) and singletons
        unit_of = np.arange(free.size, dtype=np.int64)
        for block in problem.blocks:
            idx = pos[list(block)]
            unit_of[idx] = idx[0]
        _, unit_of = np.unique(unit_of, return_inverse=True)
        self.unit_of = unit_of.astype(np.int64)  # free member -> unit
        u = int(unit_of.max()) + 1 if free.size else 0
        self.n_units = u
        wt = np.bincount(unit_of, minlength=u).astype(np.int64)
        self.lo = problem.lower[self.groups].astype(np.int64)
        self.hi = problem.upper[self.groups].astype(np.int64)
        self.sparse = problem.is_sparse
        if self.sparse:
            self._init_sparse(problem, free, pos, unit_of, u, wt)
            return
        W = np.asarray(problem.weights)[np.ix_(free, free)]
        W = W - np.diag(np.diag(W))
        if u < free.size:
            S = sparse.csr_array((np.ones(free.size), (np.arange(free.size), unit_of)), shape=(free.size, u))
            D = np.asarray(S.T @ np.asarray(S.T @ W).T)
            np.fill_diagonal(D, 0.0)
        else:
            D = W.copy()
        self.scale = float(np.abs(D).max(initial=0.0)) or 1.0
        rows = np.abs(D).sum(axis=1)
        self.penalty = 4.0 * float(rows.max(initial=0.0)) + self.scale + 1.0
        pairs = problem.forbidden_pairs()
        if pairs.size:
            keep = (pos[pairs[:, 0]] >= 0) & (pos[pairs[:, 1]] >= 0)
            a = unit_of[pos[pairs[keep, 0]]]
            b = unit_of[pos[pairs[keep, 1]]]
            cross = a != b
            np.subtract.at(D, (a[cross], b[cross]), self.penalty)
            np.subtract.at(D, (b[cross], a[cross]), self.penalty)
        start = np.full(u, -1, dtype=np.int64)
        is_free = np.ones(u, dtype=bool)
        if prefer is not None and stay_bonus > 0:
            D, wt, start, is_free = self._add_anchors(D, wt, start, is_free, prefer, stay_bonus)
        self.D = np.ascontiguousarray(D)
        self.wt = wt
        self.start = start
        self.is_free = is_free
        self.eps = 1e-9 * self.scale

    def _init_sparse(self, problem, free, pos, unit_of, u, wt) -> None:
        W = sparse.csr_array(problem.weights)[free][:, free]
        if u < free.size:
            S = sparse.csr_array((np.ones(free.size), (np.arange(free.size), unit_of)), shape=(free.size, u))
            W = sparse.csr_array(S.T @ W @ S)
        W = sparse.csr_array(W - sparse.diags_array(W.diagonal()))
        W.eliminate_zeros()
        self.scale = float(np.abs(W.data).max(initial=0.0)) or 1.0
        rows = np.asarray(abs(W).sum(axis=1)).ravel()
        self.penalty = 4.0 * float(rows.max(initial=0.0)) + self.scale + 1.0
        pairs = problem.forbidden_pairs()
        if pairs.size:
            keep = (pos[pairs[:, 0]] >= 0) & (pos[pairs[:, 1]] >= 0)
            a = unit_of[pos[pairs[keep, 0]]]
            b = unit_of[pos[pairs[keep, 1]]]
            cross = a != b
            pen = sparse.csr_array(
                (np.full(2 * int(cross.sum()), -self.penalty), (np.concatenate([a[cross], b[cross]]), np.concatenate([b[cross], a[cross]]))),
                shape=(u, u),
            )
            W = sparse.csr_array(W + pen)
        W.sort_indices()
        # members of each unit, for the meeting range (checked member by member)
        umem = np.argsort(unit_of, kind="stable").astype(np.int64)
        uptr = np.concatenate([[0], np.cumsum(np.bincount(unit_of, minlength=u))]).astype(np.int64)
        where = problem.meeting
        if where is None:
            pts, thr, strict = np.zeros((free.size, 3)), np.zeros(free.size), np.zeros(free.size, dtype=bool)
        else:
            pts, thr, strict = where.points[free], where.threshold[free], where.in_person_only[free]
        ustrict = np.zeros(u, dtype=bool)
        np.logical_or.at(ustrict, unit_of, strict)
        self.csr = (
            W.indptr.astype(np.int64), W.indices.astype(np.int64), W.data.astype(np.float64),
            uptr, umem, np.ascontiguousarray(pts, dtype=np.float64), np.ascontiguousarray(thr, dtype=np.float64),
            np.ascontiguousarray(strict), ustrict,
        )
        self.D = None
        self.wt = wt
        self.start = np.full(u, -1, dtype=np.int64)
        self.is_free = np.ones(u, dtype=bool)
        self.eps = 1e-9 * self.scale

    def _add_anchors(self, D, wt, start, is_free, prefer, bonus):
        gi = {int(g): k for k, g in enumerate(self.groups)}
        u = D.shape[0]
        r = len(self.groups)
        links = np.zeros((r, u))
        for member_pos, member in enumerate(self.free_members):
            k = gi.get(int(prefer[member]), -1)
            if k >= 0:
                links[k, self.unit_of[member_pos]] += bonus * self.scale
        big = np.zeros((u + r, u + r))
        big[:u, :u] = D
        big[u:, :u] = links
        big[:u, u:] = links.T
        return (
            big,
            np.concatenate([wt, np.zeros(r, dtype=np.int64)]),
            np.concatenate([start, np.arange(r, dtype=np.int64)]),
            np.concatenate([is_free, np.zeros(r, dtype=bool)]),
        )

    def to_units(self, assignment: np.ndarray) -> np.ndarray:
        """Reduced assignment (units and anchors) of a full assignment."""
        back = {int(g): k for k, g in enumerate(self.groups)}
        out = self.start.copy()
        for member_pos, member in enumerate(self.free_members):
            out[self.unit_of[member_pos]] = back[int(assignment[member])]
        return out

    def expand(self, p: np.ndarray) -> np.ndarray:
        """Full assignment (original members and groups) of a reduced one."""
        a = self.locked_of.copy()
        a[self.free_members] = self.groups[p[self.unit_of]]
        return a

    def conflicts(self, assignment: np.ndarray) -> int:
        return len(self.problem.broken_pairs(assignment))


# ---------------------------------------------------------------------------- islands


class _Clock:
    def __init__(self, seconds: float | None, rounds: int | None, deadline: float | None):
        self.t0 = time.monotonic()
        if deadline is None and seconds is not None:
            deadline = self.t0 + max(0.0, seconds)
        self.deadline = deadline
        self.rounds = rounds
        self.span = None if deadline is None else max(deadline - self.t0, 1e-9)

    def elapsed(self) -> float:
        return time.monotonic() - self.t0

    def fraction(self, generation: int) -> float:
        parts = []
        if self.deadline is not None:
            parts.append((time.monotonic() - self.t0) / self.span)
        if self.rounds is not None:
            parts.append(generation / max(self.rounds, 1))
        return max(parts) if parts else 0.0


def _island(red: _Reduced, params: SearchParams, seed: int, k: int, clock: _Clock, stop: threading.Event, warm):
    """One island's run: yields ``(objective, reduced assignment, generation)`` on improvement."""
    K = _k()
    u = red.D.shape[0]
    r = len(red.groups)
    rng = K.seed_state(np.uint64((seed * 1_000_003 + k) % (1 << 63)))
    beta = params.population
    pop = np.empty((beta, u), dtype=np.int64)
    fit = np.empty(beta)
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
        frac = clock.fraction(gen)
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


def _sparse_island(red: _Reduced, seed: int, k: int, clock: _Clock, stop: threading.Event, warm):
    """Iterated local search on sparse weights: yields ``(objective, assignment, kicks)``."""
    K = _sk()
    G = red.csr
    r = len(red.groups)
    if r == 0:
        return
    rng = _k().seed_state(np.uint64((seed * 1_000_003 + k) % (1 << 63)))
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
        if done and clock.fraction(done) >= 1.0:
            break
        t = time.monotonic()
        f, _ = K.sp_iterate(G, p, red.wt, red.lo, red.hi, red.is_free, red.penalty, kicks, 3, red.eps, rng, best_p, done == 0)
        done += 1
        if f > best_f + red.eps:
            best_f = f
            yield f, best_p.copy(), done
        if clock.deadline is None:
            continue  # a fixed amount of work per round: reproducible
        took = time.monotonic() - t
        kicks = int(min(max(kicks * (0.25 / max(took, 1e-3)), 16), 1 << 20))
        if clock.deadline is not None:  # do not overrun the deadline by a whole chunk
            left = clock.deadline - time.monotonic()
            kicks = max(1, min(kicks, int(kicks * left / 0.25) if left < 0.25 else kicks))


def _events(
    problem: GroupingProblem,
    *,
    seed: int,
    seconds: float | None,
    rounds: int | None,
    deadline: float | None,
    params: SearchParams | None,
    start: np.ndarray | None,
    prefer: np.ndarray | None,
    stay_bonus: float,
    tick: float,
) -> Iterator[SearchState | None]:
    """Improving states, interleaved with ``None`` about every ``tick`` seconds."""
    if seconds is None and rounds is None and deadline is None:
        raise ValueError("give a time limit (seconds) or a number of rounds")
    problem.validate()
    params = params or SearchParams.for_size(problem.n)
    threads = params.threads or default_threads()
    if rounds is None and seconds is not None and seconds <= 0.05:
        threads = 1
    red = _Reduced(problem, prefer, stay_bonus)
    warm = None
    if start is not None:
        start = np.asarray(start, dtype=np.int64)
        if _warm_ok(problem, start):
            warm = red.to_units(start)
        else:
            log.info("start grouping ignored: it breaks the size bounds, a locked group or a keep-together set")
    clock = _Clock(seconds, rounds, deadline)
    stop = threading.Event()
    best = -np.inf

    def state(f: float, p: np.ndarray, gen: int, k: int) -> SearchState:
        a = red.expand(p)
        a.setflags(write=False)
        return SearchState(a, problem.objective(a), red.conflicts(a), clock.elapsed(), gen, k)

    if len(red.groups) == 0 or red.n_units == 0:
        a = red.locked_of.copy()
        a.setflags(write=False)
        yield SearchState(a, problem.objective(a), red.conflicts(a), clock.elapsed(), 0, 0)
        return
    island = _sparse_island if red.sparse else (lambda *a: _island(red, params, *a[1:]))
    if threads == 1:
        for f, p, gen in island(red, seed, 0, clock, stop, warm):
            if f > best:
                best = f
                yield state(f, p, gen, 0)
        return
    q: queue.Queue = queue.Queue()

    def work(k: int) -> None:
        try:
            for item in island(red, seed, k, clock, stop, warm if k == 0 else None):
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
                if f > best:
                    best = f
                    yield state(f, p, gen, k)
    finally:
        stop.set()
        for w in workers:
            w.join()


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
        Stop after this many seconds, generations per island, or at this
        ``time.monotonic()`` value, whichever comes first (at least one is needed).
    params : SearchParams, optional
        Tuning; default :meth:`SearchParams.for_size`.
    start : ndarray, optional
        A grouping to start from (used as one member of the first island's population
        when its sizes fit the bounds).
    prefer, stay_bonus : optional
        ``prefer[i]`` is a group member ``i`` should rather stay in (``-1``: none); staying
        earns ``stay_bonus`` times the largest pair weight. Used by repairs to move few people.

    Yields
    ------
    SearchState
        Strictly improving (in the penalised objective) best states, the first one right
        after construction.

    Raises
    ------
    InfeasibleError
        When the bounds or constraints cannot be met (see :meth:`GroupingProblem.validate`).
    """
    for event in _events(
        problem,
        seed=seed,
        seconds=seconds,
        rounds=rounds,
        deadline=deadline,
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
) -> Solution:
    """The best grouping :func:`improve` finds within the limits.

    ``progress(fraction_of_time_used, best_state)`` is called on every improvement and
    about four times a second. Unless ``allow_conflicts``, a result in which forbidden
    pairs still share a group raises :class:`InfeasibleError` naming one such pair.
    Without ``seconds``, ``rounds`` or ``deadline`` the search runs for 10 seconds.
    """
    if seconds is None and rounds is None and deadline is None:
        seconds = 10.0
    params = params or SearchParams.for_size(problem.n)
    best: SearchState | None = None
    count = 0
    t0 = time.monotonic()
    total = seconds
    if deadline is not None:
        total = max(deadline - t0, 1e-9)
    for event in _events(
        problem,
        seed=seed,
        seconds=seconds,
        rounds=rounds,
        deadline=deadline,
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
            frac = min(1.0, (time.monotonic() - t0) / total) if total else 0.0
            progress(frac, best)
    assert best is not None
    if best.conflicts and not allow_conflicts:
        example = next((v for v in problem.violations(best.assignment) if "share" in v), "")
        raise InfeasibleError(
            f"could not find groups that keep every forbidden pair apart (e.g. {example}; {best.conflicts} pair(s) "
            "in all); allow more time, widen the size range or relax keep-apart / same-school / travel constraints"
        )
    threads = (params.threads or default_threads()) if not (rounds is None and seconds is not None and seconds <= 0.05) else 1
    return Solution(
        assignment=best.assignment,
        objective=best.objective,
        conflicts=best.conflicts,
        elapsed=time.monotonic() - t0,
        generations=best.generation,
        improvements=count,
        seed=seed,
        threads=threads,
    )


def _better(a: SearchState, b: SearchState) -> bool:
    return (a.conflicts, -a.objective) < (b.conflicts, -b.objective)


def fair_improve(
    problem: GroupingProblem,
    assignment: np.ndarray,
    *,
    fairness: float,
    seconds: float | None = None,
    rounds: int | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Re-balance ``assignment`` for ``(1 - fairness) * total / total0 + fairness *
    softmin(u) / mean(u0)``, where ``u`` are the members' mean links to their groupmates
    and ``total0``/``u0`` those of the start. Hill climbing over moves and swaps, then
    small random kicks from the best while time (or ``rounds`` kicks) remain.
    Returns the best assignment found (never worse on this objective than the start)."""
    if not 0.0 < fairness <= 1.0:
        return np.asarray(assignment)
    K = _k()
    red = _Reduced(problem, None, 0.0)
    r = len(red.groups)
    if r == 0 or red.n_units == 0:
        return np.asarray(assignment)
    deadline = None if seconds is None else time.monotonic() + seconds
    p = red.to_units(np.asarray(assignment, dtype=np.int64))
    Gt = K.gain_matrix(red.D, p, r)
    sizes = K.group_sizes(p, red.wt, r)
    t0 = max(abs(K.objective(Gt, p)), 1e-12)
    links = [Gt[p[v], v] / max(sizes[p[v]] - red.wt[v], 1) for v in range(red.n_units) if red.wt[v] > 0]
    u0 = max(float(np.mean(links)) if links else 1.0, 1e-9 * red.scale, 1e-12)
    tau = 0.1 * u0
    rng = K.seed_state(np.uint64((seed * 7_919 + 17) % (1 << 63)))
    lam = float(fairness)

    def climb(p, Gt, sizes):
        value = K.fair_value(Gt, p, sizes, red.wt, lam, t0, u0, tau)
        while True:
            new = K.fair_climb(red.D, Gt, p, sizes, red.wt, red.lo, red.hi, red.is_free, lam, t0, u0, tau, 1e-12, rng, 50)
            if new <= value + 1e-12 or (deadline is not None and time.monotonic() > deadline):
                return max(new, value)
            value = new

    best_v = climb(p, Gt, sizes)
    best_p = p.copy()
    kicks = 0
    while (rounds is None or kicks < rounds) and (deadline is None or time.monotonic() < deadline):
        if rounds is None and deadline is None:
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
