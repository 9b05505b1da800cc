"""Cohort engine: split a cohort into size-bounded peer groups that help each other.

The layers, from the bottom up:

- :mod:`.problem` — what a grouping problem is (weights, size bounds, hard constraints),
  MDGPLIB benchmark files; :mod:`.meeting` — places and travel limits as a rule;
- :mod:`.search` — near-optimal search under a time limit: the problem as kernels see it
  (:mod:`.reduced`), islands run in parallel (:mod:`.islands`), compiled kernels (dense
  :mod:`._kernels`, sparse :mod:`._sparse_kernels`), re-balancing for the worst-off
  (:mod:`.fairness`);
- :mod:`.sparse_affinity` and :mod:`.polish` — cohorts beyond a few thousand: sparse
  weights for the global search, exact scores block by block for polishing;
- :mod:`.exact` — exact optimum and upper bounds for small problems (CP-SAT);
- :mod:`.groups` — teacher-level groups with reasons, figures and exports;
- :mod:`.repair` — re-optimise after drop-outs and late joiners, locked groups kept;
- :mod:`.regions` — many regions at once on Dask.

Names load lazily (PEP 562), so ``import matcher.cohorts.search`` (the MDGP benchmark
command) does not import the teacher layer (:mod:`.groups` needs scikit-learn).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

# Public name -> submodule that defines it, in the order of __all__.
_SOURCES: dict[str, str] = {
    "form_groups": ".groups",
    "form_groups_by_region": ".regions",
    "repair": ".repair",
    "move_member": ".repair",
    "build_problem": ".groups",
    "Group": ".results",
    "CohortFigures": ".results",
    "CohortResult": ".results",
    "RegionalResult": ".regions",
    "ExactResult": ".exact",
    "solve_exact": ".exact",
    "relaxation_bound": ".exact",
    "GroupingProblem": ".problem",
    "MeetingRange": ".meeting",
    "SparseAffinity": ".sparse_affinity",
    "cohort_affinity": ".sparse_affinity",
    "parse_size_range": ".problem",
    "plan_group_count": ".problem",
    "read_mdgplib": ".problem",
    "write_assignment": ".problem",
    "SearchParams": ".search",
    "SearchState": ".search",
    "Solution": ".search",
    "improve": ".search",
    "solve": ".search",
}

__all__ = list(_SOURCES)


def __getattr__(name: str) -> Any:
    """Import the submodule that defines ``name`` on first access, then cache it here."""
    if name not in _SOURCES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_SOURCES[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """Keeps ``matcher.cohorts.repair`` the function, as it was with eager imports.

    Loading a submodule binds it on its package; the submodule :mod:`.repair` shares its
    name with the public function, which must win.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _SOURCES and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

if TYPE_CHECKING:  # what IDEs and type checkers see; never executed
    from .exact import ExactResult, relaxation_bound, solve_exact
    from .groups import build_problem, form_groups
    from .meeting import MeetingRange
    from .problem import GroupingProblem, parse_size_range, plan_group_count, read_mdgplib, write_assignment
    from .sparse_affinity import SparseAffinity, cohort_affinity
    from .regions import RegionalResult, form_groups_by_region
    from .repair import move_member, repair
    from .results import CohortFigures, CohortResult, Group
    from .search import SearchParams, SearchState, Solution, improve, solve
