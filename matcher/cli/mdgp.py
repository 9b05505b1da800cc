"""``peermatch mdgp INSTANCE OUT SECONDS``: solve one MDGPLIB benchmark instance.

Writes one 0-based group index per line to ``OUT``, the format the evaluator in
``../shared/bench/mdgp/`` reads. The time limit counts from the start of the process
(interpreter start-up and imports included), so the wall time the evaluator measures
stays within ``SECONDS``. Also runnable as ``python -m matcher.cli.mdgp`` (which skips
loading the other commands).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

# Heavy imports (numpy, scipy, numba) happen inside run(), so that `peermatch --help` stays fast;
# run() imports only matcher.cohorts.problem and .search, never the teacher layer (scikit-learn).

OUTPUT_MARGIN = 0.4  # seconds kept back for writing the solution and interpreter shutdown (~0.3 s)
MIN_SEARCH = 0.1  # seconds of search at least, even when start-up has already used the time limit


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "mdgp",
        help="solve an MDGPLIB benchmark instance (maximally diverse grouping)",
        description="Solve a Maximally Diverse Grouping Problem instance in MDGPLIB format and write one "
        "0-based group index per line.",
    )
    _arguments(p)
    p.set_defaults(func=run)


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("instance", help="MDGPLIB instance file (first line: n m ds|ss a_1 b_1 ...)")
    p.add_argument("out", help="where to write the solution (one group index per line)")
    p.add_argument("seconds", type=float, help="time limit in seconds, counted from process start")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--threads", type=int, default=None, help="parallel search islands (default: one per core)")
    p.add_argument(
        "--clock",
        choices=("process", "solver"),
        default="process",
        help="count the time limit from process start (default) or from when the solver starts",
    )


def process_started() -> float:
    """``time.monotonic()`` value at which this process started (Linux; else now)."""
    try:
        with open("/proc/self/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime") as fh:
            uptime = float(fh.read().split()[0])
        age = uptime - int(fields[19]) / os.sysconf("SC_CLK_TCK")
        return time.monotonic() - max(0.0, age)
    except (OSError, ValueError, IndexError):  # pragma: no cover - not Linux
        return time.monotonic()


def run(args: argparse.Namespace) -> int:
    started = process_started() if args.clock == "process" else time.monotonic()
    from ..cohorts.budget import Budget
    from ..cohorts.mdgplib import read_mdgplib, write_assignment
    from ..cohorts.search import SearchParams, solve
    from ..errors import MatcherError

    if args.seconds <= 0:
        print("peermatch: SECONDS must be > 0", file=sys.stderr)
        return 1
    try:
        problem = read_mdgplib(args.instance)
    except FileNotFoundError:
        print(f"peermatch: no such file: {args.instance}", file=sys.stderr)
        return 1
    except MatcherError as exc:
        print(f"peermatch: {exc}", file=sys.stderr)
        return 1
    from ..cohorts.reduced import kernels

    kernels().seed_state(0)  # load the compiled kernels before the clock matters
    # Start-up, imports and the kernels take about 0.65 s (numba and scipy; 2-core machine), most of
    # a 1 s limit: search at least MIN_SEARCH seconds anyway (the evaluator's wall time shows any overrun).
    deadline = max(started + args.seconds - OUTPUT_MARGIN, time.monotonic() + min(MIN_SEARCH, args.seconds / 2))
    params = SearchParams.for_size(problem.n, threads=args.threads)
    try:
        best = solve(problem, seed=args.seed, budget=Budget.of(deadline=deadline), params=params)
    except MatcherError as exc:
        print(f"peermatch: {exc}", file=sys.stderr)
        return 1
    write_assignment(args.out, best.assignment)
    print(
        f"{problem.n} elements, {problem.m} groups: objective {best.objective:.3f} "
        f"({best.improvements} improvements, {best.threads} threads, {time.monotonic() - started:.2f}s since start)",
        file=sys.stderr,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m matcher.cli.mdgp", description=__doc__.split("\n\n")[0])
    _arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
