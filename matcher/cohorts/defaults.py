"""The default trade-off of a cohort run: one home for the CLI, the API and the pages.

``coverage`` weighs challenge coverage into every pair of the grouping objective (see
:func:`~.groups.form_groups`); ``fairness`` re-balances groups for the worst-off member.
The values come from ``benchmarks/coverage_tradeoff.py`` (README, "Coverage and fairness
trade-off"): they lift coverage of coverable challenges for a small loss of mean affinity,
and keep the worst-off member well above a random split.

>>> DEFAULTS.size, 0 <= DEFAULTS.fairness <= 1, DEFAULTS.coverage >= 0
('4-6', True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CohortDefaults", "DEFAULTS"]


@dataclass(frozen=True)
class CohortDefaults:
    """Default ``size`` range, ``coverage`` weight and ``fairness`` of a cohort run."""

    size: str = "4-6"
    coverage: float = 0.1
    fairness: float = 0.5


DEFAULTS = CohortDefaults()
