"""Cohort engine at scale: 1,000 teachers in 5 s against a long reference run; 10,000 teachers.

    .venv/bin/python benchmarks/cohorts_scale.py                       # 1,000 (5 s vs 600 s) and 10,000
    .venv/bin/python benchmarks/cohorts_scale.py --reference-seconds 60 --skip-10k

Teachers are synthetic (``matcher.samples.generate_teachers``) at real London schools.

1. 1,000 teachers into groups of 4-6 with ``form_groups(seconds=5)``, timed end to end
   (affinity included), against the same call with ``--reference-seconds`` (default 600).
2. 10,000 teachers by region (``form_groups_by_region``: balanced geographic areas, dense
   affinity in each, in parallel on a Dask ``LocalCluster``), timed end to end.
3. 10,000 teachers on the sparse peer graph (``matcher.graph.peer_graph``, CSR): graph plus
   search within ``--sparse-seconds``; reports how many grouped pairs could not actually meet
   (pairs outside the graph are not scored: in-person teachers are kept to graph neighbours).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np


def cohort_of(n: int, seed: int):
    from matcher.profiles import Cohort
    from matcher.samples import generate_teachers

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
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
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


def ten_thousand_sparse(seconds: float, seed: int) -> None:
    from matcher.affinity import score_pairs, teacher_arrays
    from matcher.cohorts.problem import GroupingProblem, plan_group_count
    from matcher.cohorts.search import solve
    from matcher.graph import peer_graph

    cohort = cohort_of(10_000, seed)
    t = time.perf_counter()
    graph = peer_graph(cohort, k=15, search_block=2000, seed=seed)
    built = time.perf_counter() - t
    m = plan_group_count(len(cohort), (4, 6))
    strict = np.array([p.meeting_mode == "in_person" for p in cohort.profiles])
    problem = GroupingProblem(graph.matrix, np.full(m, 4), np.full(m, 6), strict=strict, noun="teachers")
    best = solve(problem, seconds=max(1.0, seconds - built), seed=seed, allow_conflicts=True)
    wall = time.perf_counter() - t
    a = best.assignment
    order = np.argsort(a, kind="stable")
    cuts = np.split(order, np.flatnonzero(np.diff(a[order])) + 1)
    pi = np.concatenate([g[np.triu_indices(g.size, 1)[0]] for g in cuts])
    pj = np.concatenate([g[np.triu_indices(g.size, 1)[1]] for g in cuts])
    s = score_pairs(teacher_arrays(cohort), pi, pj)
    print(f"\n## 10,000 teachers on the sparse peer graph (k=15, {graph.matrix.nnz} stored pairs)")
    sizes = np.bincount(a, minlength=m)
    print(f"graph {built:.1f} s, total wall {wall:.1f} s, groups {m}, all sizes within 4-6: {bool(np.all((sizes >= 4) & (sizes <= 6)))}, "
          f"in-person pairs outside the graph: {best.conflicts}")
    print(f"objective on the graph {best.objective:.1f}; full affinity of all grouped pairs {s.total.sum():.1f}; "
          f"grouped pairs that cannot meet {int((~s.allowed).sum())} of {len(pi)}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=5.0, help="time limit of the 1,000-teacher run (default 5)")
    ap.add_argument("--reference-seconds", type=float, default=600.0, help="reference run (default 600; 0 skips)")
    ap.add_argument("--region-seconds", type=float, default=11.0, help="search time per region for 10,000 (default 11)")
    ap.add_argument("--sparse-seconds", type=float, default=60.0, help="total budget of the sparse 10,000 run")
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
