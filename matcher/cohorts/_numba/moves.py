"""Basic state of the dense kernels: the gain matrix, objective, group sizes, moves and swaps
(O(1) deltas, O(n) updates) and the group member lists (see :mod:`matcher.cohorts._numba`)."""

from __future__ import annotations

import numpy as np
from numba import njit

from .options import _OPTS


@njit(**_OPTS)
def gain_matrix(D, p, m):
    """``Gt[g, j]`` = sum of ``D[i, j]`` over the elements ``i`` of group ``g``."""
    n = D.shape[0]
    Gt = np.zeros((m, n))
    for i in range(n):
        g = p[i]
        if g < 0:
            continue
        row = D[i]
        acc = Gt[g]
        for j in range(n):
            acc[j] += row[j]
    return Gt


@njit(**_OPTS)
def objective(Gt, p):
    """Total within-group weight of ``p`` from its gain matrix."""
    total = 0.0
    for j in range(p.shape[0]):
        total += Gt[p[j], j]
    return 0.5 * total


@njit(**_OPTS)
def group_sizes(p, wt, m):
    sizes = np.zeros(m, dtype=np.int64)
    for i in range(p.shape[0]):
        sizes[p[i]] += wt[i]
    return sizes


@njit(**_OPTS)
def apply_move(D, Gt, p, sizes, wt, v, b):
    """Move element ``v`` to group ``b``, keeping ``Gt`` and ``sizes`` exact."""
    a = p[v]
    row = D[v]
    ga = Gt[a]
    gb = Gt[b]
    for j in range(row.shape[0]):
        x = row[j]
        ga[j] -= x
        gb[j] += x
    sizes[a] -= wt[v]
    sizes[b] += wt[v]
    p[v] = b


@njit(**_OPTS)
def apply_swap(D, Gt, p, sizes, wt, x, y):
    """Exchange the groups of ``x`` and ``y``."""
    a = p[x]
    b = p[y]
    rx = D[x]
    ry = D[y]
    ga = Gt[a]
    gb = Gt[b]
    for j in range(rx.shape[0]):
        d = ry[j] - rx[j]
        ga[j] += d
        gb[j] -= d
    sizes[a] += wt[y] - wt[x]
    sizes[b] += wt[x] - wt[y]
    p[x] = b
    p[y] = a


@njit(**_OPTS)
def swap_fits(sizes, wt, lo, hi, a, b, x, y):
    if wt[x] == wt[y]:
        return True
    sa = sizes[a] - wt[x] + wt[y]
    sb = sizes[b] - wt[y] + wt[x]
    return lo[a] <= sa <= hi[a] and lo[b] <= sb <= hi[b]


# --------------------------------------------------------------------------- local search


@njit(**_OPTS)
def member_slots(p, wt, hi, m):
    """Group member lists in one flat array: group ``g`` holds ``mem[start[g]:start[g] + cnt[g]]``
    (room for ``hi[g]`` elements); ``pos[v]`` is the slot of ``v``."""
    n = p.shape[0]
    extra = 0  # weightless anchors take a slot without counting towards the size
    for v in range(n):
        if wt[v] == 0:
            extra += 1
    start = np.zeros(m + 1, dtype=np.int64)
    for g in range(m):
        start[g + 1] = start[g] + min(hi[g] + extra, n) + 1  # +1: a swap done as two moves overfills briefly
    mem = np.empty(start[m], dtype=np.int64)
    cnt = np.zeros(m, dtype=np.int64)
    pos = np.empty(n, dtype=np.int64)
    for v in range(n):
        g = p[v]
        k = start[g] + cnt[g]
        mem[k] = v
        pos[v] = k
        cnt[g] += 1
    return start, mem, cnt, pos


@njit(**_OPTS)
def slot_move(start, mem, cnt, pos, v, a, b):
    """Move ``v`` from group ``a``'s member list to group ``b``'s (see :func:`member_slots`)."""
    q = pos[v]
    last = mem[start[a] + cnt[a] - 1]
    mem[q] = last
    pos[last] = q
    cnt[a] -= 1
    q = start[b] + cnt[b]
    mem[q] = v
    pos[v] = q
    cnt[b] += 1
