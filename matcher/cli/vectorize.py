"""``peermatch vectorize FILE -o OUT``: the feature matrix of a teacher file."""

from __future__ import annotations

import argparse

from .common import cohort_or_exit, fail

# numpy and matcher.affinity.vectorize (scikit-learn) load inside run().


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "vectorize",
        help="turn a teacher file into a feature matrix (.npz)",
        description="Vectorise teacher profiles into named feature blocks (context, school, key_stage, "
        "interests, challenges, strengths, text) and save them as a compressed sparse matrix.",
    )
    p.add_argument("file", help="teacher CSV or JSON file")
    p.add_argument("-o", "--output", required=True, help="where to write the matrix (.npz)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from ..affinity.vectorize import ProfileVectorizer

    if not args.output.endswith(".npz"):
        return fail(f"--output must end in .npz, got {args.output!r}")
    cohort = cohort_or_exit(args.file)
    if isinstance(cohort, int):
        return cohort
    vec = ProfileVectorizer().fit(cohort)
    X = vec.transform(cohort).tocsr()
    np.savez_compressed(
        args.output,
        data=X.data,
        indices=X.indices,
        indptr=X.indptr,
        shape=np.array(X.shape),
        ids=np.array(cohort.ids),
        feature_names=vec.get_feature_names_out().astype(str),
        blocks=np.array([f"{b}:{s.start}:{s.stop}" for b, s in vec.blocks_.items()]),
    )
    print(f"{X.shape[0]} teachers x {X.shape[1]} features ({X.nnz} non-zero) -> {args.output}")
    for name, s in vec.blocks_.items():
        print(f"  {name:<11} columns {s.start:>5}-{s.stop - 1:<5} ({s.stop - s.start})")
    return 0
