"""Many regions at once: one cohort per music hub, local authority or area, in parallel on Dask.

A national programme is too large for one dense affinity matrix, and groups that meet in
person are local anyway. :func:`form_groups_by_region` splits the cohort (by a given
region per teacher, by local authority, or into balanced geographic areas), forms the groups
of every region with :func:`~matcher.cohorts.groups.form_groups`, and combines them. With a
``dask.distributed`` client the regions run as tasks on its workers, the same code path a
larger deployment points at a real cluster; without one they run here, one after another.

The balanced geographic areas are :func:`~.geo.geo_regions` (re-exported here).
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from ..csvsafe import unescape_cell, write_rows
from ..errors import InfeasibleError, Issue, ParameterError, UnknownTeacherError
from ..places.schools import School
from ..profiles.teacher import Cohort, TeacherProfile
from .geo import REGION_SIZE, geo_regions
from .groups import form_groups
from .results import CohortFigures, CohortResult, Group

__all__ = ["RegionalResult", "form_groups_by_region", "geo_regions", "region_labels"]

#: How to split a cohort: "geo", "local_authority", teacher id -> region, or (profile, school) -> region.
RegionOf = str | Mapping[str, object] | Callable[[TeacherProfile, School], object]


class _Future(Protocol):
    def result(self) -> CohortResult: ...


class _Client(Protocol):
    """What is used of a ``dask.distributed.Client``."""

    def submit(self, func: Callable[..., CohortResult], /, *args: Any, key: str, pure: bool) -> _Future: ...

def region_labels(cohort: Cohort, region_of: RegionOf = "geo", *, max_size: int = REGION_SIZE) -> list[str]:
    """The region of every teacher: ``"geo"`` (balanced areas, see :func:`geo_regions`),
    ``"local_authority"``, a mapping from teacher id to region, or a function
    ``(profile, school) -> region``."""
    if isinstance(region_of, str) and region_of == "geo":
        return [f"area {k + 1}" for k in geo_regions(cohort.coordinates, max_size=max_size)]
    if isinstance(region_of, str) and region_of == "local_authority":
        return [cohort.schools[p.school_urn].local_authority for p in cohort.profiles]
    if isinstance(region_of, str):
        raise ParameterError.from_issues([Issue(None, "region_of", region_of, "must be 'geo', 'local_authority', a mapping or a function")])
    if isinstance(region_of, Mapping):
        missing = [p.id for p in cohort.profiles if p.id not in region_of]
        if missing:
            raise UnknownTeacherError(missing[0])
        return [str(region_of[p.id]) for p in cohort.profiles]
    return [str(region_of(p, cohort.schools[p.school_urn])) for p in cohort.profiles]


@dataclass(frozen=True, eq=False)
class RegionalResult:
    """Groups of every region (ids numbered across regions) with combined figures;
    ``regions`` keeps each region's own :class:`CohortResult`."""

    regions: Mapping[str, CohortResult]
    groups: tuple[Group, ...] = field(init=False)
    unplaced: tuple[str, ...] = field(init=False)
    figures: CohortFigures = field(init=False)
    region_of_group: Mapping[int, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        groups: list[Group] = []
        where: dict[int, str] = {}
        offset = 0
        for name, res in self.regions.items():
            for g in res.groups:
                groups.append(replace(g, id=g.id + offset))
                where[g.id + offset] = name
            offset += max((g.id for g in res.groups), default=0)
        object.__setattr__(self, "groups", tuple(groups))
        object.__setattr__(self, "unplaced", tuple(t for r in self.regions.values() for t in r.unplaced))
        object.__setattr__(self, "region_of_group", where)
        object.__setattr__(self, "figures", _combine([r.figures for r in self.regions.values()]))

    def group_of(self, teacher_id: str) -> Group:
        for g in self.groups:
            if teacher_id in g.members:
                return g
        raise UnknownTeacherError(teacher_id)

    def violations(self) -> list[str]:
        return [f"{name}: {v}" for name, r in self.regions.items() for v in r.violations()]

    def check(self) -> RegionalResult:
        bad = self.violations()
        if bad:
            raise InfeasibleError("the groups break constraints: " + "; ".join(bad[:10]))
        return self

    def to_dict(self) -> dict[str, object]:
        return {
            "figures": self.figures.to_dict(),
            "groups": [g.to_dict() | {"region": self.region_of_group[g.id]} for g in self.groups],
            "unplaced": list(self.unplaced),
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_csv(self) -> str:
        """The regions' CSV rows, with group ids numbered across regions; formula-safe
        (:mod:`matcher.csvsafe`: a name like ``=HYPERLINK(...)`` is written as text)."""
        table: list[list[str]] = []
        offset = 0
        for name, res in self.regions.items():
            rows = [[unescape_cell(c) for c in row] for row in csv.reader(io.StringIO(res.to_csv()))]
            if not table:
                table.append(["region"] + rows[0])
            for row in rows[1:]:
                table.append([name, str(int(row[0]) + offset)] + row[1:])
            offset += max((g.id for g in res.groups), default=0)
        return write_rows(table)


def _combine(figs: Sequence[CohortFigures]) -> CohortFigures:
    teachers = sum(f.teachers for f in figs)
    if not teachers:
        raise ParameterError.from_issues([Issue(None, "cohort", None, "no regions to combine: the cohort is empty")])

    def weighted(attr: str) -> float:
        return float(sum(getattr(f, attr) * f.teachers for f in figs) / teachers)

    bounds = [f.upper_bound for f in figs]
    def weighted_or_none(attr: str) -> float | None:
        return weighted(attr) if all(getattr(f, attr) is not None for f in figs) else None

    return CohortFigures(
        teachers=teachers,
        groups=sum(f.groups for f in figs),
        objective=sum(f.objective for f in figs),
        mean_affinity=weighted("mean_affinity"),
        min_affinity=min(f.min_affinity for f in figs),
        coverage_share=weighted("coverage_share"),
        isolated=sum(f.isolated for f in figs),
        isolated_placed=sum(f.isolated_placed for f in figs),
        mean_travel_km=weighted("mean_travel_km"),
        constraints=sum(f.constraints for f in figs),
        upper_bound=None if None in bounds else sum(b for b in bounds if b is not None),
        gap=None,
        seed=figs[0].seed,
        seconds=max(f.seconds for f in figs),
        rules={k: sum(f.rules.get(k, 0) for f in figs) for k in dict.fromkeys(k for f in figs for k in f.rules)},
        random_affinity=weighted("random_affinity") if all(f.random_affinity is not None for f in figs) else None,
        coverage_by_strength=weighted_or_none("coverage_by_strength"),
        coverage_by_experience=weighted_or_none("coverage_by_experience"),
        coverage_of_coverable=weighted_or_none("coverage_of_coverable"),
        uncoverable=sum(f.uncoverable or 0 for f in figs),
    )


def _solve_region(profiles: tuple[TeacherProfile, ...], schools: dict[int, School], kwargs: dict[str, Any]) -> CohortResult:
    """One region's groups (runs on a Dask worker: everything it needs comes in plain,
    picklable objects)."""
    return form_groups(Cohort.from_profiles(profiles, schools), **kwargs)


def form_groups_by_region(
    cohort: Cohort,
    *,
    region_of: RegionOf = "geo",
    client: _Client | None = None,
    max_region: int = REGION_SIZE,
    seconds: float | None = 10.0,
    **kwargs: Any,
) -> RegionalResult:
    """Form groups region by region, in parallel on ``client`` (a ``dask.distributed.Client``).

    Parameters
    ----------
    cohort : Cohort
        All teachers.
    region_of : "geo", "local_authority", mapping or function
        How to split (see :func:`region_labels`); groups never cross regions.
    client : dask.distributed.Client, optional
        Where to run the regions (e.g. ``Client(LocalCluster(processes=False))`` or a real
        cluster). Without one, regions run here one after another, each with all cores.
    max_region : int
        Size of the automatic geographic areas.
    seconds : float
        Time limit of each region's search.
    **kwargs
        Passed to :func:`~matcher.cohorts.groups.form_groups` for every region (size,
        seed, fairness, keep_apart, ...). Keep-apart pairs and keep-together sets may span
        regions: each region gets the ones among its teachers. ``unplaceable`` defaults to
        ``"skip"`` here: teachers nobody in their region can meet are listed in ``unplaced``.

    Returns
    -------
    RegionalResult
        Groups of every region, figures combined over the regions.
    """
    t0 = time.monotonic()
    labels = region_labels(cohort, region_of, max_size=max_region)
    names = sorted(set(labels), key=lambda r: (len(r), r))
    members = {r: [p.id for p, lab in zip(cohort.profiles, labels) if lab == r] for r in names}
    schools = dict(cohort.schools)
    jobs: dict[str, tuple[tuple[TeacherProfile, ...], dict[int, School], dict[str, Any]]] = {}
    for r in names:
        ids = set(members[r])
        kw = dict(kwargs, seconds=seconds)
        kw.setdefault("unplaceable", "skip")
        if "keep_apart" in kw:
            kw["keep_apart"] = [pair for pair in kw["keep_apart"] if set(pair) <= ids]
        if "keep_together" in kw:
            kw["keep_together"] = [s for s in kw["keep_together"] if set(s) <= ids]
        if "locked" in kw:
            kw["locked"] = [s for s in kw["locked"] if set(s) <= ids]
        jobs[r] = (tuple(cohort.get(t) for t in members[r]), {p.school_urn: schools[p.school_urn] for p in map(cohort.get, members[r])}, kw)
    if client is None:
        results = {r: _solve_region(*jobs[r]) for r in names}
    else:
        for r in names:
            jobs[r][2].setdefault("threads", 1)  # the workers already run regions side by side
        futures = {r: client.submit(_solve_region, *jobs[r], key=f"cohort-region-{r}-{int(t0 * 1e6)}", pure=False)
                   for r in names}
        results = {r: futures[r].result() for r in names}
    return RegionalResult(regions=results).check()
