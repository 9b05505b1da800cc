"""Checks before grouping: the arguments of :func:`~.groups.form_groups` all at once, and
the teachers who cannot be placed in any group under the pair rules.

>>> _check_options(fairness=2.0, coverage=0.0, seconds=1.0, rounds=None, unplaceable="raise")
Traceback (most recent call last):
...
matcher.errors.ParameterError: field 'fairness': must be between 0 and 1 (got '2.0')
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from ..errors import Issue, ParameterError
from ..profiles.teacher import Cohort
from .grouping_affinity import GroupingAffinity
from .problem import GroupingProblem

__all__: list[str] = []


def _drop_unplaceable(
    cohort: Cohort,
    affinity: GroupingAffinity,
    lo: int,
    locked: Sequence[Sequence[str]],
    keep_together: Sequence[Sequence[str]],
    drop: Collection[str] = (),
) -> tuple[Cohort, GroupingAffinity, tuple[str, ...]]:
    """Leave out ``drop`` and the teachers who may share a group with fewer than ``lo - 1``
    others (again and again, as leaving someone out can strand others). Locked and
    keep-together teachers are never left out."""
    protected = {t for s in list(locked) + list(keep_together) for t in s}
    is_protected = np.array([t in protected for t in cohort.ids], dtype=bool)
    keep = np.array([t not in drop for t in cohort.ids], dtype=bool) | is_protected
    w, rules = affinity.problem_weights(0.0)
    rules_only = GroupingProblem(w, [0], [len(cohort)], **rules)  # one loose group: just the rules
    while True:
        out = keep & (rules_only.partner_counts(keep) < lo - 1) & ~is_protected
        if not out.any():
            break
        keep &= ~out
    if keep.all():
        return cohort, affinity, ()
    rows = np.flatnonzero(keep)
    sub = cohort.subset([cohort.ids[r] for r in rows])
    return sub, affinity.subset(rows), tuple(cohort.ids[r] for r in np.flatnonzero(~keep))


def _check_options(
    *,
    fairness: float,
    coverage: float,
    seconds: float | None,
    rounds: int | None,
    unplaceable: str,
    balance_sizes: bool | str = True,
) -> None:
    """Every bad argument of :func:`form_groups` at once, as an :class:`ParameterError`."""
    issues = []
    if not 0.0 <= fairness <= 1.0:
        issues.append(Issue(None, "fairness", str(fairness), "must be between 0 and 1"))
    if coverage < 0:
        issues.append(Issue(None, "coverage", str(coverage), "must be >= 0"))
    if seconds is None and rounds is None:
        issues.append(Issue(None, "seconds", None, "give a time limit (seconds) or a number of rounds"))
    if unplaceable not in ("raise", "skip"):
        issues.append(Issue(None, "unplaceable", str(unplaceable), "must be 'raise' or 'skip'"))
    if balance_sizes not in (True, False, "bounds"):
        issues.append(Issue(None, "balance_sizes", str(balance_sizes), "must be True, False or 'bounds'"))
    if issues:
        raise ParameterError.from_issues(issues, summary=None if len(issues) == 1 else "invalid form_groups arguments")
