"""Sets and pairs of members: merged keep-together sets, pairs sharing a group, pair lookups."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["same_group_pairs"]


def _merge_sets(sets: Iterable[tuple[int, ...]]) -> tuple[tuple[int, ...], ...]:
    """Union of overlapping keep-together sets; sets of one member are dropped."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for s in sets:
        for x in s[1:]:
            parent[find(x)] = find(s[0])
        if s:
            find(s[0])
    groups: dict[int, list[int]] = {}
    for x in parent:
        groups.setdefault(find(x), []).append(x)
    return tuple(sorted(tuple(sorted(g)) for g in groups.values() if len(g) > 1))


def same_group_pairs(
    a: npt.NDArray[Any], members: npt.NDArray[np.intp]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Every pair ``(x, y)``, ``x`` in ``members``, ``y`` another member of its group
    (``a`` holds any labels: group numbers, school ids).

    >>> x, y = same_group_pairs(np.array([7, 3, 7, 7]), np.array([0, 1]))
    >>> list(zip(x.tolist(), y.tolist()))
    [(0, 2), (0, 3)]
    """
    order = np.argsort(a, kind="stable")
    first = np.searchsorted(a[order], a[members], side="left")
    count = np.searchsorted(a[order], a[members], side="right") - first
    x = np.repeat(members, count)
    y = order[np.repeat(first, count) + np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)]
    keep = x != y
    return x[keep], y[keep]


def _pair_lookup(pairs: npt.NDArray[np.integer[Any]]) -> Callable[[int, int], bool]:
    keys = np.sort(pairs[:, 0].astype(np.int64) * (1 << 32) + pairs[:, 1]) if len(pairs) else np.zeros(0, np.int64)

    def bad(i: int, j: int) -> bool:
        key = min(i, j) * (1 << 32) + max(i, j)
        k = np.searchsorted(keys, key)
        return bool(k < len(keys) and keys[k] == key)

    return bad
