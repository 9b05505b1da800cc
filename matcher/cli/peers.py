"""``peermatch peers FILE --teacher ID [-k 5] [--json]``: suggested peers with their reasons."""

from __future__ import annotations

import argparse
import difflib
import json
import re
from typing import TYPE_CHECKING

from ..errors import MatcherError, UnknownTeacherError
from .common import cohort_or_exit, fail

if TYPE_CHECKING:
    from ..profiles.teacher import Cohort

# matcher.peers (scikit-learn) and matcher.profiles.themes load inside the functions, so that building
# the `peermatch` parser stays cheap for every other command.


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "peers",
        help="suggest peers for one teacher, with reasons",
        description="Suggest peers for one teacher of a teacher file: ranked by reciprocal affinity, "
        "diversified to cover their different challenges and to hold both similar-context and "
        "different-context peers, each with plain-English reasons.",
    )
    p.add_argument("file", help="teacher CSV or JSON file")
    p.add_argument("--teacher", required=True, metavar="ID", help="id of the teacher to suggest peers for")
    p.add_argument("-k", type=int, default=5, help="how many peers (default 5)")
    p.add_argument("--diversity", type=float, default=0.3, help="0 = by score only ... 1 = most varied (default 0.3)")
    p.add_argument("--seed", type=int, default=0, help="seed for breaking ties (default 0)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=run)


def _unpadded(teacher_id: str) -> str:
    return re.sub(r"\d+", lambda m: str(int(m.group())), teacher_id)


def _unknown_teacher(cohort: Cohort, teacher_id: str, path: str) -> str:
    same = [t for t in cohort.ids if _unpadded(t) == _unpadded(teacher_id)]  # t-50 for t-050
    close = same or difflib.get_close_matches(teacher_id, cohort.ids, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else f"; ids in the file look like {cohort.ids[0]!r}" if len(cohort) else ""
    return f"unknown teacher id {teacher_id!r} in {path}{hint}"


def _labels(theme_ids: tuple[str, ...]) -> str:
    from ..profiles.themes import THEMES

    return ", ".join(THEMES[t].label for t in theme_ids) or "none given"


def run(args: argparse.Namespace) -> int:
    from ..peers.suggest import PeerIndex

    if args.k <= 0:
        return fail(f"-k must be a positive number of peers, got {args.k}")
    if not 0.0 <= args.diversity <= 1.0:
        return fail(f"--diversity must be between 0 and 1, got {args.diversity}")
    cohort = cohort_or_exit(args.file)
    if isinstance(cohort, int):
        return cohort
    try:
        suggestions = PeerIndex.build(cohort).suggest(args.teacher, args.k, diversity=args.diversity, seed=args.seed)
    except UnknownTeacherError:
        return fail(_unknown_teacher(cohort, args.teacher, args.file))
    except MatcherError as exc:
        return fail(f"{args.file}: {exc}")

    me = cohort.get(args.teacher)
    if args.json:
        out = []
        for s in suggestions:
            peer = cohort.get(s.peer_id)
            out.append({**s.to_dict(), "peer_name": peer.name, "peer_school": cohort.schools[peer.school_urn].name})
        print(json.dumps({"teacher_id": me.id, "teacher_name": me.name, "suggestions": out}, indent=2))
        return 0

    school = cohort.schools[me.school_urn]
    print(f"Suggested peers for {me.name} ({me.id}), {school.name}, {school.local_authority}")
    print(f"  challenges: {_labels(me.challenges)}")
    print(f"  strengths:  {_labels(me.strengths)}")
    if not suggestions:
        print("\nNo peer can be suggested: nobody in the file can meet this teacher under the constraints "
              "(meeting mode, travel limits, same school, previous groupmates).")
        return 0
    for rank, s in enumerate(suggestions, 1):
        peer = cohort.get(s.peer_id)
        peer_school = cohort.schools[peer.school_urn]
        print(f"\n{rank}. {peer.name} ({peer.id}), {peer_school.name}, {peer_school.local_authority}")
        print(f"   score {s.score:.3f} · {s.kind} · serves them too: {s.reciprocity:.0%} of their challenges")
        for reason in s.reasons:
            print(f"   - {reason}")
    return 0
