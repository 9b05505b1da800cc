"""Shared fixtures for the cohort engine tests: small problems and a small real cohort."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from matcher.cohorts.problem import GroupingProblem

MDGP_DIR = Path(__file__).resolve().parents[4] / "shared" / "bench" / "mdgp"
SAMPLES = Path(__file__).resolve().parents[3] / "data" / "samples" / "teachers.csv"


def random_weights(n: int, seed: int, low: float = 0.0, high: float = 10.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    w = np.triu(rng.uniform(low, high, (n, n)), 1)
    return w + w.T


def brute_force(problem: GroupingProblem) -> tuple[float, np.ndarray | None]:
    """Best feasible assignment by enumerating every labelled grouping (tiny problems only)."""
    best, arg = -np.inf, None
    for labels in itertools.product(range(problem.m), repeat=problem.n):
        a = np.array(labels)
        if problem.violations(a):
            continue
        f = problem.objective(a)
        if f > best + 1e-9:
            best, arg = f, a
    return best, arg


@pytest.fixture(scope="session")
def sample_cohort():
    from matcher.profiles.io import load_cohort

    return load_cohort(SAMPLES)


@pytest.fixture(scope="session")
def small_cohort(sample_cohort):
    """40 teachers of the sample file who can all meet online (so groups are always possible)."""
    ids = [p.id for p in sample_cohort.profiles if p.meeting_mode != "in_person"][:40]
    return sample_cohort.subset(ids)
