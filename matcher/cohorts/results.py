"""What came out of cohort generation: explained groups and cohort-level figures.

Results are frozen records that can check themselves against the problem they solve and
export to JSON and CSV (no private fields: ids, names and reasons only).

Examples
--------
>>> g = Group(id=1, members=("t-1", "t-2"), names=("Sam Lee", "Priya Shah"), score=1.5,
...           mean_affinity=1.5, worst_off="t-2", worst_off_score=1.5,
...           coverage={"singing": ("t-1",)}, uncovered=(), reasons=("Both departments of one.",))
>>> g.size, g.to_dict()["coverage"]
(2, {'singing': ['t-1']})
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from ..csvsafe import write_rows
from ..errors import InfeasibleError, UnknownTeacherError
from .problem import GroupingProblem, Violation

__all__ = ["Group", "CohortFigures", "CohortResult", "CSV_COLUMNS", "SCALE", "is_behind"]

# ``group_affinity`` is the group's score and ``member_affinity`` the member's, both on the one
# scale of :data:`SCALE` (``group_score``, the summed pair affinity, was dropped: it grows
# with the group's size and could not be compared with anything else a coordinator sees).
CSV_COLUMNS = ("group", "teacher_id", "name", "group_size", "group_affinity", "member_affinity", "worst_off", "locked", "reasons")

SCALE = (
    "Affinity of a pair of teachers runs from 0 (nothing to offer each other, or hard to meet) to 1 "
    "(each meets the other's challenges, shares interests and context, and can meet easily); the boost "
    "for isolated teachers can lift a pair a little above 1. A group's score is the mean affinity of its "
    "pairs; a member's score is their mean affinity to their groupmates."
)
# A member is meaningfully behind their group when their score is under this share of the
# group's score AND at least this far below it (see :func:`is_behind`).
BEHIND_SHARE = 0.5
BEHIND_MARGIN = 0.10


def is_behind(member_score: float, group_score: float) -> bool:
    """True when a member is meaningfully behind their group: their score (mean affinity to
    the groupmates) is under half the group's score (mean pair affinity) and at least 0.10
    below it. The one rule for highlighting a worst-off member.

    >>> is_behind(0.12, 0.28), is_behind(0.20, 0.28), is_behind(0.04, 0.09)
    (True, False, False)
    """
    return member_score < BEHIND_SHARE * group_score and member_score <= group_score - BEHIND_MARGIN



@dataclass(frozen=True)
class Group:
    """One peer group.

    ``mean_affinity`` is the group's score on the one scale (:data:`SCALE`): the mean
    affinity of its pairs; ``score`` is their sum (the group's share of the search
    objective, which grows with the group's size: not a score to show). ``worst_off`` is
    the member with the lowest mean affinity to the others (``worst_off_score``);
    :attr:`worst_off_behind` says whether they are meaningfully behind (:func:`is_behind`).
    ``coverage`` maps each challenge theme a member brings to the groupmates who meet it,
    by a strength or by shared experience (see :mod:`.coverage`); ``coverage_experience``
    holds those who meet it by shared experience (a circumstance they share and have come
    through). ``uncovered`` lists challenge themes nobody else in the group covers though
    someone within reach in the cohort could; ``uncoverable`` those nobody within reach
    could cover at all. ``reasons`` say in plain English why these people fit.
    ``shared_slots`` are the free slots every member who listed availability lists;
    ``shares_slot`` whether there is one (``None``: nobody in the group listed availability).
    """

    id: int
    members: tuple[str, ...]
    names: tuple[str, ...]
    score: float
    mean_affinity: float
    worst_off: str
    worst_off_score: float
    coverage: Mapping[str, tuple[str, ...]]
    uncovered: tuple[str, ...]
    reasons: tuple[str, ...]
    locked: bool = False
    mean_distance_km: float | None = None
    member_affinity: Mapping[str, float] = field(default_factory=dict)
    coverage_experience: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    uncoverable: tuple[str, ...] = ()
    shared_slots: tuple[str, ...] = ()
    shares_slot: bool | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "coverage", MappingProxyType({k: tuple(v) for k, v in self.coverage.items()}))
        object.__setattr__(
            self, "coverage_experience", MappingProxyType({k: tuple(v) for k, v in self.coverage_experience.items()})
        )
        object.__setattr__(self, "member_affinity", MappingProxyType(dict(self.member_affinity)))

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def worst_off_behind(self) -> bool:
        """True when the worst-off member is meaningfully behind the group (:func:`is_behind`)."""
        return self.size > 1 and is_behind(self.worst_off_score, self.mean_affinity)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON."""
        return {
            "id": self.id,
            "members": list(self.members),
            "names": list(self.names),
            "size": self.size,
            "score": round(self.score, 6),
            "mean_affinity": round(self.mean_affinity, 6),
            "worst_off": self.worst_off,
            "worst_off_score": round(self.worst_off_score, 6),
            "worst_off_behind": self.worst_off_behind,
            "member_affinity": {k: round(v, 6) for k, v in self.member_affinity.items()},
            "coverage": {k: list(v) for k, v in self.coverage.items()},
            "coverage_experience": {k: list(v) for k, v in self.coverage_experience.items()},
            "uncovered": list(self.uncovered),
            "uncoverable": list(self.uncoverable),
            "reasons": list(self.reasons),
            "locked": self.locked,
            "mean_distance_km": None if self.mean_distance_km is None else round(self.mean_distance_km, 3),
            "shared_slots": list(self.shared_slots),
            "shares_slot": self.shares_slot,
        }


@dataclass(frozen=True)
class CohortFigures:
    """Cohort-level quality figures.

    ``mean_affinity``/``min_affinity``: mean and minimum over teachers of their mean
    affinity to their groupmates. ``coverage_share``: share of (teacher, challenge) pairs
    that a groupmate covers, by a strength or by shared experience;
    ``coverage_by_strength`` and ``coverage_by_experience`` split it by way (a challenge met
    both ways counts as a strength). ``uncoverable``: (teacher, challenge) pairs nobody
    within the teacher's reach in the cohort could cover; ``coverage_of_coverable``: covered
    pairs over the coverable ones (at most 1). ``size_balance``: how sizes were kept to the
    middle of the range (``"term"``: a size term in the objective; ``"bounds"``: within one
    of the mean size; ``"range"``: not, balancing was off or the rules needed the whole
    range; ``None``: not a :func:`~.groups.form_groups` run). ``isolated``: departments of one;
    ``isolated_placed``: how many of them share a group with someone within their travel
    limit. ``mean_travel_km``: mean distance between groupmates. ``constraints``: active
    hard constraints (forbidden pairs, keep-together sets, locked groups), and ``rules`` the
    same by kind (:meth:`~.problem.GroupingProblem.rule_counts`: pairs that cannot meet,
    colleagues at one school, previous groupmates, keep-apart pairs, keep-together sets,
    locked groups). ``objective``: summed pair weight of all groups (what the search
    maximises). ``upper_bound``: a proven ceiling on ``objective`` (no grouping can score
    more), where the solver found one; ``gap``: ``(upper_bound - objective) / upper_bound``,
    how far these groups could at most be from the best possible (0.02: within 2%); both
    ``None`` when unknown (large cohorts, or after a manual edit). ``random_affinity``: the
    mean affinity of a pair drawn at random from the cohort, what groups drawn at random
    would score on average; compare ``mean_affinity`` with it. ``common_slot``: whether the
    common-slot rule was on; ``slot_groups``: groups whose members share a free slot (of
    ``groups``; a group where nobody listed availability counts as sharing).
    """

    teachers: int
    groups: int
    objective: float
    mean_affinity: float
    min_affinity: float
    coverage_share: float
    isolated: int
    isolated_placed: int
    mean_travel_km: float
    constraints: int
    upper_bound: float | None
    gap: float | None
    seed: int
    seconds: float
    moved: int | None = None
    rules: Mapping[str, int] = field(default_factory=dict)
    random_affinity: float | None = None
    coverage_by_strength: float | None = None
    coverage_by_experience: float | None = None
    coverage_of_coverable: float | None = None
    uncoverable: int | None = None
    size_balance: str | None = None
    common_slot: bool | None = None
    slot_groups: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: (round(v, 6) if isinstance(v, float) else dict(v) if isinstance(v, Mapping) else v) for k, v in asdict(self).items()}


@dataclass(frozen=True, eq=False)
class CohortResult:
    """Groups plus figures; ``problem`` is the grouping problem they solve (for :meth:`check`);
    ``unplaced`` lists teachers left out because nobody they can meet could fill a group."""

    groups: tuple[Group, ...]
    figures: CohortFigures
    problem: GroupingProblem = field(repr=False)
    ids: tuple[str, ...] = field(repr=False)
    unplaced: tuple[str, ...] = ()

    def assignment(self) -> np.ndarray:
        """Group index (``id - 1``) of every teacher, in cohort order."""
        index = {t: r for r, t in enumerate(self.ids)}
        a = np.full(len(self.ids), -1, dtype=np.int64)
        for g in self.groups:
            a[[index[t] for t in g.members]] = g.id - 1
        return a

    def group_of(self, teacher_id: str) -> Group:
        """The group of ``teacher_id``; raises :class:`UnknownTeacherError` naming it."""
        for g in self.groups:
            if teacher_id in g.members:
                return g
        raise UnknownTeacherError(teacher_id)

    @property
    def locked_ids(self) -> tuple[tuple[str, ...], ...]:
        return tuple(g.members for g in self.groups if g.locked)

    def violations(self) -> list[str]:
        """Every broken constraint (empty when the groups are valid), naming the rule and why."""
        return [str(v) for v in self.broken_rules()]

    def broken_rules(self) -> list[Violation]:
        """Every broken constraint as a :class:`~.problem.Violation` (group, kind, message)."""
        return self.problem.broken_rules(self.assignment())

    def group_violations(self) -> dict[int, tuple[Violation, ...]]:
        """The broken rules of each group, by group id (groups that break none are left out)."""
        out: dict[int, list[Violation]] = {}
        for v in self.broken_rules():
            if v.group is not None:
                out.setdefault(v.group + 1, []).append(v)
        return {g: tuple(vs) for g, vs in out.items()}

    def check(self, *, allow: Collection[str] = ()) -> CohortResult:
        """Raise :class:`InfeasibleError` listing every broken constraint (except those of the
        kinds in ``allow``, e.g. ``"slot"``: reported by :meth:`violations`); else return self."""
        bad = [str(v) for v in self.broken_rules() if v.kind not in allow]
        if bad:
            raise InfeasibleError("the groups break constraints: " + "; ".join(bad[:10]))
        return self

    def to_dict(self) -> dict[str, Any]:
        return {"figures": self.figures.to_dict(), "groups": [g.to_dict() for g in self.groups],
                "unplaced": list(self.unplaced)}

    def to_json(self, indent: int | None = 2) -> str:
        """JSON with figures and groups (ids, names, scores, coverage, reasons)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_csv(self) -> str:
        """One row per teacher: group, id, name, group figures and the group's reasons
        (joined with `` | ``), spreadsheet-friendly. ``group_affinity`` (the group's mean
        pair affinity) and ``member_affinity`` (the member's mean affinity to the
        groupmates) are on the one scale of :data:`SCALE`. Cells a spreadsheet would run as
        formulas (a name starting with ``=``) are neutralised (:mod:`matcher.csvsafe`)."""
        rows = (
            [
                g.id,
                t,
                name,
                g.size,
                f"{g.mean_affinity:.4f}",
                f"{g.member_affinity.get(t, 0.0):.4f}",
                "yes" if t == g.worst_off else "",
                "yes" if g.locked else "",
                " | ".join(g.reasons),
            ]
            for g in self.groups
            for t, name in zip(g.members, g.names)
        )
        return write_rows([CSV_COLUMNS, *rows])
