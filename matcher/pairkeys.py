"""Pairs of rows as single int64 keys: ``i * n + j``.

Sorting one int64 key per pair is far faster than ``np.unique`` on millions of keys
(it hashes; ~100x slower on numpy 2.4) or ``np.unique(axis=0)`` on (k, 2) rows, so the
affinity graph and the grouping constraints dedupe pairs this way.

>>> sorted_unique(np.array([5, 1, 5, 3]))
array([1, 3, 5])
>>> unique_pairs(np.array([[2, 3], [0, 1], [2, 3]]), 4).tolist()
[[0, 1], [2, 3]]
"""

from __future__ import annotations

import numpy as np

__all__ = ["sorted_unique", "pairs_from_keys", "unique_pairs"]


def sorted_unique(keys: np.ndarray) -> np.ndarray:
    """The distinct values of an int64 array, sorted."""
    keys = np.sort(keys)
    if keys.size:
        keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])]
    return keys


def pairs_from_keys(keys: np.ndarray, n: int) -> np.ndarray:
    """Keys ``i * n + j`` back to a (k, 2) int64 array of pairs."""
    return np.column_stack([keys // n, keys % n]).astype(np.int64).reshape(-1, 2)


def unique_pairs(pairs: np.ndarray, n: int) -> np.ndarray:
    """The distinct rows of a (k, 2) array of pairs of rows below ``n``, sorted."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    return pairs_from_keys(sorted_unique(pairs[:, 0] * n + pairs[:, 1]), n)
