"""Balanced group sizes: bounds within one of the mean size, and the size term that
makes equal sizes pay off in the objective (used by :func:`~.groups.form_groups`).

>>> balanced_sizes(20, (4, 6))
((5, 5), 4)
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from .problem import GroupingProblem
from .sizes import plan_group_count

__all__ = ["balanced_sizes", "SIZE_TERM_K"]


def balanced_sizes(n: int, size: tuple[int, int], groups: int | None = None) -> tuple[tuple[int, int], int]:
    """``((lo, hi), m)``: size bounds within one of the mean size ``n / m`` for ``n`` teachers
    in ``m`` groups (``groups``, or :func:`plan_group_count` of ``size``), inside ``size``.

    The objective sums pair affinities, so left to itself the search fills groups to the
    top of the range (a five has ten pairs, a trio three) and empties others to the bottom;
    a coordinator asking for 3-5 expects mostly fours.

    >>> balanced_sizes(300, (3, 5)), balanced_sizes(302, (4, 6)), balanced_sizes(7, (3, 5))
    (((4, 4), 75), ((5, 6), 60), ((3, 4), 2))
    """
    lo, hi = size
    m = plan_group_count(n, size, noun="teachers") if groups is None else int(groups)
    mean = n / m if m > 0 else 0.0
    if not lo <= mean <= hi:  # no grouping fits: leave the error to the problem
        return (lo, hi), m
    return (max(lo, math.floor(mean)), min(hi, math.ceil(mean))), m


def _fixed_sizes(problem: GroupingProblem, assignment: np.ndarray) -> GroupingProblem:
    """``problem`` with every group's bounds set to its size in ``assignment`` (swaps only)."""
    sizes = np.bincount(assignment[assignment >= 0], minlength=problem.m).astype(np.int64)
    return replace(problem, lower=sizes, upper=sizes)


SIZE_TERM_K = 4  # a teacher's best partners whose mean weight is "a typical pair in a group"


def _with_size_term(problem: GroupingProblem) -> GroupingProblem:
    """``problem`` with a size term: every allowed pair weighs ``c`` less, ``c`` a typical
    in-group pair weight (median over teachers of the mean of their :data:`SIZE_TERM_K` best
    allowed weights). A group of ``s`` then pays ``c * s * (s - 1) / 2``, which is convex in
    ``s``: for a fixed number of teachers and groups it is least when sizes are equal, so
    the extremes of the range no longer win just by holding more pairs."""
    w = np.array(problem.weights, dtype=np.float64)
    allowed = np.ones(w.shape, dtype=bool) if problem.allowed is None else np.asarray(problem.allowed, dtype=bool)
    masked = np.where(allowed, w, -np.inf)
    np.fill_diagonal(masked, -np.inf)
    k = min(SIZE_TERM_K, max(w.shape[0] - 1, 1))
    best = -np.sort(-masked, axis=1)[:, :k]
    finite = np.isfinite(best)
    counts = finite.sum(axis=1)
    means = np.where(finite, best, 0.0).sum(axis=1)[counts > 0] / counts[counts > 0]
    c = float(np.median(means)) if means.size else 0.0
    return replace(problem, weights=w - c)
