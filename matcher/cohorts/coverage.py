"""Challenge coverage of groups: which way each challenge is met, and what could be met at all.

A member's challenge is *covered* in their group when another member meets it, by a
strength in the theme or — for a circumstance theme — by shared experience
(:func:`matcher.profiles.circumstances.cover_way`, the same rule the affinity uses). It is
*coverable* when somebody in the cohort who may share a group with the member (the hard
constraints of the affinity: travel limits, meeting modes, same school, keep-apart) could
meet it. Coverage is reported against what is coverable, so a challenge nobody within
reach can meet is shown as such, not as a failure of the grouping.

Examples
--------
>>> from matcher.profiles.teacher import TeacherProfile
>>> sam = TeacherProfile(id="a", name="Sam", school_urn=1, department_size=1, years_teaching=12, strengths=("singing",))
>>> jo = TeacherProfile(id="b", name="Jo", school_urn=2, years_teaching=2,
...                     challenges=("professional_isolation", "singing", "send"))
>>> cov = group_coverage([sam, jo], uncoverable=[(), ("send",)])
>>> dict(cov.by_strength), dict(cov.by_experience), cov.uncovered, cov.uncoverable
({'singing': ('a',)}, {'professional_isolation': ('a',)}, (), ('send',))
>>> cov.tally
CoverageTally(strength=1, experience=1, uncovered=0, uncoverable=1)
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..affinity.terms import Affinity
from ..profiles.circumstances import cover_way, experience_themes
from ..profiles.teacher import Cohort, TeacherProfile
from ..profiles.themes import THEME_IDS
from .grouping_affinity import GroupingAffinity, as_grouping_affinity

__all__ = ["CoverageTally", "GroupCoverage", "group_coverage", "uncoverable_challenges"]


@dataclass(frozen=True)
class CoverageTally:
    """Counts of (member, challenge) pairs: met by a ``strength``, met by shared
    ``experience`` (and no strength), not met though someone within reach could
    (``uncovered``), and not met with nobody within reach able to (``uncoverable``)."""

    strength: int = 0
    experience: int = 0
    uncovered: int = 0
    uncoverable: int = 0

    def __add__(self, other: CoverageTally) -> CoverageTally:
        return CoverageTally(*(x + y for x, y in zip(self.astuple(), other.astuple())))

    def astuple(self) -> tuple[int, int, int, int]:
        return (self.strength, self.experience, self.uncovered, self.uncoverable)

    @property
    def total(self) -> int:
        return sum(self.astuple())

    @property
    def covered(self) -> int:
        return self.strength + self.experience

    def share(self, part: str) -> float:
        """``part`` ("covered", "strength", "experience", "uncoverable") over all pairs (1.0 when none)."""
        value = self.covered if part == "covered" else getattr(self, part)
        return value / self.total if self.total else (1.0 if part == "covered" else 0.0)

    def of_coverable(self) -> float:
        """Covered pairs over coverable ones (1.0 when nothing is coverable); at most 1."""
        coverable = self.total - self.uncoverable
        return self.covered / coverable if coverable else 1.0


@dataclass(frozen=True)
class GroupCoverage:
    """A group's coverage: helpers per theme by each way, the themes left uncovered (though
    coverable) and those nobody within reach could cover, and the :class:`CoverageTally`."""

    by_strength: Mapping[str, tuple[str, ...]]
    by_experience: Mapping[str, tuple[str, ...]]
    uncovered: tuple[str, ...]
    uncoverable: tuple[str, ...]
    tally: CoverageTally = field(default_factory=CoverageTally)

    @property
    def coverage(self) -> dict[str, tuple[str, ...]]:
        """Every covered theme with all its helpers (strength first, then experience)."""
        out = {t: tuple(h) for t, h in self.by_strength.items()}
        for t, helpers in self.by_experience.items():
            out[t] = tuple(dict.fromkeys(out.get(t, ()) + tuple(helpers)))
        return out


def group_coverage(members: Sequence[TeacherProfile], uncoverable: Sequence[Collection[str]] | None = None) -> GroupCoverage:
    """Coverage of the group ``members``; ``uncoverable[k]`` lists the challenges of member
    ``k`` nobody within their reach in the cohort could meet (see
    :func:`uncoverable_challenges`). A challenge covered in the group always counts as
    covered."""
    by: dict[str, dict[str, tuple[str, ...]]] = {"strength": {}, "experience": {}}
    tally = {"strength": 0, "experience": 0, "uncovered": 0, "uncoverable": 0}
    uncovered: list[str] = []
    out_of_reach: list[str] = []
    for k, holder in enumerate(members):
        for theme in holder.challenges:
            ways = {q.id: cover_way(q, holder, theme) for q in members}
            helpers = {w: tuple(q for q, way in ways.items() if way == w) for w in ("strength", "experience")}
            for w, hs in helpers.items():
                if hs:
                    by[w][theme] = tuple(dict.fromkeys(by[w].get(theme, ()) + hs))
            if helpers["strength"]:
                tally["strength"] += 1
            elif helpers["experience"]:
                tally["experience"] += 1
            elif uncoverable is not None and theme in uncoverable[k]:
                tally["uncoverable"] += 1
                out_of_reach.append(theme)
            else:
                tally["uncovered"] += 1
                uncovered.append(theme)
    covered = set(by["strength"]) | set(by["experience"])
    return GroupCoverage(
        by_strength=by["strength"],
        by_experience=by["experience"],
        uncovered=tuple(t for t in dict.fromkeys(uncovered) if t not in covered),
        uncoverable=tuple(t for t in dict.fromkeys(out_of_reach) if t not in covered and t not in uncovered),
        tally=CoverageTally(**tally),
    )


def uncoverable_challenges(cohort: Cohort, affinity: GroupingAffinity | Affinity, *, chunk: int = 128) -> dict[int, frozenset[str]]:
    """``{row: themes}``: the challenges of each teacher that nobody in ``cohort`` who may
    share a group with them (``affinity``'s hard constraints) could meet, by a strength or
    shared experience. Teachers whose challenges are all coverable are left out.

    Helpers are tried ``chunk`` at a time and a challenge stops being checked as soon as
    one is found, so only the truly uncoverable ones cost a scan of every helper.
    """
    theme_pos = {t: k for k, t in enumerate(THEME_IDS)}
    rules = as_grouping_affinity(affinity, cohort)  # dense or sparse: who may share a group

    def mask(themes: Iterable[str]) -> int:
        m = 0
        for t in themes:
            m |= 1 << theme_pos[t]
        return m

    profiles = cohort.profiles
    challenges = np.array([mask(p.challenges) for p in profiles], dtype=np.uint64)
    helps = np.array([mask(set(p.strengths) | set(experience_themes(p))) for p in profiles], dtype=np.uint64)
    out: dict[int, set[str]] = {}
    for theme, k in theme_pos.items():
        bit = np.uint64(1 << k)
        holders = np.flatnonzero(challenges & bit)
        if holders.size == 0:
            continue
        helpers = np.flatnonzero(helps & bit)
        open_ = holders
        for start in range(0, helpers.size, chunk):
            if open_.size == 0:
                break
            hs = helpers[start:start + chunk]
            ok = np.asarray(rules.pair_block(open_, hs)[1], dtype=bool) & (open_[:, None] != hs[None, :])
            open_ = open_[~ok.any(axis=1)]
        for r in open_.tolist():
            out.setdefault(int(r), set()).add(theme)
    return {r: frozenset(t) for r, t in out.items()}
