"""Tuning of the population search, and how many threads it uses by default.

>>> SearchParams.for_size(1000).population
12
>>> SearchParams(theta_end=-1.0)
Traceback (most recent call last):
...
matcher.errors.ParameterError: field 'theta_end': must be >= 0 (got '-1.0')
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from ..errors import Issue, ParameterError

__all__ = ["SearchParams", "default_threads"]


def default_threads() -> int:
    """Threads the search uses by default: the cores this process may run on (at most 4)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


@dataclass(frozen=True)
class SearchParams:
    """Tuning of the population search (defaults suit n = 100-500).

    Parameters
    ----------
    population, min_population : int
        Members per island at the start and at the end of the run (shrinks linearly).
    theta_start, theta_end : float
        Strength of the random perturbation, in units of ``n / m`` moves, at the start and
        the end of the run.
    eta : int
        Rounds of weakest-member ejection per member and generation.
    threads : int or None
        Independent islands run in parallel (``None``: one per core, see
        :func:`default_threads`).
    """

    population: int = 30
    min_population: int = 2
    theta_start: float = 1.2
    theta_end: float = 0.1
    eta: int = 3
    threads: int | None = None

    def __post_init__(self) -> None:
        issues = []
        if self.population < 1:
            issues.append(Issue(None, "population", str(self.population), "must be at least 1"))
        if not 1 <= self.min_population <= self.population:
            issues.append(Issue(None, "min_population", str(self.min_population), "must be between 1 and population"))
        for name in ("theta_start", "theta_end", "eta"):
            if getattr(self, name) < 0:
                issues.append(Issue(None, name, str(getattr(self, name)), "must be >= 0"))
        if self.threads is not None and self.threads < 1:
            issues.append(Issue(None, "threads", str(self.threads), "must be at least 1 (or None: one per core)"))
        if issues:
            raise ParameterError.from_issues(issues, summary="invalid search parameters" if len(issues) > 1 else None)

    @classmethod
    def for_size(cls, n: int, **overrides: Any) -> SearchParams:
        """Defaults scaled to the problem size (larger problems: smaller populations,
        stronger perturbation, as in the published settings for n > 400)."""
        if n <= 400:
            base = cls()
        elif n <= 1500:
            base = cls(population=12, min_population=1, theta_start=2.0, theta_end=1.0)
        else:
            base = cls(population=4, min_population=1, theta_start=2.0, theta_end=1.0)
        return base if not overrides else cls(**{**base.__dict__, **overrides})
