"""Fairness kernels: members' mean links, the smooth-minimum objective and its hill climb
(used by :func:`matcher.cohorts.fairness.fair_improve`)."""

from __future__ import annotations

import numpy as np
from numba import njit

from .options import _OPTS
from .moves import apply_move, apply_swap, member_slots, objective, slot_move, swap_fits
from .rng import shuffle


# --------------------------------------------------------------------------- fairness


@njit(**_OPTS)
def _member_score(Gt, sizes, wt, g, k):
    """Mean link of unit ``k`` (in group ``g``) to the rest of its group."""
    rest = sizes[g] - wt[k]
    return Gt[g, k] / rest if rest > 0 else 0.0


@njit(**_OPTS)
def _soft_term(u, shift, tau):
    z = (shift - u) / tau
    return np.exp(min(z, 700.0))


@njit(**_OPTS)
def fair_value(Gt, p, sizes, wt, lam, t0, u0, tau):
    """``(1 - lam) * T / t0 + lam * softmin(u) / u0``: total weight ``T`` against the
    smooth minimum (temperature ``tau``) of the members' mean links ``u``."""
    n = p.shape[0]
    total = 0.0
    count = 0
    shift = np.inf
    for v in range(n):
        total += Gt[p[v], v]
        if wt[v] > 0:
            u = _member_score(Gt, sizes, wt, p[v], v)
            if u < shift:
                shift = u
            count += 1
    total *= 0.5
    if count == 0:
        return (1.0 - lam) * total / t0
    s = 0.0
    for v in range(n):
        if wt[v] > 0:
            s += _soft_term(_member_score(Gt, sizes, wt, p[v], v), shift, tau)
    smin = shift - tau * np.log(s / count)
    return (1.0 - lam) * total / t0 + lam * smin / u0


@njit(**_OPTS)
def fair_climb(D, Gt, p, sizes, wt, lo, hi, free, lam, t0, u0, tau, eps, rng, max_passes):
    """First-improvement hill climbing over moves and swaps on :func:`fair_value`.
    Each candidate is scored exactly by re-scoring the members of the two groups it
    touches. Returns the final value."""
    n = D.shape[0]
    m = Gt.shape[0]
    start, mem, cnt, pos = member_slots(p, wt, hi, m)
    count = 0
    for v in range(n):
        if wt[v] > 0:
            count += 1
    if count == 0:
        return fair_value(Gt, p, sizes, wt, lam, t0, u0, tau)
    order = np.arange(n)
    passes = 0
    improved = True
    while improved and passes < max_passes:
        improved = False
        passes += 1
        # the state of the sum of soft terms (shift = current minimum)
        total = objective(Gt, p)
        shift = np.inf
        for v in range(n):
            if wt[v] > 0:
                u = _member_score(Gt, sizes, wt, p[v], v)
                if u < shift:
                    shift = u
        s = 0.0
        for v in range(n):
            if wt[v] > 0:
                s += _soft_term(_member_score(Gt, sizes, wt, p[v], v), shift, tau)
        value = (1.0 - lam) * total / t0 + lam * (shift - tau * np.log(s / count)) / u0
        shuffle(order, rng)
        for t in range(n):
            x = order[t]
            if not free[x] or wt[x] == 0:
                continue
            a = p[x]
            for b in range(m):
                if b == a:
                    continue
                # --- move x to b
                if sizes[a] - wt[x] >= lo[a] and sizes[b] + wt[x] <= hi[b]:
                    sa = sizes[a] - wt[x]
                    sb = sizes[b] + wt[x]
                    s2 = s
                    for q in range(cnt[a]):
                        k = mem[start[a] + q]
                        if wt[k] == 0:
                            continue
                        s2 -= _soft_term(_member_score(Gt, sizes, wt, a, k), shift, tau)
                        if k != x:
                            r = sa - wt[k]
                            s2 += _soft_term((Gt[a, k] - D[x, k]) / r if r > 0 else 0.0, shift, tau)
                    for q in range(cnt[b]):
                        k = mem[start[b] + q]
                        if wt[k] == 0:
                            continue
                        s2 -= _soft_term(_member_score(Gt, sizes, wt, b, k), shift, tau)
                        r = sb - wt[k]
                        s2 += _soft_term((Gt[b, k] + D[x, k]) / r if r > 0 else 0.0, shift, tau)
                    r = sb - wt[x]
                    s2 += _soft_term(Gt[b, x] / r if r > 0 else 0.0, shift, tau)
                    t2 = total + Gt[b, x] - Gt[a, x]
                    v2 = (1.0 - lam) * t2 / t0 + lam * (shift - tau * np.log(max(s2, 1e-300) / count)) / u0
                    if v2 > value + eps:
                        apply_move(D, Gt, p, sizes, wt, x, b)
                        slot_move(start, mem, cnt, pos, x, a, b)
                        improved = True
                        break
                # --- swap x with each y in b
                done = False
                for q in range(cnt[b]):
                    y = mem[start[b] + q]
                    if not free[y] or wt[y] == 0 or not swap_fits(sizes, wt, lo, hi, a, b, x, y):
                        continue
                    sa = sizes[a] - wt[x] + wt[y]
                    sb = sizes[b] - wt[y] + wt[x]
                    s2 = s
                    for q2 in range(cnt[a]):
                        k = mem[start[a] + q2]
                        if wt[k] == 0:
                            continue
                        s2 -= _soft_term(_member_score(Gt, sizes, wt, a, k), shift, tau)
                        if k != x:
                            r = sa - wt[k]
                            s2 += _soft_term((Gt[a, k] - D[x, k] + D[y, k]) / r if r > 0 else 0.0, shift, tau)
                    for q2 in range(cnt[b]):
                        k = mem[start[b] + q2]
                        if wt[k] == 0:
                            continue
                        s2 -= _soft_term(_member_score(Gt, sizes, wt, b, k), shift, tau)
                        if k != y:
                            r = sb - wt[k]
                            s2 += _soft_term((Gt[b, k] - D[y, k] + D[x, k]) / r if r > 0 else 0.0, shift, tau)
                    r = sb - wt[x]
                    s2 += _soft_term((Gt[b, x] - D[x, y]) / r if r > 0 else 0.0, shift, tau)
                    r = sa - wt[y]
                    s2 += _soft_term((Gt[a, y] - D[x, y]) / r if r > 0 else 0.0, shift, tau)
                    t2 = total + Gt[b, x] - Gt[a, x] + Gt[a, y] - Gt[b, y] - 2.0 * D[x, y]
                    v2 = (1.0 - lam) * t2 / t0 + lam * (shift - tau * np.log(max(s2, 1e-300) / count)) / u0
                    if v2 > value + eps:
                        apply_swap(D, Gt, p, sizes, wt, x, y)
                        sx = pos[x]
                        sy = pos[y]
                        mem[sx] = y
                        mem[sy] = x
                        pos[x] = sy
                        pos[y] = sx
                        improved = True
                        done = True
                        break
                if done or p[x] != a:
                    break
            if improved:
                break  # rescore from scratch (shift, sums) before the next candidate
    return fair_value(Gt, p, sizes, wt, lam, t0, u0, tau)
