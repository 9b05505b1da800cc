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

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from types import MappingProxyType

import numpy as np

from ..errors import InfeasibleError, UnknownTeacherError
from .problem import GroupingProblem

__all__ = ["Group", "CohortFigures", "CohortResult", "CSV_COLUMNS"]

CSV_COLUMNS = ("group", "teacher_id", "name", "group_size", "group_score", "member_affinity", "worst_off", "locked", "reasons")


@dataclass(frozen=True)
class Group:
    """One peer group.

    ``score`` is the summed affinity of its pairs, ``mean_affinity`` the mean pair
    affinity; ``worst_off`` is the member with the lowest mean affinity to the others
    (``worst_off_score``). ``coverage`` maps each challenge theme a member brings to the
    groupmates who meet it, by a strength or by shared experience (see
    :mod:`.coverage`); ``coverage_experience`` holds those who meet it by shared
    experience (a circumstance they share and have come through). ``uncovered`` lists
    challenge themes nobody else in the group covers though someone within reach in the
    cohort could; ``uncoverable`` those nobody within reach could cover at all.
    ``reasons`` say in plain English why these people fit.
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

    def __post_init__(self) -> None:
        object.__setattr__(self, "coverage", MappingProxyType({k: tuple(v) for k, v in self.coverage.items()}))
        object.__setattr__(
            self, "coverage_experience", MappingProxyType({k: tuple(v) for k, v in self.coverage_experience.items()})
        )
        object.__setattr__(self, "member_affinity", MappingProxyType(dict(self.member_affinity)))

    @property
    def size(self) -> int:
        return len(self.members)

    def to_dict(self) -> dict:
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
            "member_affinity": {k: round(v, 6) for k, v in self.member_affinity.items()},
            "coverage": {k: list(v) for k, v in self.coverage.items()},
            "coverage_experience": {k: list(v) for k, v in self.coverage_experience.items()},
            "uncovered": list(self.uncovered),
            "uncoverable": list(self.uncoverable),
            "reasons": list(self.reasons),
            "locked": self.locked,
            "mean_distance_km": None if self.mean_distance_km is None else round(self.mean_distance_km, 3),
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
    hard constraints (forbidden pairs, keep-together sets, locked groups).
    ``upper_bound``/``gap``: a proven bound on the objective and the relative distance to
    it, where known.
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
    coverage_by_strength: float | None = None
    coverage_by_experience: float | None = None
    coverage_of_coverable: float | None = None
    uncoverable: int | None = None
    size_balance: str | None = None

    def to_dict(self) -> dict:
        return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in asdict(self).items()}


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
        """Every broken constraint (empty when the groups are valid)."""
        return self.problem.violations(self.assignment())

    def check(self) -> CohortResult:
        """Raise :class:`InfeasibleError` listing every broken constraint; else return self."""
        bad = self.violations()
        if bad:
            raise InfeasibleError("the groups break constraints: " + "; ".join(bad[:10]))
        return self

    def to_dict(self) -> dict:
        return {"figures": self.figures.to_dict(), "groups": [g.to_dict() for g in self.groups],
                "unplaced": list(self.unplaced)}

    def to_json(self, indent: int | None = 2) -> str:
        """JSON with figures and groups (ids, names, scores, coverage, reasons)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_csv(self) -> str:
        """One row per teacher: group, id, name, group figures and the group's reasons
        (joined with `` | ``), spreadsheet-friendly."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for g in self.groups:
            for t, name in zip(g.members, g.names):
                writer.writerow(
                    [
                        g.id,
                        t,
                        name,
                        g.size,
                        f"{g.score:.4f}",
                        f"{g.member_affinity.get(t, 0.0):.4f}",
                        "yes" if t == g.worst_off else "",
                        "yes" if g.locked else "",
                        " | ".join(g.reasons),
                    ]
                )
        return buf.getvalue()
