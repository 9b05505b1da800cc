"""Coverage and fairness trade-off of cohort runs: what a coverage weight costs and buys.

    .venv/bin/python benchmarks/coverage_tradeoff.py                   # 300, 1,000 and 10,000
    .venv/bin/python benchmarks/coverage_tradeoff.py --sizes 300 --seconds 3

For each cohort size, ``form_groups`` runs with several (coverage weight, fairness) pairs
at a short time limit and the table shows, per run:

- ``mean aff``: mean over teachers of their mean affinity to their groupmates, and
  ``loss``: its relative loss against coverage 0, fairness 0 (the old default);
- ``worst own``: the worst-off member's own score (mean affinity to the groupmates);
- ``worst yard``: the worst-off member on a neutral yardstick (:func:`yardstick`), which
  does not share the model's weights, so a run cannot look good by its own measure only;
  ``random yard``: the same for a random split into the same group sizes (mean of
  :data:`RANDOM_SPLITS` splits);
- ``cov/coverable``: covered (member, challenge) pairs over those someone within reach
  could cover (``CohortFigures.coverage_of_coverable``), and ``by exp``: the share met by
  shared experience;
- ``sizes``: the group sizes that occur, and ``s``: wall time of the call.

The 300 are ``data/samples/teachers.csv``; 1,000 and 10,000 are
``generate_teachers(n, seed=1)``. The machine's load average is printed: on a shared
machine the searches get less CPU than their time limit suggests.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
GRID = {  # cohort size -> (coverage weight, fairness) pairs
    300: [(0.0, 0.0), (0.1, 0.0), (0.25, 0.0), (0.5, 0.0), (1.0, 0.0), (2.0, 0.0),
          (0.0, 0.5), (0.1, 0.5), (0.25, 0.5), (0.5, 0.5), (1.0, 0.5), (0.25, 1.0)],
    1000: [(0.0, 0.0), (0.1, 0.0), (0.25, 0.0), (0.5, 0.0), (1.0, 0.0), (0.0, 0.5), (0.1, 0.5), (0.25, 0.5)],
    10000: [(0.0, 0.0), (0.1, 0.5)],
}
RANDOM_SPLITS = 5
FSM_APART = 10.0  # percentage points of free school meals that count as a different context
YEARS_APART = 5  # years of teaching that count as a different experience


def yardstick_pairs(cohort) -> np.ndarray:
    """Neutral pair score for every pair: the mean of six yes/no facts, the first four things
    in common, the last two differences worth meeting across:

    same borough (local authority); at least one shared interest; at least one shared free
    slot; a shared meeting mode (equal, or one of them says "either"); free school meals at
    least :data:`FSM_APART` points apart; at least :data:`YEARS_APART` years' difference in
    teaching experience.
    """
    ps = cohort.profiles
    n = len(ps)
    la = np.array([cohort.schools[p.school_urn].local_authority for p in ps])
    fsm = np.array([cohort.schools[p.school_urn].fsm_percent if cohort.schools[p.school_urn].fsm_percent is not None else np.nan for p in ps], dtype=float)
    years = np.array([p.years_teaching for p in ps], dtype=float)
    interests = [set(p.interests) for p in ps]
    slots = [set(p.availability) for p in ps]
    mode = np.array([p.meeting_mode for p in ps])
    out = np.zeros((n, n))
    for i in range(n):
        same_la = la == la[i]
        shared_int = np.array([bool(interests[i] & s) for s in interests])
        shared_slot = np.array([bool(slots[i] & s) for s in slots])
        shared_mode = (mode == mode[i]) | (mode == "either") | (mode[i] == "either")
        fsm_apart = np.nan_to_num(np.abs(fsm - fsm[i]), nan=0.0) >= FSM_APART
        years_apart = np.abs(years - years[i]) >= YEARS_APART
        out[i] = (same_la.astype(float) + shared_int + shared_slot + shared_mode + fsm_apart + years_apart) / 6.0
    np.fill_diagonal(out, 0.0)
    return out


def yardstick(cohort, groups, pair_scores: np.ndarray | None = None, rows_of=None) -> float:
    """The worst-off member on the neutral yardstick: min over members of their mean
    :func:`yardstick_pairs` score to their groupmates. ``groups`` are lists of teacher ids."""
    index = cohort.index
    worst = np.inf
    for members in groups:
        rows = np.array([index[t] for t in members])
        if rows.size < 2:
            continue
        if pair_scores is not None:
            block = pair_scores[np.ix_(rows, rows)]
        else:
            block = _block(cohort, rows)
        worst = min(worst, float((block.sum(axis=1) / (rows.size - 1)).min()))
    return worst


def _block(cohort, rows) -> np.ndarray:
    sub = cohort.subset([cohort.ids[r] for r in rows])
    return yardstick_pairs(sub)


def random_split(cohort, sizes, seed: int = 0) -> list[list[str]]:
    ids = list(np.random.default_rng(seed).permutation(cohort.ids))
    out, k = [], 0
    for s in sizes:
        out.append(ids[k:k + s])
        k += s
    return out


def cohort_of(n: int):
    from matcher.profiles.io import load_cohort
    from matcher.profiles.teacher import Cohort
    from matcher.samples.generate import generate_teachers

    if n == 300:
        return load_cohort(str(ROOT / "data" / "samples" / "teachers.csv"))
    return Cohort.from_profiles(generate_teachers(n, seed=1))


def run(n: int, seconds: float, size: str, grid) -> list[dict]:
    from matcher.cohorts.groups import form_groups

    cohort = cohort_of(n)
    pairs = yardstick_pairs(cohort) if n <= 3000 else None
    rows = []
    base = None
    for coverage, fairness in grid:
        t = time.perf_counter()
        res = form_groups(cohort, size=size, seconds=seconds, seed=0, coverage=coverage, fairness=fairness,
                          unplaceable="skip")
        took = time.perf_counter() - t
        f = res.figures
        groups = [list(g.members) for g in res.groups]
        placed = cohort.subset([t for g in groups for t in g]) if res.unplaced else cohort
        if base is None:
            base = f.mean_affinity
        sizes = [len(g) for g in groups]
        rand = [random_split(placed, sizes, seed=k) for k in range(RANDOM_SPLITS)]
        rows.append(dict(
            n=n, coverage=coverage, fairness=fairness, mean=f.mean_affinity, loss=1 - f.mean_affinity / base,
            worst_own=f.min_affinity,
            worst_yard=yardstick(placed, groups, pairs if placed is cohort else None),
            random_yard=float(np.mean([yardstick(placed, r, pairs if placed is cohort else None) for r in rand])),
            coverable=f.coverage_of_coverable, by_exp=f.coverage_by_experience, covered=f.coverage_share,
            sizes=dict(sorted(Counter(sizes).items())), seconds=took,
        ))
        print(_line(rows[-1]), flush=True)
    return rows


HEADER = ("| n | coverage | fairness | mean aff | loss | worst own | worst yard | random yard | cov/coverable | by exp "
          "| sizes | s |\n|---|---|---|---|---|---|---|---|---|---|---|---|")


def _line(r: dict) -> str:
    sizes = ", ".join(f"{k}x{v}" for k, v in r["sizes"].items())
    return (f"| {r['n']:,} | {r['coverage']:g} | {r['fairness']:g} | {r['mean']:.4f} | {100 * r['loss']:+.1f}% "
            f"| {r['worst_own']:.3f} | {r['worst_yard']:.3f} | {r['random_yard']:.3f} | {100 * r['coverable']:.1f}% "
            f"| {100 * r['by_exp']:.1f}% | {sizes} | {r['seconds']:.0f} |")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[300, 1000, 10000])
    p.add_argument("--seconds", type=float, default=None, help="time limit per run (default 3 / 5 / 40 by size)")
    p.add_argument("--size", default="4-6", help="group size range (default 4-6)")
    args = p.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from matcher.cohorts.groups import form_groups
    from matcher.profiles.teacher import Cohort
    from matcher.samples.generate import generate_teachers

    form_groups(Cohort.from_profiles(generate_teachers(60, seed=1)), seconds=0.5, unplaceable="skip")  # compile kernels
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; sizes {args.size}", flush=True)
    print(HEADER, flush=True)
    for n in args.sizes:
        seconds = args.seconds or {300: 3.0, 1000: 5.0}.get(n, 40.0)
        run(n, seconds, args.size, GRID.get(n, GRID[1000]))
    print(f"load average {os.getloadavg()[0]:.1f} at the end", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
