"""Random numbers inside the compiled kernels: a ``(1,)`` uint64 xorshift64* state, so runs
are reproducible whatever thread runs them and however the work is cut into chunks."""

from __future__ import annotations

import numpy as np
from numba import njit

from .options import _OPTS


# --------------------------------------------------------------------------- random numbers


@njit(**_OPTS)
def seed_state(seed):
    """A non-zero xorshift state from any integer seed (splitmix64)."""
    z = np.uint64(seed) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    if z == np.uint64(0):
        z = np.uint64(0x2545F4914F6CDD1D)
    state = np.empty(1, dtype=np.uint64)
    state[0] = z
    return state


@njit(**_OPTS)
def _next(rng):
    x = rng[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    rng[0] = x
    return x * np.uint64(2685821657736338717)


@njit(**_OPTS)
def randint(rng, k):
    """Uniform integer in ``[0, k)``."""
    return np.int64((_next(rng) >> np.uint64(16)) % np.uint64(k))


@njit(**_OPTS)
def random01(rng):
    """Uniform float in ``[0, 1)``."""
    return np.float64(_next(rng) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(**_OPTS)
def shuffle(a, rng):
    for i in range(a.shape[0] - 1, 0, -1):
        j = randint(rng, i + 1)
        t = a[i]
        a[i] = a[j]
        a[j] = t
