"""Candidate pairs for the peer graph (see :mod:`matcher.graph`): cheap searches that
propose, for each teacher, a few dozen likely partners for the full affinity to score.

``complement`` and ``interests`` are scikit-learn ``NearestNeighbors`` searches on the
vectorised theme blocks; ``geo`` gathers the teachers at the nearest schools within both
travel limits from a haversine ``BallTree``. The result is a sorted array of distinct
canonical pair keys ``min(i, j) * n + max(i, j)``.

>>> import numpy as np
>>> from matcher.profiles.teacher import Cohort
>>> from matcher.samples.generate import generate_teachers
>>> from matcher.affinity.terms import AffinityWeights, teacher_arrays
>>> a = teacher_arrays(Cohort.from_profiles(generate_teachers(40, seed=3)))
>>> keys = candidate_pairs(a, ("complement", "geo"), 5, AffinityWeights(), False, np.arange(40), 40)
>>> bool(np.all(np.diff(keys) > 0)), bool(np.all(keys // 40 < keys % 40))
(True, True)
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from sklearn.neighbors import BallTree, NearestNeighbors

from ..affinity.arrays import MODE_CODES, TeacherArrays
from ..affinity.terms import AffinityWeights
from ..pairkeys import sorted_unique
from ..profiles.teacher import AVAILABILITY_SLOTS
from ..places.schools import EARTH_RADIUS_KM
from ..profiles.themes import THEME_IDS

if TYPE_CHECKING:
    from ..places.meeting import MeetingRange

__all__ = ["candidate_pairs", "meeting_range", "CANDIDATE_SOURCES", "DEFAULT_SOURCES", "GEO_MULT"]

CANDIDATE_SOURCES = ("complement", "interests", "geo", "reach")
DEFAULT_SOURCES = ("complement", "geo")  # the complement search already weighs interests in
GEO_MULT = 3  # geo candidates per teacher, as a multiple of n_candidates (nearest first)
_ONLINE, _IN_PERSON = MODE_CODES["online"], MODE_CODES["in_person"]
_GEO_CHUNK = 16_384  # teachers whose nearby pairs are expanded at once


def _theme_block(masks: np.ndarray) -> np.ndarray:
    """The multi-hot theme block (as :class:`~matcher.affinity.vectorize.ProfileVectorizer` builds it,
    columns in ``THEME_IDS`` order) unpacked from the bitmasks, as float32."""
    bits = np.arange(len(THEME_IDS), dtype=np.uint64)
    return ((masks[:, None] >> bits) & np.uint64(1)).astype(np.float32)


def _unit_rows(x: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norm > 0, norm, 1.0)


def _mips_pairs(query: np.ndarray, index: np.ndarray, rows: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``rows``, the ``m`` others of ``rows`` with the largest ``query @ index.T``.

    Maximum inner product becomes a euclidean nearest-neighbour search by appending
    ``sqrt(M**2 - |x|**2)`` to every index row (and 0 to the unit query rows): then
    ``|q - x|**2 = 1 + M**2 - 2 q.x``. scikit-learn's euclidean brute-force search is
    chunked, parallel and far leaner than its cosine one.
    """
    if len(rows) < 2 or m <= 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    q = _unit_rows(query[rows])
    x = index[rows]
    sq = np.einsum("ij,ij->i", x, x)
    extra = np.sqrt(np.maximum(sq.max() - sq, 0.0))
    q = np.hstack([q, np.zeros((len(rows), 1), dtype=q.dtype)])
    x = np.hstack([x, extra[:, None].astype(x.dtype)])
    n_neighbors = min(m + 1, len(rows))  # +1: a teacher may find themself
    nn = NearestNeighbors(n_neighbors=n_neighbors, algorithm="brute", metric="euclidean").fit(x)
    found = nn.kneighbors(q, return_distance=False)
    return np.repeat(rows, n_neighbors), rows[found.ravel()]


def _complement_embedding(a: TeacherArrays, weights: AffinityWeights) -> tuple[np.ndarray, np.ndarray]:
    """Inner product = the affinity's additive parts, roughly: my challenges against your
    strengths plus my strengths against your challenges (cosine, weighted as
    complementarity), interests (cosine) and free slots (cosine, half of practicality),
    plus your isolation (the priority boost, as an additive share of a typical score)."""
    wc, wi, _, wp = weights.normalised()
    challenges, strengths = _unit_rows(_theme_block(a.challenges)), _unit_rows(_theme_block(a.helps))
    interests = _unit_rows(_theme_block(a.interests))
    slot_bits = np.arange(len(AVAILABILITY_SLOTS), dtype=np.uint64)
    slots = _unit_rows(((a.availability[:, None] >> slot_bits) & np.uint64(1)).astype(np.float32))
    n = a.n
    ones = np.ones((n, 1), dtype=np.float32)
    query = np.hstack([wc * challenges, wc * strengths, wi * interests, 0.5 * wp * slots, 0.15 * weights.priority * ones])
    index = np.hstack([strengths, challenges, interests, slots, a.isolation[:, None].astype(np.float32)])
    return query, index


def _interest_embedding(a: TeacherArrays) -> tuple[np.ndarray, np.ndarray]:
    interests = _unit_rows(_theme_block(a.interests))
    return interests, interests


def _geo_pairs(a: TeacherArrays, m: int, allow_same_school: bool, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``GEO_MULT * m`` teachers at the nearest schools that each teacher can meet in
    person (within both travel limits), nearest schools first."""
    can_meet = np.flatnonzero(a.mode != _ONLINE)
    if len(can_meet) < 2 or m <= 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    cap = GEO_MULT * m
    schools, school_of = np.unique(a.school[can_meet], return_inverse=True)
    n_schools = len(schools)
    # members of each school, in the seeded tie-break order, as a CSR-like layout
    members = can_meet[np.lexsort((order[can_meet], school_of))]
    counts = np.bincount(school_of, minlength=n_schools)
    starts = np.cumsum(counts) - counts
    one = np.zeros(n_schools, dtype=np.int64)
    one[school_of] = can_meet  # any member: colleagues share the school's coordinates
    coords = np.column_stack([a.lat[one], a.lon[one]])
    k_schools = min(n_schools, math.ceil(2 * cap / max(counts.mean(), 1.0)) + 2)
    dist, near = BallTree(coords, metric="haversine").query(coords, k=k_schools)  # per school, sorted
    dist *= EARTH_RADIUS_KM

    found_i, found_j = [], []
    for lo in range(0, len(can_meet), _GEO_CHUNK):  # chunks bound the expanded pair lists
        teachers, their_school = can_meet[lo : lo + _GEO_CHUNK], school_of[lo : lo + _GEO_CHUNK]
        t_dist, t_near = dist[their_school], near[their_school]  # (chunk, k_schools)
        keep = t_dist <= a.travel_km[teachers][:, None]  # within the teacher's own limit
        if not allow_same_school:
            keep &= t_near != their_school[:, None]
        ti, tk = np.nonzero(keep)
        si = t_near[ti, tk]
        lengths = counts[si]
        offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths - starts[si], lengths)
        i = np.repeat(teachers[ti], lengths)
        j = members[offsets]
        reach = np.repeat(t_dist[ti, tk], lengths) <= a.travel_km[j]  # and within the partner's
        i, j = i[reach], j[reach]
        first = np.searchsorted(i, i, side="left")  # i is sorted, as ti is
        within_cap = (np.arange(len(i)) - first) < cap
        found_i.append(i[within_cap])
        found_j.append(j[within_cap])
    return np.concatenate(found_i).astype(np.int64), np.concatenate(found_j).astype(np.int64)


def meeting_range(a: TeacherArrays) -> MeetingRange:
    """The teachers' places and travel limits as a grouping constraint: in-person-only
    teachers may only meet teachers within both travel limits who can meet in person
    (one object per arrays, so that its reachable pairs are searched once)."""
    from ..places.meeting import MeetingRange

    if a not in _MEETING:
        _MEETING[a] = MeetingRange(
            lat=np.degrees(a.lat),
            lon=np.degrees(a.lon),
            reach_km=np.where(a.mode == _ONLINE, -1.0, a.travel_km),
            in_person_only=a.mode == _IN_PERSON,
        )
    return _MEETING[a]


_MEETING: weakref.WeakKeyDictionary[TeacherArrays, MeetingRange] = weakref.WeakKeyDictionary()


def _reach_pairs(a: TeacherArrays, allow_same_school: bool) -> tuple[np.ndarray, np.ndarray]:
    """Every pair an in-person-only teacher can meet (within both travel limits)."""
    pairs = meeting_range(a).reachable_pairs()
    if not allow_same_school:
        pairs = pairs[a.school[pairs[:, 0]] != a.school[pairs[:, 1]]]
    return pairs[:, 0], pairs[:, 1]


def candidate_pairs(
    a: TeacherArrays,
    sources: Sequence[str],
    m: int,
    weights: AffinityWeights,
    allow_same_school: bool,
    order: np.ndarray,
    search_block: int,
) -> np.ndarray:
    """Canonical keys ``min * n + max`` of the distinct candidate pairs."""
    online = np.flatnonzero(a.mode != _IN_PERSON)
    # Beyond search_block teachers, the theme searches run in random blocks of that size:
    # linear instead of quadratic time, at the price of finding the best partners within
    # a random sample of the others rather than among all of them.
    n_blocks = max(1, math.ceil(len(online) / search_block))
    blocks = np.array_split(online[np.argsort(order[online], kind="stable")], n_blocks)
    embeddings = []
    if "complement" in sources:
        embeddings.append(_complement_embedding(a, weights))
    if "interests" in sources:
        embeddings.append(_interest_embedding(a))
    found = [_mips_pairs(query, index, np.sort(block), m) for query, index in embeddings for block in blocks]
    if "geo" in sources:
        found.append(_geo_pairs(a, m, allow_same_school, order))
    if "reach" in sources:
        found.append(_reach_pairs(a, allow_same_school))
    if not found:
        return np.empty(0, np.int64)
    i = np.concatenate([f[0] for f in found])
    j = np.concatenate([f[1] for f in found])
    distinct = i != j
    i, j = i[distinct], j[distinct]
    return sorted_unique(np.minimum(i, j) * a.n + np.maximum(i, j))
