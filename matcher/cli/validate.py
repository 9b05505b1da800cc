"""``peermatch validate FILE``: check a teacher file and list every problem in it."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .common import fail

# matcher.profiles.io and matcher.places.schools (numpy) load inside run().


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "validate",
        help="check a teacher CSV/JSON file and report every problem",
        description="Check a teacher file (CSV in the import format, or JSON) without importing it. "
        "Every problem is listed, one per line, with its line number, field, value and a suggestion "
        "where there is one (line 1 is the header). Exit code 0 when the file is fine, 1 otherwise.",
    )
    p.add_argument("file", help="teacher CSV or JSON file")
    p.add_argument("--json", action="store_true", help="print the report as JSON (to standard output)")
    p.add_argument("--schools", metavar="PATH",
                   help="schools CSV that URNs are checked against (default: $PEERMATCH_SCHOOLS_CSV or the "
                   "London table in data/schools/)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..profiles.io import read_teachers
    from ..places.schools import load_schools

    path = Path(args.file)
    if not path.is_file():
        return fail(f"no such file: {args.file}")
    if args.schools is not None and not Path(args.schools).is_file():
        return fail(f"no such schools file: {args.schools}")
    try:
        schools = load_schools(args.schools)
    except (KeyError, ValueError, UnicodeDecodeError) as exc:
        return fail(f"{args.schools}: not a schools table with the columns of data/schools/: {exc}")
    report = read_teachers(path, schools=schools)
    ok = not report.issues and bool(report.profiles)
    if args.json:
        print(json.dumps({
            "file": str(path),
            "ok": ok,
            "rows": report.rows,
            "teachers": len(report.profiles),
            "issues": [issue.to_dict() for issue in report.issues],
        }, indent=2, ensure_ascii=False))
        return 0 if ok else 1
    if ok:
        print(f"{path}: OK, {len(report.profiles)} teachers, no problems")
        return 0
    # The report itself goes to standard output (so it can be saved); the verdict to standard error.
    print(report.to_text())
    from ..profiles.phrases import count_phrase

    bad_rows = {issue.row for issue in report.issues if issue.row is not None}
    where = f" in {count_phrase(len(bad_rows), 'row')}" if bad_rows else ""
    print(f"peermatch: {path}: {count_phrase(len(report.issues), 'problem')}{where}; nothing can be imported until they are fixed",
          file=sys.stderr)
    return 1
