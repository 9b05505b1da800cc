"""Population search of the dense kernels: construction, group crossover and the three-phase
generation loop (:func:`evolve`) that :mod:`matcher.cohorts.islands` drives under a budget."""

from __future__ import annotations

import numpy as np
from numba import njit

from .options import _OPTS
from .descent import descent, eject_weakest, perturb
from .moves import gain_matrix, group_sizes, objective
from .rng import randint, random01, shuffle


# --------------------------------------------------------------------------- construction


@njit(**_OPTS)
def fill_groups(D, p, wt, lo, hi, m, rng, greedy):
    """Complete a partial assignment (``p[i] == -1`` = unassigned): first the groups below
    their lower bound, then the rest, each element where its mean link is highest
    (``greedy``) or at random. Heavier blocks go first. Returns False when the blocks
    cannot be packed within the bounds."""
    n = D.shape[0]
    Gt = gain_matrix(D, p, m)
    sizes = np.zeros(m, dtype=np.int64)
    for i in range(n):
        if p[i] >= 0:
            sizes[p[i]] += wt[i]
    todo = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(n):
        if p[i] < 0:
            todo[k] = i
            k += 1
    order = todo[:k].copy()
    shuffle(order, rng)
    # stable sort by decreasing weight (first-fit decreasing for blocks)
    key = np.empty(k, dtype=np.int64)
    for t in range(k):
        key[t] = -wt[order[t]]
    order = order[np.argsort(key, kind="mergesort")]
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
        start = randint(rng, m)
        for s in range(m):
            g = (start + s) % m
            if sizes[g] + wt[e] > hi[g]:
                continue
            if tight and sizes[g] >= lo[g]:
                continue
            if greedy:
                score = Gt[g, e] / max(sizes[g], 1)
            else:
                score = random01(rng)
            if sizes[g] < lo[g]:
                score += 1e300 if not greedy else 0.0
            if score > best:
                best = score
                bg = g
        if bg < 0:
            return False
        row = D[e]
        gg = Gt[bg]
        for j in range(n):
            gg[j] += row[j]
        sizes[bg] += wt[e]
        p[e] = bg
        remaining -= wt[e]
    for g in range(m):
        if sizes[g] < lo[g] or sizes[g] > hi[g]:
            return False
    return True


@njit(**_OPTS)
def crossover(D, pa, pb, wt, lo, hi, free, child, rng):
    """Group crossover: copy the heaviest remaining group of one parent or the other
    (chosen at random each step) into a free group slot that can hold it, then complete
    greedily. Fixed (not free) elements keep their group. Returns False if the child
    could not be completed within the bounds."""
    n = D.shape[0]
    m = lo.shape[0]
    for i in range(n):
        child[i] = -1 if free[i] else pa[i]
    ga = np.zeros((m, n))
    gb = np.zeros((m, n))
    for i in range(n):
        if free[i]:
            ra = ga[pa[i]]
            rb = gb[pb[i]]
            row = D[i]
            for j in range(n):
                ra[j] += row[j]
                rb[j] += row[j]
    wa = np.zeros(m)
    wb = np.zeros(m)
    ca = np.zeros(m, dtype=np.int64)
    cb = np.zeros(m, dtype=np.int64)
    base = np.zeros(m, dtype=np.int64)
    for i in range(n):
        if free[i]:
            wa[pa[i]] += 0.5 * ga[pa[i], i]
            wb[pb[i]] += 0.5 * gb[pb[i], i]
            ca[pa[i]] += wt[i]
            cb[pb[i]] += wt[i]
        else:
            base[pa[i]] += wt[i]
    used = np.zeros(m, dtype=np.bool_)
    members = np.empty(n, dtype=np.int64)
    for step in range(m):
        use_a = random01(rng) < 0.5
        src_w = wa if use_a else wb
        src_c = ca if use_a else cb
        src_p = pa if use_a else pb
        g = -1
        best = -np.inf
        for h in range(m):
            if src_c[h] > 0 and src_w[h] > best:
                best = src_w[h]
                g = h
        if g < 0:
            break
        k = 0
        cnt = 0
        for i in range(n):
            if child[i] < 0 and free[i] and src_p[i] == g:
                members[k] = i
                k += 1
                cnt += wt[i]
        # slot: an unused group with room for all of them, at random; else the roomiest
        t = -1
        seen = 0
        roomiest = -1
        room_best = -1
        for h in range(m):
            if used[h]:
                continue
            room = hi[h] - base[h]
            if room > room_best:
                room_best = room
                roomiest = h
            if room >= cnt:
                seen += 1
                if randint(rng, seen) == 0:
                    t = h
        if t < 0:
            t = roomiest
            if t < 0:
                break
            shuffle(members[:k], rng)
        used[t] = True
        room = hi[t] - base[t]
        for s in range(k):
            i = members[s]
            if wt[i] > room:
                continue
            room -= wt[i]
            child[i] = t
            base[t] += wt[i]
            a = pa[i]
            b = pb[i]
            wa[a] -= ga[a, i]
            wb[b] -= gb[b, i]
            ca[a] -= wt[i]
            cb[b] -= wt[i]
            row = D[i]
            ra = ga[a]
            rb = gb[b]
            for j in range(n):
                ra[j] -= row[j]
                rb[j] -= row[j]
    # groups may now hold more than their share of the lower bounds: give back the
    # weakest members until the others can still be filled
    unassigned = 0
    for i in range(n):
        if child[i] < 0:
            unassigned += wt[i]
    need = 0
    for g in range(m):
        if base[g] < lo[g]:
            need += lo[g] - base[g]
    if need > unassigned:
        gc = gain_matrix(D, child, m)
        while need > unassigned:
            e = -1
            best = np.inf
            for i in range(n):
                g = child[i]
                if g >= 0 and free[i] and base[g] - wt[i] >= lo[g] and gc[g, i] < best:
                    best = gc[g, i]
                    e = i
            if e < 0:
                return False
            g = child[e]
            row = D[e]
            for j in range(n):
                gc[g, j] -= row[j]
            base[g] -= wt[e]
            child[e] = -1
            unassigned += wt[e]
    return fill_groups(D, child, wt, lo, hi, m, rng, True)


# --------------------------------------------------------------------------- the search


@njit(**_OPTS)
def evolve(D, wt, lo, hi, free, pop, fit, size, best_p, best_f, theta, eta, generations, eps, rng):
    """Run ``generations`` rounds of a three-phase population search on ``pop[:size]``
    (rows are assignments, ``fit`` their objectives), in place:

    1. undirected perturbation of strength ``theta * n / m`` followed by descent, for
       every member (the member is replaced: a random walk over local optima);
    2. group crossover with another member followed by descent, kept when not worse;
    3. ``eta`` rounds of weakest-member ejection followed by descent.

    ``best_p``/``best_f`` (a 1-element array) track the best assignment seen. Returns the
    number of local searches run. Follows the scheme of Yang et al. (2022, TPSDP) with
    our own operators; see the package notes for references.
    """
    n = D.shape[0]
    m = lo.shape[0]
    strength = max(1, int(theta * n / m + 0.5))
    child = np.empty(n, dtype=np.int64)
    searches = 0
    for _ in range(generations):
        for i in range(size):
            p = pop[i]
            Gt = gain_matrix(D, p, m)
            sizes = group_sizes(p, wt, m)
            perturb(D, Gt, p, sizes, wt, lo, hi, free, strength, rng)
            f = objective(Gt, p)
            f = descent(D, Gt, p, sizes, wt, lo, hi, free, f, eps, rng)
            fit[i] = objective(Gt, p)
            searches += 1
            if fit[i] > best_f[0] + eps:
                best_f[0] = fit[i]
                best_p[:] = p
        if size > 1:
            for i in range(size):
                j = randint(rng, size - 1)
                if j >= i:
                    j += 1
                if not crossover(D, pop[i], pop[j], wt, lo, hi, free, child, rng):
                    continue
                Gt = gain_matrix(D, child, m)
                sizes = group_sizes(child, wt, m)
                f = objective(Gt, child)
                f = descent(D, Gt, child, sizes, wt, lo, hi, free, f, eps, rng)
                f = objective(Gt, child)
                searches += 1
                if f >= fit[i] - eps:
                    pop[i, :] = child
                    fit[i] = f
                if f > best_f[0] + eps:
                    best_f[0] = f
                    best_p[:] = child
        for i in range(size):
            p = pop[i]
            Gt = gain_matrix(D, p, m)
            sizes = group_sizes(p, wt, m)
            for _e in range(eta):
                eject_weakest(D, Gt, p, sizes, wt, lo, hi, free, rng)
            f = objective(Gt, p)
            f = descent(D, Gt, p, sizes, wt, lo, hi, free, f, eps, rng)
            fit[i] = objective(Gt, p)
            searches += 1
            if fit[i] > best_f[0] + eps:
                best_f[0] = fit[i]
                best_p[:] = p
        # keep the best members first, so that shrinking the population drops the worst
        order = np.argsort(-fit[:size])
        pop[:size] = pop[:size][order]
        fit[:size] = fit[:size][order]
    return searches


@njit(**_OPTS)
def initial_population(D, wt, lo, hi, free, start, pop, fit, rng, eps):
    """Fill ``pop`` with random completions of ``start`` (``-1`` = to place; fixed
    elements keep their group), each improved by descent. Returns False if no
    completion within the bounds exists for the blocks."""
    n = D.shape[0]
    m = lo.shape[0]
    for i in range(pop.shape[0]):
        p = pop[i]
        ok = False
        for attempt in range(20):
            p[:] = start
            if fill_groups(D, p, wt, lo, hi, m, rng, attempt % 2 == 1):
                ok = True
                break
        if not ok:
            return False
        Gt = gain_matrix(D, p, m)
        sizes = group_sizes(p, wt, m)
        f = objective(Gt, p)
        descent(D, Gt, p, sizes, wt, lo, hi, free, f, eps, rng)
        fit[i] = objective(Gt, p)
    return True
