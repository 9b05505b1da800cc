"""What the cohort pages show: a stored run result, joined to names, ready for templates.

The result of a run comes from ``matcher.cohorts`` (groups with members, scores,
reasons and coverage, and cohort-level figures); this module only looks things up and
formats them. It never scores: every number shown is one the library computed, and a
preview is compared with the saved result figure by figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from matcher.themes import THEMES

from .. import charts
from ..auth import Identity
from ..services import pages_support

__all__ = ["MemberView", "GroupView", "FigureView", "ResultView", "result_view", "charts_for", "map_for"]

WORST_SHOWN = 3  # the cohort's lowest-scoring members are highlighted in the chart

# Known cohort figures: (label, format, higher is better). Others are shown with their key.
FIGURES: Mapping[str, tuple[str, str, bool | None]] = {
    "mean_score": ("Mean member score", "num", True),
    "mean": ("Mean member score", "num", True),
    "min_score": ("Worst-off member", "num", True),
    "min": ("Worst-off member", "num", True),
    "worst_member_score": ("Worst-off member", "num", True),
    "total_score": ("Total affinity", "num", True),
    "objective": ("Total affinity", "num", True),
    "coverage": ("Challenges covered", "pct", True),
    "challenge_coverage": ("Challenges covered", "pct", True),
    "isolated_placed": ("Isolated teachers with a nearby peer", "pct", True),
    "isolated_with_nearby_peer": ("Isolated teachers with a nearby peer", "pct", True),
    "mean_travel_km": ("Mean distance to groupmates", "km", False),
    "mean_km": ("Mean distance to groupmates", "km", False),
    "groups": ("Groups", "int", None),
    "members": ("Members", "int", None),
    "active_constraints": ("Constraints in force", "int", None),
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


@dataclass(frozen=True)
class GroupView:
    """One group card."""

    index: int
    members: tuple[MemberView, ...]
    score: float | None
    approved: bool
    reasons: tuple[str, ...]
    covered: tuple[tuple[str, str], ...]  # (challenge label, "holder ← helper, ...")
    uncovered: tuple[str, ...]
    travel_km: float | None
    changed: bool = False

    @property
    def number(self) -> int:
        return self.index + 1


@dataclass(frozen=True)
class FigureView:
    """One cohort figure, and its change in a preview."""

    key: str
    label: str
    value: float
    kind: str
    delta: float | None = None
    higher_is_better: bool | None = None

    @property
    def text(self) -> str:
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

    def name_of(self, teacher_id: str) -> str:
        return self.names.get(teacher_id, teacher_id)

    @property
    def members(self) -> list[MemberView]:
        return [m for g in self.groups for m in g.members]


def _fmt(value: float, kind: str) -> str:
    if kind == "pct":
        return f"{100 * value:.0f}%"
    if kind == "km":
        return f"{value:.1f} km"
    if kind == "int":
        return f"{value:.0f}"
    return f"{value:.2f}"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _member_scores(group: Mapping) -> dict[str, float]:
    """Each member's score within their group, if the result has them."""
    for key in ("member_scores", "members_scores", "scores"):
        value = group.get(key)
        if isinstance(value, Mapping):
            return {str(k): float(v) for k, v in value.items() if _number(v) is not None}
        if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == len(group.get("members", [])):
            return {m: float(v) for m, v in zip(group["members"], value) if _number(v) is not None}
    return {}


def _coverage(group: Mapping, names: Mapping[str, str]) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """Challenges covered in a group (by whom) and those left uncovered, as labels."""
    covered = group.get("covered") or group.get("coverage") or {}
    rows: list[tuple[str, str]] = []
    if isinstance(covered, Mapping):
        for theme, helpers in covered.items():
            label = THEMES[theme].label if theme in THEMES else str(theme)
            if isinstance(helpers, Mapping):  # {holder: [helpers]}
                text = "; ".join(f"{names.get(h, h)} ← {', '.join(names.get(x, x) for x in hs)}" for h, hs in helpers.items())
            elif isinstance(helpers, (list, tuple)):
                text = ", ".join(names.get(x, x) for x in helpers)
            else:
                text = str(helpers)
            rows.append((label, text))
    uncovered = group.get("uncovered") or ()
    if isinstance(uncovered, Mapping):
        uncovered = list(uncovered)
    labels = tuple(THEMES[t].label if t in THEMES else str(t) for t in uncovered)
    return tuple(rows), labels


def _figures(result: Mapping) -> dict[str, float]:
    raw = result.get("figures") or result.get("summary") or {}
    return {k: v for k, v in ((k, _number(v)) for k, v in raw.items()) if v is not None} if isinstance(raw, Mapping) else {}


def result_view(identity: Identity, result: Mapping | None, *, preview: ResultView | None = None) -> ResultView:
    """Join a stored result to member names; with ``preview`` (the saved view), mark what changes.

    ``preview`` is the view of the saved result: figures get their change against it and
    groups whose members differ are marked ``changed``.
    """
    result = result or {}
    groups = list(result.get("groups") or [])
    ids = [m for g in groups for m in g.get("members", [])]
    people = pages_support.people_for(identity, ids)
    names = {tid: p.name for tid, p in people.items()}
    all_scores = {m: s for g in groups for m, s in _member_scores(g).items()}
    worst = set(sorted(all_scores, key=lambda m: (all_scores[m], m))[:WORST_SHOWN])
    before_members = {g.index: {m.id for m in g.members} for g in preview.groups} if preview else {}
    views = []
    for g in groups:
        covered, uncovered = _coverage(g, names)
        members = []
        for m in g.get("members", []):
            p = people.get(m)
            members.append(
                MemberView(
                    id=m,
                    name=p.name if p else m,
                    school=p.school if p else "(erased: pseudonym kept)",
                    local_authority=p.local_authority if p else "",
                    department_of_one=bool(p and p.department_size <= 1),
                    score=all_scores.get(m),
                    worst=m in worst,
                    lat=p.lat if p else None,
                    lon=p.lon if p else None,
                )
            )
        index = int(g.get("index", len(views)))
        reasons = g.get("reasons") or ()
        views.append(
            GroupView(
                index=index,
                members=tuple(members),
                score=_number(g.get("score")),
                approved=bool(g.get("approved")),
                reasons=tuple(str(r) for r in reasons) if isinstance(reasons, (list, tuple)) else (str(reasons),),
                covered=covered,
                uncovered=uncovered,
                travel_km=_number(g.get("mean_km", g.get("travel_km", g.get("mean_travel_km")))),
                changed=bool(preview) and before_members.get(index) != {m.id for m in members},
            )
        )
    figures = _figures(result)
    old = {f.key: f.value for f in preview.figures} if preview else {}
    seen_labels: set[str] = set()
    figure_views = []
    for key, value in figures.items():
        label, kind, better = FIGURES.get(key, (key.replace("_", " ").capitalize(), "num", None))
        if label in seen_labels:
            continue
        seen_labels.add(label)
        delta = value - old[key] if key in old else None
        figure_views.append(FigureView(key=key, label=label, value=value, kind=kind, delta=delta, higher_is_better=better))
    return ResultView(groups=tuple(views), figures=tuple(figure_views), names=names, preview=preview is not None)


def charts_for(view: ResultView) -> dict[str, Markup]:
    """The result page's charts: member scores (worst-off highlighted) and challenge coverage."""
    out: dict[str, Markup] = {}
    members = [m for m in view.members if m.score is not None]
    if members:
        out["scores"] = charts.score_distribution_svg(
            [m.score for m in members],
            highlight=[i for i, m in enumerate(members) if m.worst],
            labels=[m.name for m in members],
            title="Member scores, lowest first; the worst-off are highlighted",
            name="chart-scores",
        )
    counts: dict[str, list[int]] = {}
    for g in view.groups:
        for label, text in g.covered:
            counts.setdefault(label, [0, 0])[0] += max(1, text.count("←")) if "←" in text else 1
        for label in g.uncovered:
            counts.setdefault(label, [0, 0])[1] += 1
    if counts:
        rows = sorted(((label, c, u) for label, (c, u) in counts.items()), key=lambda r: (-(r[1] + r[2]), r[0]))[:15]
        out["coverage"] = charts.coverage_svg(rows, title="Challenge coverage: members whose challenge a groupmate can help with", name="chart-coverage")
    return out


def map_for(view: ResultView, background: Sequence[tuple[float, float]]) -> Markup:
    """The map of the groups over the programme's schools."""
    groups = [
        charts.MapGroup(str(g.number), tuple(charts.MapPoint(m.lat, m.lon, m.name) for m in g.members if m.lat is not None and m.lon is not None))
        for g in view.groups
    ]
    return charts.map_svg(groups, background=[charts.MapPoint(lat, lon) for lat, lon in background], title="Peer groups on a map of the programme's schools", name="chart-map")
