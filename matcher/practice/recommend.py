"""Practice examples for a teacher or a peer group, each with plain-English reasons.

An example earns its place by the teacher's **challenges** first, then **interests**,
the **key stages** they teach, the **school context** it suits (a department of one, a
high-FSM school...), and the TF-IDF similarity between what the teacher wrote about
their practice and the example's text. An example written by one of the teacher's
suggested peers is boosted, so the list can say who to ask. Challenges come first in
the list too: until each has an example, only examples that address an uncovered one
compete. The list is diversified: each pick lowers the value of challenges already
covered and of examples whose themes overlap the ones chosen (maximal marginal
relevance), so five examples on one theme never crowd out a teacher's other challenges.

Free-text similarity lives in :mod:`matcher.practice.text`, the wording of reasons in
:mod:`matcher.practice.reasons`, the diversified selection in :mod:`matcher.practice.selection`,
the catalogue in :mod:`matcher.practice.catalogue` and school contexts in :mod:`matcher.practice.contexts`.

Examples
--------
>>> from matcher.profiles.teacher import TeacherProfile
>>> sam = TeacherProfile(id="t-1", name="Sam", school_urn=100049, department_size=1,
...                      challenges=("boys_participation", "curriculum_time"),
...                      about="My Year 9 boys refuse to sing.")
>>> from matcher.places.schools import load_schools
>>> recs = recommend_for_teacher(sam, k=3, schools=load_schools())
>>> [r.example.id for r in recs]
['year9-boys-singing-warmup', 'case-for-curriculum-time', 'dj-skills-unit']
>>> recs[0].reasons[0]
"Tackles your challenge in Boys' participation."
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from ..errors import ParameterError
from .catalogue import Catalogue, PracticeExample, load_catalogue
from .contexts import context_conflicts, context_fit, teacher_contexts
# The weights and the diversified selection have their own module; PracticeWeights is importable from here too.
from .selection import PracticeWeights, select_diverse, theme_demand, theme_similarity
from .reasons import first_names, group_reasons, teacher_reasons
from .text import text_similarity, text_term
from ..profiles.teacher import Cohort, TeacherProfile
from ..places.schools import School

__all__ = [
    "PracticeWeights",
    "Recommendation",
    "recommend_for_teacher",
    "recommend_for_group",
    "text_similarity",
]

logger = logging.getLogger(__name__)

# A theme n members of a group list weighs n ** SHARED_POWER: shared challenges come first.
SHARED_POWER = 2.0


@dataclass(frozen=True)
class Recommendation:
    """One recommended example, with the terms that scored it and the reasons in words.

    ``score`` is the example's relevance on its own (the weighted sum of ``terms``); the
    order of a list also reflects diversification, so scores need not decrease down it.
    ``teacher_ids`` holds the teacher (or the group's members); ``helpers`` maps each theme
    of the example to the group members who list it as a strength (empty for a teacher).
    """

    example: PracticeExample
    score: float
    terms: Mapping[str, float]
    reasons: tuple[str, ...]
    teacher_ids: tuple[str, ...]
    helpers: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready dict."""
        return {
            "example": self.example.to_dict(),
            "score": round(self.score, 4),
            "terms": {k: round(v, 4) for k, v in self.terms.items()},
            "reasons": list(self.reasons),
            "teacher_ids": list(self.teacher_ids),
            "helpers": {k: list(v) for k, v in self.helpers.items()},
        }


# ---------------------------------------------------------------------------------------
# Scoring and diversified selection


def _school(profile: TeacherProfile, cohort: Cohort | None, schools: Mapping[int, School] | None) -> School | None:
    """The teacher's school from the cohort's table, else from ``schools``; nothing is read from disk."""
    table = cohort.schools if cohort is not None else schools
    if table is None:
        raise ParameterError(
            "schools",
            None,
            "is needed to know the teacher's school context: pass cohort= (its schools are used) or schools=load_schools()",
            summary="no schools table: pass cohort= (its schools are used) or schools= (e.g. load_schools())",
        )
    return table.get(profile.school_urn)


def _catalogue(catalogue: Catalogue | None) -> Catalogue:
    # The one default read from disk in this module, at the public entry points only, so a
    # notebook can ask for recommendations without loading the shipped catalogue itself.
    return load_catalogue() if catalogue is None else catalogue


def _check_k(k: int) -> None:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ParameterError("k", k, "must be a whole number >= 1")


def _peer_names(suggested_peers: Iterable[object], cohort: Cohort | None) -> dict[str, str]:
    """``{peer_id: first name}`` from ids, profiles or suggestion records (with ``peer_id``)."""
    if isinstance(suggested_peers, str):
        raise ParameterError(
            "suggested_peers", suggested_peers, "must be a list of teacher ids", summary="suggested_peers must be a list of teacher ids, got a string; wrap it in a list"
        )
    names: dict[str, str] = {}
    for peer in suggested_peers:
        if isinstance(peer, TeacherProfile):
            peer_id, name = peer.id, peer.name
        else:
            peer_id = str(getattr(peer, "peer_id", peer))
            name = cohort.get(peer_id).name if cohort is not None and peer_id in cohort.index else ""
        names[peer_id] = (name.split() or [peer_id])[0]
    return names


def recommend_for_teacher(
    profile: TeacherProfile,
    k: int = 5,
    *,
    catalogue: Catalogue | None = None,
    suggested_peers: Iterable[object] = (),
    cohort: Cohort | None = None,
    schools: Mapping[int, School] | None = None,
    weights: PracticeWeights | None = None,
    seed: int = 0,
) -> list[Recommendation]:
    """The ``k`` practice examples most useful to one teacher, diversified, with reasons.

    Parameters
    ----------
    profile
        The teacher.
    k
        How many examples to return (fewer if the catalogue is smaller).
    catalogue
        The examples to choose from. ``None`` reads the shipped catalogue with
        :func:`matcher.practice.catalogue.load_catalogue` (cached), here at the public entry
        point only; services and repeated calls should pass it.
    suggested_peers
        The teacher's suggested peers: ids, :class:`TeacherProfile` objects, or suggestion
        records with a ``peer_id``. Examples they wrote are boosted and say so.
    cohort, schools
        Where to find the teacher's school (for high-FSM, high-EAL... contexts) and peers'
        names: the cohort's schools table, else ``schools``. One of them is required.
    weights
        Score weights; :class:`PracticeWeights` defaults.
    seed
        Breaks exact ties; the same inputs and seed always give the same list.

    Returns
    -------
    list of Recommendation
        Best first. Examples the teacher wrote are left out.

    Raises
    ------
    ParameterError
        If ``k`` is not a whole number >= 1, ``suggested_peers`` is a single string, or
        neither ``cohort`` nor ``schools`` is given.

    Notes
    -----
    For example *e* with themes *T* the relevance is
    ``w_c * C(e) + w_i * I(e) + w_ks * KS(e) + w_ctx * CTX(e) + w_txt * TXT(e) + w_peer * PEER(e)``,
    where *C* is the share of the teacher's challenges in *T* (each challenge's weight
    falls to ``covered_decay`` once an earlier pick covers it), *I* the same for
    interests, *KS* 1 if the example is for a key stage the teacher teaches, *CTX*
    0.5 plus half the share of the example's contexts the teacher has, *TXT*
    the TF-IDF cosine on a fixed scale (0 below 0.05, 1 from 0.2), *PEER* 1 if a suggested
    peer wrote it and it touches a challenge or interest. Each pick maximises
    ``(1 - diversity) * relevance - diversity * max Jaccard(T, T_chosen)``, among the
    examples that address a challenge not yet covered while there are any
    (``challenges_first``). An example written for a setting the teacher is not in (a boys'
    school example for a girls' school teacher, see
    :func:`~matcher.practice.contexts.context_conflicts`) has *CTX* 0, comes after every
    other example, and says so in a note.

    Examples
    --------
    >>> from matcher.profiles.teacher import TeacherProfile
    >>> ana = TeacherProfile(id="t-9", name="Ana", school_urn=100049, challenges=("send",))
    >>> from matcher.places.schools import load_schools
    >>> recs = recommend_for_teacher(ana, k=2, suggested_peers=["t-274"], schools=load_schools())
    >>> all("send" in r.example.themes for r in recs), len(recs[0].reasons) > 0
    (True, True)
    >>> recommend_for_teacher(ana, k=0, schools=load_schools())
    Traceback (most recent call last):
    ...
    matcher.errors.ParameterError: k must be a whole number >= 1, got 0
    """
    _check_k(k)
    weights = PracticeWeights() if weights is None else weights
    contexts = teacher_contexts(profile, _school(profile, cohort, schools))
    catalogue = _catalogue(catalogue)
    peers = _peer_names(suggested_peers, cohort)
    peers.pop(profile.id, None)
    columns = [i for i, e in enumerate(catalogue.examples) if e.author_teacher_id != profile.id]
    examples = [catalogue.examples[i] for i in columns]
    if not examples:
        return []
    similarity = text_similarity([profile.about], catalogue)[0, columns] if profile.about.strip() else np.zeros(len(columns))
    text = text_term(similarity)
    key_stages = set(profile.key_stages)
    wanted = set(profile.challenges) | set(profile.interests)
    base = {
        "key_stages": np.array([1.0 if not key_stages or key_stages & set(e.key_stages) else 0.0 for e in examples]),
        "context": np.array([context_fit(e, contexts) for e in examples]),
        "text": text,
        "peer_author": np.array([1.0 if e.author_teacher_id in peers and wanted.intersection(e.themes) else 0.0 for e in examples]),
    }
    fixed = sum(getattr(weights, name) * values for name, values in base.items())
    demands = {"challenges": theme_demand(profile.challenges), "interests": theme_demand(profile.interests)}
    theme_sim = theme_similarity(catalogue)[np.ix_(columns, columns)]
    # An example written for a setting the teacher is not in (a boys' school example for a
    # girls' school) scores no context fit and comes after every other example.
    mismatched = np.array([bool(context_conflicts(e, contexts)) for e in examples])
    picks = select_diverse(examples, theme_sim, fixed, demands, weights, k, seed, mismatched)
    out = []
    for i, cov in picks:
        e = examples[i]
        terms = {"challenges": cov["challenges"], "interests": cov["interests"], **{name: float(v[i]) for name, v in base.items()}}
        score = sum(getattr(weights, name) * value for name, value in terms.items())
        reasons = teacher_reasons(profile, e, terms, contexts, peers, catalogue, columns[i])
        out.append(Recommendation(e, float(score), MappingProxyType(terms), tuple(reasons), (profile.id,)))
    logger.debug("recommended %s to %s", [r.example.id for r in out], profile.id)
    return out


def recommend_for_group(
    profiles: Iterable[TeacherProfile],
    k: int = 5,
    *,
    catalogue: Catalogue | None = None,
    cohort: Cohort | None = None,
    schools: Mapping[int, School] | None = None,
    weights: PracticeWeights | None = None,
    seed: int = 0,
) -> list[Recommendation]:
    """Examples for a peer group: the challenges members share first, and who can lead each.

    Challenges and interests are weighted by the square of how many members list them
    (:data:`SHARED_POWER`), so a challenge two members share outweighs two challenges
    that one member each has: the group's shared challenges come first. An example fits
    the key stages if any member teaches one of them; context and free-text terms are
    averaged over members. An example gains when one member's strength meets another's
    challenge in it (``helpers`` lists every member with a strength in its themes, and
    the reasons name them) or when a member wrote it.

    Parameters
    ----------
    profiles
        The members (at least one; ids must be unique).
    k, catalogue, cohort, schools, weights, seed
        As in :func:`recommend_for_teacher`.

    Returns
    -------
    list of Recommendation
        Best first, each with ``teacher_ids`` = the members and ``helpers`` filled in.

    Raises
    ------
    ParameterError
        If the group is empty, an id repeats, ``k`` is not a whole number >= 1, or neither
        ``cohort`` nor ``schools`` is given.

    Examples
    --------
    >>> from matcher.profiles.teacher import TeacherProfile
    >>> group = [
    ...     TeacherProfile(id="a", name="Ann Lee", school_urn=100049, challenges=("send", "singing")),
    ...     TeacherProfile(id="b", name="Bo Sato", school_urn=100050, challenges=("send",), strengths=("singing",)),
    ... ]
    >>> from matcher.places.schools import load_schools
    >>> recs = recommend_for_group(group, k=3, schools=load_schools())
    >>> "send" in recs[0].example.themes, recs[0].reasons[0]
    (True, 'Covers SEND, a challenge for everyone in the group.')
    """
    _check_k(k)
    members = tuple(profiles)
    if not members:
        raise ParameterError("profiles", members, "must hold at least one member", summary="a group needs at least one member")
    ids = [p.id for p in members]
    if len(set(ids)) != len(ids):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        raise ParameterError("profiles", twice, "must list each teacher once", summary=f"a group lists a teacher twice: {twice}")
    weights = PracticeWeights() if weights is None else weights
    contexts = [teacher_contexts(p, _school(p, cohort, schools)) for p in members]
    catalogue = _catalogue(catalogue)
    examples = list(catalogue.examples)
    names = first_names(members)
    member_ids = set(ids)
    texts = [p.about for p in members]
    similarity = text_similarity(texts, catalogue)
    text = np.mean([text_term(row) if t.strip() else np.zeros(len(examples)) for row, t in zip(similarity, texts)], axis=0)
    wanted = {t for p in members for t in (*p.challenges, *p.interests)}

    taught = {ks for p in members for ks in p.key_stages}

    # Challenges a member has and another member lists as a strength: the group can lead these itself.
    leadable = [t for t in dict.fromkeys(t for p in members for t in p.challenges) if any(t in q.strengths and t not in q.challenges for q in members)]

    base = {
        "key_stages": np.array([1.0 if not taught or taught.intersection(e.key_stages) else 0.0 for e in examples]),
        "context": np.array([np.mean([context_fit(e, c) for c in contexts]) for e in examples]),
        "text": text,
        "peer_author": np.array([1.0 if e.author_teacher_id in member_ids and wanted.intersection(e.themes) else 0.0 for e in examples]),
    }
    fixed = sum(getattr(weights, name) * values for name, values in base.items())
    demands = {
        "challenges": theme_demand((t for p in members for t in set(p.challenges)), SHARED_POWER),
        "interests": theme_demand((t for p in members for t in set(p.interests)), SHARED_POWER),
        "group_strengths": theme_demand(leadable),
    }
    picks = select_diverse(examples, theme_similarity(catalogue), fixed, demands, weights, k, seed)
    out = []
    for i, cov in picks:
        e = examples[i]
        terms = {**cov, **{name: float(v[i]) for name, v in base.items()}}
        score = sum(getattr(weights, name) * value for name, value in terms.items())
        helpers = {t: tuple(p.id for p in members if t in p.strengths) for t in e.themes}
        helpers = {t: who for t, who in helpers.items() if who}
        reasons = group_reasons(members, names, e, helpers, terms)
        out.append(Recommendation(e, float(score), MappingProxyType(terms), tuple(reasons), tuple(ids), MappingProxyType(helpers)))
    return out
