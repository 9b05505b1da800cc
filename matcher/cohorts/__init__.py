"""Cohort engine: split a cohort into size-bounded peer groups that help each other.

The layers, from the bottom up:

- :mod:`.problem` — what a grouping problem is (weights, size bounds, hard constraints),
  MDGPLIB benchmark files;
- :mod:`.search` — near-optimal search under a time limit (compiled kernels);
- :mod:`.exact` — exact optimum and upper bounds for small problems (CP-SAT);
- :mod:`.groups` — teacher-level groups with reasons, figures and exports;
- :mod:`.repair` — re-optimise after drop-outs and late joiners, locked groups kept;
- :mod:`.regions` — many regions at once on Dask.
"""

from .exact import ExactResult, relaxation_bound, solve_exact
from .groups import build_problem, form_groups
from .problem import GroupingProblem, parse_size_range, plan_group_count, read_mdgplib, write_assignment
from .regions import RegionalResult, form_groups_by_region
from .repair import move_member, repair
from .results import CohortFigures, CohortResult, Group
from .search import SearchParams, SearchState, Solution, improve, solve

__all__ = [
    "form_groups",
    "form_groups_by_region",
    "repair",
    "move_member",
    "build_problem",
    "Group",
    "CohortFigures",
    "CohortResult",
    "RegionalResult",
    "ExactResult",
    "solve_exact",
    "relaxation_bound",
    "GroupingProblem",
    "parse_size_range",
    "plan_group_count",
    "read_mdgplib",
    "write_assignment",
    "SearchParams",
    "SearchState",
    "Solution",
    "improve",
    "solve",
]
