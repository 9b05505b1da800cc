"""What the cohort pages show: a stored run result, joined to names, ready for templates.

The result of a run comes from ``matcher.cohorts`` (groups with members, scores,
reasons and coverage, and cohort-level figures); this module only looks things up and
formats them. It never scores: every number shown is one the library computed, and a
preview is compared with the saved result figure by figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from matcher.profiles.themes import THEMES

from .. import charts
from ..auth import Identity
from ..services import pages_support

__all__ = ["MemberView", "GroupView", "FigureView", "ResultView", "result_view", "charts_for", "map_for"]

WORST_SHOWN = 3  # the cohort's lowest-scoring members are highlighted in the chart
ERASED_NAME = "Erased teacher"
COVERAGE_SHOWN = 15  # the most common challenges in the coverage chart

# The cohort figures of ``matcher.cohorts`` shown on the page: (label, format, higher is better).
FIGURES: Mapping[str, tuple[str, str, bool | None]] = {
    "mean_affinity": ("Mean member score", "num", True),
    "min_affinity": ("Worst-off member", "num", True),
    "coverage_share": ("Challenges covered", "pct", True),
    "coverage_of_coverable": ("Coverable challenges covered", "pct", True),
    "coverage_by_experience": ("Covered by shared experience", "pct", True),
    "uncoverable": ("Challenges nobody within reach could cover", "int", None),
    "isolated_placed": ("Departments of one near a groupmate", "of", True),
    "mean_travel_km": ("Mean distance between groupmates", "km", False),
    "groups": ("Groups", "int", None),
    "constraints": ("Constraints in force", "int", None),
}
@dataclass(frozen=True)
class MemberView:
    """A group member as the coordinator sees them."""

    id: str
    name: str
    school: str
    local_authority: str
    department_of_one: bool
    score: float | None
    worst: bool
    lat: float | None = None
    lon: float | None = None
    erased: bool = False  # erased (GDPR) since the run: only a pseudonym is kept


@dataclass(frozen=True)
class GroupView:
    """One group card."""

    index: int
    members: tuple[MemberView, ...]
    score: float | None
    approved: bool
    reasons: tuple[str, ...]
    covered: tuple[tuple[str, str], ...]  # (challenge label, "holders, helped by helpers")
    uncovered: tuple[str, ...]
    travel_km: float | None
    changed: bool = False
    score_before: float | None = None  # in a preview, the saved group's mean affinity
    out_of_reach: tuple[str, ...] = ()  # challenge labels nobody within reach in the cohort could cover

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def present(self) -> tuple[MemberView, ...]:
        """The members who are still teachers of the programme."""
        return tuple(m for m in self.members if not m.erased)

    @property
    def erased(self) -> int:
        """How many members were erased since the run (the group is that much smaller)."""
        return sum(1 for m in self.members if m.erased)


@dataclass(frozen=True)
class FigureView:
    """One cohort figure, and its change in a preview."""

    key: str
    label: str
    value: float
    kind: str
    delta: float | None = None
    higher_is_better: bool | None = None
    total: float | None = None  # for "x of y" figures

    @property
    def text(self) -> str:
        if self.kind == "of":
            return f"{self.value:.0f} of {self.total or 0:.0f}"
        return _fmt(self.value, self.kind)

    @property
    def changed(self) -> bool:
        """True when the change shows at the figure's precision (no "+0.00")."""
        if self.delta is None:
            return False
        return _fmt(abs(self.delta), self.kind) != _fmt(0.0, self.kind)

    @property
    def delta_text(self) -> str:
        if not self.changed:
            return ""
        sign = "+" if self.delta > 0 else "\u2212"
        return sign + _fmt(abs(self.delta), self.kind)

    @property
    def improved(self) -> bool | None:
        if not self.changed or self.higher_is_better is None:
            return None
        return (self.delta > 0) == self.higher_is_better


@dataclass(frozen=True)
class ResultView:
    """A whole result: figures, groups, and a name for every member id."""

    groups: tuple[GroupView, ...]
    figures: tuple[FigureView, ...]
    names: Mapping[str, str]
    preview: bool = False
    violations: tuple[str, ...] = ()
    coverage: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # challenge label -> (covered, not)
    # challenge label -> counts in the order of COVERAGE_WAYS (strength, shared experience, not covered, out of reach)
    coverage_ways: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    def name_of(self, teacher_id: str) -> str:
        return self.names.get(teacher_id, teacher_id)

    @property
    def members(self) -> list[MemberView]:
        """The members who are still teachers of the programme (erased ones are left out)."""
        return [m for g in self.groups for m in g.present]

    @property
    def short_groups(self) -> list[GroupView]:
        """Groups that lost members to erasure since the run."""
        return [g for g in self.groups if g.erased]


def _fmt(value: float, kind: str) -> str:
    if kind == "pct":
        return f"{100 * value:.0f}%"
    if kind == "km":
        return f"{value:.1f} km"
    if kind in ("int", "of"):
        return f"{value:.0f}"
    return f"{value:.2f}"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _member_scores(group: Mapping) -> dict[str, float]:
    """Each member's mean affinity to their groupmates, as the library computed it."""
    value = group.get("member_affinity")
    if not isinstance(value, Mapping):
        return {}
    return {str(k): float(v) for k, v in value.items() if _number(v) is not None}


def _coverage(group: Mapping, people: Mapping[str, pages_support.Person], names: Mapping[str, str]) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """Challenges covered in a group, as ``(label, "holders, helped by helpers")``, and those not covered.

    ``coverage`` maps each challenge theme to the groupmates who meet it (by a strength, or
    by shared experience: those in ``coverage_experience``, marked so); the holders of the
    challenge are looked up in the members' profiles to say whose it is.
    """
    covered = group.get("coverage") or {}
    shared = group.get("coverage_experience") or {}
    rows: list[tuple[str, str]] = []
    if isinstance(covered, Mapping):
        for theme, helpers in covered.items():
            label = THEMES[theme].label if theme in THEMES else str(theme)
            holders = [names.get(m, m) for m in group.get("members", []) if m in people and theme in people[m].challenges]
            helping = ", ".join(
                names.get(h, h) + (" (shared experience)" if h in shared.get(theme, ()) else "") for h in helpers
            )
            rows.append((label, f"{', '.join(holders)}, helped by {helping}" if holders else f"helped by {helping}"))
    labels = tuple(THEMES[t].label if t in THEMES else str(t) for t in group.get("uncovered") or ())
    return tuple(rows), labels


def coverage_counts(groups: Sequence[Mapping], people: Mapping[str, pages_support.Person]) -> dict[str, list[int]]:
    """Per challenge theme: ``[covered, not covered]`` over the members who hold it.

    A member's challenge counts as covered when the library lists another member among
    its helpers, so the totals agree with the run's ``coverage_share``.
    """
    counts: dict[str, list[int]] = {}
    for g in groups:
        coverage = g.get("coverage") or {}
        for m in g.get("members", []):
            person = people.get(m)
            for theme in person.challenges if person else ():
                covered = any(h != m for h in coverage.get(theme, ()))
                counts.setdefault(theme, [0, 0])[0 if covered else 1] += 1
    return counts


COVERAGE_WAYS = ("by a strength", "by shared experience", "not covered", "nobody within reach")


def coverage_ways(groups: Sequence[Mapping], people: Mapping[str, pages_support.Person]) -> dict[str, list[int]]:
    """Per challenge theme: member counts in the order of :data:`COVERAGE_WAYS` — met by a
    strength, met by shared experience only, not met though someone within reach could, and
    not coverable (nobody within reach in the cohort could meet it).

    Reads the library's ``coverage``, ``coverage_experience`` and ``uncoverable`` group
    fields; results stored before those fields count every uncovered challenge as "not
    covered". The first two add up to :func:`coverage_counts`' covered count.

    >>> from types import SimpleNamespace
    >>> coverage_ways([{"members": ["a", "b"], "coverage": {"send": ["b"]}, "coverage_experience": {},
    ...                 "uncoverable": ["singing"]}], {"a": SimpleNamespace(challenges=("send", "singing"))})
    {'send': [1, 0, 0, 0], 'singing': [0, 0, 0, 1]}
    """
    counts: dict[str, list[int]] = {}
    for g in groups:
        coverage = g.get("coverage") or {}
        shared = g.get("coverage_experience") or {}
        out_of_reach = set(g.get("uncoverable") or ())
        for m in g.get("members", []):
            person = people.get(m)
            for theme in person.challenges if person else ():
                helpers = [h for h in coverage.get(theme, ()) if h != m]
                if helpers:
                    way = 1 if all(h in shared.get(theme, ()) for h in helpers) else 0
                else:
                    way = 3 if theme in out_of_reach else 2
                counts.setdefault(theme, [0, 0, 0, 0])[way] += 1
    return counts


def _without_pseudonyms(text: str, gone: set[str]) -> str:
    """``text`` (a stored reason) with the pseudonyms of erased members replaced by words.

    >>> _without_pseudonyms("p-0a1b2c3d4e5f helps Sam with singing.", {"p-0a1b2c3d4e5f"})
    'an erased member helps Sam with singing.'
    """
    for alias in gone:
        text = text.replace(alias, "an erased member")
    return text


def _figures(result: Mapping) -> dict[str, float]:
    raw = result.get("figures") or {}
    return {k: v for k, v in ((k, _number(v)) for k, v in raw.items()) if v is not None} if isinstance(raw, Mapping) else {}


def _figure_views(figures: Mapping[str, float], old: Mapping[str, float]) -> tuple[FigureView, ...]:
    out = []
    for key, (label, kind, better) in FIGURES.items():
        if key not in figures:
            continue
        value = figures[key]
        delta = value - old[key] if key in old else None
        total = figures.get("isolated") if kind == "of" else None
        out.append(FigureView(key=key, label=label, value=value, kind=kind, delta=delta, higher_is_better=better, total=total))
    return tuple(out)


def result_view(identity: Identity, result: Mapping | None, *, preview: ResultView | None = None) -> ResultView:
    """Join a stored result to member names and schools, ready for the templates.

    With ``preview`` (the view of the saved result) each figure carries its change against
    it and groups whose members differ are marked ``changed``.
    """
    result = result or {}
    groups = list(result.get("groups") or [])
    ids = [m for g in groups for m in g.get("members", [])]
    people = pages_support.people_for(identity, ids)
    names = {tid: p.name for tid, p in people.items()}
    # Members who are no longer teachers of the programme were erased: the run keeps a
    # pseudonym for them, which means nothing to a coordinator.
    gone = {m for m in ids if m not in people}
    names.update({m: ERASED_NAME for m in gone})
    before_members = {g.index: {m.id for m in g.members} for g in preview.groups} if preview else {}
    before_scores = {g.index: g.score for g in preview.groups} if preview else {}
    views = []
    for position, g in enumerate(groups):
        covered, uncovered = _coverage(g, people, names)
        scores = _member_scores(g)
        members = []
        for m in g.get("members", []):
            p = people.get(m)
            members.append(
                MemberView(
                    id=m,
                    name=names.get(m, m),
                    school=p.school if p else "erased since the run; only a pseudonym is kept",
                    local_authority=p.local_authority if p else "",
                    department_of_one=bool(p and p.department_size <= 1),
                    score=scores.get(m) if p else None,
                    worst=p is not None and m == g.get("worst_off") and len(g.get("members", [])) > 1,
                    lat=p.lat if p else None,
                    lon=p.lon if p else None,
                    erased=p is None,
                )
            )
        index = int(g.get("index", position))
        views.append(
            GroupView(
                index=index,
                members=tuple(members),
                score=_number(g.get("mean_affinity")),
                approved=bool(g.get("approved")),
                reasons=tuple(_without_pseudonyms(str(r), gone) for r in g.get("reasons") or ()),
                covered=covered,
                uncovered=uncovered,
                out_of_reach=tuple(THEMES[t].label if t in THEMES else str(t) for t in g.get("uncoverable") or ()),
                travel_km=_number(g.get("mean_distance_km")),
                changed=bool(preview) and before_members.get(index) != {m.id for m in members},
                score_before=before_scores.get(index),
            )
        )
    old = {f.key: f.value for f in preview.figures} if preview else {}
    violations = tuple(_without_pseudonyms(str(v), gone) for v in result.get("violations") or ())
    return ResultView(
        groups=tuple(views),
        figures=_figure_views(_figures(result), old),
        names=names,
        preview=preview is not None,
        violations=violations,
        coverage={THEMES[t].label if t in THEMES else t: tuple(c) for t, c in coverage_counts(groups, people).items()},
        coverage_ways={THEMES[t].label if t in THEMES else t: tuple(c) for t, c in coverage_ways(groups, people).items()},
    )


def charts_for(view: ResultView) -> dict[str, Markup]:
    """The result page's charts: member scores (the cohort's worst-off highlighted) and challenge coverage."""
    out: dict[str, Markup] = {}
    members = [m for m in view.members if m.score is not None]
    if members:
        lowest = set(sorted(range(len(members)), key=lambda i: (members[i].score, members[i].id))[:WORST_SHOWN])
        out["scores"] = charts.score_distribution_svg(
            [m.score for m in members],
            highlight=sorted(lowest),
            labels=[m.name for m in members],
            title="Each member's mean affinity to their groupmates, lowest first; the worst-off highlighted",
            name="chart-scores",
        )
    if view.coverage:
        rows = sorted(((label, c, u) for label, (c, u) in view.coverage.items()), key=lambda r: (-(r[1] + r[2]), r[0]))[:COVERAGE_SHOWN]
        out["coverage"] = charts.coverage_svg(rows, title="Challenge coverage: members whose challenge a groupmate's strength meets", name="chart-coverage")
    return out


def map_for(view: ResultView, background: Sequence[tuple[float, float]]) -> Markup:
    """The map of the groups over the programme's schools."""
    groups = [
        charts.MapGroup(str(g.number), tuple(charts.MapPoint(m.lat, m.lon, m.name) for m in g.members if m.lat is not None and m.lon is not None))
        for g in view.groups
    ]
    return charts.map_svg(groups, background=[charts.MapPoint(lat, lon) for lat, lon in background], title="Peer groups on a map of the programme's schools", name="chart-map")
