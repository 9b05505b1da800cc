"""Explain groups: who covers whose challenges, who is worst off, why these people fit.

Reasons are written from the affinity terms that actually carry the group's score
(largest first), naming the themes by their labels, the distances and the shared free
time, so a coordinator can see at a glance why a group was formed.

Examples
--------
>>> import numpy as np
>>> member_affinity(np.array([[0, 2, 4], [2, 0, 0], [4, 0, 0]], float), [0, 1, 2]).tolist()
[3.0, 1.0, 2.0]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from ..places.schools import FSM_HIGH, FSM_LOW
from ..profiles.phrases import count_phrase, join_phrases, short_names, slot_phrase, theme_phrase
from ..profiles.teacher import Cohort, TeacherProfile
from ..profiles.circumstances import cover_way, experience_phrase
from ..profiles.themes import THEMES
from ..affinity.terms import Affinity
from .common_slot import count_slot_pairs
from .slot_pass import slot_reasons
from .penalties import repeat_reasons
from .coverage import CoverageTally, group_coverage, uncoverable_challenges
from .group_csv import shared_slots
from .grouping_affinity import GroupingAffinity
from .problem import GroupingProblem
from .results import CohortFigures, CohortResult, Group

__all__ = ["member_affinity", "coverage_of", "group_block", "group_reasons", "describe", "random_pair_affinity"]

MAX_REASONS = 5

Floats = npt.NDArray[np.float64]
Block = tuple[Floats, dict[str, Floats], Floats]
"""``(scores, terms, distance_km)`` among the members of a group (see :func:`group_block`)."""


def member_affinity(scores: Floats, rows: npt.ArrayLike) -> Floats:
    """Each member's mean affinity to the other members of the group ``rows``."""
    idx = np.asarray(rows, dtype=np.int64)
    if idx.size < 2:
        return np.zeros(idx.size)
    block = scores[np.ix_(idx, idx)]
    mean: Floats = (block.sum(axis=1) - np.diag(block)) / (idx.size - 1)
    return mean


def coverage_of(members: Sequence[TeacherProfile]) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...], int, int]:
    """``(coverage, uncovered, covered_pairs, all_pairs)`` of a group: for each challenge
    theme of a member, the *other* members who meet it, by a strength or shared experience
    (:func:`.coverage.group_coverage` has the split by way)."""
    cov = group_coverage(members)
    return cov.coverage, cov.uncovered, cov.tally.covered, cov.tally.total


def _first(p: TeacherProfile, members: Sequence[TeacherProfile]) -> str:
    """``p``'s first name, with a surname initial when a groupmate shares it ("Amy S.")."""
    if not p.name.strip():
        return p.id
    named = [q for q in members if q.name.strip()]
    return short_names([q.name for q in named])[next(k for k, q in enumerate(named) if q.id == p.id)]


def _help_sentence(members: Sequence[TeacherProfile]) -> str | None:
    links = []
    for helper in members:
        for other in members:
            if other.id == helper.id:
                continue
            themes = [t for t in other.challenges if cover_way(helper, other, t) == "strength"]
            if themes:
                links.append((len(themes), helper, other, themes))
    if not links:
        return None
    links.sort(key=lambda x: -x[0])
    mutual = {(h.id, o.id) for _, h, o, _ in links} & {(o.id, h.id) for _, h, o, _ in links}
    shown = [f"{_first(h, members)} helps {_first(o, members)} with {theme_phrase(themes, 2)}" for _, h, o, themes in links[:3]]
    more = f" ({count_phrase(len(links) - 3, 'more link')})" if len(links) > 3 else ""
    lead = "Help runs both ways" if mutual else "Strengths meet challenges"
    return f"{lead}: {'; '.join(shown)}{more}."


def _experience_sentence(members: Sequence[TeacherProfile]) -> str | None:
    """Circumstance challenges met by shared experience, e.g. "Shared experience: Sam has run
    a department of one for 12 years, for Jo's department of one workload."."""
    links: list[str] = []
    for other in members:
        for theme in other.challenges:
            if any(cover_way(q, other, theme) == "strength" for q in members):
                continue  # met by a strength: the help sentence says so
            helpers = [q for q in members if cover_way(q, other, theme) == "experience"]
            if helpers:
                best = max(helpers, key=lambda q: q.years_teaching)
                label = THEMES[theme].label.lower()
                links.append(f"{_first(best, members)} {experience_phrase(best, theme)}, for {_first(other, members)}'s {label}")
    if not links:
        return None
    more = f" ({len(links) - 2} more)" if len(links) > 2 else ""
    return f"Shared experience: {'; '.join(links[:2])}{more}."


def _interest_sentence(members: Sequence[TeacherProfile]) -> str | None:
    counts = Counter(t for p in members for t in set(p.interests))
    shared = [t for t, c in counts.most_common() if c >= 2]
    if not shared:
        return None
    parts = []
    for t in shared[:2]:
        who = [_first(p, members) for p in members if t in p.interests]
        parts.append(f"{theme_phrase([t])} ({join_phrases(who)})")
    return f"Shared interests: {join_phrases(parts)}."


def _context_sentence(members: Sequence[TeacherProfile], cohort: Cohort) -> str | None:
    schools = [cohort.schools[p.school_urn] for p in members]
    ones = [_first(p, members) for p in members if p.department_of_one]
    parts = []
    if len(ones) >= 2:
        parts.append(f"{join_phrases(ones)} are departments of one")
    fsm = [s.fsm_percent for s in schools if s.fsm_percent is not None]
    if fsm:
        lo, hi = min(fsm), max(fsm)
        if hi - lo >= 20:
            parts.append(f"schools from {lo:.0f}% to {hi:.0f}% free school meals, a mix of contexts")
        elif lo >= FSM_HIGH:
            parts.append(f"all in high-FSM schools ({lo:.0f}-{hi:.0f}% free school meals)")
        elif hi <= FSM_LOW:
            parts.append(f"all in low-FSM schools ({lo:.0f}-{hi:.0f}% free school meals)")
    areas = list(dict.fromkeys(s.local_authority for s in schools))
    if len(areas) == 1:
        parts.append(f"all in {areas[0]}")
    if not parts:
        return None
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def _practical_sentence(members: Sequence[TeacherProfile], dist: np.ndarray) -> str | None:
    parts = []
    modes = {p.meeting_mode for p in members}
    if len(members) > 1:
        furthest = float(dist.max())
        travel = np.array([p.max_travel_km for p in members])
        reach = np.minimum(travel[:, None], travel[None, :])
        if "online" not in modes and np.all(dist <= reach):
            parts.append(f"can meet in person: the furthest two are {furthest:.1f} km apart, within their travel limits")
        elif modes <= {"online", "either"}:
            parts.append(f"meets online (schools up to {furthest:.0f} km apart)")
    slots = Counter(s for p in members for s in set(p.availability))
    if slots:
        slot, count = slots.most_common(1)[0]
        if count == len(members):
            parts.append(f"everyone is free {slot_phrase(slot)}")
        elif count >= max(2, (len(members) + 1) // 2):
            parts.append(f"{count} of {len(members)} are free {slot_phrase(slot)}")
    if not parts:
        return None
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def _near_peer(members: Sequence[TeacherProfile], dist: np.ndarray, k: int) -> bool:
    others = [dist[k, j] for j in range(len(members)) if j != k]
    return bool(others) and min(others) <= members[k].max_travel_km


def _priority_sentence(members: Sequence[TeacherProfile], dist: np.ndarray) -> str | None:
    placed = [_first(p, members) for k, p in enumerate(members) if p.department_of_one and _near_peer(members, dist, k)]
    if not placed:
        return None
    verb = "has" if len(placed) == 1 else "each have"
    return f"Isolated teachers come first: {join_phrases(placed)} {verb} a groupmate within travel distance."


def group_block(affinity: GroupingAffinity | Affinity, rows: npt.ArrayLike) -> Block:
    """``(scores, terms, distance_km)`` among the members ``rows`` as small dense arrays,
    from a dense :class:`~matcher.affinity.Affinity` or any object with ``block(rows)``."""
    idx = np.asarray(rows, dtype=np.int64)
    if hasattr(affinity, "block"):
        return affinity.block(idx)
    ix = np.ix_(idx, idx)
    return (
        np.asarray(affinity.scores[ix], dtype=np.float64),
        {t: np.asarray(m[ix], dtype=np.float64) for t, m in affinity.terms.items()},
        np.asarray(affinity.distance_km[ix], dtype=np.float64),
    )


def group_reasons(
    cohort: Cohort, rows: npt.ArrayLike, affinity: GroupingAffinity | Affinity, block: Block | None = None
) -> tuple[str, ...]:
    """Plain-English reasons for the group ``rows``, from its largest affinity terms first."""
    idx = np.asarray(rows, dtype=np.int64)
    members = [cohort.profiles[r] for r in idx]
    if len(idx) < 2:
        return ("A group of one: no peers could be placed with this teacher.",)
    _, terms, dist = block if block is not None else group_block(affinity, idx)
    iu, ju = np.triu_indices(len(idx), 1)
    sums = {t: float(m[iu, ju].sum()) for t, m in terms.items()}
    writers: dict[str, Callable[[], str | tuple[str | None, ...] | None]] = {
        "complementarity": lambda: (_help_sentence(members), _experience_sentence(members)),
        "interests": lambda: _interest_sentence(members),
        "context": lambda: _context_sentence(members, cohort),
        "practicality": lambda: _practical_sentence(members, dist),
        "priority": lambda: _priority_sentence(members, dist),
    }
    out: list[str] = []
    for term, value in sorted(sums.items(), key=lambda kv: -kv[1]):
        if value <= 0 or term not in writers:
            continue
        written = writers[term]()
        for sentence in written if isinstance(written, tuple) else (written,):
            if sentence:
                out.append(sentence)
    return tuple(out[:MAX_REASONS])


RANDOM_SAMPLE = 120  # members sampled for the random-pair baseline (all of them below this)


def random_pair_affinity(affinity: GroupingAffinity | Affinity, n: int, *, seed: int = 0) -> float | None:
    """Mean affinity of a pair drawn at random from the ``n`` members: what groups drawn at
    random would score on average (exact up to :data:`RANDOM_SAMPLE` members, else the
    mean over the pairs of a seeded sample of them). ``None`` for fewer than two members.

    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> s = np.array([[0, 0.3, 0.6], [0.3, 0, 0.0], [0.6, 0.0, 0]])
    >>> round(random_pair_affinity(SimpleNamespace(scores=s, terms={}, distance_km=s), 3), 6)
    0.3
    """
    if n < 2:
        return None
    rows = np.arange(n) if n <= RANDOM_SAMPLE else np.sort(np.random.default_rng(seed).choice(n, RANDOM_SAMPLE, replace=False))
    scores, _, _ = group_block(affinity, rows)
    iu, ju = np.triu_indices(rows.size, 1)
    return float(scores[iu, ju].mean())


def describe(
    cohort: Cohort,
    affinity: GroupingAffinity | Affinity,
    problem: GroupingProblem,
    assignment: npt.NDArray[np.int64],
    *,
    locked: Sequence[int] = (),
    seed: int = 0,
    seconds: float = 0.0,
    upper_bound: float | None = None,
    moved: int | None = None,
) -> CohortResult:
    """Turn an assignment (group index per cohort row) into explained groups and figures.

    Group ``g`` gets id ``g + 1``; ``locked`` lists the group indices a coordinator has
    approved. ``affinity`` is a dense :class:`~matcher.affinity.Affinity` or an object
    with ``block(rows)`` (see :func:`group_block`).
    """
    groups = []
    all_u, dists = [], []
    tally, out_of_reach = CoverageTally(), uncoverable_challenges(cohort, affinity)
    isolated = placed = 0
    locked_set = {int(g) for g in locked}
    for g in range(int(assignment.max(initial=-1)) + 1):
        rows = np.flatnonzero(assignment == g)
        if rows.size == 0:
            continue
        members = [cohort.profiles[r] for r in rows]
        block = group_block(affinity, rows)
        scores, _, dist = block
        u = member_affinity(scores, np.arange(rows.size))
        all_u.extend(u.tolist())
        cov = group_coverage(members, [out_of_reach.get(int(r), frozenset()) for r in rows])
        tally += cov.tally
        iu, ju = np.triu_indices(rows.size, 1)
        dists.extend(dist[iu, ju].tolist())
        for k, p in enumerate(members):
            if p.department_of_one:
                isolated += 1
                placed += _near_peer(members, dist, k)
        worst = int(np.argmin(u)) if rows.size else 0
        groups.append(
            Group(
                id=g + 1,
                members=tuple(p.id for p in members),
                names=tuple(p.name for p in members),
                score=float(scores[iu, ju].sum()),
                mean_affinity=float(scores[iu, ju].mean()) if iu.size else 0.0,
                worst_off=members[worst].id,
                worst_off_score=float(u[worst]) if rows.size > 1 else 0.0,
                coverage=cov.coverage,
                uncovered=cov.uncovered,
                coverage_experience=cov.by_experience,
                uncoverable=cov.uncoverable,
                reasons=group_reasons(cohort, rows, affinity, block),
                locked=g in locked_set,
                mean_distance_km=float(dist[iu, ju].mean()) if iu.size else None,
                member_affinity={p.id: float(x) for p, x in zip(members, u)},
                shared_slots=(slots := shared_slots(p.availability for p in members)),
                shares_slot=bool(slots) if any(p.availability for p in members) else None,
            )
        )
    objective = float(sum(g.score for g in groups))
    gap = None if upper_bound is None else max(0.0, (upper_bound - objective) / max(abs(upper_bound), 1e-12))
    figures = CohortFigures(
        teachers=len(cohort),
        groups=len(groups),
        objective=objective,
        mean_affinity=float(np.mean(all_u)) if all_u else 0.0,
        min_affinity=float(np.min(all_u)) if all_u else 0.0,
        coverage_share=tally.share("covered"),
        coverage_by_strength=tally.share("strength"),
        coverage_by_experience=tally.share("experience"),
        coverage_of_coverable=tally.of_coverable(),
        uncoverable=tally.uncoverable,
        isolated=isolated,
        isolated_placed=int(placed),
        mean_travel_km=float(np.mean(dists)) if dists else 0.0,
        constraints=problem.active_constraints(),
        rules=problem.rule_counts() | ({} if problem.slots is None else {"no_common_slot": count_slot_pairs(problem.slots)}),
        random_affinity=random_pair_affinity(affinity, len(cohort), seed=seed),
        upper_bound=upper_bound,
        gap=gap,
        seed=seed,
        seconds=seconds,
        moved=moved,
        common_slot=problem.slots is not None,
        slot_groups=sum(1 for g in groups if g.shares_slot is not False),
    )
    if problem.slots is not None:
        groups = slot_reasons(cohort, problem, assignment, groups)
    groups = repeat_reasons(cohort, problem, assignment, groups)  # discouraged pairs that share a group, and why
    return CohortResult(groups=tuple(groups), figures=figures, problem=problem, ids=cohort.ids)


def theme_label(theme_id: str) -> str:
    """The label of a theme id (for exports)."""
    return THEMES[theme_id].label
