"""How good are the practice-example recommendations? Compare with two simple baselines.

For every sample teacher (``data/samples/teachers.csv``) each method picks ``k`` examples
from the catalogue (never one the teacher wrote). We measure, averaged over teachers:

- ``challenges``: share of the teacher's challenges that at least one listed example addresses
- ``all covered``: share of teachers whose challenges are *all* addressed
- ``interests``: the same share for interests
- ``themes``: distinct themes in the list; ``max same``: most examples sharing one theme
- ``groups``: distinct theme groups (of 6) in the list
- ``key stage``: share of listed examples written for a key stage the teacher teaches
- ``context``: mean context fit (0.5 = suits any school, 1 = written for exactly this context)
- ``text cos``: mean TF-IDF cosine between the teacher's ``about`` and the listed examples

Methods: ``ours`` (:func:`matcher.practice.recommend_for_teacher`), three ablations of it
(plain score order without coverage decay, MMR or challenges-first; no challenges-first
rule; no free-text term),
``theme overlap`` (rank by the number of example themes among the teacher's challenges
and interests) and ``TF-IDF only`` (rank by the cosine between ``about`` and the example).
Both baselines break ties with the same seeded random order as ours.

A second table does the same for peer groups: random groups of 4 (seeded), measuring the
share of *shared* challenges (held by 2+ members) and of all members' challenges that the
group's list addresses, the share of listed examples in which one member's strength meets
another member's challenge (``member can lead``) or that touch any member's strength.

Run: ``.venv/bin/python benchmarks/practice_quality.py [--teachers FILE] [-k 5] [--seed 0]``
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

from matcher.practice.catalogue import context_fit, load_catalogue, teacher_contexts
from matcher.profiles.io import load_cohort
from matcher.practice.recommend import PracticeWeights, recommend_for_group, recommend_for_teacher, text_similarity
from matcher.profiles.themes import THEMES

ROOT = Path(__file__).resolve().parents[1]


def baseline(scores: np.ndarray, allowed: np.ndarray, k: int, seed: int) -> list[int]:
    """Top ``k`` allowed columns by score, exact ties broken by a seeded random order."""
    tie = np.random.default_rng(seed).random(len(scores))
    order = np.lexsort((-tie, -scores))  # last key is primary
    return [int(i) for i in order if allowed[i]][:k]


def metrics(profile, picks, contexts, sim_row, columns_of) -> dict[str, float]:
    themes = [t for e in picks for t in e.themes]
    covered = set(themes)
    count = Counter(themes)
    ch, it = set(profile.challenges), set(profile.interests)
    return {
        "challenges": len(ch & covered) / len(ch) if ch else np.nan,
        "all covered": float(ch <= covered) if ch else np.nan,
        "interests": len(it & covered) / len(it) if it else np.nan,
        "themes": len(covered),
        "max same": max(count.values()),
        "groups": len({THEMES[t].group for t in covered}),
        "key stage": np.mean([bool(set(profile.key_stages) & set(e.key_stages)) for e in picks]),
        "context": np.mean([context_fit(e, contexts) for e in picks]),
        "text cos": np.mean([sim_row[columns_of[e.id]] for e in picks]),
    }


def teacher_table(cohort, catalogue, k: int, seed: int) -> dict[str, dict[str, float]]:
    examples = catalogue.examples
    columns_of = {e.id: i for i, e in enumerate(examples)}
    sims = text_similarity([p.about for p in cohort], catalogue)
    default = PracticeWeights()
    variants = {
        "ours": default,
        "ours, score order only": replace(default, diversity=0.0, covered_decay=1.0, challenges_first=False),
        "ours, no challenges-first": replace(default, challenges_first=False),
        "ours, no free text": replace(default, text=0.0),
    }
    rows: dict[str, list[dict[str, float]]] = {name: [] for name in [*variants, "theme overlap", "TF-IDF only"]}
    timing = {}
    for name, weights in variants.items():
        start = time.perf_counter()
        for row, p in enumerate(cohort):
            contexts = teacher_contexts(p, cohort.schools[p.school_urn])
            recs = recommend_for_teacher(p, k, catalogue=catalogue, cohort=cohort, weights=weights, seed=seed)
            rows[name].append(metrics(p, [r.example for r in recs], contexts, sims[row], columns_of))
        timing[name] = (time.perf_counter() - start) / len(cohort) * 1000
    for row, p in enumerate(cohort):
        contexts = teacher_contexts(p, cohort.schools[p.school_urn])
        allowed = np.array([e.author_teacher_id != p.id for e in examples])
        wanted = set(p.challenges) | set(p.interests)
        overlap = np.array([len(wanted.intersection(e.themes)) for e in examples], dtype=float)
        for name, scores in (("theme overlap", overlap), ("TF-IDF only", sims[row])):
            picks = [examples[i] for i in baseline(scores, allowed, k, seed)]
            rows[name].append(metrics(p, picks, contexts, sims[row], columns_of))
    table = {name: {m: float(np.nanmean([r[m] for r in values])) for m in values[0]} for name, values in rows.items()}
    for name, ms in timing.items():
        table[name]["ms/teacher"] = ms
    return table


def group_table(cohort, catalogue, k: int, seed: int, size: int = 4) -> dict[str, dict[str, float]]:
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(cohort))
    groups = [[cohort.profiles[i] for i in order[j : j + size]] for j in range(0, len(order) - size + 1, size)]
    examples = catalogue.examples
    sims = text_similarity([p.about for p in cohort], catalogue)
    rows: dict[str, list[dict[str, float]]] = {"ours": [], "theme overlap": [], "TF-IDF only": []}
    for members in groups:
        counts = Counter(t for p in members for t in set(p.challenges))
        shared = {t for t, c in counts.items() if c >= 2}
        every = set(counts)
        wanted = Counter(t for p in members for t in {*p.challenges, *p.interests})
        overlap = np.array([sum(wanted[t] for t in e.themes) for e in examples], dtype=float)
        text = sims[cohort.rows([p.id for p in members])].mean(axis=0)
        allowed = np.ones(len(examples), dtype=bool)
        picks = {
            "ours": [r.example for r in recommend_for_group(members, k, catalogue=catalogue, cohort=cohort, seed=seed)],
            "theme overlap": [examples[i] for i in baseline(overlap, allowed, k, seed)],
            "TF-IDF only": [examples[i] for i in baseline(text, allowed, k, seed)],
        }
        strengths = {t for p in members for t in p.strengths}
        # themes in which one member's strength meets another member's challenge
        leadable = {t for p in members for t in p.challenges if any(t in q.strengths for q in members if q is not p)}
        for name, chosen in picks.items():
            covered = {t for e in chosen for t in e.themes}
            rows[name].append(
                {
                    "shared challenges": len(shared & covered) / len(shared) if shared else np.nan,
                    "any challenge": len(every & covered) / len(every) if every else np.nan,
                    "member can lead": np.mean([bool(leadable & set(e.themes)) for e in chosen]),
                    "any strength": np.mean([bool(strengths & set(e.themes)) for e in chosen]),
                    "themes": len(covered),
                }
            )
    return {name: {m: float(np.nanmean([r[m] for r in values])) for m in values[0]} for name, values in rows.items()}


def print_table(title: str, table: dict[str, dict[str, float]]) -> None:
    columns = list(next(iter(table.values())))
    width = max(len(n) for n in table) + 2
    cells = [max(9, len(c) + 2) for c in columns]
    print(f"\n{title}")
    print(" " * width + "".join(f"{c:>{w}}" for c, w in zip(columns, cells)))
    for name, values in table.items():
        print(f"{name:<{width}}" + "".join(f"{values.get(c, np.nan):>{w}.3f}" for c, w in zip(columns, cells)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teachers", default=str(ROOT / "data" / "samples" / "teachers.csv"))
    parser.add_argument("-k", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    cohort = load_cohort(args.teachers)
    catalogue = load_catalogue()
    print(f"{len(cohort)} teachers, {len(catalogue)} practice examples, top-{args.k}, seed {args.seed}")
    print_table("Per teacher (mean over teachers)", teacher_table(cohort, catalogue, args.k, args.seed))
    print_table("Per group of 4 (random groups, mean over groups)", group_table(cohort, catalogue, args.k, args.seed))


if __name__ == "__main__":
    main()
