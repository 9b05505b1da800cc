"""Build time, peak memory and query latency of suggested peers and the peer graph.

Each size runs in its own subprocess so that its peak resident memory (``ru_maxrss``) is
its own. A run generates ``n`` synthetic teachers at real schools in England
(:func:`matcher.samples.generate_teachers` over ``england_secondary_schools.csv``, not
timed), then times:

* **vectorise + index** — :func:`matcher.affinity.teacher_arrays` (the
  :class:`~matcher.affinity.vectorize.ProfileVectorizer` fit/transform plus the bitmask arrays)
  and :meth:`matcher.peers.PeerIndex.build`: all a suggestion query needs;
* **peer graph** — :func:`matcher.graph.peer_graph` with ``k = 10`` (candidates, full
  re-scoring, top-k, symmetrising);
* **query latency** — ``PeerIndex.suggest(teacher, k=10)`` for random teachers
  (reasons included), after a few warm-up queries;
* **graph quality** — for 300 random teachers, the sum of their 10 best graph edges over
  the sum of their 10 best allowed affinities computed exactly (score against everyone).

Peak RSS is reported after the index (generation included: it is part of the process) and
after the graph. Targets: p50 <= 5 ms and p99 <= 20 ms at 10k; 100k vectorise + index
<= 30 s and <= 2 GB.

Run: ``python benchmarks/peers_speed.py [--sizes 1000 10000 100000] [--queries 1000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ENGLAND = Path(os.environ.get("PEERMATCH_ENGLAND_CSV", Path(__file__).resolve().parents[2] / "shared" / "data" / "schools" / "england_secondary_schools.csv"))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def measure(n: int, queries: int, seed: int, schools_csv: str, graph: bool, search_block: int | None) -> dict:
    """One size, in this process: returns the figures as a dict."""
    from matcher.affinity.terms import score_against_all, teacher_arrays
    from matcher.graph.network import peer_graph
    from matcher.graph.views import summarize
    from matcher.peers.suggest import PeerIndex
    from matcher.profiles.teacher import Cohort
    from matcher.samples.generate import generate_teachers
    from matcher.places.schools import load_schools

    schools = load_schools(schools_csv)
    t0 = time.perf_counter()
    cohort = Cohort.from_profiles(generate_teachers(n, seed=seed, schools=schools), schools)
    out = {"n": n, "generate_s": time.perf_counter() - t0, "rss_data_mb": _rss_mb()}

    t0 = time.perf_counter()
    teacher_arrays(cohort)
    index = PeerIndex.build(cohort)
    out["index_s"] = time.perf_counter() - t0
    out["rss_index_mb"] = _rss_mb()

    rng = np.random.default_rng(seed)
    ids = cohort.ids
    for r in rng.choice(n, size=min(20, n), replace=False):  # warm-up
        index.suggest(ids[r], 10)
    latencies, cpu = [], []
    for r in rng.choice(n, size=min(queries, n), replace=False):
        c0, t0 = time.thread_time(), time.perf_counter()
        index.suggest(ids[r], 10)
        latencies.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
    out["p50_ms"] = float(np.percentile(latencies, 50) * 1e3)
    out["p99_ms"] = float(np.percentile(latencies, 99) * 1e3)
    out["cpu_p50_ms"] = float(np.percentile(cpu, 50) * 1e3)
    out["cpu_p99_ms"] = float(np.percentile(cpu, 99) * 1e3)

    if graph:
        t0 = time.perf_counter()
        g = peer_graph(cohort, k=10, search_block=search_block)
        out["graph_s"] = time.perf_counter() - t0
        out["rss_graph_mb"] = _rss_mb()
        s = summarize(g)
        out.update(edges=s.n_edges, scored=g.n_scored, isolated=s.n_isolated, components=s.n_components)
        # how much of the exact top-10 affinity each row keeps, on a sample of rows
        arrays, mass = teacher_arrays(cohort), []
        for r in rng.choice(n, size=min(300, n), replace=False):
            full = score_against_all(arrays, int(r))
            exact = np.sort(full.total[full.allowed])[::-1][:10]
            if exact.size:
                got = np.sort(g.matrix.getrow(int(r)).data)[::-1][: exact.size]
                mass.append(got.sum() / exact.sum())
        out["graph_mass"] = float(np.mean(mass))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--queries", type=int, default=1000, help="latency samples per size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--schools", default=str(ENGLAND), help="schools CSV (default: all of England)")
    parser.add_argument("--no-graph", action="store_true", help="skip the peer graph")
    parser.add_argument("--search-block", type=int, default=None, help="peer_graph(search_block=...) (default: exact)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: measure one size, print JSON
    args = parser.parse_args(argv)

    if args.one:
        print(json.dumps(measure(args.one, args.queries, args.seed, args.schools, not args.no_graph, args.search_block)))
        return 0

    rows = []
    for n in args.sizes:
        cmd = [sys.executable, __file__, "--one", str(n), "--queries", str(args.queries), "--seed", str(args.seed), "--schools", args.schools]
        cmd += ["--no-graph"] if args.no_graph else []
        cmd += ["--search-block", str(args.search_block)] if args.search_block else []
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))

    load = os.getloadavg()[0]
    print(f"Suggested peers and peer graph: synthetic teachers at real schools ({Path(args.schools).name}), "
          f"{os.cpu_count()} cores (load average {load:.1f} at the end: wall times include waiting for the CPU); "
          f"query = top-10 with reasons for {args.queries} random teachers.\n")
    print("| teachers | vectorise + index | peak RSS (data + index) | query p50 / p99 (wall) | query p50 / p99 (CPU) "
          "| peer graph (k=10) | peak RSS (+ graph) | graph edges | pairs scored | top-10 affinity kept vs exact |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        graph = (
            (f"{r['graph_s']:.1f} s", f"{r['rss_graph_mb']:,.0f} MB", f"{r['edges']:,}", f"{r['scored']:,}", f"{r['graph_mass']:.1%}")
            if "graph_s" in r
            else ("-",) * 5
        )
        print(f"| {r['n']:,} | {r['index_s']:.2f} s | {r['rss_index_mb']:,.0f} MB | {r['p50_ms']:.2f} / {r['p99_ms']:.2f} ms "
              f"| {r['cpu_p50_ms']:.2f} / {r['cpu_p99_ms']:.2f} ms | "
              + " | ".join(graph) + " |")
    at_10k = [r for r in rows if r["n"] == 10_000]
    at_100k = [r for r in rows if r["n"] == 100_000]
    if at_10k:
        r = at_10k[0]
        print(f"\nTarget at 10k: p50 <= 5 ms ({r['p50_ms']:.2f}: {'met' if r['p50_ms'] <= 5 else 'MISSED'}), "
              f"p99 <= 20 ms ({r['p99_ms']:.2f}: {'met' if r['p99_ms'] <= 20 else 'MISSED'})")
    if at_100k:
        r = at_100k[0]
        ok = r["index_s"] <= 30 and r["rss_index_mb"] <= 2048
        print(f"Target at 100k: vectorise + index <= 30 s and <= 2 GB ({r['index_s']:.1f} s, {r['rss_index_mb']:,.0f} MB: {'met' if ok else 'MISSED'})"
              + (f"; graph {r['graph_s']:.0f} s, {r['rss_graph_mb']:,.0f} MB peak ({'within' if r['rss_graph_mb'] <= 2048 else 'OVER'} 2 GB)" if "graph_s" in r else ""))
    generated = ", ".join(f"{r['n']:,}: {r['generate_s']:.1f} s" for r in rows)
    print(f"(generating the synthetic profiles, not timed above: {generated})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
