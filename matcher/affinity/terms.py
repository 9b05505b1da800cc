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
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from sklearn.neighbors import BallTree

from ..errors import Issue, ParameterError, ValidationError
from ..profiles.circumstances import experience_themes
from ..profiles.teacher import AVAILABILITY_SLOTS, Cohort
from ..places.schools import EARTH_RADIUS_KM
from ..profiles.themes import THEME_IDS
from .vectorize import ProfileVectorizer

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
MODE_CODES = {"in_person": 0, "online": 1, "either": 2}
PREFERENCE_CODES = {"similar": 0, "different": 1, "mixed": 2}
ISOLATION_REACH = 5  # teachers within reach at which a teacher no longer counts as isolated


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
class TeacherArrays:
    """Per-teacher arrays that pair scoring reads; build with :func:`teacher_arrays`."""

    ids: tuple[str, ...]
    challenges: np.ndarray  # uint64 bitmask of theme ids
    strengths: np.ndarray
    interests: np.ndarray
    n_challenges: np.ndarray
    n_interests: np.ndarray
    context: np.ndarray  # (n, d) scaled context features
    lat: np.ndarray  # radians
    lon: np.ndarray
    mode: np.ndarray  # MODE_CODES
    availability: np.ndarray  # uint64 bitmask of AVAILABILITY_SLOTS
    n_availability: np.ndarray
    travel_km: np.ndarray
    preference: np.ndarray  # PREFERENCE_CODES
    school: np.ndarray
    isolation: np.ndarray  # 0..1
    previous_keys: np.ndarray = field(repr=False)  # sorted i * n + j for previous groupmates (both orders)
    # uint64 bitmask of the circumstance themes each teacher meets by shared experience
    experience: np.ndarray | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def helps(self) -> np.ndarray:
        """Bitmask of the challenge themes each teacher can meet: strengths, and circumstances
        shared by experience (:func:`matcher.profiles.circumstances.experience_themes`)."""
        return self.strengths if self.experience is None else self.strengths | self.experience


def cover_share(a: TeacherArrays, helper: np.ndarray, holder: np.ndarray, *, way: str = "any") -> np.ndarray:
    """Share of each ``holder``'s challenges that ``helper`` covers (rows, paired elementwise).

    The one pair-cover function: affinity complementarity, the cohort objective's coverage
    weight and the coverage figures all count what it counts. ``way`` is ``"any"``,
    ``"strength"`` (strengths only) or ``"experience"`` (shared experience, not already a
    strength). A teacher never covers themself.

    >>> from matcher.profiles.teacher import Cohort, TeacherProfile
    >>> cohort = Cohort.from_profiles([
    ...     TeacherProfile(id="a", name="Sam", school_urn=100049, department_size=1, years_teaching=12, strengths=("send",)),
    ...     TeacherProfile(id="b", name="Jo", school_urn=100050, challenges=("send", "professional_isolation"))])
    >>> a = teacher_arrays(cohort)
    >>> [float(cover_share(a, [0], [1], way=w)[0]) for w in ("any", "strength", "experience")]
    [1.0, 0.5, 0.5]
    """
    helper, holder = np.asarray(helper, dtype=np.int64), np.asarray(holder, dtype=np.int64)
    if way == "strength":
        masks = a.strengths[helper]
    elif way == "experience":
        masks = a.helps[helper] & ~a.strengths[helper]
    elif way == "any":
        masks = a.helps[helper]
    else:
        raise ParameterError("way", way, "must be 'any', 'strength' or 'experience'")
    share: np.ndarray = _popcount(masks & a.challenges[holder]) / np.maximum(a.n_challenges[holder], 1)
    return np.where(helper != holder, share, 0.0)


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


def _bitmask(values: Iterable[str], position: dict[str, int]) -> int:
    mask = 0
    for v in values:
        mask |= 1 << position[v]
    return mask


def _popcount(x: np.ndarray) -> np.ndarray:
    counts: np.ndarray = np.bitwise_count(x).astype(np.float64)
    return counts


def _in_sorted(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """``np.isin(keys, sorted_keys)`` for a sorted, non-empty ``sorted_keys``, by binary search:
    numpy 2.4's ``isin`` hashes ``keys`` first, about 1 ms per 10,000 pairs."""
    pos = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    found: np.ndarray = sorted_keys[pos] == keys
    return found


def _isolation(cohort: Cohort, lat: np.ndarray, lon: np.ndarray, travel: np.ndarray, school: np.ndarray) -> np.ndarray:
    """0..1: 0.6 for a department of one, plus up to 0.4 for having few peers within reach."""
    tree = BallTree(np.column_stack([lat, lon]), metric="haversine")
    within = tree.query_radius(np.column_stack([lat, lon]), r=travel / EARTH_RADIUS_KM, count_only=True)
    _, inverse, counts = np.unique(school, return_inverse=True, return_counts=True)
    peers = within - counts[inverse]  # colleagues at one's own school are not peers in reach
    dept_of_one = np.array([p.department_of_one for p in cohort.profiles], dtype=float)
    isolation: np.ndarray = 0.6 * dept_of_one + 0.4 * (1.0 - np.minimum(peers / ISOLATION_REACH, 1.0))
    return isolation


def teacher_arrays(cohort: Cohort, vectorizer: ProfileVectorizer | None = None) -> TeacherArrays:
    """Precompute the per-teacher arrays of ``cohort`` (cached per cohort object)."""
    if vectorizer is not None:
        return _build_arrays(cohort, vectorizer)
    if cohort not in _ARRAYS:
        _ARRAYS[cohort] = _build_arrays(cohort, ProfileVectorizer())
    return _ARRAYS[cohort]


# Cohorts are immutable and compare by identity: their arrays live as long as they do.
_ARRAYS: weakref.WeakKeyDictionary[Cohort, TeacherArrays] = weakref.WeakKeyDictionary()


def _build_arrays(cohort: Cohort, vectorizer: ProfileVectorizer) -> TeacherArrays:
    if len(cohort) == 0:
        raise ValidationError([Issue(None, "cohort", "0 teachers", "must hold at least one teacher")], summary="the cohort has no teachers")
    theme_pos = {t: k for k, t in enumerate(THEME_IDS)}
    slot_pos = {s: k for k, s in enumerate(AVAILABILITY_SLOTS)}
    profiles = cohort.profiles

    def masks(attr: str, pos: dict[str, int]) -> np.ndarray:
        return np.array([_bitmask(getattr(p, attr), pos) for p in profiles], dtype=np.uint64)

    challenges, strengths, interests = masks("challenges", theme_pos), masks("strengths", theme_pos), masks("interests", theme_pos)
    availability = masks("availability", slot_pos)
    if not hasattr(vectorizer, "blocks_"):
        vectorizer = vectorizer.fit(cohort)
    context = vectorizer.transform_blocks(cohort)["context"].toarray()
    coords = np.radians(cohort.coordinates)
    lat, lon = coords[:, 0], coords[:, 1]
    travel = np.array([p.max_travel_km for p in profiles], dtype=float)
    school = np.array([p.school_urn for p in profiles], dtype=np.int64)
    n = len(profiles)
    index = cohort.index
    keys = [
        r * n + index[mate]
        for r, p in enumerate(profiles)
        for mate in p.previous_groupmates
        if mate in index
    ]
    keys += [(k % n) * n + k // n for k in keys]  # both orders, so either side's history counts
    return TeacherArrays(
        ids=cohort.ids,
        challenges=challenges,
        strengths=strengths,
        interests=interests,
        n_challenges=_popcount(challenges),
        n_interests=_popcount(interests),
        context=context,
        lat=lat,
        lon=lon,
        mode=np.array([MODE_CODES[p.meeting_mode] for p in profiles], dtype=np.int8),
        availability=availability,
        n_availability=_popcount(availability),
        travel_km=travel,
        preference=np.array([PREFERENCE_CODES[p.context_preference] for p in profiles], dtype=np.int8),
        school=school,
        isolation=_isolation(cohort, lat, lon, travel, school),
        previous_keys=np.unique(np.array(keys, dtype=np.int64)),
        experience=np.array([_bitmask(experience_themes(p), theme_pos) for p in profiles], dtype=np.uint64),
    )


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
