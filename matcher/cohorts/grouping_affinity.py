"""What the cohort engine asks of an affinity, dense or sparse: one protocol, two kinds.

A cohort's affinity is either dense (:class:`~matcher.affinity.terms.Affinity`: every pair
scored, about 40 bytes a pair) or sparse (:class:`~.sparse_affinity.SparseAffinity`: each
teacher's best partners as weights, the rules as rules). The engine never asks which: it
calls the methods of :class:`GroupingAffinity` — the weights and hard constraints of a
:class:`~.problem.GroupingProblem`, exact scores of any block of pairs, a subset — and
:class:`DenseAffinity` gives a dense affinity those methods. :func:`as_grouping_affinity`
is the one place that tells the kinds apart, at the public entry points.

Examples
--------
>>> from matcher.affinity.terms import pairwise_affinity
>>> from matcher.profiles.teacher import Cohort
>>> from matcher.samples.generate import generate_teachers
>>> cohort = Cohort.from_profiles(generate_teachers(12, seed=2))
>>> aff = as_grouping_affinity(pairwise_affinity(cohort), cohort)
>>> isinstance(aff, GroupingAffinity), aff.subset([0, 1, 2]).ids == cohort.ids[:3]
(True, True)
>>> w, rules = aff.problem_weights(0.5)
>>> w.shape, sorted(rules)
((12, 12), ['allowed'])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
from scipy import sparse

from ..affinity.terms import Affinity, TeacherArrays, cover_share, teacher_arrays
from ..profiles.teacher import Cohort

__all__ = ["GroupingAffinity", "DenseAffinity", "as_grouping_affinity", "pair_coverage", "coverage_matrix"]

Weights = npt.NDArray[np.float64] | sparse.sparray


def pair_coverage(a: TeacherArrays, i: npt.NDArray[np.int64], j: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """For the pairs ``(i[k], j[k])``: share of ``i``'s challenges that ``j`` covers plus the
    share of ``j``'s that ``i`` covers (0..2), by a strength or shared experience
    (:func:`matcher.affinity.arrays.cover_share`, the one definition)."""
    both: npt.NDArray[np.float64] = cover_share(a, j, i) + cover_share(a, i, j)
    return both


def coverage_matrix(cohort: Cohort) -> npt.NDArray[np.float64]:
    """``C[i, j]`` = :func:`pair_coverage` of every pair, a pairwise stand-in for group coverage
    (computed in row blocks, so the temporaries stay small)."""
    a = teacher_arrays(cohort)
    n = len(cohort)
    out = np.empty((n, n))
    cols = np.arange(n)
    for start in range(0, n, 256):
        rows = np.arange(start, min(start + 256, n))
        out[rows] = pair_coverage(a, np.repeat(rows, n), np.tile(cols, rows.size)).reshape(rows.size, n)
    return out


@runtime_checkable
class GroupingAffinity(Protocol):
    """The affinity of a cohort as the grouping engine uses it (rows in cohort order)."""

    @property
    def ids(self) -> tuple[str, ...]:
        """Teacher ids, in row order (read-only: the implementations are frozen)."""
        ...

    def problem_weights(self, coverage: float) -> tuple[Weights, dict[str, Any]]:
        """Weights of a :class:`~.problem.GroupingProblem` (scores plus ``coverage`` times
        :func:`pair_coverage`) and its hard constraints as keyword arguments."""
        ...

    def pair_block(
        self, rows_a: npt.ArrayLike, rows_b: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        """``(scores, allowed)`` of every pair of ``rows_a`` x ``rows_b``, exact."""
        ...

    def coverage_block(self, rows_a: npt.ArrayLike, rows_b: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """:func:`pair_coverage` of every pair of ``rows_a`` x ``rows_b``."""
        ...

    def block(
        self, rows: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.float64], dict[str, npt.NDArray[np.float64]], npt.NDArray[np.float64]]:
        """``(scores, terms, distance_km)`` among the teachers ``rows``, exact."""
        ...

    def subset(self, rows: npt.ArrayLike) -> GroupingAffinity:
        """The affinity of the teachers ``rows`` only, in that order."""
        ...


@dataclass(frozen=True, eq=False)
class DenseAffinity:
    """A dense :class:`~matcher.affinity.terms.Affinity` of ``cohort`` as a
    :class:`GroupingAffinity` (its matrices are read as they are)."""

    affinity: Affinity
    cohort: Cohort = field(repr=False)

    @property
    def ids(self) -> tuple[str, ...]:
        return self.affinity.ids

    # the dense matrices, for callers that read them directly
    @property
    def scores(self) -> np.ndarray:
        return self.affinity.scores

    @property
    def allowed(self) -> np.ndarray:
        return self.affinity.allowed

    @property
    def terms(self) -> dict[str, np.ndarray]:
        return self.affinity.terms

    @property
    def distance_km(self) -> np.ndarray:
        return self.affinity.distance_km

    @cached_property
    def _arrays(self) -> TeacherArrays:
        return teacher_arrays(self.cohort)

    def problem_weights(self, coverage: float) -> tuple[npt.NDArray[np.float64], dict[str, Any]]:
        w = np.array(self.affinity.scores, dtype=np.float64)
        if coverage:
            w += coverage * coverage_matrix(self.cohort)
        return w, dict(allowed=self.affinity.allowed)

    def pair_block(
        self, rows_a: npt.ArrayLike, rows_b: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        ix = np.ix_(np.asarray(rows_a, dtype=np.int64), np.asarray(rows_b, dtype=np.int64))
        return np.asarray(self.affinity.scores)[ix], np.asarray(self.affinity.allowed)[ix]

    def coverage_block(self, rows_a: npt.ArrayLike, rows_b: npt.ArrayLike) -> npt.NDArray[np.float64]:
        ra, rb = np.asarray(rows_a, dtype=np.int64), np.asarray(rows_b, dtype=np.int64)
        return pair_coverage(self._arrays, np.repeat(ra, rb.size), np.tile(rb, ra.size)).reshape(ra.size, rb.size)

    def block(
        self, rows: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.float64], dict[str, npt.NDArray[np.float64]], npt.NDArray[np.float64]]:
        ix = np.ix_(np.asarray(rows, dtype=np.int64), np.asarray(rows, dtype=np.int64))
        return (
            np.asarray(self.affinity.scores[ix], dtype=np.float64),
            {t: np.asarray(m[ix], dtype=np.float64) for t, m in self.affinity.terms.items()},
            np.asarray(self.affinity.distance_km[ix], dtype=np.float64),
        )

    def subset(self, rows: npt.ArrayLike) -> DenseAffinity:
        idx = np.asarray(rows, dtype=np.int64)
        a = self.affinity
        ix = np.ix_(idx, idx)
        sub = Affinity(
            ids=tuple(a.ids[r] for r in idx),
            scores=a.scores[ix],
            allowed=a.allowed[ix],
            terms={t: m[ix] for t, m in a.terms.items()},
            distance_km=a.distance_km[ix],
        )
        return DenseAffinity(sub, self.cohort.subset(sub.ids))


def as_grouping_affinity(affinity: GroupingAffinity | Affinity, cohort: Cohort) -> GroupingAffinity:
    """``affinity`` of ``cohort`` as a :class:`GroupingAffinity`: as it is when it already is
    one (e.g. a :class:`~.sparse_affinity.SparseAffinity`), else a :class:`DenseAffinity`."""
    return affinity if isinstance(affinity, GroupingAffinity) else DenseAffinity(affinity, cohort)
