"""``peermatch sessions FILE [--groups groups.csv]``: training sessions on the challenges no group covered."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from .common import cohort_or_exit, fail

if TYPE_CHECKING:
    from ..programme.sessions import SessionPlan

# matcher.programme.sessions (numpy, the schools table, term dates) loads inside run(), so that
# building the `peermatch` parser stays cheap for every other command.

FORMATS = ("text", "csv", "json")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "sessions",
        help="propose teacher-led training sessions on the challenges no group covered",
        description="Propose training sessions on the most common challenges no group covers: who wants each, "
        "teachers whose strengths (or shared experience) could lead it (only teachers who consented to share "
        "their contact), the school that minimises the total travel of the teachers who want it, and dates in "
        "term time. Without --groups every challenge counts (no grouping yet).",
    )
    p.add_argument("file", help="teacher CSV or JSON file")
    p.add_argument("--groups", metavar="CSV", help="group CSV (columns group, teacher_id), as `peermatch cohorts -o` writes it")
    p.add_argument("--top", type=int, default=5, help="how many sessions (default: 5)")
    p.add_argument("--start", metavar="DATE", help="first possible date, YYYY-MM-DD (default: today)")
    p.add_argument("--weekday", default="wed", help="day of the week of the sessions, mon..fri (default: wed)")
    p.add_argument("--dates", type=int, default=3, metavar="N", help="dates to propose per session (default: 3)")
    p.add_argument("--format", choices=FORMATS, default="text", help="text (default), csv (formula-safe) or json")
    p.set_defaults(func=run)


def _km(x: float) -> str:
    return f"{x:.1f} km"


def _print_text(plan: SessionPlan, teachers: int, source: str) -> None:
    counted = (
        f"grouping {source}; a challenge counts when no groupmate covers it"
        if plan.grouped
        else "no grouping given: every challenge counts"
    )
    print(f"Sessions from demand: {len(plan.sessions)} proposed for {teachers} teachers ({counted}).")
    print("Leaders are teachers who consented to share their contact (profiles have no separate consent to lead).")
    print("Distances are straight-line km between schools.")
    for rank, s in enumerate(plan.sessions, start=1):
        v = s.venue
        print(f"\n{rank}. {s.label}: wanted by {s.count} teacher{'s' if s.count != 1 else ''}")
        for x in s.leaders:
            contact = f" · {x.contact}" if x.contact else ""
            print(f"   Leader: {x.name} ({x.teacher_id}): {x.why}{contact}")
        if s.withheld:
            print(f"   ({s.withheld} more could lead but have not consented to share their contact)")
        print(
            f"   Venue: {v.name} (URN {v.school_urn}, {v.local_authority}): total {_km(v.total_km)}, mean {_km(v.mean_km)}, "
            f"longest {_km(v.max_km)}; {v.within_reach} of {v.teachers} within their travel limit"
        )
        days = ", ".join(d.strftime("%a %d %b %Y") for d in s.dates) or "none in the term dates known"
        print(f"   Dates: {days}. {s.dates_note}")
    if plan.unled:
        print("\nWanted, but nobody can lead a session:")
        for u in plan.unled:
            why = "nobody in the cohort can meet it" if u.reason == "nobody" else "only teachers who have not consented to share their contact could"
            print(f"   - {u.label} ({u.count} teacher{'s' if u.count != 1 else ''}): {why}")


def run(args: argparse.Namespace) -> int:
    from ..cohorts.group_csv import read_group_csv
    from ..csvsafe import write_rows
    from ..errors import MatcherError
    from ..programme.sessions import plan_sessions, session_rows, weekday_number

    try:
        start = date.fromisoformat(args.start) if args.start else None
    except ValueError:
        return fail(f"--start must be a date like 2026-11-02, got {args.start!r}")
    try:
        weekday_number(args.weekday)
    except MatcherError as exc:
        return fail(f"--weekday: {exc}")
    if not 1 <= args.top <= 100:
        return fail(f"--top must be from 1 to 100, got {args.top}")
    if not 1 <= args.dates <= 20:
        return fail(f"--dates must be from 1 to 20, got {args.dates}")
    groups = None
    if args.groups is not None:
        if not Path(args.groups).is_file():
            return fail(f"no such file: {args.groups}")
        try:
            groups = read_group_csv(args.groups)
        except MatcherError as exc:
            return fail(f"{args.groups}: {exc}")
        except (UnicodeDecodeError, OSError) as exc:
            return fail(f"{args.groups}: cannot read it as a UTF-8 CSV file ({exc.__class__.__name__})")
    cohort = cohort_or_exit(args.file)
    if isinstance(cohort, int):
        return cohort
    try:
        plan = plan_sessions(cohort, groups, top=args.top, start=start, weekday=args.weekday, n_dates=args.dates)
    except MatcherError as exc:
        return fail(f"{args.groups or args.file}: {exc}")
    if args.format == "json":
        print(json.dumps(plan.to_dict(), indent=2, ensure_ascii=False))
    elif args.format == "csv":
        print(write_rows(session_rows(plan)), end="")
    else:
        _print_text(plan, len(cohort), args.groups or "")
    return 0
