"""``peermatch samples``: write synthetic teachers at real schools to a CSV or JSON file."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import fail

# matcher.profiles.write, matcher.samples and matcher.places.schools (numpy) load inside run().


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "samples",
        help="generate synthetic teachers at real schools (seeded)",
        description="Generate synthetic KS3 music teachers at real schools from the schools table. "
        "The people are invented; the same seed always gives the same file. The format follows "
        "the output's extension: .csv (the import format) or .json.",
    )
    p.add_argument("-n", type=int, default=300, help="number of teachers (default: 300)")
    p.add_argument("--seed", type=int, default=2026, help="random seed (default: 2026)")
    p.add_argument("-o", "--output", default="data/samples/teachers.csv",
                   help="file to write, .csv or .json (default: data/samples/teachers.csv)")
    p.add_argument("--schools", metavar="PATH",
                   help="schools CSV to draw from (default: the London table shipped in data/schools/)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..profiles.write import write_teachers_csv, write_teachers_json
    from ..samples.generate import generate_teachers, school_age_high
    from ..places.schools import load_schools

    out = Path(args.output)
    if out.suffix.lower() not in (".csv", ".json"):
        return fail(f"--output must end in .csv or .json, got {args.output!r}")
    if args.n < 1:
        return fail(f"-n must be at least 1, got {args.n}")
    if args.schools is not None and not Path(args.schools).is_file():
        return fail(f"no such schools file: {args.schools}")
    source = args.schools or "the schools table"
    try:
        schools = load_schools(args.schools)
        ages = school_age_high(args.schools)
        teachers = generate_teachers(args.n, seed=args.seed, schools=schools, age_high=ages)
    except (KeyError, ValueError, UnicodeDecodeError) as exc:
        return fail(f"{source}: not a schools table with the columns of data/schools/ (urn, lat, lon, pupils, ...): {exc}")
    if out.parent and not out.parent.exists():
        out.parent.mkdir(parents=True)
    (write_teachers_json if out.suffix.lower() == ".json" else write_teachers_csv)(teachers, out)
    ones = sum(t.department_of_one for t in teachers)
    print(f"{len(teachers)} teachers at {len({t.school_urn for t in teachers})} schools "
          f"({ones / len(teachers):.0%} departments of one), seed {args.seed} -> {out}")
    return 0
