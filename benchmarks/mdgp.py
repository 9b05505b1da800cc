"""MDGP benchmark: the cohort solver against published best-known values and the shipped baseline.

Runs the shared evaluator (``../shared/bench/mdgp/evaluate.py``) over the core instances and
``instances-extended/`` at the published time limits, then prints per-instance and per-family
gap tables (and, with ``--baseline``, the same for ``baseline_solver.py``). Instances are read
from ``../shared`` and never copied into the project (no licence).

    .venv/bin/python benchmarks/mdgp.py                      # core + extended, --seconds paper
    .venv/bin/python benchmarks/mdgp.py --sets core --baseline
    .venv/bin/python benchmarks/mdgp.py --tables results/*.json   # re-print saved runs

The full run takes about 13 minutes (n = 480 instances get 120 s each); twice that with
``--baseline``. Wall times include interpreter start-up (the solver's clock starts with the
process).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "bench" / "mdgp"
SETS = {"core": BENCH / "instances", "extended": BENCH / "instances-extended"}
SOLVER = ".venv/bin/peermatch mdgp {instance} {out} {seconds}"
BASELINE = f"{sys.executable} {BENCH / 'baseline_solver.py'} {{instance}} {{out}} {{seconds}} --seed 1"


def run_suite(name: str, suite: Path, solver: str, seconds: str, out: Path) -> dict:
    cmd = [
        sys.executable, str(BENCH / "evaluate.py"), "--suite", str(suite), "--seconds", seconds,
        "--solver-cmd", solver, "--json-out", str(out), "--quiet", "--compact",
    ]
    print(f"# {name}: {' '.join(cmd[:6])} --solver-cmd '{solver}'", file=sys.stderr, flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return json.loads(out.read_text())


def family(instance: str) -> str:
    m = re.match(r"([A-Za-z]+)_n0*(\d+)_", instance)
    return f"{m.group(1)} n={m.group(2)}" if m else instance


def tables(runs: dict[str, dict[str, dict]]) -> str:
    """``runs[solver][set] = evaluator summary``: per-instance and per-family tables."""
    solvers = list(runs)
    lines = []
    for set_name in ("core", "extended"):
        rows = {}
        for s in solvers:
            for r in runs[s].get(set_name, {}).get("results", []):
                rows.setdefault(r["instance"], {})[s] = r
        if not rows:
            continue
        versus = len(solvers) > 1
        head = (f"{'instance':<22}" + "".join(f"{s + ' gap%':>16}{'wall':>7}" for s in solvers) + f"{'feasible':>10}"
                + (f"{solvers[0] + ' vs ' + solvers[1]:>24}" if versus else ""))
        lines += [f"\n## {set_name} set: gap to best known (negative = better than best known)", head, "-" * len(head)]
        fam: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        for inst in sorted(rows):
            cells = ""
            feasible = True
            for s in solvers:
                r = rows[inst].get(s)
                if r is None:
                    cells += f"{'-':>16}{'-':>7}"
                    continue
                feasible &= bool(r["feasible"])
                gap = r["gap_percent"]
                cells += f"{'-' if gap is None else f'{gap:.3f}':>16}{r['wall_s']:>7.1f}"
                if gap is not None:
                    fam[family(inst)][s].append(gap)
            extra = ""
            if versus:
                a, b = rows[inst].get(solvers[0]), rows[inst].get(solvers[1])
                if a and b and a["objective"] is not None and b["objective"]:
                    extra = f"{100 * (a['objective'] - b['objective']) / abs(b['objective']):>+23.3f}%"
            lines.append(f"{inst:<22}{cells}{feasible!s:>10}{extra}")
        lines += ["", f"{'family':<22}" + "".join(f"{s + ' mean':>14}{'max':>9}" for s in solvers) + f"{'instances':>11}"]
        for f in sorted(fam, key=lambda k: (k.split()[0], int(k.split('=')[1]))):
            cells = ""
            count = 0
            for s in solvers:
                g = fam[f].get(s, [])
                count = max(count, len(g))
                cells += f"{sum(g) / len(g):>14.3f}{max(g):>9.3f}" if g else f"{'-':>14}{'-':>9}"
            lines.append(f"{f:<22}{cells}{count:>11}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", nargs="+", choices=tuple(SETS), default=list(SETS))
    ap.add_argument("--seconds", default="paper", help="'paper' (published limits) or seconds per instance")
    ap.add_argument("--solver-cmd", default=SOLVER, help=f"solver command (default {SOLVER!r})")
    ap.add_argument("--baseline", action="store_true", help="also run the shipped baseline_solver.py")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results"), help="directory for the JSON summaries")
    ap.add_argument("--tables", nargs="+", metavar="JSON", help="only print tables from saved summaries "
                    "(names like mdgp-<solver>-<set>.json)")
    args = ap.parse_args(argv)
    runs: dict[str, dict[str, dict]] = defaultdict(dict)
    if args.tables:
        for p in args.tables:
            _, solver, set_name = Path(p).stem.split("-", 2)
            runs[solver][set_name] = json.loads(Path(p).read_text())
        print(tables(runs))
        return 0
    if not BENCH.is_dir():
        print(f"benchmark data not found at {BENCH}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    solvers = {"peermatch": args.solver_cmd} | ({"baseline": BASELINE} if args.baseline else {})
    for s, cmd in solvers.items():
        for set_name in args.sets:
            runs[s][set_name] = run_suite(f"{s} / {set_name}", SETS[set_name], cmd, args.seconds,
                                          out / f"mdgp-{s}-{set_name}.json")
    print(tables(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
