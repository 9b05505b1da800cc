"""What a coordinator reviews of a finished run: its stored grouping, explained on read.

A run stores a :class:`matcher.cohorts.Grouping` (teacher ids and rules, no names or
reasons). Groups with reasons, figures and broken rules come from
:func:`matcher.cohorts.explain_grouping` against today's profiles, so a teacher renamed
or erased since the run never appears in what is stored or shown: an erased member (a
pseudonym with no profile) is shown as "Erased teacher" and counted as lost. Explanations
are cached per (run, version, profiles version) in the process.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matcher.cohorts import CohortResult, Group, Grouping, explain_grouping
from matcher.cohorts.grouping import ERASED_NAME
from matcher.errors import MatcherError
from matcher.profiles.teacher import Cohort

from .. import db
from ..models import CohortRun
from ..problems import Problem, _from_matcher
from .common import programme_versions
from .teachers import programme_cohort

__all__ = ["Review", "ERASED_NAME", "grouping_of", "review_of", "review_grouping", "lost_members", "forget_member", "keep_apart_pairs", "current_cohort"]

# (run id, run version, programme id, profiles version) -> review
_CACHE: OrderedDict[tuple[int, int, int, int], Review] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_MAX = 64


def keep_apart_pairs(groups: Iterable[Sequence[str]] | None) -> list[tuple[str, str]]:
    """Keep-apart lists as pairs: every two teachers of a list are kept apart."""
    return [(a, b) for group in groups or [] for i, a in enumerate(group) for b in group[i + 1 :]]


@dataclass(frozen=True)
class Review:
    """A grouping, its explanation and the members it lost to erasure (by group index)."""

    grouping: Grouping
    result: CohortResult
    lost: Mapping[int, tuple[str, ...]]

    def explained(self, index: int) -> Group | None:
        """The library's :class:`~matcher.cohorts.Group` of group ``index`` (``None`` when
        every member of it was erased)."""
        return next((g for g in self.result.groups if g.id == index + 1), None)

    def result_dict(self) -> dict[str, Any]:
        """The API's ``result``: figures, every group (``group``: its number as people see it,
        1 is the first; ``index`` = group - 1; ``approved``; the rules it breaks; erased members
        under their pseudonym, named "Erased teacher"), unplaced, violations."""
        broken = self.result.group_violations()
        groups: list[dict[str, Any]] = []
        for index in range(len(self.grouping.groups)):
            g = self.explained(index)
            lost = list(self.lost.get(index, ()))
            data = (g if g is not None else _empty_group(index)).to_dict()
            data["members"] = [*data["members"], *lost]
            data["names"] = [*data["names"], *([ERASED_NAME] * len(lost))]
            data["group"] = index + 1
            data["index"] = index
            data["violations"] = [v.message for v in broken.get(index + 1, ())]
            data["approved"] = data["locked"] = self.grouping.is_approved(index)
            groups.append(data)
        return {
            "figures": self.result.figures.to_dict(),
            "groups": groups,
            "unplaced": list(self.result.unplaced),
            "violations": self.result.violations(),
        }


def _empty_group(index: int) -> Group:
    """Group ``index`` when every member of it was erased: nobody left to explain."""
    return Group(id=index + 1, members=(), names=(), score=0.0, mean_affinity=0.0, worst_off="", worst_off_score=0.0, coverage={}, uncovered=(), reasons=())


def grouping_of(run: CohortRun) -> Grouping:
    """The run's stored grouping (runs stored before version 2 get their rules from ``params``)."""
    if run.status != "done" or not run.result:
        raise Problem(409, f"The run is {run.status}; only a finished run can be edited.")
    params = run.params or {}
    size = (int(params["size_min"]), int(params["size_max"])) if "size_min" in params and "size_max" in params else None
    try:
        return Grouping.from_dict(
            run.result,
            size=size,
            keep_apart=keep_apart_pairs(params.get("keep_apart")),
            keep_together=[tuple(x) for x in params.get("keep_together") or []],
        )
    except MatcherError as exc:
        raise _from_matcher(exc) from None


def current_cohort(programme_id: int) -> tuple[Cohort, int]:
    s = db.session()
    profiles_version, _ = programme_versions(s, programme_id)
    return programme_cohort(s, programme_id, profiles_version), profiles_version


def review_grouping(programme_id: int, grouping: Grouping) -> Review:
    """Explain ``grouping`` against the programme's profiles of today (uncached)."""
    cohort, _ = current_cohort(programme_id)
    try:
        result = explain_grouping(cohort, grouping)
    except MatcherError as exc:
        raise _from_matcher(exc) from None
    return Review(grouping=grouping, result=result, lost=grouping.lost(cohort))


def review_of(run: CohortRun) -> Review:
    """The stored grouping of a finished run, explained (cached per run, version and profiles)."""
    grouping = grouping_of(run)
    cohort, profiles_version = current_cohort(run.programme_id)
    key = (run.id, run.version, run.programme_id, profiles_version)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit.grouping == grouping:
            _CACHE.move_to_end(key)
            return hit
    try:
        review = Review(grouping=grouping, result=explain_grouping(cohort, grouping), lost=grouping.lost(cohort))
    except MatcherError as exc:
        raise _from_matcher(exc) from None
    with _CACHE_LOCK:
        _CACHE[key] = review
        while len(_CACHE) > _CACHE_MAX:
            _CACHE.popitem(last=False)
    return review


def lost_members(run: CohortRun) -> list[dict[str, int]]:
    """The groups of a finished run that lost members to erasure since, for the coordinator.

    Each is ``{"index", "group", "erased", "members_left", "size_min"}`` (``group`` is the
    number the pages show, ``index`` + 1). A repair refills them.
    """
    if run.status != "done" or not run.result:
        return []
    grouping = grouping_of(run)
    cohort, _ = current_cohort(run.programme_id)
    out: list[dict[str, int]] = []
    for index, lost in sorted(grouping.lost(cohort).items()):
        left = len(grouping.groups[index]) - len(lost)
        out.append({"index": index, "group": index + 1, "erased": len(lost), "members_left": left, "size_min": grouping.size[0]})
    return out


def forget_member(run: CohortRun, teacher_id: str, alias: str) -> None:
    """Erasure: the run's grouping with ``teacher_id`` replaced by ``alias`` (see
    :meth:`Grouping.erase`); nothing else about them is stored in a run's result.

    Raises
    ------
    Problem
        422 for a stored result that is not a grouping this service can read.
    """
    if run.status != "done" or not run.result:
        return
    grouping = grouping_of(run)
    erased = grouping.erase(teacher_id, alias)
    if erased != grouping or erased.to_dict() != run.result:
        run.result = erased.to_dict()
