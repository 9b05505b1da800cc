"""Per-teacher arrays for pair scoring: themes and availability as bitmasks, places,
context features and isolation, built once per cohort (:func:`teacher_arrays`), and the
one pair-cover function (:func:`cover_share`).

>>> from matcher.profiles.teacher import Cohort, TeacherProfile
>>> a = teacher_arrays(Cohort.from_profiles([
...     TeacherProfile(id="a", name="Sam", school_urn=100049, challenges=("singing",), strengths=("composition",))]))
>>> a.n, int(a.n_challenges[0])
(1, 1)
"""

from __future__ import annotations

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

__all__ = ["TeacherArrays", "teacher_arrays", "cover_share", "MODE_CODES", "PREFERENCE_CODES", "ISOLATION_REACH"]


MODE_CODES = {"in_person": 0, "online": 1, "either": 2}
PREFERENCE_CODES = {"similar": 0, "different": 1, "mixed": 2}
ISOLATION_REACH = 5  # teachers within reach at which a teacher no longer counts as isolated


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


def _bitmask(values: Iterable[str], position: dict[str, int]) -> int:
    mask = 0
    for v in values:
        mask |= 1 << position[v]
    return mask


def _popcount(x: np.ndarray) -> np.ndarray:
    counts: np.ndarray = np.bitwise_count(x).astype(np.float64)
    return counts


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
