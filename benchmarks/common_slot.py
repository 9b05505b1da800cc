"""The common free slot rule: how many groups can meet, and what it costs in affinity.

    .venv/bin/python benchmarks/common_slot.py                 # sample, 1,000 and 10,000 teachers
    .venv/bin/python benchmarks/common_slot.py --skip-10k

For each cohort, ``form_groups`` runs with and without ``common_slot=True`` (same seed, the
time limits of ``benchmarks/cohorts_scale.py``: 5 s for 1,000, 50 s for 10,000 on the sparse
path; 10 s, the service's default, for the 300-teacher sample). Reported:

- groups sharing a slot: groups whose members (those who listed availability) share at
  least one free slot; groups where nobody listed any are counted apart;
- members who can attend: members whose availability includes their group's meeting slot,
  the first shared slot (the one the service proposes dates on); for a group that shares
  none, the slot most of its members list (the service proposes no dates then, so this is
  the best such a group could do). Members who listed no availability are unknown,
  reported apart and left out of the share;
- the cost: mean affinity (each member's mean affinity to their groupmates, 0-1, averaged)
  and the worst-off member's, and the wall time (affinity included).

The sample is ``data/samples/teachers.csv``; larger cohorts are simulated
(``matcher.samples.generate_teachers``) at real London schools.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def attendance(result, cohort) -> tuple[int, int, int, int, int, int]:
    """``(groups sharing, groups, groups nobody listed, members who can attend, members who listed, members unknown)``."""
    from matcher.cohorts.group_csv import shared_slots

    sharing = unknown_groups = can = listed = unknown = 0
    for g in result.groups:
        slots = [cohort.get(t).availability for t in g.members]
        said = [s for s in slots if s]
        unknown += len(slots) - len(said)
        if not said:
            unknown_groups += 1
            continue
        shared = shared_slots(slots)
        sharing += bool(shared)
        meeting = shared[0] if shared else Counter(x for s in said for x in set(s)).most_common(1)[0][0]
        can += sum(1 for s in said if meeting in s)
        listed += len(said)
    return sharing, len(result.groups), unknown_groups, can, listed, unknown


def run(label: str, cohort, seconds: float, seed: int) -> None:
    from matcher.cohorts.groups import form_groups

    print(f"\n## {label}: {len(cohort):,} teachers, groups of 4-6, {seconds:g} s")
    print(f"{'common_slot':<12}{'groups sharing':>16}{'members can attend':>20}{'unknown':>9}{'mean aff':>10}{'worst-off':>10}{'wall s':>8}")
    for on in (False, True):
        t = time.perf_counter()
        r = form_groups(cohort, size=(4, 6), seconds=seconds, seed=seed, unplaceable="skip", common_slot=on)
        wall = time.perf_counter() - t
        sharing, groups, nobody, can, listed, unknown = attendance(r, cohort)
        share = f"{sharing}/{groups - nobody} {100 * sharing / max(groups - nobody, 1):.1f}%"
        attend = f"{can}/{listed} {100 * can / max(listed, 1):.1f}%"
        f = r.figures
        print(f"{'on' if on else 'off':<12}{share:>16}{attend:>20}{unknown:>9}{f.mean_affinity:>10.3f}{f.min_affinity:>10.3f}{wall:>8.1f}")
        if nobody:
            print(f"  ({nobody} groups where nobody listed availability)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sample-seconds", type=float, default=10.0)
    ap.add_argument("--seconds", type=float, default=5.0, help="1,000 teachers (default 5, as cohorts_scale.py)")
    ap.add_argument("--sparse-seconds", type=float, default=50.0, help="10,000 teachers (default 50, as cohorts_scale.py)")
    ap.add_argument("--skip-10k", action="store_true")
    args = ap.parse_args()

    from matcher.cohorts.groups import form_groups
    from matcher.profiles.io import load_cohort
    from matcher.profiles.teacher import Cohort
    from matcher.samples.generate import generate_teachers

    form_groups(Cohort.from_profiles(generate_teachers(60, seed=1)), size=(4, 6), seconds=0.5, unplaceable="skip")  # load the kernels
    run("Sample (data/samples/teachers.csv)", load_cohort(ROOT / "data" / "samples" / "teachers.csv"), args.sample_seconds, args.seed)
    run("Simulated", Cohort.from_profiles(generate_teachers(1000, seed=args.seed)), args.seconds, args.seed)
    if not args.skip_10k:
        run("Simulated", Cohort.from_profiles(generate_teachers(10_000, seed=args.seed)), args.sparse_seconds, args.seed)


if __name__ == "__main__":
    main()
