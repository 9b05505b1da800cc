"""What the cohort pages show: a run's explained grouping, joined to names, ready for templates.

A run's :class:`matcher.cohorts.Grouping` is explained by ``matcher.cohorts`` (groups
with members, scores, reasons and coverage, and cohort-level figures, as a
:class:`~matcher.cohorts.CohortResult`); this module reads their attributes, looks up
names and formats them. It never scores: every number shown is one the library computed,
and a preview is compared with the saved result figure by figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from markupsafe import Markup

from matcher.cohorts import CohortFigures, Group
from matcher.cohorts.results import SCALE
from matcher.profiles.phrases import slot_phrase
from matcher.profiles.themes import THEMES

from .. import charts, mapchart
from ..auth import Identity
from ..services import pages_support
from ..services.cohort_review import ERASED_NAME, Review

__all__ = ["MemberView", "GroupView", "FigureView", "ResultView", "result_view", "charts_for", "map_for", "SCALE"]

COVERAGE_SHOWN = 15  # the most common challenges in the coverage chart

# The cohort figures of ``matcher.cohorts`` shown on the page: (label, format, higher is better).
FIGURES: Mapping[str, tuple[str, str, bool | None]] = {
    "mean_affinity": ("Mean member score", "num", True),
    "min_affinity": ("Lowest member score", "num", True),
    "coverage_share": ("Challenges covered", "pct", True),
    "coverage_of_coverable": ("Coverable challenges covered", "pct", True),
    "coverage_by_experience": ("Covered by shared experience", "pct", True),
    "uncoverable": ("Challenges nobody within reach could cover", "int", None),
    "isolated_placed": ("Departments of one near a groupmate", "of", True),
    "mean_travel_km": ("Mean distance between groupmates", "km", False),
    "groups": ("Groups", "int", None),
}
# What each kind of hard constraint means (``CohortFigures.rules``), in the order shown.
RULE_LABELS: Mapping[str, str] = {
    "cannot_meet": "pairs who cannot meet (online only with in person only, or beyond a travel limit)",
    "same_school": "pairs of colleagues at one school",
    "previous": "pairs of previous groupmates",
    "keep_apart": "pairs on the keep-apart list",
    "pairs_apart": "pairs who may not share a group",
    "keep_together": "keep-together sets",
    "locked": "approved (locked) groups",
    "in_person_only": "teachers who meet in person only (each only with those in reach)",
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

    def matches(self, needle: str) -> bool:
        """True when ``needle`` (lower case) is in the member's name, id or school; erased members never match."""
        return not self.erased and any(needle in x.lower() for x in (self.name, self.id, self.school))


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
    size_min: int = 0  # the run's smallest group size
    violations: tuple[str, ...] = ()  # the rules this group breaks, each with its reason
    meeting: tuple[str, ...] = ()  # of those, why some members may not share a group (pair rules)
    out_of_reach: tuple[str, ...] = ()  # challenge labels nobody within reach in the cohort could cover
    shared_slots: tuple[str, ...] = ()  # free slots every member who listed availability lists, in words
    shares_slot: bool | None = None  # None: nobody in the group listed availability

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

    @property
    def other_rules(self) -> tuple[str, ...]:
        """The rules this group breaks other than who may meet whom (its size, a locked group changed)."""
        return tuple(v for v in self.violations if v not in self.meeting)

    @property
    def too_small(self) -> bool:
        """True when the members left are fewer than the run's smallest group size."""
        return len(self.present) < self.size_min


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
        if not self.changed or self.delta is None:  # (changed implies a delta)
            return ""
        sign = "+" if self.delta > 0 else "\u2212"
        return sign + _fmt(abs(self.delta), self.kind)

    @property
    def improved(self) -> bool | None:
        if not self.changed or self.delta is None or self.higher_is_better is None:
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
    rules: tuple[tuple[str, int], ...] = ()  # (what the constraint is, how many), see RULE_LABELS
    random_affinity: float | None = None  # a random pair's mean affinity: what random groups would score
    mean_affinity: float | None = None
    upper_bound: float | None = None
    gap: float | None = None
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

    @property
    def too_small(self) -> list[GroupView]:
        """Groups left below the run's smallest size by erasures (the notice is an error only then)."""
        return [g for g in self.short_groups if g.too_small]

    @property
    def times_random(self) -> float | None:
        """How many times a random pair's affinity these groups' members score on average."""
        if self.mean_affinity is None or not self.random_affinity or self.random_affinity <= 0:
            return None
        return self.mean_affinity / self.random_affinity

    def find(self, query: str) -> tuple[GroupView, ...]:
        """The groups with a member whose name, id or school contains ``query`` (any case); all for a blank query."""
        needle = query.strip().lower()
        if not needle:
            return self.groups
        return tuple(g for g in self.groups if any(m.matches(needle) for m in g.members))


def _fmt(value: float, kind: str) -> str:
    if kind == "pct":
        return f"{100 * value:.0f}%"
    if kind == "km":
        return f"{value:.1f} km"
    if kind in ("int", "of"):
        return f"{value:.0f}"
    return f"{value:.2f}"


def _coverage(group: Group | None, members: Sequence[str], people: Mapping[str, pages_support.Person], names: Mapping[str, str]) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """Challenges covered in a group, as ``(label, "holders, helped by helpers")``, and those not covered.

    ``coverage`` maps each challenge theme to the groupmates who meet it (by a strength, or
    by shared experience: those in ``coverage_experience``, marked so); the holders of the
    challenge are looked up in the members' profiles to say whose it is.
    """
    if group is None:
        return (), ()
    rows: list[tuple[str, str]] = []
    shared = group.coverage_experience
    for theme, helpers in group.coverage.items():
        label = THEMES[theme].label if theme in THEMES else str(theme)
        holders = [names.get(m, m) for m in members if m in people and theme in people[m].challenges]
        helping = ", ".join(names.get(h, h) + (" (shared experience)" if h in shared.get(theme, ()) else "") for h in helpers)
        rows.append((label, f"{', '.join(holders)}, helped by {helping}" if holders else f"helped by {helping}"))
    labels = tuple(THEMES[t].label if t in THEMES else str(t) for t in group.uncovered)
    return tuple(rows), labels


def coverage_counts(groups: Sequence[tuple[Sequence[str], Group | None]], people: Mapping[str, pages_support.Person]) -> dict[str, list[int]]:
    """Per challenge theme: ``[covered, not covered]`` over the members who hold it.

    ``groups`` pairs each group's member ids with the library's explained group. A
    member's challenge counts as covered when the library lists another member among its
    helpers, so the totals agree with the run's ``coverage_share``.
    """
    return {theme: [w[0] + w[1], w[2] + w[3]] for theme, w in coverage_ways(groups, people).items()}


COVERAGE_WAYS = ("by a strength", "by shared experience", "not covered", "nobody within reach")


def coverage_ways(groups: Sequence[tuple[Sequence[str], Group | None]], people: Mapping[str, pages_support.Person]) -> dict[str, list[int]]:
    """Per challenge theme: member counts in the order of :data:`COVERAGE_WAYS` — met by a
    strength, met by shared experience only, not met though someone within reach could, and
    not coverable (nobody within reach in the cohort could meet it).

    ``groups`` pairs each group's member ids with the library's explained group (its
    ``coverage``, ``coverage_experience`` and ``uncoverable``). The first two add up to
    :func:`coverage_counts`' covered count.

    >>> from types import SimpleNamespace
    >>> g = SimpleNamespace(coverage={"send": ("b",)}, coverage_experience={}, uncoverable=("singing",))
    >>> coverage_ways([(("a", "b"), g)], {"a": SimpleNamespace(challenges=("send", "singing"))})
    {'send': [1, 0, 0, 0], 'singing': [0, 0, 0, 1]}
    """
    counts: dict[str, list[int]] = {}
    for members, group in groups:
        coverage = group.coverage if group is not None else {}
        shared = group.coverage_experience if group is not None else {}
        out_of_reach = set(group.uncoverable) if group is not None else set()
        for m in members:
            person = people.get(m)
            for theme in person.challenges if person else ():
                helpers = [h for h in coverage.get(theme, ()) if h != m]
                if helpers:
                    way = 1 if all(h in shared.get(theme, ()) for h in helpers) else 0
                else:
                    way = 3 if theme in out_of_reach else 2
                counts.setdefault(theme, [0, 0, 0, 0])[way] += 1
    return counts


def _figure_views(figures: CohortFigures, old: Mapping[str, float]) -> tuple[FigureView, ...]:
    out = []
    for key, (label, kind, better) in FIGURES.items():
        value = float(getattr(figures, key))
        delta = value - old[key] if key in old else None
        total = float(figures.isolated) if kind == "of" else None
        out.append(FigureView(key=key, label=label, value=value, kind=kind, delta=delta, higher_is_better=better, total=total))
    return tuple(out)


def result_view(identity: Identity, review: Review, *, preview: ResultView | None = None) -> ResultView:
    """Join a run's explained grouping to member names and schools, ready for the templates.

    Members erased since the run (ids with no profile) are shown as "Erased teacher" and
    never named. With ``preview`` (the view of the saved run) each figure carries its
    change against it and groups whose members differ are marked ``changed``.
    """
    grouping = review.grouping
    people = pages_support.people_for(identity, grouping.teacher_ids)
    names = {tid: p.name for tid, p in people.items()}
    names.update({m: ERASED_NAME for m in grouping.teacher_ids if m not in people})
    before_members = {g.index: {m.id for m in g.members} for g in preview.groups} if preview else {}
    before_scores = {g.index: g.score for g in preview.groups} if preview else {}
    broken = review.result.group_violations()
    views = []
    explained = []
    for index, ids in enumerate(grouping.groups):
        group = review.explained(index)
        explained.append((ids, group))
        covered, uncovered = _coverage(group, ids, people, names)
        scores = dict(group.member_affinity) if group is not None else {}
        members = []
        for m in ids:
            p = people.get(m)
            members.append(
                MemberView(
                    id=m,
                    name=names[m],
                    school=p.school if p else "erased since the run; only a pseudonym is kept",
                    local_authority=p.local_authority if p else "",
                    department_of_one=bool(p and p.department_size <= 1),
                    score=scores.get(m) if p else None,
                    worst=p is not None and group is not None and m == group.worst_off and group.worst_off_behind,
                    lat=p.lat if p else None,
                    lon=p.lon if p else None,
                    erased=p is None,
                )
            )
        views.append(
            GroupView(
                index=index,
                members=tuple(members),
                score=group.mean_affinity if group is not None else None,
                approved=grouping.is_approved(index),
                reasons=group.reasons if group is not None else (),
                covered=covered,
                uncovered=uncovered,
                out_of_reach=tuple(THEMES[t].label if t in THEMES else str(t) for t in group.uncoverable) if group is not None else (),
                travel_km=group.mean_distance_km if group is not None else None,
                changed=bool(preview) and before_members.get(index) != {m.id for m in members},
                score_before=before_scores.get(index),
                size_min=grouping.size[0],
                violations=tuple(v.message for v in broken.get(index + 1, ())),
                meeting=tuple(v.message for v in broken.get(index + 1, ()) if v.kind == "pair"),
                shared_slots=tuple(slot_phrase(s) for s in group.shared_slots) if group is not None else (), shares_slot=group.shares_slot if group is not None else None,
            )
        )
    old = {f.key: f.value for f in preview.figures} if preview else {}
    figures = review.result.figures
    counts = dict(getattr(figures, "rules", None) or {})
    ways = coverage_ways(explained, people)  # the covered / not-covered counts are their sums
    return ResultView(
        groups=tuple(views),
        figures=_figure_views(review.result.figures, old),
        names=names,
        preview=preview is not None,
        violations=tuple(review.result.violations()),
        coverage={THEMES[t].label if t in THEMES else t: (w[0] + w[1], w[2] + w[3]) for t, w in ways.items()},
        rules=tuple((RULE_LABELS.get(k, k.replace("_", " ")), int(v)) for k, v in sorted(counts.items(), key=lambda kv: list(RULE_LABELS).index(kv[0]) if kv[0] in RULE_LABELS else 99)),
        random_affinity=getattr(figures, "random_affinity", None),
        mean_affinity=figures.mean_affinity,
        upper_bound=figures.upper_bound,
        gap=figures.gap,
        coverage_ways={THEMES[t].label if t in THEMES else t: tuple(w) for t, w in ways.items()},
    )


def charts_for(view: ResultView) -> dict[str, Markup]:
    """The result page's charts: member scores (members meaningfully behind their group highlighted) and challenge coverage."""
    out: dict[str, Markup] = {}
    members = [m for m in view.members if m.score is not None]
    scores = [float(m.score) for m in members if m.score is not None]
    if members:
        out["scores"] = charts.score_distribution_svg(
            scores,
            highlight=[i for i, m in enumerate(members) if m.worst],
            labels=[m.name for m in members],
            title="Each member's mean affinity to their groupmates (0-1), lowest first; members well behind their group highlighted",
            name="chart-scores",
        )
    if view.coverage:
        rows = sorted(((label, c, u) for label, (c, u) in view.coverage.items()), key=lambda r: (-(r[1] + r[2]), r[0]))[:COVERAGE_SHOWN]
        out["coverage"] = charts.coverage_svg(rows, title="Challenge coverage: members whose challenge a groupmate's strength meets", name="chart-coverage")
    return out


def map_for(view: ResultView, background: Sequence[tuple[float, float]]) -> Markup:
    """The map of the groups over the programme's schools."""
    groups = [
        mapchart.MapGroup(str(g.number), tuple(mapchart.MapPoint(m.lat, m.lon, m.name) for m in g.members if m.lat is not None and m.lon is not None))
        for g in view.groups
    ]
    return mapchart.map_svg(groups, background=[mapchart.MapPoint(lat, lon) for lat, lon in background], title="Peer groups on a map of the programme's schools", name="chart-map")
