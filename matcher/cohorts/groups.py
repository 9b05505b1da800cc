"""Peer groups for a cohort of teachers: the coordinator's entry point.

:func:`form_groups` turns the cohort's pairwise affinity (:mod:`matcher.affinity`) and
the coordinator's constraints into a :class:`~.problem.GroupingProblem`, searches it
within the time limit, optionally re-balances for the worst-off member, and returns
explained groups with cohort figures.

Examples
--------
>>> from matcher.profiles.teacher import Cohort, TeacherProfile
>>> people = [TeacherProfile(id=f"t-{k}", name=f"Teacher {k}", school_urn=urn, meeting_mode="online",
...                          challenges=(c,), strengths=(s,))
...           for k, (urn, c, s) in enumerate([(100049, "singing", "composition"), (100050, "composition", "singing"),
...                                            (100051, "send", "music_technology"), (100052, "music_technology", "send")])]
>>> result = form_groups(Cohort.from_profiles(people), size=2, rounds=3)
>>> sorted(g.members for g in result.groups)
[('t-0', 't-1'), ('t-2', 't-3')]
>>> form_groups(Cohort.from_profiles(people[:3]), size="2-2", rounds=1)
Traceback (most recent call last):
...
matcher.errors.InfeasibleError: 3 teachers cannot be split into groups of exactly 2: 2 leaves 1 over
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from ..affinity.terms import Affinity, AffinityOptions, AffinityWeights
from ..errors import InfeasibleError
from ..profiles.teacher import Cohort
from .budget import Budget
from .defaults import DEFAULTS
from .exact import relaxation_bound
from .explain import describe
from .problem import GroupingProblem, parse_size_range, plan_group_count
from .results import CohortResult
from .rules import PairRules
from .polish import IntArray, Progress, WeightsOf, fair_by_blocks, polish_by_blocks
from .fairness import fair_improve
from .params import SearchParams
from .search import SearchState, solve
from .grouping_affinity import DenseAffinity, GroupingAffinity, as_grouping_affinity, coverage_matrix, pair_coverage
from .sparse_affinity import cohort_affinity
from .balance import _fixed_sizes, _with_size_term, balanced_sizes
from .group_checks import _check_options, _drop_unplaceable
from .common_slot import Masks, slot_allowed, slot_masks, with_slot_pairs
from .penalties import block_penalty, discouraged_rows, kept_apart_once_apart, pair_penalty, with_penalties
from .slot_pass import enforce_common_slot

__all__ = ["form_groups", "build_problem", "coverage_matrix", "pair_coverage", "FAIR_SHARE"]

log = logging.getLogger(__name__)

FAIR_SHARE = 0.3  # share of the time limit spent re-balancing when fairness > 0
SPARSE_SEARCH_SHARE = 0.1  # sparse affinity: share of the search time before polishing by blocks
POLISH_ROUNDS = 2  # passes over the blocks in runs limited by rounds= (reproducible runs)
SLOT_SHARE = 0.15  # share of the time limit kept for the common-slot pass (with common_slot)


def member_labels(cohort: Cohort) -> tuple[str, ...]:
    """How rule violations name members: ``"Name (id)"``, or the id when there is no name."""
    return tuple(f"{p.name} ({p.id})" if p.name else p.id for p in cohort.profiles)


def build_problem(
    cohort: Cohort,
    affinity: GroupingAffinity | Affinity,
    *,
    size: str | int | tuple[int, int] = (4, 6),
    groups: int | None = None,
    coverage: float = 0.0,
    keep_together: Sequence[Sequence[str]] = (),
    locked: Sequence[Sequence[str]] = (),
    rules: PairRules | None = None,
    common_slot: bool = False,
    discourage: Sequence[tuple[str, str]] = (),
) -> GroupingProblem:
    """The grouping problem of ``cohort``: affinity scores (plus ``coverage`` times
    :func:`pair_coverage`) as weights, the affinity's hard constraints (the ``allowed``
    mask of a dense :class:`~matcher.affinity.Affinity`; the meeting range and forbidden
    pairs of a :class:`~.sparse_affinity.SparseAffinity`), keep-together sets and locked
    groups by teacher id; ``rules`` words and counts the pair rules (:class:`~.rules.PairRules`);
    ``common_slot`` adds the group rule that members share a free slot (:mod:`.common_slot`);
    ``discourage`` pairs of teacher ids (both in ``cohort``) become the problem's
    ``discouraged`` pairs (:mod:`.penalties`)."""
    lo, hi = parse_size_range(size)
    locked_rows = tuple(tuple(int(r) for r in cohort.rows(g)) for g in locked)
    n_locked = sum(len(g) for g in locked_rows)
    free = len(cohort) - n_locked
    m = plan_group_count(free, (lo, hi), noun="teachers") if groups is None else int(groups)
    if groups is not None and not (m * lo <= free <= m * hi):
        raise InfeasibleError(f"{free} teachers cannot fill {m} groups of {lo} to {hi} (that takes {m * lo} to {m * hi})")
    lower = np.array([len(g) for g in locked_rows] + [lo] * m, dtype=np.int64)
    upper = np.array([len(g) for g in locked_rows] + [hi] * m, dtype=np.int64)
    w, hard = as_grouping_affinity(affinity, cohort).problem_weights(coverage)
    return GroupingProblem(
        w,
        lower,
        upper,
        **hard,
        keep_together=tuple(tuple(int(r) for r in cohort.rows(s)) for s in keep_together),
        locked=locked_rows,
        labels=member_labels(cohort),
        noun="teachers",
        rules=rules,
        slots=slot_masks(p.availability for p in cohort.profiles) if common_slot else None,
        discouraged=discouraged_rows(cohort, discourage),
    )


def form_groups(
    cohort: Cohort,
    *,
    size: str | int | tuple[int, int] = DEFAULTS.size,
    seconds: float | None = 10.0,
    seed: int = 0,
    fairness: float = DEFAULTS.fairness,
    coverage: float = DEFAULTS.coverage,
    keep_apart: Sequence[tuple[str, str]] = (),
    keep_together: Sequence[Sequence[str]] = (),
    locked: Sequence[Sequence[str]] = (),
    avoid_previous: bool = True,
    allow_same_school: bool = False,
    weights: AffinityWeights | None = None,
    groups: int | None = None,
    rounds: int | None = None,
    affinity: GroupingAffinity | Affinity | None = None,
    progress: Callable[[float, SearchState | None], None] | None = None,
    threads: int | None = None,
    unplaceable: str = "raise",
    balance_sizes: bool | str = True,
    common_slot: bool = False,
    discourage: Sequence[tuple[str, str]] = (),
) -> CohortResult:
    """Split ``cohort`` into peer groups of ``size`` members that help each other.

    Parameters
    ----------
    cohort : Cohort
        The teachers.
    size : "4-6", 5 or (4, 6)
        Group size range; the number of groups is chosen so the mean size sits in the
        middle of the range (or give ``groups``). With ``balance_sizes`` (the default) the
        sizes keep to the middle of the range (see ``balance_sizes``).
    seconds : float or None
        Time limit of the search (default 10 s). ``None`` needs ``rounds``.
    seed : int
        Seed of the search; with ``rounds`` and no time limit the result depends only on it.
    fairness : float in [0, 1]
        Default :data:`~.defaults.DEFAULTS` ``.fairness``. 0 maximises the total affinity. Above 0, part of the time re-balances the groups
        for the objective ``(1 - fairness) * mean + fairness * worst-off``, where each
        teacher's score is their mean affinity to their groupmates (the worst-off term is
        a smooth minimum, so small improvements for the worst-off count). With the size
        term (see ``balance_sizes``) the re-balancing swaps members within the group sizes
        found, on the plain weights.
    coverage : float >= 0
        Weight of challenge coverage added to each pair (see :func:`coverage_matrix`);
        coverage is always reported, this makes the search favour it. Default
        :data:`~.defaults.DEFAULTS` ``.coverage`` (measured in ``benchmarks/coverage_tradeoff.py``).
    keep_apart : pairs of teacher ids
        Never in the same group.
    keep_together : sets of teacher ids
        Always in the same group.
    locked : groups of teacher ids
        Approved groups, kept exactly as they are (they come first in the result).
    avoid_previous, allow_same_school : bool
        Forbid previous groupmates / allow colleagues from the same school together.
    weights : AffinityWeights, optional
        The affinity model (default weights when omitted).
    groups : int, optional
        Number of (unlocked) groups, instead of choosing it from ``size``.
    rounds : int, optional
        Generations per search island, for reproducible runs.
    affinity : Affinity or SparseAffinity, optional
        A precomputed :func:`matcher.affinity.pairwise_affinity` or
        :func:`~.sparse_affinity.sparse_affinity` of this cohort (then ``weights``,
        ``keep_apart``, ``avoid_previous`` and ``allow_same_school`` are already in it).
    progress : callable, optional
        ``progress(fraction_of_time_used, best_state)``, for progress bars.
    threads : int, optional
        Search islands in parallel (default: one per core).
    unplaceable : "raise" or "skip"
        What to do with teachers who cannot meet enough others to fill a group (e.g.
        in-person only, nobody in range): raise :class:`InfeasibleError` naming one, or
        leave them out and list them in ``result.unplaced``.
    balance_sizes : bool or "bounds"
        The objective sums pair affinities, so on its own it fills groups to the top of
        the range and empties others to the bottom (3-5 on the sample: 36 trios, 3 fours,
        36 fives). With ``True`` and a dense affinity (up to
        :data:`~.sparse_affinity.DENSE_LIMIT` teachers) a size term
        (:func:`_with_size_term`) makes every pair weigh a typical in-group pair weight
        less, which penalises uneven sizes (3-5 on the sample: 15 / 45 / 15, and a slightly
        higher mean affinity). A sparse affinity cannot take the term (absent pairs weigh
        0): its sizes are not balanced. ``"bounds"`` tightens the bounds to within one of
        the mean size instead (:func:`balanced_sizes`: all fours for 300 in 3-5), falling
        back to the whole range when no valid grouping is found within them.
        ``result.figures.size_balance`` says what was done: ``"term"``, ``"bounds"`` or
        ``"range"`` (none, or the rules needed the whole range). MDGP problems solved with
        :func:`~.search.solve` are never changed.
    common_slot : bool
        Every group's members share at least one free slot (members who listed no
        availability do not constrain). Pairs with no slot in common weigh far less in the
        search (more than a member could gain; the other rules still come first); then a
        group-level pass (:func:`~.slot_pass.enforce_common_slot`, in the last 15% of the
        time) moves or swaps members of groups that still share none. A group
        it cannot repair is reported, not hidden: ``result.violations()`` names it (kind
        ``"slot"``) and says who is not free on the nearest slot; the run does not fail.
    discourage : pairs of teacher ids
        Pairs to keep apart where the hard rules allow, without a rule: earlier groupmates
        rotation cannot strictly keep apart (:attr:`matcher.programme.Rotation.discourage`).
        Each weighs far less in the search (:func:`~.penalties.pair_penalty`: more than any
        affinity gain, less than a broken rule), every phase keeps them apart once apart,
        and a group that still holds one says so and why in its reasons
        (:func:`~.penalties.repeat_reasons`). Pairs with a teacher outside ``cohort`` are ignored.

    Returns
    -------
    CohortResult
        Checked groups (constraints verified) with reasons and figures.

    Notes
    -----
    Up to :data:`~.sparse_affinity.DENSE_LIMIT` teachers the affinity is dense (about 40 bytes per pair) and
    the search is the population search of :mod:`.search`. Larger cohorts get a
    :func:`~.sparse_affinity.sparse_affinity` (each teacher's best partners as weights,
    travel limits checked as rules) and the sparse iterated local search; figures and
    reasons still use the exact affinity of every grouped pair. Many regions at once go
    in parallel on Dask with :func:`~matcher.cohorts.regions.form_groups_by_region`.

    Raises
    ------
    InfeasibleError
        When the size range, keep-apart / keep-together / locked groups, meeting modes and
        travel limits cannot all be met, saying which.
    """
    _check_options(fairness=fairness, coverage=coverage, seconds=seconds, rounds=rounds, unplaceable=unplaceable,
                   balance_sizes=balance_sizes)
    run = Budget.of(seconds)
    # time kept back for describing and checking the groups afterwards (and the common-slot pass)
    keep = 0.05 + 2e-4 * len(cohort)
    work = run.less(keep + (SLOT_SHARE * seconds if common_slot and seconds else 0.0))
    if affinity is None:
        options = AffinityOptions(
            allow_same_school=allow_same_school,
            avoid_previous=avoid_previous,
            keep_apart=tuple((str(a), str(b)) for a, b in keep_apart),
        )
        affinity = cohort_affinity(cohort, weights, options, seed=seed)
    affinity = as_grouping_affinity(affinity, cohort)
    skip = unplaceable == "skip"
    lo = parse_size_range(size)[0]
    unplaced: tuple[str, ...] = ()
    drop: set[str] = set()
    # sparse weights: no size term (absent pairs weigh 0); and bounds within one of the mean
    # leave the sparse search too little room (10,000 teachers in 4-6: no valid grouping in
    # exact fives, and the fallback to the whole range made a 40 s run take 250 s)
    sizing = "term" if balance_sizes and isinstance(affinity, DenseAffinity) else "range"
    if balance_sizes == "bounds":
        sizing = "bounds"
    attempt = 0
    while attempt < 6:
        if skip:
            cohort, affinity, out = _drop_unplaceable(cohort, affinity, lo, locked, keep_together, drop)
            unplaced += out
        bounds, m = parse_size_range(size), groups
        if sizing == "bounds":
            free = len(cohort) - sum(len(g) for g in locked)
            bounds, m = balanced_sizes(free, bounds, groups)
        plain = build_problem(
            cohort, affinity, size=bounds, groups=m, coverage=coverage, keep_together=keep_together, locked=locked,
            rules=PairRules(cohort, keep_apart, avoid_previous=avoid_previous, allow_same_school=allow_same_school),
            common_slot=common_slot, discourage=discourage,
        )
        base = _with_size_term(plain) if sizing == "term" else plain
        problem = with_penalties(base)  # base itself without the rule and discouraged pairs
        try:
            problem.validate()
        except InfeasibleError as exc:
            if sizing != "bounds":
                raise
            log.info("group sizes use the whole range %s: sizes %s are infeasible (%s)", size, bounds, exc)
            sizing = "range"
            continue
        fair_seconds = work.share(FAIR_SHARE).seconds if fairness else 0.0  # kept for re-balancing
        search = work.share(1 - FAIR_SHARE) if fairness else work.share(1.0)
        may_drop = skip and attempt < 5
        if may_drop:
            search = search.share(0.75)  # keep time for another round if someone cannot be placed after all
        share = (1 - FAIR_SHARE if fairness else 1.0) * (SPARSE_SEARCH_SHARE if problem.is_sparse else 1.0)
        if problem.is_sparse:
            search = search.share(SPARSE_SEARCH_SHARE)  # the rest polishes blocks with exact scores
        params = SearchParams.for_size(problem.n, threads=threads)
        best = solve(problem, budget=search, seed=seed, rounds=rounds, params=params,
                     allow_conflicts=may_drop or problem.is_sparse, progress=_scaled(progress, 0.0, share))
        if best.conflicts and problem.is_sparse and not may_drop:
            # the sparse search had a short share: give it the polishing time before giving up
            best = solve(problem, budget=work.share(0.75), seed=seed + 1, rounds=rounds, params=params,
                         start=best.assignment)
        if not best.conflicts:
            break
        if sizing == "bounds":  # the rules may need the whole size range: try it before leaving anyone out
            log.info("group sizes use the whole range %s: no valid grouping found within %s", size, bounds)
            sizing = "range"
            continue
        attempt += 1
        # leave out the less connected teacher of every pair that still shares a group
        degree = problem.partner_counts()
        drop = {cohort.ids[i if degree[i] <= degree[j] else j] for i, j in plain.broken_pairs(best.assignment)}
    assignment = _numbered_in_order(best.assignment, len(problem.locked))  # islands may label equal groups differently
    penalty = pair_penalty(plain) if common_slot or len(plain.discouraged) else 0.0
    weights_of = _block_weights(affinity, coverage, plain.slots, penalty, plain.discouraged)  # sparse problems only
    if problem.is_sparse:
        polish = work.less(fair_seconds or 0.0)
        left = polish.remaining()  # None: unlimited
        if left is None or left > 0.1:
            assignment, _ = polish_by_blocks(
                problem, assignment, weights_of, cohort.coordinates, budget=polish, seed=seed, threads=threads,
                rounds=None if rounds is None else min(rounds, POLISH_ROUNDS),
                progress=_scaled(progress, share, (1 - FAIR_SHARE if fairness else 1.0) - share),
            )
    if fairness > 0:
        if problem.is_sparse:  # per block, with exact scores (a member's score depends on their group only)
            assignment = fair_by_blocks(problem, assignment, weights_of, cohort.coordinates, fairness=fairness,
                                        budget=work, rounds=rounds, seed=seed, threads=threads)
        else:
            # with the size term, re-balance on the plain weights (the fairness objective is
            # scaled by the mean link, which the term shifts towards 0) and keep the sizes found
            fair_problem = _fixed_sizes(plain, assignment) if sizing == "term" else base
            if common_slot and not len(with_slot_pairs(plain).broken_pairs(assignment)):
                fair_problem = with_slot_pairs(fair_problem)  # it never makes the penalised objective worse
            fair_problem = kept_apart_once_apart(fair_problem, assignment)
            assignment = fair_improve(fair_problem, assignment, fairness=fairness, budget=work, rounds=rounds, seed=seed)
        if progress is not None:
            progress(1.0, None)
    if common_slot:  # the group rule, with the time kept for it (even when earlier phases ran late on a busy machine)
        left = run.less(keep).remaining()
        slot_time = None if left is None else max(left, SLOT_SHARE * (seconds or 0.0))
        slot_problem = kept_apart_once_apart(plain, assignment)  # the pass may not bring discouraged pairs together
        assignment = enforce_common_slot(slot_problem, assignment, budget=Budget.of(slot_time))
    assignment = _numbered_in_order(assignment, len(problem.locked))
    result = describe(
        cohort,
        affinity,
        plain,  # without the size term: the result's objective is the summed affinity
        assignment,
        locked=tuple(problem.locked),
        seed=seed,
        seconds=run.elapsed(),
        # the bound holds for the stored weights only: none for sparse affinities
        upper_bound=relaxation_bound(plain) if coverage == 0 and not problem.is_sparse else None,
    )
    if unplaced:
        result = replace(result, unplaced=unplaced)
    result = replace(result, figures=replace(result.figures, size_balance=sizing))
    return result.check(allow=("slot",))  # a group the common-slot rule failed is reported, not raised


def _numbered_in_order(assignment: np.ndarray, n_locked: int) -> np.ndarray:
    """``assignment`` with the unlocked groups numbered in the order of their first member's
    row, so that equal groupings get equal numbers (parallel search islands can return the
    same groups under other labels). Unlocked groups share their bounds, so any numbering is
    valid; locked groups keep theirs.

    >>> _numbered_in_order(np.array([3, 2, 3, 1, 0]), 1).tolist()
    [1, 2, 1, 3, 0]
    """
    out = assignment.copy()
    labels = [g for g in dict.fromkeys(assignment.tolist()) if g >= n_locked]
    for k, g in enumerate(labels):
        out[assignment == g] = n_locked + k
    return out


def _block_weights(affinity: GroupingAffinity, coverage: float, slots: Masks | None = None, penalty: float = 0.0,
                   discouraged: npt.NDArray[np.int64] | None = None) -> WeightsOf:
    """``weights_of(rows) -> (weights, allowed)``: exact dense weights (scores plus
    ``coverage`` times pair coverage; pairs sharing no free slot with ``slots``, and
    ``discouraged`` pairs, ``penalty`` less) and mask among ``rows``, for polishing by blocks."""
    def weights_of(rows: IntArray) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        w, allowed = affinity.pair_block(rows, rows)
        if coverage:
            w = w + coverage * affinity.coverage_block(rows, rows)
        if slots is not None:
            w = np.where(slot_allowed(slots, rows, rows), w, w - penalty)
        if discouraged is not None and len(discouraged):
            w = w - block_penalty(discouraged, rows, penalty)
        return w, allowed

    return weights_of


def _scaled(progress: Progress | None, start: float, span: float) -> Progress | None:
    if progress is None:
        return None
    return lambda frac, state: progress(start + span * frac, state)
