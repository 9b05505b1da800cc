"""Compiled iterated local search on sparse weights (numba, ``cache=True``, GIL released).

For large cohorts the weights are a symmetric CSR matrix (``indptr, indices, data``): most
pairs weigh nothing. Gains are computed on demand from an element's row into scratch
accumulators; ``own[x]`` (weight to its own group) is kept exact, and the local search
works through a queue of elements whose neighbourhood changed. Forbidden pairs are stored
entries with a large negative weight.

Meeting range: an element is a unit of one or more members (keep-together blocks are
contracted). ``uptr, umem`` list each unit's members; member ``i`` sits at the unit vector
``pts[i]``, covers a squared chord ``thr[i]`` (-1: cannot meet in person) and, when
``strict[i]``, may only share a group with members within ``min(thr)`` of it. Such pairs
are checked on the fly against the (small) groups, never listed, and each broken pair
costs ``pen`` like a forbidden one.

The graph ``G`` is the tuple ``(indptr, indices, data, uptr, umem, pts, thr, strict, ustrict)``
(``ustrict[x]``: unit ``x`` has a strict member); the state ``S`` is the tuple
``(p, own, sizes, start, mem, cnt, pos, scnt, gconf)``, with the group member lists of
:func:`.moves.member_slots`, ``scnt[g]`` the units with strict members in ``g`` and
``gconf[g]`` the broken pairs inside ``g``. Conflicts are rare once the search is under
way, so gains are first bounded without them and conflicts are counted only for the few
moves whose bound beats the best so far.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .moves import group_sizes, member_slots, slot_move, swap_fits
from .options import _OPTS
from .rng import randint, shuffle

# Calls that pass the graph and state tuples cost a reference-count update per array:
# the hot loop of the local search inlines its work and calls helpers only when needed.
_INLINE = dict(_OPTS, inline="always")


@njit(**_OPTS)
def _bad_units(G, x, y):
    """Member pairs between units ``x`` and ``y`` that may not share a group."""
    uptr, umem, pts, thr, strict, ustrict = G[3], G[4], G[5], G[6], G[7], G[8]
    if not (ustrict[x] or ustrict[y]):
        return 0
    c = 0
    for a in range(uptr[x], uptr[x + 1]):
        i = umem[a]
        for b in range(uptr[y], uptr[y + 1]):
            j = umem[b]
            if not (strict[i] or strict[j]):
                continue
            t = min(thr[i], thr[j])
            dx = pts[i, 0] - pts[j, 0]
            dy = pts[i, 1] - pts[j, 1]
            dz = pts[i, 2] - pts[j, 2]
            if t < 0.0 or dx * dx + dy * dy + dz * dz > t:
                c += 1
    return c


@njit(**_OPTS)
def _bad_with(G, S, x, g, skip):
    """Broken pairs between unit ``x`` and the units of group ``g`` other than ``x`` and
    ``skip`` (-1: none)."""
    start, mem, cnt, scnt = S[3], S[4], S[5], S[7]
    if not G[8][x] and scnt[g] == 0:
        return 0
    c = 0
    for q in range(cnt[g]):
        y = mem[start[g] + q]
        if y != x and y != skip:
            c += _bad_units(G, x, y)
    return c


@njit(**_OPTS)
def sp_state(G, p, wt, hi, m):
    indptr, indices, data = G[0], G[1], G[2]
    n = p.shape[0]
    own = np.zeros(n)
    for x in range(n):
        for k in range(indptr[x], indptr[x + 1]):
            j = indices[k]
            if j != x and p[j] == p[x]:
                own[x] += data[k]
    sizes = group_sizes(p, wt, m)
    start, mem, cnt, pos = member_slots(p, wt, hi, m)
    scnt = np.zeros(m, dtype=np.int64)
    for x in range(n):
        if G[8][x]:
            scnt[p[x]] += 1
    gconf = np.zeros(m, dtype=np.int64)
    for g in range(m):
        for q in range(cnt[g]):
            x = mem[start[g] + q]
            for r in range(q + 1, cnt[g]):
                gconf[g] += _bad_units(G, x, mem[start[g] + r])
    return (p, own, sizes, start, mem, cnt, pos, scnt, gconf)


@njit(**_OPTS)
def sp_conflicts(G, S):
    """Unit pairs sharing a group that may not (meeting range only; forbidden pairs are
    penalties in the weights)."""
    return S[8].sum()


@njit(**_OPTS)
def sp_value(G, S, pen):
    """Objective: summed weight within groups minus ``pen`` per broken meeting pair."""
    own = S[1]
    return 0.5 * own.sum() - pen * sp_conflicts(G, S)


@njit(**_OPTS)
def sp_move(G, S, wt, x, b):
    """Move ``x`` to group ``b``, keeping the state exact."""
    indptr, indices, data = G[0], G[1], G[2]
    p, own, sizes, start, mem, cnt, pos, scnt, gconf = S
    a = p[x]
    s = 0.0
    for k in range(indptr[x], indptr[x + 1]):
        j = indices[k]
        if j == x:
            continue
        w = data[k]
        if p[j] == a:
            own[j] -= w
        elif p[j] == b:
            own[j] += w
            s += w
    own[x] = s
    if gconf[a] > 0:
        gconf[a] -= _bad_with(G, S, x, a, -1)
    sizes[a] -= wt[x]
    sizes[b] += wt[x]
    if G[8][x]:
        scnt[a] -= 1
        scnt[b] += 1
    p[x] = b
    slot_move(start, mem, cnt, pos, x, a, b)
    gconf[b] += _bad_with(G, S, x, b, -1)


@njit(**_INLINE)
def _sp_push(queue, inq, tail, x):
    if not inq[x]:
        inq[x] = True
        queue[tail[0] % queue.shape[0]] = x
        tail[0] += 1


@njit(**_INLINE)
def _sp_push_row(indptr, indices, queue, inq, tail, x):
    _sp_push(queue, inq, tail, x)
    for k in range(indptr[x], indptr[x + 1]):
        _sp_push(queue, inq, tail, indices[k])


@njit(**_INLINE)
def _touch(mark, touched, nt, g):
    if not mark[g]:
        mark[g] = True
        touched[nt] = g
        nt += 1
    return nt


@njit(**_OPTS)
def sp_local_search(G, S, wt, lo, hi, free, pen, meet, queue, inq, head, tail, scratch, log, nlog, eps, rng):
    """Improve until the queue of elements to examine is empty. For each element: the best
    move to a group holding one of its neighbours (or a random group) and the best swap
    with a member of such a group. Applied moves are appended to ``log`` (element, old
    group) so that a kick can be undone. ``meet``: some unit has strict members. Returns
    the change of the objective."""
    indptr, indices, data = G[0], G[1], G[2]
    p, own, sizes, start, mem, cnt, pos, scnt, gconf = S
    acc, mark, touched = scratch
    ustrict = G[8]
    n = p.shape[0]
    m = sizes.shape[0]
    gain = 0.0
    while head[0] < tail[0]:
        x = queue[head[0] % n]
        head[0] += 1
        inq[x] = False
        if not free[x]:
            continue
        a = p[x]
        nt = _touch(mark, touched, 0, a)
        for k in range(indptr[x], indptr[x + 1]):
            j = indices[k]
            if j == x:
                continue
            nt = _touch(mark, touched, nt, p[j])
            acc[p[j]] += data[k]
        for _r in range(2):  # two random groups, so that members in conflict can always leave
            nt = _touch(mark, touched, nt, randint(rng, m))
        # conflicts are only counted where a strict unit is involved (calls are not free)
        cxa = _bad_with(G, S, x, a, -1) if meet and gconf[a] > 0 else 0
        va = acc[a] - pen * cxa
        best = eps
        bb = -1
        by = -1
        for t in range(nt):
            b = touched[t]
            if b == a:
                continue
            if sizes[a] - wt[x] >= lo[a] and sizes[b] + wt[x] <= hi[b] and acc[b] - va > best:
                vb = acc[b] - pen * _bad_with(G, S, x, b, -1) if meet else acc[b]
                if vb - va > best:
                    best = vb - va
                    bb = b
                    by = -1
            for q in range(cnt[b]):  # swaps of x with a member y of b
                y = mem[start[b] + q]
                if not free[y] or not swap_fits(sizes, wt, lo, hi, a, b, x, y):
                    continue
                gay = 0.0
                wxy = 0.0
                for k in range(indptr[y], indptr[y + 1]):
                    j = indices[k]
                    if p[j] == a:
                        gay += data[k]
                        if j == x:
                            wxy = data[k]
                d = (acc[b] - acc[a]) + gay - own[y] - 2.0 * wxy
                if meet and d + pen * (cxa + gconf[b]) > best:  # the bound may beat the best
                    # broken pairs after (x with b minus y, y with a minus x) minus before
                    after = _bad_with(G, S, x, b, y) + _bad_with(G, S, y, a, x)
                    cyb = _bad_with(G, S, y, b, -1) if gconf[b] > 0 else 0
                    d -= pen * (after - cxa - cyb)
                if d > best:
                    best = d
                    bb = b
                    by = y
        for t in range(nt):
            g = touched[t]
            acc[g] = 0.0
            mark[g] = False
        if bb < 0:
            continue
        log[nlog[0], 0] = x
        log[nlog[0], 1] = a
        nlog[0] += 1
        sp_move(G, S, wt, x, bb)
        _sp_push_row(indptr, indices, queue, inq, tail, x)
        if by >= 0:
            log[nlog[0], 0] = by
            log[nlog[0], 1] = bb
            nlog[0] += 1
            sp_move(G, S, wt, by, a)
            _sp_push_row(indptr, indices, queue, inq, tail, by)
        gain += best
        if nlog[0] + 2 >= log.shape[0]:
            nlog[0] = 0  # the log only serves undoing the current kick: when full, the kick is kept
            nlog[1] = 1
    return gain


@njit(**_OPTS)
def sp_fill(G, p, wt, lo, hi, m, rng):
    """Complete ``p`` (-1 = unplaced) in breadth-first order over the graph: each element
    joins the group it is most linked to per member (or opens an empty group), meeting
    the lower bounds. Returns False when the blocks cannot be packed."""
    indptr, indices, data = G[0], G[1], G[2]
    n = p.shape[0]
    sizes = np.zeros(m, dtype=np.int64)
    remaining = 0
    for i in range(n):
        if p[i] >= 0:
            sizes[p[i]] += wt[i]
        else:
            remaining += wt[i]
    order = np.empty(n, dtype=np.int64)
    seen = np.zeros(n, dtype=np.bool_)
    starts = np.arange(n)
    shuffle(starts, rng)
    k = 0
    for s0 in range(n):
        r = starts[s0]
        if seen[r]:
            continue
        seen[r] = True
        order[k] = r
        k += 1
        h = k - 1
        while h < k:
            x = order[h]
            h += 1
            for q in range(indptr[x], indptr[x + 1]):
                j = indices[q]
                if not seen[j]:
                    seen[j] = True
                    order[k] = j
                    k += 1
    acc = np.zeros(m)
    need = 0
    for g in range(m):
        if sizes[g] < lo[g]:
            need += lo[g] - sizes[g]
    for t in range(n):
        e = order[t]
        if p[e] >= 0:
            continue
        for q in range(indptr[e], indptr[e + 1]):
            j = indices[q]
            if p[j] >= 0:
                acc[p[j]] += data[q]
        tight = need >= remaining
        best = -np.inf
        bg = -1
        empty = -1
        for g in range(m):
            if sizes[g] + wt[e] > hi[g] or (tight and sizes[g] >= lo[g]):
                continue
            if sizes[g] == 0:
                if empty < 0:
                    empty = g
                continue
            if acc[g] > 0 or tight:
                score = acc[g] / sizes[g]
                if score > best:
                    best = score
                    bg = g
        if bg < 0:
            bg = empty
        if bg < 0:
            for g in range(m):
                if sizes[g] + wt[e] <= hi[g] and not (tight and sizes[g] >= lo[g]):
                    bg = g
                    break
        for q in range(indptr[e], indptr[e + 1]):
            j = indices[q]
            if p[j] >= 0:
                acc[p[j]] = 0.0
        if bg < 0:
            return False
        before = max(lo[bg] - sizes[bg], 0)
        p[e] = bg
        sizes[bg] += wt[e]
        need -= before - max(lo[bg] - sizes[bg], 0)
        remaining -= wt[e]
    for g in range(m):
        if sizes[g] < lo[g] or sizes[g] > hi[g]:
            return False
    return True


@njit(**_INLINE)
def _move_delta(G, S, pen, x, b):
    """Change of the objective if ``x`` moved to group ``b``."""
    indptr, indices, data = G[0], G[1], G[2]
    p = S[0]
    wb = 0.0
    for k in range(indptr[x], indptr[x + 1]):
        j = indices[k]
        if j != x and p[j] == b:
            wb += data[k]
    a = p[x]
    return wb - S[1][x] - pen * (_bad_with(G, S, x, b, -1) - _bad_with(G, S, x, a, -1))


@njit(**_OPTS)
def _kick(G, S, wt, lo, hi, free, pen, strength, queue, inq, tail, log, nlog, rng):
    """Swap up to ``strength`` random elements with members of groups they have links to;
    returns the change of the objective."""
    indptr, indices = G[0], G[1]
    p, own, sizes, start, mem, cnt, pos, scnt, gconf = S
    n = p.shape[0]
    delta = 0.0
    done = 0
    tries = 0
    while done < strength and tries < 20 * strength + 20:
        tries += 1
        x = randint(rng, n)
        if not free[x] or indptr[x + 1] == indptr[x]:
            continue
        b = p[indices[indptr[x] + randint(rng, indptr[x + 1] - indptr[x])]]
        a = p[x]
        if b == a or cnt[b] == 0:
            continue
        y = mem[start[b] + randint(rng, cnt[b])]
        if not free[y] or not swap_fits(sizes, wt, lo, hi, a, b, x, y):
            continue
        log[nlog[0], 0] = x
        log[nlog[0], 1] = a
        log[nlog[0] + 1, 0] = y
        log[nlog[0] + 1, 1] = b
        nlog[0] += 2
        delta += _move_delta(G, S, pen, x, b)
        sp_move(G, S, wt, x, b)
        delta += _move_delta(G, S, pen, y, a)
        sp_move(G, S, wt, y, a)
        _sp_push_row(indptr, indices, queue, inq, tail, x)
        _sp_push_row(indptr, indices, queue, inq, tail, y)
        done += 1
    return delta


@njit(**_OPTS)
def sp_iterate(G, p, wt, lo, hi, free, pen, kicks, strength, eps, rng, best_p, descend):
    """Iterated local search: descend (from every element when ``descend``; a ``p`` left
    by an earlier call is a local optimum already), then ``kicks`` times swap ``strength`` random
    elements with members of neighbouring groups, descend again from there, keep the
    result when it is not worse (else undo it). ``p`` ends at the current solution,
    ``best_p`` holds the best one. Returns ``(best objective, its broken meeting pairs)``."""
    n = p.shape[0]
    m = lo.shape[0]
    S = sp_state(G, p, wt, hi, m)
    meet = G[8].any()
    queue = np.empty(n, dtype=np.int64)
    inq = np.zeros(n, dtype=np.bool_)
    head = np.zeros(1, dtype=np.int64)
    tail = np.zeros(1, dtype=np.int64)
    scratch = (np.zeros(m), np.zeros(m, dtype=np.bool_), np.empty(m + 2, dtype=np.int64))
    log = np.empty((4 * n + 64, 2), dtype=np.int64)
    nlog = np.zeros(2, dtype=np.int64)  # entries used, overflowed
    if descend:
        for x in range(n):
            _sp_push(queue, inq, tail, x)
    sp_local_search(G, S, wt, lo, hi, free, pen, meet, queue, inq, head, tail, scratch, log, nlog, eps, rng)
    f = sp_value(G, S, pen)
    best_f = f
    best_p[:] = p
    for _ in range(kicks):
        nlog[0] = 0
        nlog[1] = 0
        before = f
        # the objective is tracked from exact deltas: recomputing it costs O(n) per kick
        f += _kick(G, S, wt, lo, hi, free, pen, strength, queue, inq, tail, log, nlog, rng)
        f += sp_local_search(G, S, wt, lo, hi, free, pen, meet, queue, inq, head, tail, scratch, log, nlog, eps, rng)
        if f < before - eps and nlog[1] == 0:
            for t in range(nlog[0] - 1, -1, -1):
                sp_move(G, S, wt, log[t, 0], log[t, 1])
            f = before
        elif f > best_f + eps:
            best_f = f
            best_p[:] = p
    S = sp_state(G, best_p.copy(), wt, hi, m)
    return sp_value(G, S, pen), sp_conflicts(G, S)
