"""The common-slot rule at group level: repair the groups whose members share no free slot,
and say in each group's reasons what the rule did (see :mod:`.common_slot`).

Examples
--------
>>> import numpy as np
>>> from matcher.cohorts.problem import GroupingProblem
>>> from matcher.cohorts.common_slot import slot_masks
>>> masks = slot_masks([("mon_pm",), ("mon_pm",), ("tue_pm",), ("tue_pm",)])
>>> w = np.array([[0, 1, 3, 1], [1, 0, 1, 3], [3, 1, 0, 1], [1, 3, 1, 0]], dtype=float)
>>> problem = GroupingProblem(w, [2, 2], [2, 2], slots=masks)
>>> [v.kind for v in slot_violations(problem, np.array([0, 1, 0, 1]))]
['slot', 'slot']
>>> enforce_common_slot(problem, [0, 1, 0, 1]).tolist()
[0, 0, 1, 1]
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from scipy import sparse

from ..profiles.phrases import join_phrases, slot_phrase
from ..profiles.teacher import AVAILABILITY_SLOTS, Cohort
from .budget import Budget
from .common_slot import ALL, Masks, _open, shared_mask, slot_failures, slot_names
from .problem import GroupingProblem, Violation

if TYPE_CHECKING:
    from .results import Group

__all__ = ["enforce_common_slot", "slot_reasons", "slot_violations", "PASSES"]

PASSES = 8  # passes over the groups that share no slot, while one repairs some
CHAIN_TRIES = 3  # swaps that break another group (then repaired in turn) tried per member


def slot_violations(problem: GroupingProblem, assignment: npt.NDArray[np.int64]) -> list[Violation]:
    """The ``"slot"`` violations of ``assignment`` (see :func:`~.common_slot.slot_failures`)."""
    return [Violation(g, "slot", why) for g, why in slot_failures(problem.slots, assignment, problem.m, problem.name)]


def _pair_ok(problem: GroupingProblem) -> Callable[[int, npt.NDArray[np.int64]], bool]:
    """``ok(i, rows)``: whether member ``i`` may share a group with every one of ``rows`` under
    the problem's pair rules (the slot pairs aside: the group check covers them)."""
    apart = _apart(problem)
    return lambda i, rows: not bool(apart(i)[rows].any())


def _apart(problem: GroupingProblem) -> Callable[[int], npt.NDArray[np.bool_]]:
    """``apart(i)``: for every member, whether a pair rule keeps them apart from member ``i``
    (the ``allowed`` mask, the explicit forbidden pairs and the meeting range), all at once."""
    n, allowed, meeting = problem.n, problem.allowed, problem.meeting
    pairs = problem.explicit_pairs()
    both = np.concatenate([pairs, pairs[:, ::-1]]) if len(pairs) else np.zeros((0, 2), dtype=np.int64)
    adj = sparse.csr_array((np.ones(len(both), dtype=bool), (both[:, 0], both[:, 1])), shape=(n, n))
    everyone = np.arange(n)

    @functools.lru_cache(maxsize=256)  # a group's members are asked about again and again
    def apart(i: int) -> npt.NDArray[np.bool_]:
        out = np.zeros(n, dtype=bool)
        out[adj.indices[adj.indptr[i] : adj.indptr[i + 1]]] = True
        if allowed is not None:
            out |= ~allowed[i]
            out[i] = False
        if meeting is not None:
            out |= ~meeting.can_meet(np.full(n, i), everyone)
        out.setflags(write=False)
        return out

    return apart


class _Rows:
    """Rows of the problem's weights as dense vectors (diagonal zeroed), and sums over members."""

    def __init__(self, problem: GroupingProblem, *, copy: bool = True) -> None:
        w = problem.weights
        self.dense = (np.array(w, dtype=np.float64) if copy else w) if isinstance(w, np.ndarray) else None
        self.csr = None if self.dense is not None else sparse.csr_array(w)
        self.n = problem.n
        if self.dense is not None and copy:  # (without a copy, callers mask the diagonal themselves)
            np.fill_diagonal(self.dense, 0.0)

    def row(self, i: int) -> npt.NDArray[np.float64]:
        if self.dense is not None:
            return np.asarray(self.dense[i], dtype=np.float64)
        assert self.csr is not None
        out = np.zeros(self.n)
        lo, hi = self.csr.indptr[i], self.csr.indptr[i + 1]
        out[self.csr.indices[lo:hi]] = self.csr.data[lo:hi]
        out[i] = 0.0
        return out

    def own(self, a: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """Every member's summed weight to their own group."""
        if self.dense is not None:
            return np.array([float(self.dense[r, a == a[r]].sum()) for r in range(self.n)])
        assert self.csr is not None
        coo = self.csr.tocoo()
        same = (a[coo.row] == a[coo.col]) & (coo.row != coo.col)
        return np.asarray(np.bincount(coo.row, weights=np.where(same, coo.data, 0.0), minlength=self.n), dtype=np.float64)



def enforce_common_slot(
    problem: GroupingProblem,
    assignment: npt.ArrayLike,
    *,
    budget: Budget | None = None,
    movable: Iterable[int] | None = None,
) -> npt.NDArray[np.int64]:
    """``assignment`` with the groups that share no free slot repaired where possible.

    For each such group (not locked; only ``movable`` groups, default all), the slots are
    tried most listed first: each member not free then is moved to, or swapped with a member
    of, another group so that both groups share a slot, sizes stay in bounds, no
    keep-together set is split and no pair rule breaks; of those, the change that loses least
    weight is made. A group that cannot be repaired on any slot is left as it was. Stops when
    ``budget`` runs out. Returns a new array (the input is not changed).
    """
    a = np.array(assignment, dtype=np.int64)
    masks = problem.slots
    if masks is None or problem.n == 0:
        return a
    budget = budget or Budget.of(None)
    allowed_groups = set(range(problem.m)) - set(problem.locked)
    if movable is not None:
        allowed_groups &= {int(g) for g in movable}
    state = _State(problem, a, masks, allowed_groups)
    for _ in range(PASSES):  # a group repaired later can open ways for one that failed earlier
        bad = [g for g in sorted(allowed_groups) if not state.shares(g)]
        for g in bad:
            if budget.expired():
                break
            _repair_group(state, g, masks, budget)
        if budget.expired() or sum(not state.shares(g) for g in bad) in (0, len(bad)):
            break
    return state.a


def _repair_group(state: _State, g: int, masks: Masks, budget: Budget, chain: bool = True) -> None:
    """Try the slots most of group ``g``'s members list first; keep the first repair that works
    (with ``chain``, a change may break another group if that group can be repaired in turn)."""
    rows = np.flatnonzero(state.a == g)
    said = masks[rows][masks[rows] != 0]
    counts = [-int(np.count_nonzero(said >> np.uint64(k) & np.uint64(1))) for k in range(len(AVAILABILITY_SLOTS))]
    for slot in np.argsort(counts, kind="stable").tolist():
        if counts[slot] == 0 or budget.expired():
            break
        saved = state.snapshot()
        if state.fix(g, slot, budget, chain):
            break
        state.restore(saved)


class _State:
    """The assignment under repair, with each member's weight to its own group and each
    member's leave-one-out shared slots (the slots its groupmates share)."""

    def __init__(self, problem: GroupingProblem, a: npt.NDArray[np.int64], masks: Masks, groups: set[int]) -> None:
        self.problem, self.masks, self.openm = problem, masks, _open(masks)
        self.apart, self.w = _apart(problem), _Rows(problem)
        self.movable = np.zeros(problem.m, dtype=bool)
        self.movable[list(groups)] = True
        self.pinned = np.zeros(problem.n, dtype=bool)
        for block in problem.blocks:
            self.pinned[list(block)] = True
        self.reset(a)

    def reset(self, a: npt.NDArray[np.int64]) -> None:
        self.a = a
        self.sizes = np.bincount(a, minlength=self.problem.m)
        self.own = self.w.own(a)
        self.loo = np.full(self.problem.n, np.uint64(ALL), dtype=np.uint64)
        self.gand = np.full(self.problem.m, np.uint64(ALL), dtype=np.uint64)
        order = np.argsort(a, kind="stable")
        bounds = np.searchsorted(a[order], np.arange(self.problem.m + 1))
        self.members = [order[bounds[g] : bounds[g + 1]].tolist() for g in range(self.problem.m)]
        self.journal: list[tuple[int, int, int]] = []  # (member, from, to) of every move
        for g in range(self.problem.m):
            self._masks_of(g, order[bounds[g] : bounds[g + 1]])

    def snapshot(self) -> tuple[tuple[npt.NDArray[Any], ...], int]:
        """The arrays as they are, and the length of the journal of moves (undone by :meth:`restore`)."""
        return tuple(x.copy() for x in (self.a, self.sizes, self.own, self.loo, self.gand)), len(self.journal)

    def restore(self, saved: tuple[tuple[npt.NDArray[Any], ...], int]) -> None:
        self.a, self.sizes, self.own, self.loo, self.gand = (x.copy() for x in saved[0])
        while len(self.journal) > saved[1]:
            x, g, h = self.journal.pop()
            self.members[h].remove(x)
            self.members[g].append(x)

    def _masks_of(self, g: int, rows: npt.NDArray[np.int64]) -> None:
        self.gand[g] = np.uint64(shared_mask(self.masks[rows]))
        for r in rows.tolist():
            self.loo[r] = np.uint64(shared_mask(self.masks[rows[rows != r]]))

    def _refresh(self, g: int) -> None:
        rows = np.array(sorted(self.members[g]), dtype=np.int64)
        self._masks_of(g, rows)
        for r in rows.tolist():
            self.own[r] = float(self.w.row(r)[rows].sum())

    def shares(self, g: int) -> bool:
        return int(self.sizes[g]) < 2 or int(self.gand[g]) != 0

    def fix(self, g: int, slot: int, budget: Budget, chain: bool = False) -> bool:
        """Make group ``g`` share ``slot`` (bit number) by moves and swaps; False if it cannot.

        With ``chain``, when no change keeps the other group sharing a slot, the few least
        costly swaps that break one are tried, each kept only if that group can then be
        repaired (without touching ``g``).
        """
        bit = np.uint64(1 << slot)
        free_then = (self.masks & bit) != 0
        free_then |= self.masks == 0
        p = self.problem
        for x in [int(r) for r in np.flatnonzero((self.a == g) & ~free_then)]:
            if self.pinned[x] or budget.expired():
                return False
            rest = np.flatnonzero((self.a == g) & (np.arange(p.n) != x))
            wx = self.w.row(x)
            to_x = np.bincount(self.a, weights=wx, minlength=p.m)  # x's weight to each group
            out_cost = to_x[g]
            others = self.movable & (np.arange(p.m) != g)
            # swaps: y (free then, in another movable group) for x
            # (into a group that shares none already, any: it cannot get worse, and g is repaired)
            bad = (self.gand == 0) & (self.sizes > 1)
            keeps = ((self.loo & self.openm[x]) != 0) | bad[self.a]
            cand = np.flatnonzero(others[self.a] & free_then & ~self.pinned & (keeps | chain))
            to_rest = sum((self.w.row(int(r)) for r in rest), np.zeros(p.n))  # every member's weight to the rest of g
            loss_swap = out_cost - (to_x[self.a[cand]] - wx[cand]) + self.own[cand] - to_rest[cand]
            targets, ins, losses = self.a[cand], cand, loss_swap
            # moves: x alone into a group with room, if g may shrink (y = -1: nobody comes back)
            if self.sizes[g] > p.lower[g]:
                room = np.flatnonzero(others & (self.sizes < p.upper) & (((self.gand & self.openm[x]) != 0) | bad))
                targets = np.concatenate([targets, room])
                ins = np.concatenate([ins, np.full(room.size, -1, dtype=np.int64)])
                losses = np.concatenate([losses, out_cost - to_x[room]])
            # the pair rules, for every option at once: x with the members of h (but y), y with the rest of g
            off_x = self.apart(x)
            clash = np.bincount(self.a, weights=off_x, minlength=p.m)[targets] - np.where(ins >= 0, off_x[np.maximum(ins, 0)], 0)
            off_rest = np.zeros(p.n, dtype=bool)
            for r in rest.tolist():
                off_rest |= self.apart(r)
            ok = (clash < 0.5) & ((ins < 0) | ~off_rest[np.maximum(ins, 0)])
            safe = ok & ((ins < 0) | keeps[np.maximum(ins, 0)])
            if safe.any():
                fine = np.flatnonzero(safe)
                self._swap(x, g, int(targets[k := int(fine[np.argmin(losses[fine])])]), int(ins[k]))
                continue
            if not (chain and self._chain(x, g, targets, ins, np.where(ok, losses, np.inf), budget)):
                return False
        return True

    def _swap(self, x: int, g: int, h: int, y: int) -> None:
        self._move(x, g, h)
        if y >= 0:
            self._move(y, h, g)
        self._refresh(g)
        self._refresh(h)

    def _chain(self, x: int, g: int, targets: npt.NDArray[np.int64], ins: npt.NDArray[np.int64],
               losses: npt.NDArray[np.float64], budget: Budget) -> bool:
        """Swap ``x`` out of ``g`` into a group it breaks, then repair that group; the
        :data:`CHAIN_TRIES` least costly such swaps are tried."""
        for k in np.argsort(losses, kind="stable")[:CHAIN_TRIES].tolist():
            if not np.isfinite(losses[k]) or budget.expired():
                return False
            h, y = int(targets[k]), int(ins[k])
            saved = self.snapshot()
            self._swap(x, g, h, y)
            was, self.movable[g] = self.movable[g], False
            _repair_group(self, h, self.masks, budget, chain=False)
            self.movable[g] = was
            if self.shares(h):
                return True
            self.restore(saved)
        return False

    def _move(self, x: int, g: int, h: int) -> None:
        self.a[x] = h
        self.members[g].remove(x)
        self.members[h].append(x)
        self.journal.append((x, g, h))
        self.sizes[g] -= 1
        self.sizes[h] += 1


def slot_reasons(cohort: Cohort, problem: GroupingProblem, assignment: npt.NDArray[np.int64], groups: Sequence[Group]) -> list[Group]:
    """``groups`` (ids ``g + 1`` of ``assignment``) with the common-slot rule explained: the
    slot the group shares (or that nobody listed availability) and, where the rule kept a
    member's best match out (best by the problem's weights, allowed by every other rule,
    not free on any slot the group shares), who and why."""
    masks = problem.slots
    if masks is None:
        return list(groups)
    ok, rows_of = _pair_ok(problem), _Rows(problem, copy=False)  # _kept_out masks each group's own rows
    out = []
    for g in groups:
        rows = np.flatnonzero(assignment == g.id - 1)
        common = shared_mask(masks[rows])
        said = rows[masks[rows] != 0]
        notes: list[str] = []
        if rows.size < 2 or common == 0:
            out.append(g)
            continue
        if said.size == 0:
            notes.append("Nobody in the group listed free times, so the common-slot rule does not constrain it.")
        else:
            silent = [cohort.profiles[r].name or cohort.profiles[r].id for r in rows if masks[r] == 0]
            but = f" ({join_phrases(silent)} listed no times)" if silent else ""
            slots = join_phrases([slot_phrase(s) for s in slot_names(common)][:3])
            notes.append(f"Common free slot: everyone{' who listed times' if silent else ''} is free {slots}{but}.")
            kept = _kept_out(cohort, rows, common, masks, assignment, ok, rows_of)
            if kept:
                notes.append(kept)
        out.append(replace(g, reasons=g.reasons + tuple(notes)))
    return out


def _kept_out(cohort: Cohort, rows: npt.NDArray[np.int64], common: int, masks: Masks, assignment: npt.NDArray[np.int64],
              ok: Callable[[int, npt.NDArray[np.int64]], bool], weights: _Rows) -> str | None:
    for i in rows.tolist():
        w = weights.row(i).copy()
        w[rows] = -np.inf
        j = int(np.argmax(w))
        if not np.isfinite(w[j]) or w[j] <= 0 or masks[j] == 0 or int(masks[j]) & common:
            continue
        if w[j] <= float(weights.row(i)[rows[rows != i]].max(initial=0.0)) or not ok(j, rows):
            continue  # not a better match than the group has, or kept out by another rule
        name = cohort.profiles[j].name or cohort.profiles[j].id
        who = cohort.profiles[i].name or cohort.profiles[i].id
        return (f"{name} would suit {who} best, but is not free when this group can meet, so the "
                f"common-slot rule placed {name} in group {int(assignment[j]) + 1}.")
    return None
