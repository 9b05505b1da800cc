"""Local search of the dense kernels: descent over moves and swaps (rescanning only the pairs
of groups whose gains changed), random perturbation and weakest-member ejection."""

from __future__ import annotations

import numpy as np
from numba import njit

from .options import _OPTS
from .moves import apply_move, apply_swap, gain_matrix, group_sizes, member_slots, slot_move, swap_fits
from .rng import randint, shuffle


@njit(**_OPTS)
def _mark(dirty, a, b):
    m = dirty.shape[0]
    for h in range(m):
        dirty[a, h] = True
        dirty[h, a] = True
        dirty[b, h] = True
        dirty[h, b] = True


@njit(**_OPTS)
def descent(D, Gt, p, sizes, wt, lo, hi, free, f, eps, rng):
    """First-improvement descent over moves and swaps, scanning pairs of groups and
    rescanning only the pairs whose gains changed since they were last found locally optimal."""
    n = D.shape[0]
    m = Gt.shape[0]
    start, mem, cnt, pos = member_slots(p, wt, hi, m)
    dirty = np.ones((m, m), dtype=np.bool_)
    order = np.arange(m)
    ys = np.empty(n, dtype=np.int64)
    wy = np.empty(n)
    again = True
    while again:
        again = False
        shuffle(order, rng)
        for ci in range(m):
            c = order[ci]
            for di in range(m):
                d = order[di]
                if d <= c or not dirty[c, d]:
                    continue
                dirty[c, d] = False
                dirty[d, c] = False
                # moves, both directions
                for side in range(2):
                    a = c if side == 0 else d
                    b = d if side == 0 else c
                    k = cnt[a] - 1
                    while k >= 0:
                        v = mem[start[a] + k]
                        k -= 1
                        if not free[v] or sizes[a] - wt[v] < lo[a] or sizes[b] + wt[v] > hi[b]:
                            continue
                        gain = Gt[b, v] - Gt[a, v]
                        if gain > eps:
                            apply_move(D, Gt, p, sizes, wt, v, b)
                            slot_move(start, mem, cnt, pos, v, a, b)
                            f += gain
                            again = True
                            _mark(dirty, a, b)
                # swaps: wy[l] = what y (in d) gains by going to c
                nd = 0
                for l in range(cnt[d]):
                    y = mem[start[d] + l]
                    if free[y]:
                        ys[nd] = y
                        wy[nd] = Gt[c, y] - Gt[d, y]
                        nd += 1
                for k in range(cnt[c]):
                    x = mem[start[c] + k]
                    if not free[x]:
                        continue
                    base = Gt[d, x] - Gt[c, x]
                    l = 0
                    while l < nd:
                        y = ys[l]
                        dl = base + wy[l] - 2.0 * D[x, y]
                        if dl > eps and swap_fits(sizes, wt, lo, hi, c, d, x, y):
                            apply_swap(D, Gt, p, sizes, wt, x, y)
                            sx = pos[x]
                            sy = pos[y]
                            mem[sx] = y
                            mem[sy] = x
                            pos[x] = sy
                            pos[y] = sx
                            f += dl
                            again = True
                            _mark(dirty, c, d)
                            # the slot of x now holds y, and x took y's place in d
                            ys[l] = x
                            for t in range(nd):
                                z = ys[t]
                                wy[t] = Gt[c, z] - Gt[d, z]
                            x = y
                            base = Gt[d, x] - Gt[c, x]
                        l += 1
    return f


@njit(**_OPTS)
def perturb(D, Gt, p, sizes, wt, lo, hi, free, strength, rng):
    """Apply ``strength`` random feasible moves or swaps among free elements."""
    n = D.shape[0]
    m = Gt.shape[0]
    done = 0
    tries = 0
    while done < strength and tries < 50 * (strength + 1):
        tries += 1
        x = randint(rng, n)
        if not free[x]:
            continue
        a = p[x]
        if randint(rng, n + 2 * m) < 2 * m:
            b = randint(rng, m)
            if b != a and sizes[a] - wt[x] >= lo[a] and sizes[b] + wt[x] <= hi[b]:
                apply_move(D, Gt, p, sizes, wt, x, b)
                done += 1
        else:
            y = randint(rng, n)
            b = p[y]
            if b != a and free[y] and swap_fits(sizes, wt, lo, hi, a, b, x, y):
                apply_swap(D, Gt, p, sizes, wt, x, y)
                done += 1


@njit(**_OPTS)
def eject_weakest(D, Gt, p, sizes, wt, lo, hi, free, rng):
    """Directed perturbation: take the least connected free member out of every group and
    put each back where its mean link to the members is highest, meeting the bounds."""
    n = D.shape[0]
    m = Gt.shape[0]
    out = np.empty(m, dtype=np.int64)
    k = 0
    for g in range(m):
        best = np.inf
        e = -1
        for j in range(n):
            if p[j] == g and free[j] and sizes[g] > wt[j]:
                if Gt[g, j] < best:
                    best = Gt[g, j]
                    e = j
        if e >= 0:
            out[k] = e
            k += 1
    if k == 0:
        return
    saved = p.copy()
    # take them out: Gt keeps only the remaining members
    for t in range(k):
        e = out[t]
        g = p[e]
        row = D[e]
        gg = Gt[g]
        for j in range(n):
            gg[j] -= row[j]
        sizes[g] -= wt[e]
        p[e] = -1
    order = out[:k].copy()
    shuffle(order, rng)
    remaining = 0
    for t in range(k):
        remaining += wt[order[t]]
    for t in range(k):
        e = order[t]
        need = 0
        for g in range(m):
            if sizes[g] < lo[g]:
                need += lo[g] - sizes[g]
        tight = need >= remaining
        best = -np.inf
        bg = -1
        for g in range(m):
            if sizes[g] + wt[e] > hi[g]:
                continue
            if tight and sizes[g] >= lo[g]:
                continue
            s = Gt[g, e] / max(sizes[g], 1)
            if s > best:
                best = s
                bg = g
        if bg < 0:  # weighted blocks that no longer fit: any group with room
            for g in range(m):
                if sizes[g] + wt[e] <= hi[g]:
                    bg = g
                    break
        if bg < 0:
            bg = saved[e]
        row = D[e]
        gg = Gt[bg]
        for j in range(n):
            gg[j] += row[j]
        sizes[bg] += wt[e]
        p[e] = bg
        remaining -= wt[e]
    for g in range(m):
        if sizes[g] < lo[g] or sizes[g] > hi[g]:
            # weighted blocks did not fit back within the bounds: undo
            p[:] = saved
            Gt[:, :] = gain_matrix(D, p, m)
            sizes[:] = group_sizes(p, wt, m)
            return
