"""``peermatch practice FILE --teacher ID`` / ``--group groups.csv --group-id G``: practice examples with reasons."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from ..cohorts.group_csv import read_group_csv
from ..errors import MatcherError, UnknownTeacherError, ValidationError
from .common import cohort_or_exit, fail

if TYPE_CHECKING:
    from ..practice.recommend import Recommendation
    from ..profiles.teacher import Cohort, TeacherProfile

# matcher.practice.catalogue, matcher.practice (scikit-learn) and matcher.profiles.themes load inside the functions,
# so that building the `peermatch` parser stays cheap for every other command.

read_groups = read_group_csv  # the name this module used to define; the format lives in matcher.cohorts.group_csv


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "practice",
        help="recommend practice examples to a teacher or a peer group, with reasons",
        description="Recommend practice examples from the catalogue to one teacher (--teacher) or to a "
        "peer group (--group groups.csv --group-id G). The groups file is the group CSV that "
        "`peermatch cohorts -o groups.csv` and the cohort export write (columns group and teacher_id, "
        "one row per member; G is the group's number).",
    )
    p.add_argument("file", help="teacher CSV or JSON file")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--teacher", metavar="ID", help="the teacher's id, e.g. t-001")
    who.add_argument("--group", metavar="CSV", help="group CSV (columns group, teacher_id), as `peermatch cohorts -o` writes it")
    p.add_argument("--group-id", metavar="G", help="which group of --group to recommend for")
    p.add_argument("-k", type=int, default=5, help="how many examples (default: 5)")
    p.add_argument("--peers", metavar="IDS", default="",
                   help="comma-separated ids of the teacher's suggested peers; examples they wrote are boosted")
    p.add_argument("--catalogue", metavar="PATH",
                   help="folder (or file) of practice examples (default: data/practice/)")
    p.add_argument("--seed", type=int, default=0, help="breaks exact ties (default: 0)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=run)


def _members(cohort: Cohort, ids: tuple[str, ...], path: str) -> list[TeacherProfile] | str:
    unknown = [t for t in ids if t not in cohort.index]
    if unknown:
        return f"{path}: {'teacher id' if len(unknown) == 1 else 'teacher ids'} not in the teacher file: {', '.join(unknown)}"
    return [cohort.get(t) for t in ids]


def _print_text(title: str, recs: list[Recommendation], cohort: Cohort) -> None:
    from ..profiles.themes import THEMES

    print(title)
    for n, r in enumerate(recs, start=1):
        e = r.example
        author = ""
        if e.author_teacher_id is not None and e.author_teacher_id in cohort.index:
            author = f" · by {cohort.get(e.author_teacher_id).name}"
        print(f"\n{n}. {e.title}  [{e.id}]")
        print(f"   {', '.join(e.key_stages)} · {e.time_to_try} · score {r.score:.2f}{author}")
        print(f"   themes: {', '.join(THEMES[t].label for t in e.themes)}")
        for reason in r.reasons:
            print(f"   - {reason}")


def run(args: argparse.Namespace) -> int:
    from ..practice.catalogue import load_catalogue
    from ..practice.recommend import recommend_for_group, recommend_for_teacher
    from ..profiles.themes import THEMES

    if args.k < 1:
        return fail(f"-k must be at least 1, got {args.k}")
    if args.group is not None and not args.group_id:
        return fail("--group needs --group-id to say which group")
    if args.group is None and args.group_id:
        return fail("--group-id only makes sense with --group")
    cohort = cohort_or_exit(args.file)
    if isinstance(cohort, int):
        return cohort
    try:
        catalogue = load_catalogue(args.catalogue)
    except FileNotFoundError as exc:
        return fail(str(exc))
    except MatcherError as exc:
        return fail(f"practice catalogue: {exc}")

    if args.teacher is not None:
        try:
            profile = cohort.get(args.teacher)
        except UnknownTeacherError as exc:
            return fail(f"{exc} in {args.file}")
        peers = [p.strip() for p in args.peers.split(",") if p.strip()]
        unknown = [p for p in peers if p not in cohort.index]
        if unknown:
            return fail(f"--peers: unknown {'teacher id' if len(unknown) == 1 else 'teacher ids'} in {args.file}: {', '.join(unknown)}")
        recs = recommend_for_teacher(profile, args.k, catalogue=catalogue, suggested_peers=peers, cohort=cohort, seed=args.seed)
        if args.json:
            print(json.dumps({"teacher_id": profile.id, "items": [r.to_dict() for r in recs]}, indent=2, ensure_ascii=False))
        else:
            challenges = "; ".join(THEMES[t].label for t in profile.challenges) or "none listed"
            _print_text(f"Practice examples for {profile.name} ({profile.id}). Challenges: {challenges}.", recs, cohort)
        return 0

    if args.peers:
        return fail("--peers applies to --teacher only")
    if not Path(args.group).is_file():
        return fail(f"no such file: {args.group}")
    try:
        groups = read_group_csv(args.group)
    except ValidationError as exc:
        return fail(f"{args.group}: {exc}")
    if args.group_id not in groups:
        order = sorted(groups, key=lambda g: (not g.isdigit(), int(g) if g.isdigit() else 0, g))  # 1, 2, ..., 10
        known = ", ".join(order[:10]) + (" ..." if len(groups) > 10 else "")
        return fail(f"{args.group}: no group {args.group_id!r}; groups in the file: {known or 'none'}")
    members = _members(cohort, groups[args.group_id], args.group)
    if isinstance(members, str):
        return fail(members)
    recs = recommend_for_group(members, args.k, catalogue=catalogue, cohort=cohort, seed=args.seed)
    if args.json:
        out = {"group_id": args.group_id, "teacher_ids": [p.id for p in members], "items": [r.to_dict() for r in recs]}
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        names = ", ".join(p.name for p in members)
        counts = Counter(t for p in members for t in set(p.challenges))
        shared = "; ".join(f"{THEMES[t].label} ({c})" for t, c in counts.most_common() if c > 1) or "none"
        _print_text(f"Practice examples for group {args.group_id} ({names}). Shared challenges: {shared}.", recs, cohort)
    return 0
