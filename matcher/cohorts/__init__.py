"""Cohort engine: split a cohort into size-bounded peer groups that help each other.

The layers, from the bottom up (imports go only downward; ``tests/matcher/test_layers.py``
checks there is no circle):

- :mod:`.budget` — the one time budget of a run, shared out phase by phase;
  :mod:`.sizes`, :mod:`.pairsets`, :mod:`.geo` — size ranges, member sets and pairs,
  balanced geographic blocks;
- :mod:`.problem` — what a grouping problem is (weights, size bounds, hard constraints);
- :mod:`.feasibility` — checks that a problem's arrays fit and its constraints can be met;
  :mod:`.mdgplib` — MDGPLIB benchmark files; :mod:`..places.meeting` — places and travel
  limits as a rule;
- :mod:`.search` — near-optimal search within a budget: the problem as kernels see it
  (:mod:`.reduced`), tuning (:mod:`.params`), islands run in parallel (:mod:`.islands`),
  compiled kernels (:mod:`._numba`, sparse weights :mod:`._numba.sparse`), re-balancing
  for the worst-off (:mod:`.fairness`);
- :mod:`.grouping_affinity` — what the engine asks of an affinity, dense or sparse (one
  protocol); :mod:`.sparse_affinity` and :mod:`.polish` — cohorts beyond a few thousand:
  sparse weights for the global search, exact scores block by block for polishing;
- :mod:`.exact` — exact optimum and upper bounds for small problems (CP-SAT);
- :mod:`.coverage` — which way each challenge is met (a strength, shared experience) and
  what is coverable at all; :mod:`.defaults` — the default coverage weight and fairness
  (one home for the library, the CLI, the API and the pages);
- :mod:`.groups` — teacher-level groups with reasons, figures and exports;
- :mod:`.common_slot` — the group rule that members share a free slot (slot bitmasks, the
  search's view of it); :mod:`.slot_pass` — the moves and swaps that repair groups sharing
  none, and what the rule did in each group's reasons;
- :mod:`.penalties` — pairs the search avoids without a rule (no shared slot; earlier
  groupmates rotation discourages), one penalty for both, and why a repeat could not be avoided;
- :mod:`.repair` — re-optimise after drop-outs and late joiners, locked groups kept;
- :mod:`.grouping` — the stored record of a grouping (ids and rules, versioned);
  :mod:`.review` explains and repairs it on demand;
- :mod:`.regions` — many regions at once on Dask.

Names load lazily (PEP 562), so ``import matcher.cohorts.search`` (the MDGP benchmark
command) does not import the teacher layer (:mod:`.groups` needs scikit-learn).
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from .._lazy import attach

# Submodule -> the public names it defines.
_SOURCES: dict[str, tuple[str, ...]] = {
    ".groups": ("form_groups", "build_problem"),
    ".regions": ("form_groups_by_region", "RegionalResult"),
    ".repair": ("repair", "move_member"),
    ".grouping": ("Grouping",),
    ".review": ("explain_grouping", "repair_grouping"),
    ".relocate": ("MoveSuggestion", "suggest_move"),
    ".results": ("Group", "CohortFigures", "CohortResult"),
    ".exact": ("ExactResult", "solve_exact", "relaxation_bound"),
    ".problem": ("GroupingProblem",),
    ".sizes": ("parse_size_range", "plan_group_count"),
    ".mdgplib": ("read_mdgplib", "write_assignment"),
    ".budget": ("Budget",),
    ".defaults": ("CohortDefaults", "DEFAULTS"),
    "..places.meeting": ("MeetingRange",),
    ".sparse_affinity": ("SparseAffinity", "cohort_affinity"),
    ".search": ("SearchParams", "SearchState", "Solution", "improve", "solve"),
    ".group_csv": ("GROUP_CSV_COLUMNS", "GroupMember", "read_group_csv", "write_group_csv"),
    ".warmup": ("warm_up",),
}

__getattr__, __dir__, __all__ = attach(__name__, _SOURCES)


class _Package(types.ModuleType):
    """Keeps ``matcher.cohorts.repair`` the function, as it was with eager imports.

    Loading a submodule binds it on its package; the submodule :mod:`.repair` shares its
    name with the public function, which must win.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in __all__ and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

if TYPE_CHECKING:  # what IDEs and type checkers see; never executed
    from .exact import ExactResult, relaxation_bound, solve_exact
    from .groups import build_problem, form_groups
    from ..places.meeting import MeetingRange
    from .budget import Budget
    from .defaults import DEFAULTS, CohortDefaults
    from .mdgplib import read_mdgplib, write_assignment
    from .problem import GroupingProblem
    from .sizes import parse_size_range, plan_group_count
    from .sparse_affinity import SparseAffinity, cohort_affinity
    from .regions import RegionalResult, form_groups_by_region
    from .repair import move_member, repair
    from .grouping import Grouping
    from .review import explain_grouping, repair_grouping
    from .relocate import MoveSuggestion, suggest_move
    from .results import CohortFigures, CohortResult, Group
    from .search import SearchParams, SearchState, Solution, improve, solve
    from .group_csv import GROUP_CSV_COLUMNS, GroupMember, read_group_csv, write_group_csv
    from .warmup import warm_up
