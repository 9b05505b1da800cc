"""Three rounds of a programme year in a row: does rotation keep groupmates from repeating,
and what does the year add?

    .venv/bin/python benchmarks/rounds.py                       # 1,000 teachers, 3 rounds, 10 s each
    .venv/bin/python benchmarks/rounds.py --sample --seconds 10         # the 300 sample teachers

Each round groups the same ``generate_teachers(n, seed=...)`` cohort as a service round's
run does (:func:`matcher.cohorts.form_groups` with the service's defaults: sizes 4-6,
``matcher.cohorts.DEFAULTS`` coverage and fairness), keeping apart the groupmates of the
last ``--rotation`` published rounds through :func:`matcher.programme.rotation_keep_apart`
with the service's exemption, and discouraging the exempt pairs (``discourage=``: a penalty
in the search, not a rule; ``service.services.rounds.round_params`` does the same). Per
round it prints:

- ``kept apart``: the earlier groupmate pairs rotation handed to the solver as a rule;
- ``repeated``: pairs who were groupmates in an earlier round of the run, ``ruled``:
  those of them rotation keeps apart, neither teacher meeting in person only (goal 0), and
  ``no reach``: those whose group explains the repeat by a member who meets in person only
  with no other group within reach (the rest: the search found no way round in its time);
- ``mean aff``: mean over teachers of their mean affinity to their groupmates (0-1 scale),
  beside ``random``, what groups drawn at random would score (``CohortFigures.random_affinity``);
- ``covered``: share of all (teacher, challenge) pairs a groupmate covers this round (by a
  strength or shared experience, :func:`matcher.profiles.circumstances.cover_way`), and
  ``year``: covered in at least one round so far;
- ``s``: wall time of the round's ``form_groups`` call;
- ``discour.``: earlier pairs rotation only discourages: the service does not keep apart a
  pair with a teacher who meets in person only (within their travel limits a local cluster
  split into groups in one round cannot be split again without a repeat), it makes the
  search avoid them wherever the travel rules allow (``--no-discourage``: the old
  behaviour, those pairs neither kept apart nor discouraged). ``--strict`` keeps every pair
  apart; a round that cannot then be grouped says so and the run stops.

The machine's load average is printed: on a shared machine a search gets less CPU than its
time limit suggests.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence


def covered_pairs(cohort, groups: Sequence[Sequence[str]]) -> set[tuple[str, str]]:
    """(teacher, challenge) pairs a groupmate covers, by the library's one cover rule."""
    from matcher.profiles.circumstances import cover_way

    by_id = {p.id: p for p in cohort.profiles}
    out: set[tuple[str, str]] = set()
    for group in groups:
        members = [by_id[t] for t in group]
        for holder in members:
            for theme in holder.challenges:
                if any(cover_way(q, holder, theme) for q in members):
                    out.add((holder.id, theme))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teachers", type=int, default=1000, help="generated teachers (default: %(default)s)")
    parser.add_argument("--sample", action="store_true", help="the 300 sample teachers (data/samples/teachers.csv) instead")
    parser.add_argument("--rounds", type=int, default=3, help="rounds in a row (default: %(default)s)")
    parser.add_argument("--rotation", type=int, default=2, help="published rounds kept apart, as PEERMATCH_ROTATION_ROUNDS (default: %(default)s)")
    parser.add_argument("--seconds", type=float, default=10.0, help="time limit per round, as PEERMATCH_COHORT_DEFAULT_SECONDS (default: %(default)s)")
    parser.add_argument("--strict", action="store_true", help="keep apart every earlier pair, in-person-only teachers' too (not the service's rule)")
    parser.add_argument("--no-discourage", action="store_true", help="do not discourage the exempt pairs (the behaviour before discourage=)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated teachers; round r searches with seed + r (default: %(default)s)")
    args = parser.parse_args(argv)

    from matcher.cohorts import DEFAULTS, form_groups
    from matcher.errors import InfeasibleError
    from matcher.profiles.teacher import Cohort
    from matcher.programme import groupmate_pairs, rotation_keep_apart
    from matcher.samples.generate import generate_teachers

    from pathlib import Path

    from matcher.profiles.io import load_cohort

    sample = Path(__file__).resolve().parent.parent / "data" / "samples" / "teachers.csv"
    cohort = load_cohort(str(sample)) if args.sample else Cohort.from_profiles(generate_teachers(args.teachers, seed=args.seed))
    all_pairs = {(p.id, c) for p in cohort.profiles for c in p.challenges}
    exempt = set() if args.strict else {p.id for p in cohort.profiles if p.meeting_mode == "in_person"}
    form_groups(Cohort.from_profiles(generate_teachers(60, seed=args.seed)), seconds=0.5, unplaceable="skip")  # compile the kernels
    who = f"{len(cohort.ids)} sample teachers" if args.sample else f"{args.teachers} generated teachers (seed {args.seed})"
    print(f"{who}, {len(exempt)} meet in person only{'' if args.no_discourage else ' (their earlier pairs discouraged)'}, {len(all_pairs)} (teacher, challenge) pairs; "
          f"{args.rounds} rounds of {args.seconds:g} s, rotation over the last {args.rotation} rounds")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    print(f"{'round':>5} {'groups':>6} {'kept apart':>10} {'repeated':>8} {'ruled':>6} {'no reach':>8} {'mean aff':>8} {'random':>6} {'covered':>7} {'year':>6} {'s':>6} {'discour.':>8}")
    history: list[tuple[str, frozenset[tuple[str, str]]]] = []  # most recent first, as the service reads it
    earlier: set[tuple[str, str]] = set()
    year: set[tuple[str, str]] = set()
    for r in range(1, args.rounds + 1):
        rotation = rotation_keep_apart(history, cohort.ids, rounds=args.rotation, exempt=exempt)
        start = time.perf_counter()
        try:
            result = form_groups(cohort, size=(4, 6), seconds=args.seconds, seed=args.seed + r, fairness=DEFAULTS.fairness,
                                 coverage=DEFAULTS.coverage, keep_apart=rotation.keep_apart,
                                 discourage=() if args.no_discourage else rotation.discourage)
        except InfeasibleError as exc:  # the service's run fails the same way
            print(f"{r:>5} failed after {time.perf_counter() - start:.1f} s with {len(rotation.keep_apart)} pairs kept apart: {exc}")
            break
        seconds = time.perf_counter() - start
        groups = [g.members for g in result.groups]
        pairs = groupmate_pairs(groups)
        repeated = pairs & earlier
        ruled = sum(1 for a, b in repeated if a not in exempt and b not in exempt)  # pairs rotation keeps apart: goal 0
        stuck = sum(1 for g in result.groups for reason in g.reasons
                    if "were groupmates in a recent round" in reason and "no other group is within reach" in reason)
        covered = covered_pairs(cohort, groups)
        year |= covered
        f = result.figures
        print(
            f"{r:>5} {len(groups):>6} {len(rotation.keep_apart):>10} {len(repeated):>8} {ruled:>6} {stuck:>8} {f.mean_affinity:>8.3f} {f.random_affinity or 0:>6.3f} "
            f"{len(covered) / len(all_pairs):>7.1%} {len(year) / len(all_pairs):>6.1%} {seconds:>6.1f} {len(rotation.discourage):>8}",
            flush=True,
        )
        history.insert(0, (f"round {r}", pairs))
        earlier |= pairs
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
