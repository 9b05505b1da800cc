"""Compiled inner loops of the grouping search (numba, ``cache=True``, GIL released), by concern.

Every kernel works on the same representation:

``D``      ``(n, n)`` float64 weights, symmetric, zero diagonal (forbidden pairs carry a
           large negative penalty, so the search treats them as walls).
``wt``     ``(n,)`` int64 element sizes (1, or the member count of a keep-together block).
``lo, hi`` ``(m,)`` int64 group size bounds, counted in members.
``p``      ``(n,)`` int64 group of each element.
``sizes``  ``(m,)`` int64 members per group.
``Gt``     ``(m, n)`` float64 gain matrix: ``Gt[g, j]`` = summed weight from ``j`` to the
           elements of group ``g``. With it a move of ``v`` from ``a`` to ``b`` changes the
           objective by ``Gt[b, v] - Gt[a, v]`` and a swap of ``x`` (in ``a``) with ``y`` (in
           ``b``) by ``Gt[b, x] - Gt[a, x] + Gt[a, y] - Gt[b, y] - 2 D[x, y]``, both O(1);
           applying a move costs O(n).
``rng``    ``(1,)`` uint64 xorshift64* state, so runs are reproducible whatever thread
           runs them and however the work is cut into chunks.

Modules: :mod:`.rng` (random numbers), :mod:`.moves` (gain matrix, moves, swaps, group
member lists), :mod:`.descent` (descent, perturbation, ejection), :mod:`.population`
(construction, crossover and the search generation loop :func:`evolve`), :mod:`.fairness`
(re-balancing for the worst-off), :mod:`.sparse` (iterated local search on sparse
weights). This package re-exports the dense kernels; it is imported on first use through
:func:`matcher.cohorts.reduced.kernels` (importing numba takes a moment) and
:mod:`matcher.cohorts.islands` drives the search under a budget.
"""

from __future__ import annotations

from .descent import descent, eject_weakest, perturb
from .fairness import fair_climb, fair_value
from .moves import apply_move, apply_swap, gain_matrix, group_sizes, member_slots, objective, slot_move, swap_fits
from .population import crossover, evolve, fill_groups, initial_population
from .rng import randint, random01, seed_state, shuffle

__all__ = [
    "apply_move", "apply_swap", "crossover", "descent", "eject_weakest", "evolve", "fair_climb", "fair_value",
    "fill_groups", "gain_matrix", "group_sizes", "initial_population", "member_slots", "objective", "perturb",
    "randint", "random01", "seed_state", "shuffle", "slot_move", "swap_fits",
]
