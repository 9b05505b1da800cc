"""Affinity for grouping large cohorts: the pairs worth weighing, and the rules as rules.

A dense affinity matrix needs about 40 bytes per pair (3.6 GB at 10,000 teachers). For
grouping, most pairs do not matter: a teacher's group holds three to five others, taken
from the few dozen who fit them best. :func:`sparse_affinity` keeps

- the weights of the peer graph (:func:`matcher.graph.peer_graph`): each teacher's ``k``
  best partners among candidates from the theme searches, the nearest schools and, for
  in-person-only teachers, *everyone* in reach (so their best partners are found among all
  they could meet);
- the hard constraints as rules rather than pairs: a :class:`~.meeting.MeetingRange`
  (in-person-only teachers meet only teachers within both travel limits; checked on the
  fly), and the few explicit forbidden pairs (colleagues at the same school, previous
  groupmates, keep-apart).

Scores of any pair, stored or not, are computed exactly when a group is explained.

Examples
--------
>>> from matcher.profiles.teacher import Cohort
>>> from matcher.samples.generate import generate_teachers
>>> cohort = Cohort.from_profiles(generate_teachers(60, seed=1))
>>> aff = sparse_affinity(cohort, k=8)
>>> aff.matrix.shape, bool((aff.matrix != aff.matrix.T).nnz == 0)
((60, 60), True)
>>> scores, terms, km = aff.block([0, 1, 2])
>>> scores.shape, bool(abs(scores - scores.T).max() == 0)
((3, 3), True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse

from ..affinity.terms import (
    AffinityOptions, AffinityWeights, PairScores, TeacherArrays, _keep_apart_keys, pairwise_affinity, score_pairs,
    teacher_arrays,
)
from ..graph.candidates import meeting_range
from ..graph.network import peer_graph
from ..pairkeys import pairs_from_keys, sorted_unique
from ..profiles.teacher import Cohort
from ..places.meeting import MeetingRange
from .grouping_affinity import DenseAffinity, GroupingAffinity, pair_coverage
from .pairsets import same_group_pairs

__all__ = ["SparseAffinity", "sparse_affinity", "cohort_affinity", "GRAPH_K", "DENSE_LIMIT"]

GRAPH_K = 24  # partners per teacher kept as weights (groups hold at most a handful)
DENSE_LIMIT = 3000  # teachers: beyond, the affinity is sparse (a dense one takes too much memory)


@dataclass(frozen=True, eq=False)
class SparseAffinity:
    """Sparse affinity of a cohort for grouping (see the module docstring).

    Attributes
    ----------
    ids : tuple of str
        Teacher ids, in row order.
    matrix : scipy.sparse.csr_array
        Symmetric scores of the stored (allowed) pairs.
    meeting : MeetingRange
        Places, travel limits and in-person-only teachers.
    forbidden : ndarray of int, shape (k, 2)
        Pairs ``i < j`` that may never share a group, whatever the distance.
    """

    ids: tuple[str, ...]
    matrix: sparse.csr_array[np.float64, tuple[int, int]]
    meeting: MeetingRange
    forbidden: npt.NDArray[np.int64]
    arrays: TeacherArrays
    rows: npt.NDArray[np.int64]
    weights: AffinityWeights
    options: AffinityOptions

    def _grid(self, rows_a: npt.ArrayLike, rows_b: npt.ArrayLike) -> tuple[PairScores, npt.NDArray[np.bool_]]:
        """Exact scores of every pair of ``rows_a`` x ``rows_b``, and the mask of pairs of
        two different teachers (a teacher with themself scores nothing)."""
        ra, rb = np.asarray(rows_a, dtype=np.int64), np.asarray(rows_b, dtype=np.int64)
        i, j = np.repeat(ra, rb.size), np.tile(rb, ra.size)
        s = score_pairs(self.arrays, self.rows[i], self.rows[j], self.weights, self.options)
        return s, (i != j).reshape(ra.size, rb.size)

    def block(
        self, rows: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.float64], dict[str, npt.NDArray[np.float64]], npt.NDArray[np.float64]]:
        """``(scores, terms, distance_km)`` among the teachers ``rows``, exact, as small
        dense arrays (what :func:`~.explain.describe` needs)."""
        s, off = self._grid(rows, rows)
        scores = np.where(off, s.total.reshape(off.shape), 0.0)
        terms = {t: np.where(off, v.reshape(off.shape), 0.0) for t, v in s.terms.items()}
        return scores, terms, s.detail["distance_km"].reshape(off.shape)

    def pair_block(
        self, rows_a: npt.ArrayLike, rows_b: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        """``(scores, allowed)`` of every pair of ``rows_a`` x ``rows_b``, exact."""
        s, off = self._grid(rows_a, rows_b)
        return np.where(off, s.total.reshape(off.shape), 0.0), s.allowed.reshape(off.shape)

    def coverage_block(self, rows_a: npt.ArrayLike, rows_b: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """:func:`~.grouping_affinity.pair_coverage` of every pair of ``rows_a`` x ``rows_b``."""
        ra, rb = np.asarray(rows_a, dtype=np.int64), np.asarray(rows_b, dtype=np.int64)
        i, j = np.repeat(ra, rb.size), np.tile(rb, ra.size)
        return pair_coverage(self.arrays, self.rows[i], self.rows[j]).reshape(ra.size, rb.size)

    def problem_weights(
        self, coverage: float
    ) -> tuple[sparse.csr_array[np.float64, tuple[int, int]], dict[str, Any]]:
        """The stored scores (plus ``coverage`` times pair coverage on the stored pairs) and
        the rules: forbidden pairs and the meeting range."""
        w = self.matrix
        if coverage:
            coo = sparse.coo_array(w)
            extra = pair_coverage(self.arrays, self.rows[coo.row], self.rows[coo.col])
            w = sparse.csr_array((coo.data + coverage * extra, (coo.row, coo.col)), shape=w.shape)
        return w, dict(forbidden=self.forbidden, meeting=self.meeting)

    def subset(self, rows: npt.ArrayLike) -> SparseAffinity:
        """The affinity of the teachers ``rows`` (in that order)."""
        rows = np.asarray(rows, dtype=np.int64)
        pos = np.full(len(self.ids), -1, dtype=np.int64)
        pos[rows] = np.arange(rows.size)
        f = pos[self.forbidden]
        f = f[(f >= 0).all(axis=1)] if len(f) else f.reshape(0, 2)
        return SparseAffinity(
            ids=tuple(self.ids[r] for r in rows),
            matrix=sparse.csr_array(self.matrix[rows][:, rows]),
            meeting=self.meeting.subset(rows),
            forbidden=np.sort(f, axis=1),
            arrays=self.arrays,
            rows=self.rows[rows],
            weights=self.weights,
            options=self.options,
        )


def _forbidden_pairs(a: TeacherArrays, options: AffinityOptions) -> np.ndarray:
    """Colleagues at one school (unless allowed), previous groupmates, keep-apart pairs."""
    n = a.n
    keys = []
    if not options.allow_same_school:
        x, y = same_group_pairs(a.school, np.arange(n))
        keys.append(x[x < y] * n + y[x < y])
    if options.avoid_previous and a.previous_keys.size:
        keys.append(a.previous_keys)
    if options.keep_apart:
        keys.append(_keep_apart_keys(a, options.keep_apart))
    if not keys:
        return np.zeros((0, 2), dtype=np.int64)
    k = np.concatenate(keys)
    i, j = np.minimum(k // n, k % n), np.maximum(k // n, k % n)
    return pairs_from_keys(sorted_unique(i * n + j), n)


def cohort_affinity(
    cohort: Cohort, weights: AffinityWeights | None = None, options: AffinityOptions | None = None, *, seed: int = 0
) -> GroupingAffinity:
    """Dense :func:`~matcher.affinity.pairwise_affinity` (as a
    :class:`~.grouping_affinity.DenseAffinity`) up to :data:`DENSE_LIMIT` teachers,
    :func:`sparse_affinity` beyond."""
    if len(cohort) > DENSE_LIMIT:
        return sparse_affinity(cohort, weights, options, seed=seed)
    return DenseAffinity(pairwise_affinity(cohort, weights, options), cohort)


def sparse_affinity(
    cohort: Cohort,
    weights: AffinityWeights | None = None,
    options: AffinityOptions | None = None,
    *,
    k: int = GRAPH_K,
    seed: int = 0,
) -> SparseAffinity:
    """The sparse affinity of ``cohort`` for grouping (see the module docstring).

    ``k`` partners per teacher are kept as weights (the graph is symmetrised, so a row may
    hold more); ``seed`` breaks ties and draws the search blocks of very large cohorts.
    """
    weights = weights or AffinityWeights()
    options = options or AffinityOptions()
    a = teacher_arrays(cohort)
    block = 2000 if a.n > 4000 else None  # beyond, theme searches in random blocks: linear time
    graph = peer_graph(
        cohort, k=k, weights=weights, options=options, candidates=("complement", "geo", "reach"),
        search_block=block, seed=seed,
    )
    return SparseAffinity(
        ids=cohort.ids,
        matrix=sparse.csr_array(graph.matrix),
        meeting=meeting_range(a),
        forbidden=_forbidden_pairs(a, options),
        arrays=a,
        rows=np.arange(a.n, dtype=np.int64),
        weights=weights,
        options=options,
    )
