"""Compiled inner loops of the grouping search (numba, ``cache=True``, GIL released).

Every kernel works on the same representation:

``D``      ``(n, n)`` float64 weights, symmetric, zero diagonal (forbidden pairs carry a
           large negative penalty, so the search treats them as walls).
``wt``     ``(n,)`` int64 element sizes (1, or the member count of a keep-together block).
``lo, hi`` ``(m,)`` int64 group size bounds, counted in members.
``p``      ``(n,)`` int64 group of each element.
``sizes``  ``(m,)`` int64 members per group.
``Gt``     ``(m, n)`` float64 gain matrix: ``Gt[g, j]`` = summed weight from ``j`` to the
           elements of group ``g``. With it a move of ``v`` from ``a`` to ``b`` changes the
           objective by ``Gt[b, v] - Gt[a, v]`` and a swap of ``x`` (in ``a``) with ``y`` (in
           ``b``) by ``Gt[b, x] - Gt[a, x] + Gt[a, y] - Gt[b, y] - 2 D[x, y]``, both O(1);
           applying a move costs O(n).
``rng``    ``(1,)`` uint64 xorshift64* state, so runs are reproducible whatever thread
           runs them and however the work is cut into chunks.

The search itself (population of local optima, perturbation, group crossover) is in
:func:`evolve`; :mod:`matcher.cohorts.search` drives it under a time limit.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_OPTS = dict(cache=True, nogil=True)

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


# --------------------------------------------------------------------------- basic state


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
