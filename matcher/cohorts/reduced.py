"""The grouping problem as the compiled kernels see it.

Locked groups are taken out, keep-together sets are contracted into weighted units,
forbidden pairs become penalties (larger than anything a member can gain elsewhere), and
optional weightless anchors reward members for staying in a preferred group (repairs).
Dense problems become one ``D`` matrix; sparse ones a CSR graph plus the members' places
for the meeting range (see :mod:`._numba.sparse`).

>>> import numpy as np
>>> from matcher.cohorts.problem import GroupingProblem
>>> red = Reduced(GroupingProblem(np.ones((4, 4)), [2, 2], [2, 2], keep_together=[(0, 1)]), None, 0.0)
>>> red.n_units, red.wt.tolist()
(3, [2, 1, 1])
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse

from ..errors import Issue, ParameterError
from .problem import GroupingProblem

__all__ = ["Reduced", "kernels", "sparse_kernels"]


IntArray = npt.NDArray[np.int64]


def kernels() -> ModuleType:
    """The compiled dense kernels (:mod:`._numba`), imported on first use."""
    from . import _numba  # lazy: importing numba and loading the compiled kernels takes a moment

    return _numba


def sparse_kernels() -> ModuleType:
    """The compiled sparse-weight kernels (:mod:`._numba.sparse`), imported on first use."""
    from ._numba import sparse  # lazy: importing numba and loading the compiled kernels takes a moment

    return sparse


def _forbidden_units(problem: GroupingProblem, pos: IntArray, unit_of: IntArray) -> tuple[IntArray, IntArray]:
    """Forbidden pairs between free members, as pairs of (different) units."""
    pairs = problem.forbidden_pairs()
    keep = (pos[pairs[:, 0]] >= 0) & (pos[pairs[:, 1]] >= 0)
    a = unit_of[pos[pairs[keep, 0]]]
    b = unit_of[pos[pairs[keep, 1]]]
    return a[a != b], b[a != b]


class Reduced:
    """The problem as the kernels see it: locked groups removed, keep-together sets
    contracted into weighted units, forbidden pairs turned into penalties, and optional
    weightless anchors that reward members for staying in a preferred group."""

    #: dense unit weights (None for sparse problems, which have ``csr`` instead)
    D: npt.NDArray[np.float64] | None
    #: sparse problems: (indptr, indices, data, unit ptr, unit members, points, thresholds,
    #: in-person-only members, in-person-only units), as :mod:`._numba.sparse` takes them
    csr: tuple[npt.NDArray[Any], ...]

    def __init__(self, problem: GroupingProblem, prefer: npt.NDArray[np.integer[Any]] | None, stay_bonus: float) -> None:
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
            if idx[0] >= 0:  # a set inside a locked group is not searched at all
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
            if prefer is not None and stay_bonus > 0:
                raise ParameterError.from_issues([Issue(None, "prefer", None, "a preferred group (prefer, stay_bonus) needs dense weights")])
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
        a, b = _forbidden_units(problem, pos, unit_of)
        np.subtract.at(D, (a, b), self.penalty)
        np.subtract.at(D, (b, a), self.penalty)
        start = np.full(u, -1, dtype=np.int64)
        is_free = np.ones(u, dtype=bool)
        if prefer is not None and stay_bonus > 0:
            D, wt, start, is_free = self._add_anchors(D, wt, start, is_free, prefer, stay_bonus)
        self.D = np.ascontiguousarray(D)
        self.wt = wt
        self.start = start
        self.is_free = is_free
        self.eps = 1e-9 * self.scale

    def _init_sparse(
        self, problem: GroupingProblem, free: IntArray, pos: IntArray, unit_of: IntArray, u: int, wt: IntArray
    ) -> None:
        W = sparse.csr_array(problem.weights)[free][:, free]
        if u < free.size:
            S = sparse.csr_array((np.ones(free.size), (np.arange(free.size), unit_of)), shape=(free.size, u))
            W = sparse.csr_array(S.T @ W @ S)
        W = sparse.csr_array(W - sparse.diags_array(W.diagonal()))
        W.eliminate_zeros()
        self.scale = float(np.abs(W.data).max(initial=0.0)) or 1.0
        rows: npt.NDArray[np.float64] = np.asarray(abs(W).sum(axis=1)).ravel()
        self.penalty = 4.0 * float(rows.max(initial=0.0)) + self.scale + 1.0
        a, b = _forbidden_units(problem, pos, unit_of)
        if a.size:
            pen = sparse.csr_array((np.full(2 * a.size, -self.penalty), (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(u, u))
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

    def _add_anchors(
        self,
        D: npt.NDArray[np.float64],
        wt: IntArray,
        start: IntArray,
        is_free: npt.NDArray[np.bool_],
        prefer: npt.NDArray[np.integer[Any]],
        bonus: float,
    ) -> tuple[npt.NDArray[np.float64], IntArray, IntArray, npt.NDArray[np.bool_]]:
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

    def to_units(self, assignment: npt.NDArray[np.integer[Any]]) -> IntArray:
        """Reduced assignment (units and anchors) of a full assignment."""
        back = {int(g): k for k, g in enumerate(self.groups)}
        out = self.start.copy()
        for member_pos, member in enumerate(self.free_members):
            out[self.unit_of[member_pos]] = back[int(assignment[member])]
        return out

    def expand(self, p: IntArray) -> IntArray:
        """Full assignment (original members and groups) of a reduced one."""
        a = self.locked_of.copy()
        a[self.free_members] = self.groups[p[self.unit_of]]
        return a

    def conflicts(self, assignment: npt.NDArray[np.integer[Any]]) -> int:
        return len(self.problem.broken_pairs(assignment))
