"""Exact optimum and upper bounds for small grouping problems (CP-SAT, OR-Tools).

Use it to certify the search on small cohorts (up to about 30 members) and to report how
far any grouping can be from the best possible one.

Examples
--------
>>> import numpy as np
>>> from matcher.cohorts.problem import GroupingProblem
>>> w = np.array([[0, 9, 1, 1], [9, 0, 1, 1], [1, 1, 0, 9], [1, 1, 9, 0]], dtype=float)
>>> result = solve_exact(GroupingProblem.from_size_range(w, (2, 2)), seconds=5)
>>> result.optimal, result.objective, result.bound
(True, 18.0, 18.0)
>>> relaxation_bound(GroupingProblem.from_size_range(w, (2, 2)))
18.0
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ..errors import InfeasibleError, Issue, ParameterError
from .problem import GroupingProblem

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

__all__ = ["ExactResult", "solve_exact", "relaxation_bound", "MAX_EXACT_MEMBERS"]

MAX_EXACT_MEMBERS = 60  # beyond this the model grows past what CP-SAT proves in reasonable time


@dataclass(frozen=True, eq=False)
class ExactResult:
    """What CP-SAT found: the best grouping (if any), its objective, a proven upper bound
    and whether that grouping is proven optimal."""

    assignment: npt.NDArray[np.int64] | None
    objective: float | None
    bound: float
    optimal: bool
    status: str
    seconds: float

    @property
    def gap(self) -> float | None:
        """Relative distance from the objective to the proven bound (0 when optimal)."""
        if self.objective is None:
            return None
        return (self.bound - self.objective) / max(abs(self.bound), 1e-12)


def relaxation_bound(problem: GroupingProblem) -> float:
    """A quick upper bound on the objective: every member keeps at most its best
    ``s - 1`` positive weights, ``s`` the largest group size; each pair counts from both
    ends, so the total is halved. Ignores constraints, so it holds for any grouping."""
    s = int(problem.upper.max(initial=1))
    if s <= 1 or problem.n < 2:
        return 0.0
    k = min(s - 1, problem.n - 1)
    if not isinstance(problem.weights, np.ndarray):
        w = problem.weights.tocsr()
        total = 0.0
        for i in range(problem.n):
            lo, hi = w.indptr[i], w.indptr[i + 1]
            vals = w.data[lo:hi][(w.indices[lo:hi] != i) & (w.data[lo:hi] > 0)]
            total += float(np.sort(vals)[::-1][:k].sum())
        return total / 2.0
    dense = np.array(problem.weights)
    np.fill_diagonal(dense, 0.0)
    top = -np.sort(-np.maximum(dense, 0.0), axis=1)[:, :k]
    return float(top.sum() / 2.0)


def solve_exact(
    problem: GroupingProblem,
    *,
    seconds: float = 10.0,
    seed: int = 0,
    workers: int = 2,
    hint: npt.NDArray[np.integer[Any]] | None = None,
    precision: int = 3,
) -> ExactResult:
    """Solve ``problem`` with CP-SAT within ``seconds``.

    Weights are scaled by ``10**precision`` and rounded to integers (CP-SAT needs
    integers); the objective returned is recomputed from the real weights and the bound is
    widened by the largest possible rounding error, so it stays a true upper bound.

    Raises
    ------
    InfeasibleError
        When CP-SAT proves that no grouping meets the constraints.
    ParameterError
        For problems larger than :data:`MAX_EXACT_MEMBERS` members.
    """
    from ortools.sat.python import cp_model  # lazy: OR-Tools is heavy and only exact solving needs it

    problem.validate()
    n, m = problem.n, problem.m
    if n > MAX_EXACT_MEMBERS:
        raise ParameterError.from_issues(
            [Issue(None, "problem", f"{n} members", f"exact solving is for small problems (at most {MAX_EXACT_MEMBERS} members)")],
            summary=f"exact solving is for small problems (at most {MAX_EXACT_MEMBERS} members, got {n})",
        )
    t0 = time.monotonic()
    w = np.array(problem.weights) if isinstance(problem.weights, np.ndarray) else problem.weights.toarray()
    scale = 10**precision
    W = np.rint(w * scale).astype(np.int64)
    model = cp_model.CpModel()
    x = [[model.new_bool_var(f"x{i}_{g}") for g in range(m)] for i in range(n)]
    for i in range(n):
        model.add_exactly_one(x[i])
    for g in range(m):
        total = sum(x[i][g] for i in range(n))
        model.add(total >= int(problem.lower[g]))
        model.add(total <= int(problem.upper[g]))
    for g, members in problem.locked.items():
        for i in range(n):
            model.add(x[i][g] == (1 if i in members else 0))
    for block in problem.blocks:
        for i in block[1:]:
            for g in range(m):
                model.add(x[i][g] == x[block[0]][g])
    forbidden = {(int(a), int(b)) for a, b in problem.forbidden_pairs()}
    for a, b in forbidden:
        for g in range(m):
            model.add_bool_or([x[a][g].Not(), x[b][g].Not()])
    # y[i, j]: i and j share a group, linked exactly to x through z[i, j, g] = x[i, g] and x[j, g]
    y = {}
    for i in range(n):
        for j in range(i + 1, n):
            if (i, j) in forbidden:
                continue
            yij = model.new_bool_var(f"y{i}_{j}")
            same = []
            for g in range(m):
                z = model.new_bool_var(f"z{i}_{j}_{g}")
                model.add_implication(z, x[i][g])
                model.add_implication(z, x[j][g])
                model.add_bool_or([x[i][g].Not(), x[j][g].Not(), z])
                same.append(z)
            model.add(yij == sum(same))
            y[i, j] = y[j, i] = yij
    # degree: i shares its group with (size of its group - 1) others; tightens the relaxation
    size = [model.new_int_var(int(problem.lower[g]), int(problem.upper[g]), f"s{g}") for g in range(m)]
    for g in range(m):
        model.add(size[g] == sum(x[i][g] for i in range(n)))
    for i in range(n):
        others = []
        for g in range(m):
            t = model.new_int_var(0, max(int(problem.upper[g]) - 1, 0), f"t{i}_{g}")
            model.add(t == size[g] - 1).only_enforce_if(x[i][g])
            model.add(t == 0).only_enforce_if(x[i][g].Not())
            others.append(t)
        model.add(sum(y[i, j] for j in range(n) if j != i and (i, j) in y) == sum(others))
    if n <= 30:  # transitivity: sharing is an equivalence relation
        for i in range(n):
            for j in range(i + 1, n):
                for k in range(j + 1, n):
                    if (i, j) in y and (j, k) in y and (i, k) in y:
                        model.add(y[i, j] + y[j, k] - y[i, k] <= 1)
                        model.add(y[i, j] - y[j, k] + y[i, k] <= 1)
                        model.add(-y[i, j] + y[j, k] + y[i, k] <= 1)
    terms = [int(W[i, j]) * y[i, j] for i in range(n) for j in range(i + 1, n) if (i, j) in y and W[i, j] != 0]
    _break_symmetry(model, x, problem)
    model.maximize(sum(terms))
    if hint is not None:
        for i in range(n):
            for g in range(m):
                model.add_hint(x[i][g], int(hint[i]) == g)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(seconds)
    solver.parameters.num_workers = int(workers)
    solver.parameters.random_seed = int(seed)
    status = solver.solve(model)
    name = solver.status_name(status)
    if status == cp_model.INFEASIBLE:
        raise InfeasibleError("no grouping meets all the constraints (proven by CP-SAT)")
    rounding = 0.5 * np.count_nonzero(np.triu(W != 0, 1)) / scale
    bound = solver.best_objective_bound / scale + rounding
    bound = min(bound, relaxation_bound(problem))  # the relaxation ignores constraints: always valid
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        best = np.array([next(g for g in range(m) if solver.value(x[i][g])) for i in range(n)], dtype=np.int64)
        best.setflags(write=False)
        obj = problem.objective(best)
        optimal = status == cp_model.OPTIMAL
        if optimal and rounding == 0:
            bound = obj
        return ExactResult(best, obj, max(bound, obj), optimal, name, time.monotonic() - t0)
    return ExactResult(None, None, bound if math.isfinite(bound) else relaxation_bound(problem), False, name,
                       time.monotonic() - t0)


def _break_symmetry(model: cp_model.CpModel, x: list[list[cp_model.IntVar]], problem: GroupingProblem) -> None:
    """Groups with identical bounds (and not locked) are interchangeable: the first free
    member may only open the first such group, the second one of the first two, etc."""
    n, m = problem.n, problem.m
    locked_members = {i for s in problem.locked.values() for i in s}
    classes: dict[tuple[int, int], list[int]] = {}
    for g in (g for g in range(m) if g not in problem.locked):
        classes.setdefault((int(problem.lower[g]), int(problem.upper[g])), []).append(g)
    free = [i for i in range(n) if i not in locked_members]
    for groups in classes.values():
        if len(groups) < 2:
            continue
        # the k-th free member can only be in one of the first k+1 groups of the class
        for k, i in enumerate(free[: len(groups) - 1]):
            for g in groups[k + 1 :]:
                model.add(x[i][g] == 0)
