"""Compile the grouping kernels ahead of the first real run.

The search kernels are numba functions compiled on first call (``cache=True`` keeps the
machine code in ``__pycache__``, so later processes only load it). The first compile
takes tens of seconds; a service should pay it at set-up (``peermatch init``), not
inside a coordinator's first run with its time limit ticking. :func:`warm_up` solves a
tiny cohort along every path the service uses: the dense search with keep-apart,
keep-together and fairness, a repair with an approved group and a drop-out, a move, and
the sparse search with block polishing and fairness.

Examples
--------
>>> seconds = warm_up()   # doctest: +SKIP
"""

from __future__ import annotations

import time

from ..profiles.teacher import Cohort
from ..samples.generate import generate_teachers
from .groups import form_groups
from .repair import move_member, repair
from .sparse_affinity import sparse_affinity

__all__ = ["warm_up"]


def warm_up(*, seconds: float = 0.3, seed: int = 0) -> float:
    """Run tiny solves that compile (or load from the cache) every kernel; return the seconds taken.

    Parameters
    ----------
    seconds : float
        Time limit of each tiny solve (the compile time comes on top, once).
    seed : int
        Seed of the synthetic teachers and the searches.
    """

    start = time.perf_counter()
    profiles = [p.with_changes(meeting_mode="online", previous_groupmates=()) for p in generate_teachers(30, seed=seed + 1)]
    cohort = Cohort.from_profiles(profiles)
    ids = cohort.ids
    apart, together = [(ids[0], ids[1])], [(ids[2], ids[3])]
    dense = form_groups(cohort, size=(4, 6), seconds=seconds, keep_apart=apart, keep_together=together, seed=seed)
    dense = form_groups(cohort, size=(4, 6), seconds=seconds, fairness=0.5, keep_apart=apart, keep_together=together, seed=seed)
    mover = next(t for t in dense.groups[-1].members if t not in ids[:4])
    move_member(dense, cohort, mover, dense.groups[0].id)
    repair(dense, cohort, dropped=[dense.groups[-1].members[0]], locked=[dense.groups[0].id], seconds=seconds, seed=seed,
           keep_apart=apart)
    sparse = sparse_affinity(cohort, seed=seed)
    form_groups(cohort, size=(4, 6), seconds=2 * seconds, affinity=sparse, fairness=0.5, seed=seed)
    return time.perf_counter() - start
