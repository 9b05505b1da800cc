"""Pairwise affinity between teachers: who can help whom, and who can actually meet.

For teachers *i* and *j* the affinity combines five documented terms (see
:class:`AffinityWeights`) and a hard-constraint mask. Everything is computed on arrays
of pair indices, with practice themes and availability held as bitmasks, so there is
no Python loop over pairs: one teacher against 10,000 others is a few vector operations.

Examples
--------
>>> from matcher.profiles.teacher import Cohort, TeacherProfile
>>> cohort = Cohort.from_profiles([
...     TeacherProfile(id="a", name="Sam", school_urn=100049, challenges=("singing",), strengths=("composition",)),
...     TeacherProfile(id="b", name="Priya", school_urn=100050, challenges=("composition",), strengths=("singing",)),
...     TeacherProfile(id="c", name="Jo", school_urn=100051, challenges=("composition",), strengths=("send",)),
... ])
>>> aff = pairwise_affinity(cohort)
>>> bool(aff.scores[0, 1] > aff.scores[0, 2])   # mutual help beats one-way help
True
>>> float(aff.terms["complementarity"][0, 2])   # c cannot help a, so no mutual help...
0.0
>>> round(float(aff.terms["one_way"][0, 2]), 4)   # ...but a helps c: one-way help, worth less
0.1125
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import Issue, ParameterError, ValidationError
from ..profiles.teacher import Cohort
from ..places.schools import EARTH_RADIUS_KM
from .arrays import TeacherArrays, _popcount, cover_share, teacher_arrays

__all__ = [
    "AffinityWeights",
    "AffinityOptions",
    "TeacherArrays",
    "PairScores",
    "Affinity",
    "teacher_arrays",
    "score_pairs",
    "score_against_all",
    "pairwise_affinity",
    "cover_share",
    "TERMS",
]

TERMS = ("complementarity", "one_way", "interests", "context", "practicality", "priority")


@dataclass(frozen=True)
class AffinityWeights:
    """How much each term counts. All weights are non-negative; the first four are
    normalised to sum to one, so only their ratios matter.

    Parameters
    ----------
    complementarity : float
        Reciprocal help: the share of *j*'s challenges that *i* covers, and the share of
        *i*'s that *j* covers, combined by harmonic mean, so that one-way help (expert →
        novice) scores no mutual help (the ``one_way`` term scores it, lower). The heart of peer learning. A challenge is covered by a
        strength in it or, for a circumstance (see :mod:`matcher.profiles.themes`), by
        shared experience (:func:`cover_share`).
    interests : float
        Cosine overlap of the two teachers' interest themes.
    context : float
        School-context similarity (FSM, EAL, SEN, size, department size, experience),
        scored as each teacher prefers: ``similar`` values reassurance, ``different``
        values new ideas, ``mixed`` is neutral. The pair's value is the mean of both sides.
    practicality : float
        Can they meet: closeness within both travel limits for in-person pairs (online-only
        pairs get half marks), and overlap of free time slots. Impossible combinations
        (in-person with online-only; in-person beyond a travel limit) are masked, not scored.
    priority : float
        Multiplies the pair's score by ``1 + priority * mean isolation`` of the two, so that
        isolated teachers (department of one, few peers within reach) get the good matches
        first. It amplifies good matches; it never makes a poor match good.
    one_way : float
        What help that goes one way only is worth, as a share (0 to below 1) of the same help
        given both ways: the term ``one_way`` is ``complementarity * one_way * (max - hm)`` for
        the two directions' shares and their harmonic mean ``hm``. A peer who covers all of
        a teacher's challenges but needs nothing from them scores ``one_way`` of a mutual
        match: lower, but not nothing, and the reasons can say who helps whom. Not
        normalised with the first four.

    Examples
    --------
    >>> AffinityWeights(complementarity=1, interests=1, context=0, practicality=0).normalised()
    (0.5, 0.5, 0.0, 0.0)
    >>> AffinityWeights(interests=-1)
    Traceback (most recent call last):
    ...
    matcher.errors.ParameterError: weight 'interests' must be a finite number >= 0, got -1
    >>> AffinityWeights(one_way=1)
    Traceback (most recent call last):
    ...
    matcher.errors.ParameterError: weight 'one_way' must be below 1 (one-way help must score lower than mutual help), got 1
    """

    complementarity: float = 0.45
    interests: float = 0.2
    context: float = 0.15
    practicality: float = 0.2
    priority: float = 0.3
    one_way: float = 0.25  # last, so positional construction keeps its meaning

    def __post_init__(self) -> None:
        for name in TERMS:
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise ParameterError(f"AffinityWeights.{name}", value, "must be a finite number >= 0", summary=f"weight {name!r} must be a finite number >= 0, got {value!r}")
        if self.one_way >= 1:
            raise ParameterError(
                "AffinityWeights.one_way", self.one_way, "must be below 1 (one-way help must score lower than mutual help)",
                summary=f"weight 'one_way' must be below 1 (one-way help must score lower than mutual help), got {self.one_way!r}",
            )
        if self.complementarity + self.interests + self.context + self.practicality == 0:
            raise ValidationError(
                [Issue(None, f"AffinityWeights.{name}", "0", "at least one of these four weights must be > 0") for name in TERMS[:4]],
                summary="at least one of complementarity, interests, context, practicality must be > 0",
            )

    def normalised(self) -> tuple[float, float, float, float]:
        """The first four weights scaled to sum to one."""
        total = self.complementarity + self.interests + self.context + self.practicality
        return (self.complementarity / total, self.interests / total, self.context / total, self.practicality / total)


@dataclass(frozen=True)
class AffinityOptions:
    """Hard constraints on who may be paired.

    ``keep_apart`` holds pairs of teacher ids that must never be matched; previous
    groupmates are masked when ``avoid_previous`` is true; colleagues at the same school
    are masked unless ``allow_same_school`` (peers are meant to widen a teacher's network).
    """

    allow_same_school: bool = False
    avoid_previous: bool = True
    keep_apart: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, eq=False)
class PairScores:
    """Scores of a batch of pairs ``(i[k], j[k])``: ``total``, the additive ``terms`` (they sum to
    ``total``), ``allowed`` (hard constraints) and the raw ``detail`` behind the reasons."""

    i: np.ndarray
    j: np.ndarray
    total: np.ndarray
    allowed: np.ndarray
    terms: dict[str, np.ndarray]
    detail: dict[str, np.ndarray]


@dataclass(frozen=True, eq=False)
class Affinity:
    """Dense pairwise affinity of a cohort: ``scores`` (symmetric, zero diagonal),
    ``allowed`` mask, per-term matrices and distances, rows in cohort order."""

    ids: tuple[str, ...]
    scores: np.ndarray
    allowed: np.ndarray
    terms: dict[str, np.ndarray]
    distance_km: np.ndarray


def _in_sorted(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """``np.isin(keys, sorted_keys)`` for a sorted, non-empty ``sorted_keys``, by binary search:
    numpy 2.4's ``isin`` hashes ``keys`` first, about 1 ms per 10,000 pairs."""
    pos = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    found: np.ndarray = sorted_keys[pos] == keys
    return found


def _keep_apart_keys(arrays: TeacherArrays, pairs: tuple[tuple[str, str], ...]) -> np.ndarray:
    row = {t: r for r, t in enumerate(arrays.ids)}
    unknown = sorted({t for pair in pairs for t in pair if t not in row})
    if unknown:
        raise ValidationError(
            [Issue(None, "keep_apart", t, "not a teacher id in the cohort") for t in unknown],
            summary=f"keep-apart names {'a teacher id' if len(unknown) == 1 else 'teacher ids'} not in the cohort: {', '.join(unknown)}",
        )
    n = arrays.n
    keys = [row[a] * n + row[b] for a, b in pairs] + [row[b] * n + row[a] for a, b in pairs]
    return np.unique(np.array(keys, dtype=np.int64))


def score_pairs(
    arrays: TeacherArrays,
    i: np.ndarray,
    j: np.ndarray,
    weights: AffinityWeights | None = None,
    options: AffinityOptions | None = None,
) -> PairScores:
    """Score the pairs ``(i[k], j[k])`` (row indices). Symmetric in ``i`` and ``j``.

    Returns the total, the additive terms, the hard-constraint mask and the raw details
    used by reason writers: ``covers_forward`` (share of j's challenges i covers, by a
    strength or shared experience: :func:`cover_share`), ``covers_back``, ``shared_interests``, ``context_similarity``, ``distance_km``,
    ``in_person`` (can meet in person), ``shared_slots``.
    """
    w = weights or AffinityWeights()
    opt = options or AffinityOptions()
    a = arrays
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)

    forward = cover_share(a, i, j)
    back = cover_share(a, j, i)
    with np.errstate(invalid="ignore", divide="ignore"):
        complementarity = np.where(forward + back > 0, 2 * forward * back / (forward + back), 0.0)
        # The help beyond the mutual part (> 0 exactly when one side helps more than the other):
        # monotone in both directions, so a little help back never lowers the pair's score.
        one_way = np.maximum(forward, back) - complementarity
        shared = _popcount(a.interests[i] & a.interests[j])
        interests = np.where(shared > 0, shared / np.sqrt(a.n_interests[i] * a.n_interests[j]), 0.0)

    gap = a.context[i] - a.context[j]
    similarity = np.exp(-np.einsum("kd,kd->k", gap, gap) / (2 * max(a.context.shape[1], 1)))

    def preferred(pref: np.ndarray) -> np.ndarray:
        return np.select([pref == 0, pref == 1], [similarity, 1.0 - similarity], 0.5)

    context = 0.5 * (preferred(a.preference[i]) + preferred(a.preference[j]))

    dlat, dlon = a.lat[j] - a.lat[i], a.lon[j] - a.lon[i]
    h = np.sin(dlat / 2) ** 2 + np.cos(a.lat[i]) * np.cos(a.lat[j]) * np.sin(dlon / 2) ** 2
    distance = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    reach = np.minimum(a.travel_km[i], a.travel_km[j])
    mi, mj = a.mode[i], a.mode[j]
    needs_in_person = (mi == 0) | (mj == 0)
    can_online = (mi != 0) & (mj != 0)
    in_person = (mi != 1) & (mj != 1) & (distance <= reach)
    feasible = in_person | (can_online & ~needs_in_person)
    closeness = np.where(in_person, 1.0 - 0.5 * distance / np.maximum(reach, 1e-9), 0.5)
    both_said = (a.n_availability[i] > 0) & (a.n_availability[j] > 0)
    slots = _popcount(a.availability[i] & a.availability[j])
    overlap = np.where(both_said, slots / np.maximum(np.minimum(a.n_availability[i], a.n_availability[j]), 1), 0.5)
    practicality = 0.5 * closeness + 0.5 * overlap

    wc, wi, wx, wp = w.normalised()
    terms = {
        "complementarity": wc * complementarity,
        "one_way": wc * w.one_way * one_way,
        "interests": wi * interests,
        "context": wx * context,
        "practicality": wp * practicality,
    }
    base = terms["complementarity"] + terms["one_way"] + terms["interests"] + terms["context"] + terms["practicality"]
    terms["priority"] = base * w.priority * 0.5 * (a.isolation[i] + a.isolation[j])
    total = base + terms["priority"]

    allowed = feasible & (i != j)
    if not opt.allow_same_school:
        allowed &= a.school[i] != a.school[j]
    n = a.n
    if opt.avoid_previous and a.previous_keys.size:
        allowed &= ~_in_sorted(i * n + j, a.previous_keys)
    if opt.keep_apart:
        allowed &= ~_in_sorted(i * n + j, _keep_apart_keys(a, opt.keep_apart))

    detail = {
        "covers_forward": forward,
        "covers_back": back,
        "shared_interests": shared,
        "context_similarity": similarity,
        "distance_km": distance,
        "in_person": in_person,
        "shared_slots": slots,
    }
    return PairScores(i=i, j=j, total=total, allowed=allowed, terms=terms, detail=detail)


def score_against_all(
    arrays: TeacherArrays, row: int, weights: AffinityWeights | None = None, options: AffinityOptions | None = None
) -> PairScores:
    """Score teacher ``row`` against every teacher (itself included, masked as not allowed)."""
    others = np.arange(arrays.n, dtype=np.int64)
    return score_pairs(arrays, np.full(arrays.n, row, dtype=np.int64), others, weights, options)


def pairwise_affinity(
    cohort: Cohort | TeacherArrays,
    weights: AffinityWeights | None = None,
    options: AffinityOptions | None = None,
    *,
    block_rows: int = 256,
) -> Affinity:
    """Dense affinity of every pair (use for up to a few thousand teachers; beyond, see
    :mod:`matcher.graph`). Disallowed pairs keep their score in ``scores``; check ``allowed``.

    Memory is about ``(8 + 4 * 6 + 8 + 1) * n**2`` bytes: ~370 MB at n = 3,000.
    """
    arrays = cohort if isinstance(cohort, TeacherArrays) else teacher_arrays(cohort)
    n = arrays.n
    scores = np.zeros((n, n))
    allowed = np.zeros((n, n), dtype=bool)
    distance = np.zeros((n, n))
    terms = {t: np.zeros((n, n), dtype=np.float32) for t in TERMS}
    cols = np.arange(n, dtype=np.int64)
    for start in range(0, n, block_rows):
        rows = np.arange(start, min(start + block_rows, n), dtype=np.int64)
        ii, jj = np.repeat(rows, n), np.tile(cols, len(rows))
        s = score_pairs(arrays, ii, jj, weights, options)
        shape = (len(rows), n)
        scores[rows] = s.total.reshape(shape)
        allowed[rows] = s.allowed.reshape(shape)
        distance[rows] = s.detail["distance_km"].reshape(shape)
        for t in TERMS:
            terms[t][rows] = s.terms[t].reshape(shape)
    np.fill_diagonal(scores, 0.0)
    for t in TERMS:
        np.fill_diagonal(terms[t], 0.0)
    return Affinity(ids=arrays.ids, scores=scores, allowed=allowed, terms=terms, distance_km=distance)
