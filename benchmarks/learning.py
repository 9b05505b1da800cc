"""Learning affinity weights from check-ins: does it find hidden weights, and does it help?

    .venv/bin/python benchmarks/learning.py                       # 1,000 teachers, 10 s per grouping
    .venv/bin/python benchmarks/learning.py --teachers 300 --seconds 3

SIMULATED check-ins (:mod:`matcher.samples.check_ins`): true usefulness follows hidden
weights, answers add noise (sd 1 rating point), 15 % of meetings do not happen and 40 %
of members do not answer. Two scenarios, each three rounds:

- ``hidden``: the truth puts most weight on shared interests and practicality, unlike the
  defaults (which favour complementarity);
- ``default``: the truth *is* the default weights, so learning has nothing to find and
  must not make things worse.

Round 1 is formed with the default weights; round *r* > 1 with the weights learned from
every check-in so far when ``better`` (they beat the defaults on held-out groups), else
with the defaults. The last round's groupmates are kept apart (the service keeps every earlier groupmate apart).
After each round: cosine similarity of learned to true weights (over what each term counts
in a pair's score; 1 = same weighting), the cross-validated scores and ``better``.

Then round 3 is formed twice, with the weights in use and with the defaults (same seed, same
time limit), and each teacher's true usefulness (1-5, noise-free) is compared: the mean
difference with a 95 % t-interval over teachers (paired). It measures teacher-to-teacher
spread, not the search's own seed-to-seed spread, which ``--repeats`` shows.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import matcher  # noqa: E402
from matcher.learning import cosine_similarity  # noqa: E402
from matcher.samples.check_ins import simulate_check_ins, true_usefulness  # noqa: E402

DEFAULT = matcher.AffinityWeights()
HIDDEN = matcher.AffinityWeights(complementarity=0.1, interests=0.5, context=0.05, practicality=0.35, one_way=0.6)
MEETINGS = 3  # check-ins per group per round


def form(cohort, weights, *, seconds, seed, apart):
    try:
        result = matcher.form_groups(cohort, weights=weights, seconds=seconds, seed=seed, keep_apart=sorted(apart), unplaceable="skip")
    except matcher.InfeasibleError:  # small cohorts: the last round's groupmates cannot all be kept apart
        print("  (last round's groupmates could not all be kept apart in time: formed without keep-apart)")
        result = matcher.form_groups(cohort, weights=weights, seconds=seconds, seed=seed, unplaceable="skip")
    return [g.members for g in result.groups]


def mates(groups):
    return {tuple(sorted((a, b))) for g in groups for a in g for b in g if a < b}


def interval(diff):
    m = float(np.mean(diff))
    h = float(stats.t.ppf(0.975, len(diff) - 1) * np.std(diff, ddof=1) / math.sqrt(len(diff)))
    return m, m - h, m + h


def scenario(name, cohort, truth, *, seconds, seed):
    print(f"\n== truth: {name}  (cosine of defaults to truth {cosine_similarity(DEFAULT, truth):.3f})")
    print(f"{'round':>5} {'weights used':>12} {'answers':>8} {'groups':>6} {'cosine':>7} {'R2 learned':>10} {'R2 default':>10} {'margin':>8} {'better':>6} {'s':>5}")
    answers, apart, using, result = [], set(), DEFAULT, None
    for r in (1, 2, 3):
        t0 = time.perf_counter()
        groups = form(cohort, using, seconds=seconds, seed=seed + r, apart=apart)
        answers += simulate_check_ins(cohort, groups, truth, meetings=MEETINGS, label=f"round {r} ", seed=seed * 100 + r)
        result = matcher.learn_weights(cohort, answers, current=DEFAULT, seed=seed)
        used = "learned" if using is not DEFAULT else "default"
        print(
            f"{r:>5} {used:>12} {result.n_answers:>8} {result.n_groups:>6} {cosine_similarity(result.learned, truth):>7.3f} "
            f"{result.learned_score:>10.3f} {result.current_score:>10.3f} {result.margin:>+8.3f} {result.better!s:>6} {time.perf_counter() - t0:>5.1f}"
        )
        if r < 3:
            apart = mates(groups)
            using = result.chosen
            learned_after_2 = result.learned
        else:
            round3 = groups
    print(f"learned weights after round 3: {result.learned}")
    if using is DEFAULT:
        same = learned_after_2 == DEFAULT
        print(f"weights learned after round 2 were not applied (not better); they {'equal the defaults (the shrinkage chose them)' if same else 'differ from the defaults: ' + str(learned_after_2)}")
    return using, round3, apart, learned_after_2


def compare(cohort, truth, using, round3, *, seconds, seed, apart, repeats):
    """Round 3 with the weights in use vs with the defaults: paired true usefulness per teacher."""
    rows = []
    for k in range(repeats):
        learned_groups = round3 if k == 0 else form(cohort, using, seconds=seconds, seed=seed + 3 + 17 * k, apart=apart)
        default_groups = learned_groups if using is DEFAULT else form(cohort, DEFAULT, seconds=seconds, seed=seed + 3 + 17 * k, apart=apart)
        ids = [t for g in learned_groups for t in g]
        u_learned = dict(zip(ids, true_usefulness(cohort, learned_groups, truth)))
        ids = [t for g in default_groups for t in g]
        u_default = dict(zip(ids, true_usefulness(cohort, default_groups, truth)))
        common = sorted(set(u_learned) & set(u_default))
        diff = np.array([u_learned[t] - u_default[t] for t in common])
        m, lo, hi = interval(diff)
        rows.append(m)
        print(
            f"round 3 true usefulness (1-5, simulated): weights in use {np.mean([u_learned[t] for t in common]):.3f}, "
            f"defaults {np.mean([u_default[t] for t in common]):.3f}; difference {m:+.3f} (95 % CI {lo:+.3f} to {hi:+.3f}, n = {len(common)} teachers)"
            + ("" if using is not DEFAULT else "  [learned weights not applied: same groups]")
        )
    if repeats > 1:
        print(f"  over {repeats} search seeds: mean difference {np.mean(rows):+.3f}, spread (sd) {np.std(rows, ddof=1):.3f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--teachers", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0, help="time limit of each grouping")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=1, help="round-3 comparisons with different search seeds")
    parser.add_argument("--scenario", choices=("hidden", "default", "both"), default="both")
    args = parser.parse_args(argv)
    print(f"SIMULATED check-ins; {args.teachers} teachers (generate_teachers seed 1), {args.seconds:g} s per grouping, seed {args.seed}, load {os.getloadavg()[0]:.1f}")
    cohort = matcher.Cohort.from_profiles(matcher.generate_teachers(args.teachers, seed=1))
    t0 = time.perf_counter()
    scenarios = {"hidden": ("hidden weights unlike the defaults", HIDDEN), "default": ("the default weights", DEFAULT)}
    for key in ("hidden", "default") if args.scenario == "both" else (args.scenario,):
        name, truth = scenarios[key]
        using, round3, apart, learned_after_2 = scenario(name, cohort, truth, seconds=args.seconds, seed=args.seed)
        compare(cohort, truth, using, round3, seconds=args.seconds, seed=args.seed, apart=apart, repeats=args.repeats)
        if using is DEFAULT and learned_after_2 != DEFAULT:
            print("had the weights learned after round 2 been applied anyway:")
            anyway = form(cohort, learned_after_2, seconds=args.seconds, seed=args.seed + 3, apart=apart)
            compare(cohort, truth, learned_after_2, anyway, seconds=args.seconds, seed=args.seed, apart=apart, repeats=args.repeats)
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
