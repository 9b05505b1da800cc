"""A sparse k-nearest-neighbour affinity graph of a cohort (views to analyse it: :mod:`.views`).

Scoring every pair is quadratic, so the graph is built in two stages. Cheap *candidate*
sources propose, for each teacher, a few dozen likely partners:

``complement`` (default)
    scikit-learn ``NearestNeighbors`` on the vectorised theme blocks: my challenges block
    against your strengths block *and* my strengths against your challenges (cosine,
    weighted as complementarity), with interests, free slots and isolation weighted in as
    the affinity weighs them. It is one maximum-inner-product search, run as an exact
    euclidean search (see :mod:`matcher.graph.candidates`).
``geo`` (default)
    the teachers at the nearest schools whom a teacher can meet in person (within both
    travel limits), from a haversine ``BallTree`` over school locations.
``interests``
    cosine neighbours in the interests block alone (optional: ``complement`` already
    weighs interests in).
``reach``
    every pair an in-person-only teacher can meet (optional: for grouping large cohorts,
    so that such a teacher's best partners are chosen among all who are in reach, not the
    nearest few).

The theme sources search only teachers who can meet online: a pair that cannot meet online
must meet in person, and then ``geo`` finds it. The candidate pairs are scored with the
full affinity (:func:`matcher.affinity.score_pairs`), pairs that break a hard constraint
are dropped, each row keeps its ``k`` best, and the graph is symmetrised (an edge is kept
when either end chose it).

Examples
--------
>>> from matcher.profiles.teacher import Cohort, TeacherProfile
>>> cohort = Cohort.from_profiles([
...     TeacherProfile(id="a", name="Sam", school_urn=100049, challenges=("singing",), strengths=("composition",)),
...     TeacherProfile(id="b", name="Priya", school_urn=100050, challenges=("composition",), strengths=("singing",)),
...     TeacherProfile(id="c", name="Jo", school_urn=100049, challenges=("send",), strengths=("singing",)),
... ])
>>> g = peer_graph(cohort, k=2)
>>> g.matrix.shape, g.n_edges          # a and c share a school, so they are not linked
((3, 3), 2)
>>> [peer for peer, _ in g.neighbours("a")]
['b']
>>> from matcher.graph.views import components, isolated_teachers   # the views of a graph
>>> isolated_teachers(g), components(g)
((), [('a', 'b', 'c')])
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..errors import ParameterError
from ..affinity.terms import AffinityOptions, AffinityWeights, score_pairs, teacher_arrays
from .candidates import CANDIDATE_SOURCES, DEFAULT_SOURCES, candidate_pairs
from ..profiles.teacher import Cohort

__all__ = ["PeerGraph", "CANDIDATE_SOURCES", "peer_graph"]

log = logging.getLogger(__name__)

_PAIR_CHUNK = 262_144  # pairs scored at once: bounds the temporaries of score_pairs (~70 MB)


@dataclass(frozen=True, eq=False)
class PeerGraph:
    """A symmetric sparse affinity graph; build it with :func:`peer_graph`.

    ``matrix`` is a CSR matrix with rows and columns in cohort order whose entry ``(i, j)``
    is the affinity of an allowed pair (zero means "no edge"). It is shared, not copied:
    treat it as read-only. ``n_scored`` counts the candidate pairs that were scored.
    """

    cohort: Cohort
    matrix: sp.csr_matrix
    k: int
    weights: AffinityWeights
    options: AffinityOptions
    n_scored: int

    @property
    def ids(self) -> tuple[str, ...]:
        return self.cohort.ids

    @property
    def n_edges(self) -> int:
        """Number of undirected edges."""
        return int(self.matrix.nnz // 2)

    @property
    def degree(self) -> np.ndarray:
        """Number of neighbours of each teacher, in cohort order."""
        return np.diff(self.matrix.indptr)

    def neighbours(self, teacher_id: str) -> list[tuple[str, float]]:
        """``(peer_id, affinity)`` of one teacher's neighbours, best first.

        Raises :class:`~matcher.errors.UnknownTeacherError` for an id not in the cohort.
        """
        row = self.cohort.row(teacher_id)
        start, stop = self.matrix.indptr[row], self.matrix.indptr[row + 1]
        cols, vals = self.matrix.indices[start:stop], self.matrix.data[start:stop]
        order = np.lexsort((cols, -vals))
        ids = self.ids
        return [(ids[c], float(v)) for c, v in zip(cols[order], vals[order])]


def _top_k_rows(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, k: int, order: np.ndarray) -> np.ndarray:
    """Boolean mask of the ``k`` best entries of each row; equal scores (to 1 part in 2**24)
    are ranked by the seeded ``order`` of the column."""
    n = len(order)
    bits = max(int(n - 1).bit_length(), 1)
    if vals.size and 2 * bits + 24 <= 63:
        # one int64 sort key (row, score descending, tie-break) is several times faster than lexsort
        top = float(vals.max()) or 1.0
        q = np.rint((top - vals) / top * (2**24 - 1)).astype(np.int64)
        key = (rows.astype(np.int64) << (bits + 24)) | (q << bits) | order[cols].astype(np.int64)
        sort = np.argsort(key)
    else:
        sort = np.lexsort((order[cols], -vals, rows))
    sorted_rows = rows[sort]
    rank = np.arange(len(sort)) - np.searchsorted(sorted_rows, sorted_rows, side="left")
    keep = np.zeros(len(sort), dtype=bool)
    keep[sort[rank < k]] = True
    return keep


def peer_graph(
    cohort: Cohort,
    *,
    k: int = 10,
    weights: AffinityWeights | None = None,
    options: AffinityOptions | None = None,
    candidates: Sequence[str] = DEFAULT_SOURCES,
    n_candidates: int | None = None,
    search_block: int | None = None,
    seed: int = 0,
) -> PeerGraph:
    """Build the sparse k-nearest-neighbour affinity graph of ``cohort``.

    Parameters
    ----------
    cohort : Cohort
        The teachers; rows of the graph follow ``cohort.ids``.
    k : int
        Neighbours kept per teacher before symmetrising (a teacher may end with more,
        when others chose them).
    weights, options : AffinityWeights, AffinityOptions, optional
        The affinity model and its hard constraints (defaults when omitted).
    candidates : sequence of {"complement", "interests", "geo"}
        Which candidate sources to use (see the module docstring).
    n_candidates : int, optional
        Candidates per teacher per source; default ``max(3 * k, 30)``. With
        ``n_candidates >= len(cohort)`` and every source the graph is the exact top-k.
    search_block : int, optional
        Search cost is quadratic in the number of teachers who can meet online. With a
        value, the theme sources search seeded random blocks of at most this many teachers
        (linear time; each teacher's partners come from a random share of the others).
        Default: one exact search.
    seed : int
        Draws the blocks and breaks ties between equal scores reproducibly, so that low
        rows are not favoured.

    Returns
    -------
    PeerGraph
        Symmetric CSR affinity matrix of allowed pairs only.

    Raises
    ------
    ValueError
        For ``k < 1``, ``n_candidates < 1`` or an unknown candidate source.

    Examples
    --------
    >>> from matcher.profiles.teacher import Cohort, TeacherProfile
    >>> cohort = Cohort.from_profiles([
    ...     TeacherProfile(id="a", name="Sam", school_urn=100049, strengths=("singing",)),
    ...     TeacherProfile(id="b", name="Priya", school_urn=100050, challenges=("singing",)),
    ... ])
    >>> g = peer_graph(cohort, k=1)
    >>> bool(g.matrix[0, 1] == g.matrix[1, 0] > 0)
    True
    >>> peer_graph(cohort, candidates=("complement", "nearby"))
    Traceback (most recent call last):
    ...
    matcher.errors.ParameterError: unknown candidate source(s) 'nearby'; choose from complement, interests, geo, reach
    """
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise ParameterError("k", k, "must be a positive integer")
    if isinstance(candidates, str):
        raise ParameterError("candidates", candidates, "must be a sequence of source names, e.g. ('complement', 'geo'), not a string")
    unknown = [s for s in candidates if s not in CANDIDATE_SOURCES]
    if unknown:
        raise ParameterError(
            "candidates",
            unknown[0] if len(unknown) == 1 else tuple(unknown),
            f"must name candidate sources from {', '.join(CANDIDATE_SOURCES)}",
            summary=f"unknown candidate source(s) {', '.join(map(repr, unknown))}; choose from {', '.join(CANDIDATE_SOURCES)}",
        )
    m = max(3 * int(k), 30) if n_candidates is None else n_candidates
    if not isinstance(m, (int, np.integer)) or isinstance(m, bool) or m < 1:
        raise ParameterError("n_candidates", n_candidates, "must be a positive integer")
    if search_block is not None and (
        not isinstance(search_block, (int, np.integer)) or isinstance(search_block, bool) or search_block < 2
    ):
        raise ParameterError("search_block", search_block, "must be an integer >= 2 or None")
    weights = weights or AffinityWeights()
    options = options or AffinityOptions()
    a = teacher_arrays(cohort)
    n = a.n
    order = np.random.default_rng(seed).permutation(n)

    keys = candidate_pairs(a, tuple(candidates), int(m), weights, options.allow_same_school, order, search_block or a.n)
    log.info("peer graph: %d teachers, %d candidate pairs", n, len(keys))
    kept_i, kept_j, kept_v = [], [], []
    for start in range(0, len(keys), _PAIR_CHUNK):
        chunk = keys[start : start + _PAIR_CHUNK]
        i, j = chunk // n, chunk % n
        s = score_pairs(a, i, j, weights, options)
        kept_i.append(i[s.allowed].astype(np.int32))
        kept_j.append(j[s.allowed].astype(np.int32))
        kept_v.append(s.total[s.allowed])
    n_scored = len(keys)
    del keys
    i = np.concatenate(kept_i) if kept_i else np.empty(0, np.int32)
    j = np.concatenate(kept_j) if kept_j else np.empty(0, np.int32)
    v = np.concatenate(kept_v) if kept_v else np.empty(0)
    del kept_i, kept_j, kept_v
    rows, cols, vals = np.concatenate([i, j]), np.concatenate([j, i]), np.concatenate([v, v])
    del i, j, v
    keep = _top_k_rows(rows, cols, vals, int(k), order)
    top = sp.csr_matrix((vals[keep], (rows[keep], cols[keep])), shape=(n, n))
    matrix = top.maximum(top.T).tocsr()
    matrix.sort_indices()
    return PeerGraph(cohort=cohort, matrix=matrix, k=int(k), weights=weights, options=options, n_scored=n_scored)
