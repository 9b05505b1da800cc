"""Suggested peers for one teacher: ranked, diversified and explained.

A :class:`PeerIndex` is built once per cohort (the per-teacher arrays of
:mod:`matcher.affinity`); each query scores the teacher against everyone in a few vector
operations, drops every pair a hard constraint forbids, and picks ``k`` peers by maximal
marginal relevance so that the list covers the teacher's different challenges and holds
both similar-context ("similar", for reassurance) and different-context ("new ideas")
peers, and both peers to meet in person and online where the teacher can do both. The
list is shown in score order; a peer that diversification chose over a higher-scoring one
says so (``rank_reason``). Each suggestion says why, in plain English, from the terms that
drove its score.

Examples
--------
>>> from matcher.profiles.teacher import Cohort, TeacherProfile
>>> cohort = Cohort.from_profiles([
...     TeacherProfile(id="a", name="Sam", school_urn=100049, challenges=("singing",), strengths=("composition",)),
...     TeacherProfile(id="b", name="Priya", school_urn=100050, challenges=("composition",), strengths=("singing",)),
...     TeacherProfile(id="c", name="Jo", school_urn=100051, challenges=("send",), strengths=("keyboard_skills",)),
... ])
>>> best = suggest_peers(cohort, "a", k=2)[0]
>>> best.peer_id, best.reasons[0]
('b', "Priya's strength in singing and vocal work meets your challenge.")
>>> best.reciprocity     # Sam's strengths cover all of Priya's challenges
1.0
>>> suggest_peers(cohort, "zz")
Traceback (most recent call last):
...
matcher.errors.UnknownTeacherError: unknown teacher id 'zz'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ParameterError
from ..affinity.terms import TERMS, AffinityOptions, AffinityWeights, PairScores, TeacherArrays, score_against_all, score_pairs, teacher_arrays
from .reasons import MAX_REASONS, PairFacts, write_reasons
from ..profiles.teacher import AVAILABILITY_SLOTS, Cohort
from ..profiles.phrases import join_phrases, theme_phrase
from ..profiles.themes import THEME_IDS

__all__ = ["PeerSuggestion", "PeerIndex", "suggest_peers", "KINDS"]

KINDS = ("similar", "new ideas")
POOL_FACTOR = 8  # MMR chooses among the POOL_FACTOR * k best-scoring allowed peers (at least 40)


@dataclass(frozen=True)
class PeerSuggestion:
    """One suggested peer for ``teacher_id``, with the why.

    Attributes
    ----------
    score : float
        The pair's affinity (see :class:`~matcher.affinity.AffinityWeights`).
    terms : dict
        The additive terms behind ``score`` (they sum to it).
    reasons : tuple of str
        Plain-English sentences, the largest term first.
    kind : {"similar", "new ideas"}
        Whether the peer's school context is closer to the teacher's than the median
        allowed peer's ("similar": reassurance) or further ("new ideas").
    reciprocity : float
        How well the match serves the peer: the share of the peer's challenges that the
        teacher's strengths cover (0 when the peer named none).
    covers, offers : tuple of str
        Theme ids: the teacher's challenges the peer can help with, and the peer's
        challenges the teacher can help with.
    distance_km : float
        Between the two schools.
    rank_reason : str
        Empty when the peer is on the list by score alone (among the ``k`` best allowed
        peers); otherwise why diversification chose them over a higher-scoring peer
        ("Chosen for variety: ..."), also the first of ``reasons``. The list is always in
        score order, so this is the only way a lower score gets in.
    """

    teacher_id: str
    peer_id: str
    score: float
    terms: dict[str, float]
    reasons: tuple[str, ...]
    kind: str
    reciprocity: float
    covers: tuple[str, ...] = ()
    offers: tuple[str, ...] = ()
    distance_km: float = 0.0
    rank_reason: str = ""

    @property
    def diversity_pick(self) -> bool:
        """Whether diversification, not the score alone, put this peer on the list."""
        return bool(self.rank_reason)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (lists for tuples, a copy of ``terms``)."""
        return {
            "teacher_id": self.teacher_id,
            "peer_id": self.peer_id,
            "score": self.score,
            "terms": dict(self.terms),
            "reasons": list(self.reasons),
            "kind": self.kind,
            "reciprocity": self.reciprocity,
            "covers": list(self.covers),
            "offers": list(self.offers),
            "distance_km": self.distance_km,
            "rank_reason": self.rank_reason,
        }


def _bits(mask: int, names: tuple[str, ...]) -> tuple[str, ...]:
    out = []
    while mask:
        low = mask & -mask
        out.append(names[low.bit_length() - 1])
        mask ^= low
    return tuple(out)


def _themes(mask: int) -> tuple[str, ...]:
    return _bits(mask, THEME_IDS)


def _slots(mask: int) -> tuple[str, ...]:
    return _bits(mask, AVAILABILITY_SLOTS)


def _check_k(k: object) -> int:
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k <= 0:
        raise ParameterError("k", k, "(the number of peers to suggest) must be a positive integer")
    return int(k)


@dataclass(frozen=True, eq=False)
class PeerIndex:
    """Everything a suggestion query needs, built once per cohort with :meth:`build`."""

    cohort: Cohort
    arrays: TeacherArrays = field(repr=False)
    weights: AffinityWeights
    options: AffinityOptions

    @classmethod
    def build(cls, cohort: Cohort, *, weights: AffinityWeights | None = None, options: AffinityOptions | None = None) -> PeerIndex:
        """Precompute the per-teacher arrays and check the options (e.g. keep-apart ids).

        Raises
        ------
        ValidationError
            If ``options.keep_apart`` names a teacher who is not in the cohort.
        """
        weights = weights or AffinityWeights()
        options = options or AffinityOptions()
        arrays = teacher_arrays(cohort)
        score_pairs(arrays, np.zeros(1, np.int64), np.zeros(1, np.int64), weights, options)  # validates options
        return cls(cohort=cohort, arrays=arrays, weights=weights, options=options)

    def scores(self, teacher_id: str) -> PairScores:
        """The teacher against every teacher in the cohort (rows in cohort order)."""
        return score_against_all(self.arrays, self.cohort.row(teacher_id), self.weights, self.options)

    def suggest(
        self,
        teacher_id: str,
        k: int = 5,
        *,
        diversity: float = 0.3,
        exclude: Iterable[str] = (),
        seed: int = 0,
    ) -> list[PeerSuggestion]:
        """The ``k`` suggested peers of ``teacher_id``; see :func:`suggest_peers`."""
        k = _check_k(k)
        if not isinstance(diversity, (int, float)) or not 0.0 <= diversity <= 1.0:
            raise ParameterError("diversity", diversity, "must be a number from 0 (pure score) to 1 (pure variety)")
        if isinstance(exclude, str):
            raise ParameterError("exclude", exclude, "must be a collection of teacher ids, not a single string")
        row = self.cohort.row(teacher_id)
        excluded = self.cohort.rows(exclude)
        s = score_against_all(self.arrays, row, self.weights, self.options)
        allowed = s.allowed.copy()
        allowed[excluded] = False
        candidates = np.flatnonzero(allowed)
        if candidates.size == 0:
            return []

        similarity = s.detail["context_similarity"]
        similar = similarity >= np.median(similarity[candidates])
        total = s.total
        pool_size = min(candidates.size, max(POOL_FACTOR * k, 40))
        if pool_size < candidates.size:
            candidates = candidates[np.argpartition(-total[candidates], pool_size - 1)[:pool_size]]
        tie_break = np.random.default_rng(seed).random(candidates.size)
        pool = candidates[np.lexsort((tie_break, -total[candidates]))]

        facets = np.column_stack([similar[pool], s.detail["in_person"][pool]])
        chosen = _mmr(self.arrays, row, pool, total[pool], facets, k, float(diversity))
        # Shown in score order (the pool's order, ties seeded); a peer outside the k best by
        # score is there for variety, and says what it adds that the rest of the list lacks.
        position = {int(j): n for n, j in enumerate(pool)}
        chosen = sorted(chosen, key=position.__getitem__)
        by_score = set(int(j) for j in pool[:k])
        out = []
        for j in chosen:
            variety = "" if j in by_score else self._variety(row, j, [c for c in chosen if c != j], similar, s.detail["in_person"])
            out.append(self._suggestion(row, j, s, "similar" if similar[j] else "new ideas", variety))
        return out

    def _variety(self, row: int, j: int, others: list[int], similar: np.ndarray, in_person: np.ndarray) -> str:
        """Why the diversification chose ``j`` over a higher-scoring peer: what ``j`` brings
        that none of ``others`` (the rest of the list) does."""
        a = self.arrays
        parts = []
        rest = 0
        for c in others:
            rest |= int(a.strengths[c])
        new = _themes(int(a.strengths[j] & a.challenges[row]) & ~rest)
        if new:
            parts.append(f"the only peer here who can help with {theme_phrase(new)}")
        if all(similar[c] != similar[j] for c in others):
            parts.append(f"the only one in a {'similar' if similar[j] else 'different'} school context")
        if others and all(in_person[c] != in_person[j] for c in others):
            parts.append("the only one you can meet in person" if in_person[j] else "the only one to meet online")
        if not parts:
            return "Chosen for variety, ahead of a higher-scoring peer more like the others in this list."
        return f"Chosen for variety: {join_phrases(parts)}."

    def _suggestion(self, row: int, j: int, s: PairScores, kind: str, rank_reason: str = "") -> PeerSuggestion:
        a, cohort = self.arrays, self.cohort
        me, peer = cohort.profiles[row], cohort.profiles[j]
        terms = {t: float(s.terms[t][j]) for t in TERMS}
        covers = _themes(int(a.strengths[j] & a.challenges[row]))
        offers = _themes(int(a.strengths[row] & a.challenges[j]))
        # circumstances met by shared experience only (matcher.profiles.circumstances)
        shared_covers = _themes(int(a.helps[j] & ~a.strengths[j] & a.challenges[row]))
        shared_offers = _themes(int(a.helps[row] & ~a.strengths[row] & a.challenges[j]))
        distance = float(s.detail["distance_km"][j])
        facts = PairFacts(
            me=me,
            peer=peer,
            my_school=cohort.schools[me.school_urn],
            peer_school=cohort.schools[peer.school_urn],
            terms=terms,
            kind=kind,
            covers=covers,
            offers=offers,
            shared_interests=_themes(int(a.interests[row] & a.interests[j])),
            shared_slots=_slots(int(a.availability[row] & a.availability[j])),
            distance_km=distance,
            in_person=bool(s.detail["in_person"][j]),
            my_isolation=float(a.isolation[row]),
            peer_isolation=float(a.isolation[j]),
            shared_covers=shared_covers,
            shared_offers=shared_offers,
        )
        return PeerSuggestion(
            teacher_id=me.id,
            peer_id=peer.id,
            score=float(s.total[j]),
            terms=terms,
            reasons=((rank_reason,) + write_reasons(facts, MAX_REASONS - 1)) if rank_reason else write_reasons(facts),
            kind=kind,
            reciprocity=float(s.detail["covers_forward"][j]),
            covers=covers,
            offers=offers,
            distance_km=distance,
            rank_reason=rank_reason,
        )


def _mmr(a: TeacherArrays, row: int, pool: np.ndarray, score: np.ndarray, facets: np.ndarray, k: int, diversity: float) -> list[int]:
    """Maximal marginal relevance over ``pool`` (sorted best first).

    Each step takes the peer maximising ``(1 - diversity) * relevance - diversity * redundancy``.
    Relevance is the score over the pool's best. Redundancy is half the share of the
    teacher's challenges this peer covers that the peers already chosen cover, plus a share
    of the other half for each yes/no *facet* (columns of ``facets``: similar context, can
    meet in person) whose value the list already holds. With ``diversity > 0`` and room for
    two, the list then holds both values of every facet whenever the pool does: the lowest
    pick that no other value depends on makes way for the best peer with the missing value.
    """
    relevance = (1 - diversity) * (score / score[0] if score[0] > 0 else np.ones_like(score))
    need = a.challenges[row]
    covers = a.strengths[pool] & need
    n_covers = np.maximum(np.bitwise_count(covers), 1).astype(float)
    no_cover = covers == 0
    n_facets = facets.shape[1]
    values = facets.astype(np.intp)
    held = np.zeros((n_facets, 2), dtype=bool)
    covered = np.uint64(0)
    gain = np.empty(len(pool))
    chosen: list[int] = []
    for _ in range(min(k, len(pool))):
        redundancy = np.zeros(len(pool))
        if need:  # share of what this peer covers that the list covers already (all, if nothing)
            redundancy += np.where(no_cover, 0.5, 0.5 * np.bitwise_count(covers & covered) / n_covers)
        for f in range(n_facets):
            redundancy += (0.5 / n_facets) * held[f][values[:, f]]
        np.subtract(relevance, diversity * redundancy, out=gain)
        gain[chosen] = -np.inf
        pick = int(np.argmax(gain))  # first of equals: the pool is already in (score, seeded) order
        chosen.append(pick)
        covered |= covers[pick]
        held[np.arange(n_facets), values[pick]] = True
    free = np.ones(len(pool), dtype=bool)
    free[chosen] = False
    if diversity > 0 and len(chosen) >= 2:
        for f in range(n_facets):
            values = facets[chosen, f]
            if values.any() != values.all():
                continue  # both values held already
            missing = np.flatnonzero(free & (facets[:, f] != values[0]))
            if not missing.size:
                continue
            for pos in range(len(chosen) - 1, 0, -1):
                rest = np.delete(np.array(chosen), pos)
                if all(set(facets[rest, g]) == set(facets[chosen, g]) for g in range(n_facets) if g != f):
                    free[chosen[pos]], free[missing[0]] = True, False
                    chosen[pos] = int(missing[0])
                    break
    return [int(pool[c]) for c in chosen]


def suggest_peers(
    cohort: Cohort,
    teacher_id: str,
    k: int = 5,
    *,
    weights: AffinityWeights | None = None,
    options: AffinityOptions | None = None,
    diversity: float = 0.3,
    exclude: Iterable[str] = (),
    seed: int = 0,
) -> list[PeerSuggestion]:
    """Suggest ``k`` peers for ``teacher_id``, best first, each with reasons.

    Parameters
    ----------
    cohort : Cohort
        The teachers to choose from.
    teacher_id : str
        Whom to suggest peers for.
    k : int
        How many peers (fewer when fewer are allowed).
    weights, options : AffinityWeights, AffinityOptions, optional
        The affinity model and its hard constraints; pairs the constraints forbid are
        never suggested.
    diversity : float
        0 ranks by score alone; higher values trade score for covering more of the
        teacher's challenges, for holding both kinds of peer and for holding someone to
        meet in person as well as online (maximal marginal relevance).
    exclude : iterable of str
        Teacher ids never to suggest (e.g. peers already declined).
    seed : int
        Breaks ties between equal scores; the same seed gives the same list.

    Returns
    -------
    list of PeerSuggestion
        In score order, best first. With ``diversity > 0`` a peer outside the ``k`` best by
        score may replace one inside; it then says why in ``rank_reason`` (and first in its
        ``reasons``).

    Raises
    ------
    UnknownTeacherError
        If ``teacher_id`` (or an id in ``exclude``) is not in the cohort.
    ValueError
        If ``k`` is not a positive integer or ``diversity`` is outside 0..1.

    Examples
    --------
    >>> from matcher.profiles.teacher import Cohort, TeacherProfile
    >>> cohort = Cohort.from_profiles([
    ...     TeacherProfile(id="a", name="Sam", school_urn=100049, challenges=("send",)),
    ...     TeacherProfile(id="b", name="Priya", school_urn=100050, strengths=("send",)),
    ... ])
    >>> [(s.peer_id, s.kind) for s in suggest_peers(cohort, "a")]
    [('b', 'similar')]
    >>> suggest_peers(cohort, "a", k=0)
    Traceback (most recent call last):
    ...
    matcher.errors.ParameterError: k (the number of peers to suggest) must be a positive integer, got 0

    Notes
    -----
    The per-teacher arrays are computed on the first call for a cohort and cached; for many
    queries, building a :class:`PeerIndex` once and calling its ``suggest`` saves a little more.
    """
    _check_k(k)
    index = PeerIndex.build(cohort, weights=weights, options=options)  # cheap: the arrays are cached per cohort
    return index.suggest(teacher_id, k, diversity=diversity, exclude=exclude, seed=seed)
