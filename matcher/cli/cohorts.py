"""``peermatch cohorts FILE --size 4-6``: peer groups for a teacher file, explained.

Prints each group with its members, score, worst-off member, who covers whose
challenges and the reasons, then the cohort figures; ``-o`` writes the group CSV of
:mod:`matcher.cohorts.group_csv` (or JSON for a ``.json`` name), ``--json`` prints JSON instead of text. A progress bar runs on stderr.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence

    from ..cohorts.results import CohortResult
    from ..profiles.teacher import Cohort
    from ..cohorts.search import SearchState

from ..cohorts.defaults import DEFAULTS

# matcher.cohorts (numba) and matcher.profiles.io load inside run(), so `peermatch --help` stays fast.


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "cohorts",
        help="split a cohort into explained peer groups",
        description="Split the teachers of FILE into peer groups of a size range that maximise mutual help, "
        "shared interests, fitting contexts and practicality, under hard constraints.",
    )
    p.add_argument("file", help="teacher CSV or JSON file")
    p.add_argument("--size", default=DEFAULTS.size, help=f"group size or range, e.g. 5 or 4-6 (default {DEFAULTS.size})")
    p.add_argument("--groups", type=int, default=None, help="number of groups (default: chosen from --size)")
    p.add_argument("--seconds", type=float, default=10.0, help="time limit of the search (default 10)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--fair", action="store_true", help="lift the worst-off teacher (same as --fairness 0.5)")
    p.add_argument(
        "--fairness", type=float, default=None,
        help=f"0..1: weight of the worst-off teacher's score (default {DEFAULTS.fairness:g})",
    )
    p.add_argument(
        "--coverage", type=float, default=DEFAULTS.coverage,
        help=f"extra weight for covering each other's challenges (default {DEFAULTS.coverage:g})",
    )
    p.add_argument(
        "--keep-apart", action="append", default=[], metavar="ID,ID", help="two teacher ids never to group (repeatable)"
    )
    p.add_argument(
        "--keep-together", action="append", default=[], metavar="ID,ID[,...]", help="teacher ids to group together (repeatable)"
    )
    p.add_argument(
        "--history", metavar="FILE",
        help="groupmate history CSV (round_name,teacher_a,teacher_b, as the service exports): keep those pairs apart, "
        "except pairs kept together",
    )
    p.add_argument("--allow-same-school", action="store_true", help="allow colleagues from one school in a group")
    p.add_argument("--allow-previous", action="store_true", help="allow previous groupmates to meet again")
    p.add_argument(
        "--common-slot", action="store_true",
        help="every group shares at least one free slot (teachers who listed no availability do not constrain); "
        "a group that cannot is named, not hidden",
    )
    p.add_argument(
        "--leave-out", action="store_true",
        help="leave out (and name) teachers too few others can meet, e.g. in person only with nobody in reach, "
        "instead of stopping",
    )
    p.add_argument("-o", "--output", help="write the groups to this file (.csv or .json)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _pairs(values: list[str], flag: str, exact: int | None) -> list[tuple[str, ...]] | str:
    out: list[tuple[str, ...]] = []
    for v in values:
        ids = tuple(x.strip() for x in v.split(",") if x.strip())
        if (exact is not None and len(ids) != exact) or len(ids) < 2:
            want = "two teacher ids" if exact == 2 else "at least two teacher ids"
            return f"{flag} {v!r}: expected {want} separated by a comma"
        out.append(ids)
    return out


def _history_pairs(path: str, known: set[str], together: Sequence[tuple[str, ...]]) -> list[tuple[str, ...]] | str:
    """The pairs of a groupmate history file whose teachers are both in the cohort and not
    kept together; an error message for an unreadable file or one without the columns."""
    import csv

    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        return f"--history {path!r}: cannot read it ({exc})"
    if rows and not {"teacher_a", "teacher_b"} <= set(rows[0]):
        return f"--history {path!r}: expected the columns round_name,teacher_a,teacher_b"
    kept = [set(k) for k in together]
    pairs = {tuple(sorted((r["teacher_a"].strip(), r["teacher_b"].strip()))) for r in rows if r.get("teacher_a") and r.get("teacher_b")}
    return [p for p in sorted(pairs) if p[0] != p[1] and set(p) <= known and not any(set(p) <= k for k in kept)]


class _Bar:
    """A one-line progress bar on stderr: ``[#####-----]  50%  best 12.345``."""

    def __init__(self, enabled: bool, width: int = 30) -> None:
        self.enabled = enabled
        self.width = width
        self.last = 0.0

    def __call__(self, fraction: float, state: SearchState | None) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self.last < 0.1 and fraction < 1.0):
            return
        self.last = now
        done = int(round(self.width * min(max(fraction, 0.0), 1.0)))
        best = f"  best {state.objective:.3f}" if state is not None else ""
        sys.stderr.write(f"\r[{'#' * done}{'-' * (self.width - done)}] {100 * min(fraction, 1.0):3.0f}%{best}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()


def run(args: argparse.Namespace) -> int:
    from ..cohorts.problem import parse_size_range
    from ..errors import MatcherError
    from .common import cohort_or_exit, fail

    try:
        size = parse_size_range(args.size)
    except ValueError as exc:
        return fail(str(exc))
    if args.seconds <= 0:
        return fail(f"--seconds must be > 0, got {args.seconds}")
    fairness = args.fairness if args.fairness is not None else (0.5 if args.fair else DEFAULTS.fairness)
    if not 0.0 <= fairness <= 1.0:
        return fail(f"--fairness must be between 0 and 1, got {fairness}")
    if args.coverage < 0:
        return fail(f"--coverage must be >= 0, got {args.coverage}")
    apart = _pairs(args.keep_apart, "--keep-apart", 2)
    if isinstance(apart, str):
        return fail(apart)
    together = _pairs(args.keep_together, "--keep-together", None)
    if isinstance(together, str):
        return fail(together)
    if args.output and not args.output.endswith((".csv", ".json")):
        return fail(f"--output must end in .csv or .json, got {args.output!r}")
    cohort = cohort_or_exit(args.file)
    if isinstance(cohort, int):
        return cohort
    known = set(cohort.ids)
    for ids in list(apart) + list(together):
        unknown = [t for t in ids if t not in known]
        if unknown:
            return fail(f"unknown teacher id {unknown[0]!r} (not in {args.file})")
    if args.history:
        history = _history_pairs(args.history, known, together)
        if isinstance(history, str):
            return fail(history)
        apart = [*apart, *history]
    from ..cohorts.groups import form_groups

    bar = _Bar(enabled=not args.quiet)
    try:
        result = form_groups(
            cohort,
            size=size,
            groups=args.groups,
            seconds=args.seconds,
            seed=args.seed,
            fairness=fairness,
            coverage=args.coverage,
            keep_apart=[(a, b) for a, b in apart],  # _pairs checked: exactly two ids each
            keep_together=together,
            avoid_previous=not args.allow_previous,
            allow_same_school=args.allow_same_school,
            common_slot=args.common_slot,
            progress=bar,
            unplaceable="skip" if args.leave_out else "raise",
        )
    except (MatcherError, ValueError) as exc:
        bar.close()
        hint = "" if args.leave_out or "may share a group with only" not in str(exc) else (
            " (--leave-out forms the groups without such teachers and names them)")
        return fail(f"cannot form groups: {exc}{hint}")
    bar(1.0, None)
    bar.close()
    if args.output:
        from ..cohorts.group_csv import result_rows, write_group_csv

        text = result.to_json() if args.output.endswith(".json") else write_group_csv(result_rows(result, cohort))
        with open(args.output, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    if args.json:
        print(result.to_json())
    else:
        print(format_result(result, cohort))
        if args.output:
            print(f"\nwritten to {args.output}")
    return 0


def _covered(theme: str, helpers: Sequence[str], holders: Sequence[str], short: Mapping[str, str], shared: Collection[str] = ()) -> str:
    """``James's strength in curriculum design meets Amy's challenge``; a helper in ``shared``
    meets it by shared experience (``Sam's experience of professional isolation ...``)."""
    from ..profiles.phrases import join_phrases, possessive, theme_phrase

    by_strength = [x for x in helpers if x not in shared]
    by_experience = [x for x in helpers if x in shared]
    parts = []
    if by_strength:
        strengths = "strengths" if len(by_strength) > 1 else "strength"
        parts.append(f"{join_phrases([possessive(short[x]) for x in by_strength])} {strengths} in {theme_phrase([theme])}")
    if by_experience:
        parts.append(f"{join_phrases([possessive(short[x]) for x in by_experience])} experience of {theme_phrase([theme])}")
    head = " and ".join(parts)
    if not holders:
        return head
    meets = "meet" if len(helpers) > 1 else "meets"
    challenges = "challenges" if len(holders) > 1 else "challenge"
    return f"{head} {meets} {join_phrases([possessive(short[x]) for x in holders])} {challenges}"


def format_result(result: CohortResult, cohort: Cohort | None = None) -> str:
    """The groups and figures as text for a terminal (``cohort``, when given, says whose
    challenges the covered ones are)."""
    from ..profiles.phrases import short_names
    from ..profiles.themes import THEMES

    lines = []
    for g in result.groups:
        flag = " (locked)" if g.locked else ""
        lines.append(f"Group {g.id}{flag}: {g.size} teachers, score {g.score:.3f}, mean pair affinity {g.mean_affinity:.3f}")
        names = dict(zip(g.members, g.names))
        short = dict(zip(g.members, short_names(list(g.names))))
        for t in g.members:
            mark = "  <- worst off" if t == g.worst_off else ""
            lines.append(f"  - {names[t]} ({t}): {g.member_affinity.get(t, 0.0):.3f}{mark}")
        if g.coverage:
            covered = "; ".join(
                _covered(c, who, [t for t in g.members if cohort is not None and t in cohort.index and c in cohort.get(t).challenges], short,
                         g.coverage_experience.get(c, ()))
                for c, who in g.coverage.items()
            )
            lines.append(f"  Challenges covered: {covered}")
        for label, themes in (("Not covered in the group", g.uncovered), ("Nobody within reach could cover", g.uncoverable)):
            if themes:
                shown = [THEMES[c].label for c in themes[:4]]
                more = f" and {len(themes) - 4} more" if len(themes) > 4 else ""
                lines.append(f"  {label}: {', '.join(shown)}{more}")
        for reason in g.reasons:
            lines.append(f"  * {reason}")
        lines.append("")
    f = result.figures
    lines.append(f"{f.teachers} teachers in {f.groups} groups ({f.seconds:.1f} s, seed {f.seed})")
    lines.append(f"  total affinity      {f.objective:.3f}")
    if f.upper_bound is not None and f.gap is not None:  # (a bound always comes with its gap)
        lines.append(f"  upper bound         {f.upper_bound:.3f} (relaxation; the best grouping is at most {100 * f.gap:.0f}% higher)")
    lines.append(f"  mean / min teacher  {f.mean_affinity:.3f} / {f.min_affinity:.3f}")
    lines.append(f"  challenges covered  {100 * f.coverage_share:.0f}%")
    if f.coverage_of_coverable is not None:
        lines.append(
            f"    of the coverable  {100 * f.coverage_of_coverable:.0f}% (by a strength {100 * (f.coverage_by_strength or 0):.0f}%, "
            f"by shared experience {100 * (f.coverage_by_experience or 0):.0f}% of all; {f.uncoverable} nobody within reach could cover)"
        )
    lines.append(f"  isolated teachers   {f.isolated_placed} of {f.isolated} placed with a groupmate within their travel limit")
    lines.append(f"  mean distance       {f.mean_travel_km:.1f} km between groupmates")
    lines.append(f"  hard constraints    {f.constraints} (pairs kept apart, keep-together sets, locked groups)")
    if f.common_slot:
        lines.append(f"  common free slot    {f.slot_groups} of {f.groups} groups share one (common-slot rule)")
        for v in result.broken_rules():
            if v.kind == "slot":
                lines.append(f"    {v}")
    if result.unplaced:
        left_out = ", ".join(result.unplaced[:10]) + (f" and {len(result.unplaced) - 10} more" if len(result.unplaced) > 10 else "")
        lines.append(f"  left out            {len(result.unplaced)}: {left_out} (too few others can meet them)")
    return "\n".join(lines)
