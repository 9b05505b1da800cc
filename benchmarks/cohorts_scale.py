"""Cohort engine at scale: 1,000 teachers in 5 s against a long reference run; 10,000 teachers.

    .venv/bin/python benchmarks/cohorts_scale.py                       # 1,000 (5 s vs 600 s) and 10,000
    .venv/bin/python benchmarks/cohorts_scale.py --reference-seconds 60 --skip-10k

Teachers are synthetic (``matcher.samples.generate_teachers``) at real London schools.

1. 1,000 teachers into groups of 4-6 with ``form_groups(seconds=5)``, timed end to end
   (affinity included), against the same call with ``--reference-seconds`` (default 600).
2. 10,000 teachers by region (``form_groups_by_region``: balanced geographic areas, dense
   affinity in each, in parallel on a Dask ``LocalCluster``), timed end to end.
3. 10,000 teachers in one ``form_groups`` call (sparse affinity: peer-graph weights, travel
   limits as a rule), timed end to end; every grouped pair is re-checked with the full
   affinity's hard constraints.
4. Dense against sparse affinity on one cohort of ``--compare-n`` teachers, same time limit:
   what the sparse path gives up in quality.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np


def cohort_of(n: int, seed: int):
    from matcher.profiles.teacher import Cohort
    from matcher.samples.generate import generate_teachers

    return Cohort.from_profiles(generate_teachers(n, seed=seed))


def thousand(seconds: float, reference: float, seed: int) -> None:
    from matcher.cohorts.groups import form_groups

    cohort = cohort_of(1000, seed)
    form_groups(cohort_of(60, seed), size=(4, 6), seconds=0.5, unplaceable="skip")  # load the compiled kernels
    rows = []
    for label, secs in (("fast", seconds), ("reference", reference)):
        if secs <= 0:
            continue
        t = time.perf_counter()
        r = form_groups(cohort, size=(4, 6), seconds=secs, seed=seed)
        wall = time.perf_counter() - t
        rows.append((label, secs, wall, r.figures))
    print("\n## 1,000 teachers, groups of 4-6 (form_groups, affinity included)")
    print(f"{'run':<10}{'limit s':>9}{'wall s':>9}{'objective':>12}{'mean':>8}{'min':>8}{'groups':>8}{'gap to ref':>12}")
    ref = rows[-1][3].objective if len(rows) > 1 else None
    for label, secs, wall, f in rows:
        gap = "-" if ref is None else f"{100 * (ref - f.objective) / ref:.2f}%"
        print(f"{label:<10}{secs:>9.0f}{wall:>9.2f}{f.objective:>12.3f}{f.mean_affinity:>8.4f}{f.min_affinity:>8.4f}{f.groups:>8}{gap:>12}")


def ten_thousand_regions(seconds: float, seed: int, workers: int) -> None:
    from dask.distributed import Client, LocalCluster

    from matcher.cohorts.regions import form_groups_by_region

    cohort = cohort_of(10_000, seed)
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster:
        with Client(cluster) as client:
            t = time.perf_counter()
            r = form_groups_by_region(cohort, size=(4, 6), seconds=seconds, seed=seed, client=client)
            wall = time.perf_counter() - t
    f = r.figures
    print(f"\n## 10,000 teachers by region on Dask ({workers} workers, {seconds:.0f} s per region)")
    print(f"regions {len(r.regions)}, wall {wall:.1f} s, groups {f.groups}, placed {f.teachers}, "
          f"left out {len(r.unplaced)} (nobody in their area can meet them), constraints broken {len(r.violations())}")
    print(f"objective {f.objective:.1f}, mean teacher {f.mean_affinity:.4f}, min teacher {f.min_affinity:.4f}, "
          f"isolated placed {f.isolated_placed}/{f.isolated}, mean distance {f.mean_travel_km:.1f} km")


def _check_pairs(cohort, result) -> tuple[int, int]:
    """Grouped pairs that the full affinity forbids, and all grouped pairs (independent of
    the rules the sparse path searched with)."""
    from matcher.affinity.terms import score_pairs, teacher_arrays

    rows = {t: r for r, t in enumerate(cohort.ids)}
    pi, pj = [], []
    for g in result.groups:
        r = np.array([rows[t] for t in g.members])
        i, j = np.triu_indices(r.size, 1)
        pi.append(r[i])
        pj.append(r[j])
    pi, pj = np.concatenate(pi), np.concatenate(pj)
    s = score_pairs(teacher_arrays(cohort), pi, pj)
    return int((~s.allowed).sum()), len(pi)


def ten_thousand_sparse(seconds: float, seed: int) -> None:
    from matcher.cohorts.groups import form_groups

    cohort = cohort_of(10_000, seed)
    t = time.perf_counter()
    r = form_groups(cohort, size=(4, 6), seconds=seconds, seed=seed, unplaceable="skip")
    wall = time.perf_counter() - t
    bad, pairs = _check_pairs(cohort, r)
    f = r.figures
    print(f"\n## 10,000 teachers in one run on sparse affinity (form_groups, seconds={seconds:.0f}, affinity included)")
    print(f"wall {wall:.1f} s, groups {f.groups}, placed {f.teachers}, left out {len(r.unplaced)} (fewer than 3 others can meet them), "
          f"constraints broken {len(r.violations())}, grouped pairs the full affinity forbids {bad} of {pairs}")
    print(f"objective {f.objective:.1f}, mean teacher {f.mean_affinity:.4f}, min teacher {f.min_affinity:.4f}, "
          f"isolated placed {f.isolated_placed}/{f.isolated}, mean distance {f.mean_travel_km:.1f} km")


def sparse_vs_dense(n: int, seconds: float, seed: int) -> None:
    """Both paths on one cohort small enough for a dense matrix, same time limit."""
    from matcher.cohorts.groups import form_groups
    from matcher.cohorts.sparse_affinity import sparse_affinity

    cohort = cohort_of(n, seed)
    rows = []
    for label in ("dense", "sparse"):
        t = time.perf_counter()
        aff = sparse_affinity(cohort, seed=seed) if label == "sparse" else None
        r = form_groups(cohort, size=(4, 6), seconds=seconds, seed=seed, unplaceable="skip", affinity=aff)
        rows.append((label, time.perf_counter() - t, r, _check_pairs(cohort, r)[0]))
    print(f"\n## {n:,} teachers: dense against sparse affinity (seconds={seconds:.0f} each, same cohort)")
    print(f"{'path':<8}{'wall s':>8}{'objective':>12}{'mean':>8}{'min':>8}{'left out':>10}{'broken':>8}{'vs dense':>10}")
    ref = rows[0][2].figures.objective
    for label, wall, r, bad in rows:
        f = r.figures
        print(f"{label:<8}{wall:>8.1f}{f.objective:>12.1f}{f.mean_affinity:>8.4f}{f.min_affinity:>8.4f}"
              f"{len(r.unplaced):>10}{bad:>8}{100 * (f.objective - ref) / ref:>9.2f}%")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=5.0, help="time limit of the 1,000-teacher run (default 5)")
    ap.add_argument("--reference-seconds", type=float, default=600.0, help="reference run (default 600; 0 skips)")
    ap.add_argument("--region-seconds", type=float, default=11.0, help="search time per region for 10,000 (default 11)")
    ap.add_argument("--sparse-seconds", type=float, default=50.0, help="time limit of the sparse 10,000 run (default 50)")
    ap.add_argument("--compare-n", type=int, default=3000, help="cohort size of the dense/sparse comparison (0 skips)")
    ap.add_argument("--compare-seconds", type=float, default=30.0)
    ap.add_argument("--workers", type=int, default=2, help="Dask workers (default 2)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--skip-1k", action="store_true")
    ap.add_argument("--skip-10k", action="store_true")
    ap.add_argument("--skip-sparse", action="store_true")
    args = ap.parse_args(argv)
    if not args.skip_1k:
        thousand(args.seconds, args.reference_seconds, args.seed)
    if not args.skip_10k:
        ten_thousand_regions(args.region_seconds, args.seed, args.workers)
    if not args.skip_sparse:
        ten_thousand_sparse(args.sparse_seconds, args.seed)
    if args.compare_n:
        sparse_vs_dense(args.compare_n, args.compare_seconds, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
