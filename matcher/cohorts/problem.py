"""What a grouping problem is: weights, group size bounds and hard constraints.

Splitting ``n`` people into ``m`` groups, group ``g`` holding between ``lower[g]`` and
``upper[g]`` members, so that the summed weight of the pairs that share a group is as large
as possible, is the Maximally Diverse Grouping Problem (MDGP). Cohort generation is this
problem with pairwise affinities as weights plus hard constraints: pairs that may not share
a group, sets that must stay together, and groups a coordinator has locked.

Examples
--------
>>> import numpy as np
>>> w = np.array([[0, 5, 1, 1], [5, 0, 1, 1], [1, 1, 0, 5], [1, 1, 5, 0]], dtype=float)
>>> problem = GroupingProblem.from_size_range(w, (2, 2))
>>> problem.n, problem.m, problem.objective([0, 0, 1, 1])
(4, 2, 10.0)
>>> GroupingProblem.from_size_range(np.zeros((7, 7)), (4, 4), noun="teachers")
Traceback (most recent call last):
...
matcher.errors.InfeasibleError: 7 teachers cannot be split into groups of exactly 4: 4 leaves 3 over
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol, TypeAlias, TypeVar

import numpy as np
import numpy.typing as npt
from scipy import sparse

from ..errors import InfeasibleError
from ..pairkeys import unique_pairs
from ..places.meeting import MeetingRange
from .common_slot import slot_failures
from .feasibility import _invalid, check_feasible, check_shapes
from .pairsets import _merge_sets, _pair_lookup, same_group_pairs
from .sizes import parse_size_range, plan_group_count

# the size helpers and ``same_group_pairs`` live below, and are re-exported here for callers
__all__ = ["GroupingProblem", "Violation", "PairExplainer", "plan_group_count", "parse_size_range", "same_group_pairs"]


class PairExplainer(Protocol):
    """Says why members may not share a group (see :class:`~.rules.PairRules`)."""

    def group_sentences(self, pairs: Iterable[tuple[int, int]]) -> list[str]:
        """The broken ``pairs`` of one group, in sentences naming the rule and the reason."""
        ...

    def counts(self, pairs: Sequence[tuple[int, int]] | np.ndarray) -> dict[str, int]:
        """How many of ``pairs`` each rule keeps apart."""
        ...


@dataclass(frozen=True)
class Violation:
    """One broken rule: the 0-based ``group`` it is about (``None``: across groups), its
    ``kind`` ("size", "pair", "together", "locked", "slot", "shape") and the ``message``, which does
    not repeat the group's number; ``str()`` adds it ("group 3: ...").

    >>> str(Violation(2, "size", "7 members, outside the size range 4-6"))
    'group 3: 7 members, outside the size range 4-6'
    """

    group: int | None
    kind: str
    message: str

    def __str__(self) -> str:
        return self.message if self.group is None else f"group {self.group + 1}: {self.message}"

#: Pair weights as stored: a dense read-only float matrix or a CSR float matrix.
DenseWeights: TypeAlias = npt.NDArray[np.float64]
SparseWeights: TypeAlias = "sparse.csr_array[np.float64, tuple[int, int]]"
#: Sparse pair weights as given (any of the usual scipy formats; converted to CSR).
SparseLike: TypeAlias = (
    "sparse.csr_array[Any, Any] | sparse.csc_array[Any] | sparse.coo_array[Any, Any] | sparse.csr_matrix[Any]"
)
#: Pair weights as given: anything array-like, or a scipy sparse matrix (``sparray``: what
#: :class:`~.grouping_affinity.GroupingAffinity` promises, in practice a ``csr_array``).
WeightsLike: TypeAlias = "npt.ArrayLike | SparseLike | sparse.sparray[Any, Any]"
_ArrayT = TypeVar("_ArrayT", bound="np.ndarray[Any, Any]")


@dataclass(frozen=True, eq=False, init=False)
class GroupingProblem:
    """A size-bounded grouping problem with hard constraints (immutable).

    Parameters
    ----------
    weights : ndarray or scipy sparse matrix, shape (n, n)
        Symmetric pair weights, higher = better together; the diagonal is ignored.
        Sparse weights (CSR) mean "absent pairs weigh 0" and suit large cohorts.
    lower, upper : ndarray of int, shape (m,)
        Size bounds of each group, in members.
    allowed : ndarray of bool, shape (n, n), optional
        ``False`` where two members may not share a group (keep-apart, same school,
        previous groupmates, out of travel range). ``None``: every pair is allowed.
    forbidden : ndarray of int, shape (k, 2), optional
        More pairs that may not share a group, as index pairs (handy with sparse weights).
    keep_together : tuple of tuples of int
        Sets of members that must share a group (overlapping sets are merged).
    locked : mapping of int to tuple of int, or tuple of tuples of int
        ``locked[g]`` are the members of group ``g``, approved and fixed: nobody leaves
        or joins these groups. A plain sequence locks the first groups, in order.
    meeting : MeetingRange, optional
        Places and travel limits: in-person-only members may share a group only with
        members they can reach (see :class:`~.meeting.MeetingRange`). Dense problems list
        the pairs that cannot meet with the forbidden pairs; sparse ones check them on the fly.
    labels : tuple of str, optional
        Names of the members for messages (e.g. teacher ids).
    noun : str
        What the members are called in messages ("teachers", "elements").
    rules : PairExplainer, optional
        Says why members may not share a group (e.g. :class:`~.rules.PairRules`), for
        :meth:`broken_rules` and :meth:`rule_counts`.
    slots : ndarray of uint64, shape (n,), optional
        The common-slot rule (:mod:`.common_slot`), off when ``None``: member availability
        bitmasks (0: none listed); groups sharing no slot break it (kind ``"slot"``).
    discouraged : ndarray of int, shape (k, 2), optional
        Pairs the search avoids without a hard rule (earlier groupmates rotation could
        not keep apart): they weigh less in the search (:mod:`.penalties`), break no rule,
        and the groups holding one say so. Stored sorted and unique.
    """

    # The fields hold the normalised values (see ``__init__`` for what may be passed in).
    weights: DenseWeights | SparseWeights
    lower: npt.NDArray[np.int64]
    upper: npt.NDArray[np.int64]
    allowed: npt.NDArray[np.bool_] | None
    forbidden: npt.NDArray[np.int64]
    keep_together: tuple[tuple[int, ...], ...]
    locked: Mapping[int, tuple[int, ...]]
    meeting: MeetingRange | None
    labels: tuple[str, ...] | None
    noun: str
    rules: PairExplainer | None = field(default=None, repr=False)
    slots: npt.NDArray[np.uint64] | None = field(default=None, repr=False)
    discouraged: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64), repr=False)
    _blocks: tuple[tuple[int, ...], ...] = field(default=(), init=False, repr=False)

    def __init__(
        self,
        weights: WeightsLike,
        lower: npt.ArrayLike,
        upper: npt.ArrayLike,
        allowed: npt.ArrayLike | None = None,
        forbidden: npt.ArrayLike | None = None,
        keep_together: Iterable[Iterable[int]] = (),
        locked: Mapping[int, Iterable[int]] | Iterable[Iterable[int]] = (),
        meeting: MeetingRange | None = None,
        labels: Iterable[object] | None = None,
        noun: str = "people",
        rules: PairExplainer | None = None,
        slots: npt.ArrayLike | None = None,
        discouraged: npt.ArrayLike | None = None,
    ) -> None:
        w: DenseWeights | SparseWeights
        if isinstance(weights, (sparse.sparray, sparse.spmatrix)):  # == sparse.issparse, but narrows
            # scipy-stubs: sparray is a mixin, not a sparse matrix type (every sparray at run time is one);
            # and csr_array(dtype=) takes no sparse input, hence astype
            w = sparse.csr_array(weights).astype(np.float64, copy=False)  # type: ignore[arg-type]
        else:
            w = np.array(weights, dtype=np.float64, copy=True)
            w.setflags(write=False)
        lower_ = np.array(lower, dtype=np.int64).reshape(-1)
        upper_ = np.array(upper, dtype=np.int64).reshape(-1)
        allowed_ = None if allowed is None else np.array(allowed, dtype=bool, copy=True)
        forbidden_ = (
            np.zeros((0, 2), dtype=np.int64)
            if forbidden is None
            else np.array(forbidden, dtype=np.int64).reshape(-1, 2)
        )
        for arr in (lower_, upper_, forbidden_, allowed_):
            if arr is not None:
                arr.setflags(write=False)
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "lower", lower_)
        object.__setattr__(self, "upper", upper_)
        object.__setattr__(self, "allowed", allowed_)
        object.__setattr__(self, "forbidden", forbidden_)
        object.__setattr__(self, "keep_together", tuple(tuple(int(i) for i in s) for s in keep_together))
        items = locked.items() if isinstance(locked, Mapping) else enumerate(locked)
        locked_ = {int(g): tuple(int(i) for i in s) for g, s in items}
        object.__setattr__(self, "locked", MappingProxyType(dict(sorted(locked_.items()))))
        object.__setattr__(self, "labels", None if labels is None else tuple(str(x) for x in labels))
        object.__setattr__(self, "noun", noun)
        object.__setattr__(self, "rules", rules)
        object.__setattr__(self, "meeting", meeting)
        slots_ = None if slots is None else np.array(slots, dtype=np.uint64).reshape(-1)
        if slots_ is not None:
            slots_.setflags(write=False)
            if slots_.shape != (self.n,):
                raise _invalid("slots", f"slots must list one mask per member ({self.n}), got {slots_.shape[0]}")
        object.__setattr__(self, "slots", slots_)
        soft = np.zeros((0, 2), dtype=np.int64) if discouraged is None else np.array(discouraged, dtype=np.int64).reshape(-1, 2)
        if soft.size and (soft.min() < 0 or soft.max() >= self.n):
            raise _invalid("discouraged", f"discouraged pairs must be member indices 0..{self.n - 1}")
        soft = np.sort(soft, axis=1)
        soft = unique_pairs(soft[soft[:, 0] != soft[:, 1]], self.n) if len(soft) else soft
        soft.setflags(write=False)
        object.__setattr__(self, "discouraged", soft)
        if meeting is not None:
            if not isinstance(meeting, MeetingRange):
                raise _invalid("meeting", "meeting must be a MeetingRange", type(meeting).__name__)
            if meeting.n != self.n:
                raise _invalid("meeting", f"meeting range covers {meeting.n} members, weights {self.n}")
            if not meeting.in_person_only.any():
                object.__setattr__(self, "meeting", None)  # nobody is bound by it
        check_shapes(self)
        object.__setattr__(self, "_blocks", _merge_sets(self.keep_together))

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_size_range(
        cls,
        weights: DenseWeights | SparseLike,
        size: str | int | tuple[int, int],
        *,
        groups: int | None = None,
        noun: str = "people",
        **kwargs: Any,
    ) -> GroupingProblem:
        """Build a problem whose groups all share one size range, choosing the number of
        groups (see :func:`plan_group_count`) unless ``groups`` is given."""
        lo, hi = parse_size_range(size)
        n = weights.shape[0]
        m = plan_group_count(n, (lo, hi), noun=noun) if groups is None else int(groups)
        if groups is not None and not (m * lo <= n <= m * hi):
            raise InfeasibleError(f"{n} {noun} cannot fill {m} groups of {lo} to {hi} (that takes {m * lo} to {m * hi})")
        return cls(weights, np.full(m, lo), np.full(m, hi), noun=noun, **kwargs)

    # ------------------------------------------------------------------ basic facts
    @property
    def n(self) -> int:
        return int(self.weights.shape[0])

    @property
    def m(self) -> int:
        return int(self.lower.shape[0])

    @property
    def is_sparse(self) -> bool:
        return sparse.issparse(self.weights)

    @property
    def blocks(self) -> tuple[tuple[int, ...], ...]:
        """Keep-together sets after merging overlapping ones (sorted members)."""
        return self._blocks

    def name(self, i: int) -> str:
        """How member ``i`` is called in messages."""
        return self.labels[i] if self.labels is not None else f"#{i}"

    def forbidden_pairs(self) -> npt.NDArray[np.int64]:
        """All pairs ``(i, j)``, ``i < j``, that may not share a group, as a (k, 2) array
        (computed once; read-only). With sparse weights, pairs kept apart by the meeting
        range are not listed (there can be millions): see :meth:`broken_pairs`."""
        return self._cached("_forbidden_cache", lambda: self._pairs(meeting=not self.is_sparse))

    def explicit_pairs(self) -> npt.NDArray[np.int64]:
        """Forbidden pairs given as ``forbidden`` or ``allowed`` (without the meeting range)."""
        return self._cached("_explicit_cache", lambda: self._pairs(meeting=False))

    def _cached(self, key: str, compute: Callable[[], _ArrayT]) -> _ArrayT:
        value: _ArrayT | None = self.__dict__.get(key)
        if value is None:
            value = compute()
            value.setflags(write=False)
            object.__setattr__(self, key, value)
        return value

    def _pairs(self, *, meeting: bool) -> npt.NDArray[np.int64]:
        parts = [np.sort(self.forbidden, axis=1)] if len(self.forbidden) else []
        if self.allowed is not None:
            i, j = np.nonzero(np.triu(~self.allowed, 1))
            parts.append(np.column_stack([i, j]))
        if meeting and self.meeting is not None:
            parts.append(self.meeting.unmeetable_pairs())
        if not parts:
            return np.zeros((0, 2), dtype=np.int64)
        return unique_pairs(np.concatenate(parts), self.n)

    def active_constraints(self) -> int:
        """How many hard constraints bind: forbidden pairs, keep-together sets, locked groups
        and, with a meeting range, the in-person-only members."""
        meeting = 0 if self.meeting is None else int(self.meeting.in_person_only.sum())
        return len(self.explicit_pairs()) + meeting + len(self.blocks) + len(self.locked)

    def rule_counts(self) -> dict[str, int]:
        """The hard constraints in force, by kind: with ``rules``, the pairs each pair rule keeps
        apart (a pair counts under every rule it breaks); without, ``pairs_apart``. Then
        ``keep_together`` sets, ``locked`` groups and, for sparse problems whose meeting range
        is checked on the fly (its pairs are not listed), ``in_person_only`` members."""
        pairs = self.explicit_pairs() if self.is_sparse else self.forbidden_pairs()
        out = self.rules.counts(pairs) if self.rules is not None else {"pairs_apart": len(pairs)}
        out.update(keep_together=len(self.blocks), locked=len(self.locked))
        if self.is_sparse and self.meeting is not None:
            # the pairs who cannot meet are not listed here: counting only the listed ones
            # that also cannot meet would understate them; say who is bound instead
            out.pop("cannot_meet", None)
            out["in_person_only"] = int(self.meeting.in_person_only.sum())
        return out

    def broken_pairs(self, assignment: Sequence[int] | npt.NDArray[np.integer[Any]]) -> npt.NDArray[np.int64]:
        """The pairs ``(i, j)``, ``i < j``, that share a group in ``assignment`` but may
        not (forbidden, or out of each other's reach), as a sorted (k, 2) array."""
        a = np.asarray(assignment, dtype=np.int64)
        explicit = self.explicit_pairs()
        parts = [explicit[a[explicit[:, 0]] == a[explicit[:, 1]]]]
        if self.meeting is not None:
            i, j = same_group_pairs(a, np.flatnonzero(self.meeting.in_person_only))
            bad = ~self.meeting.can_meet(i, j)
            parts.append(np.column_stack([np.minimum(i[bad], j[bad]), np.maximum(i[bad], j[bad])]))
        pairs = np.concatenate(parts).astype(np.int64)
        return unique_pairs(pairs, self.n)

    def partner_counts(self, keep: npt.NDArray[np.bool_] | None = None) -> npt.NDArray[np.int64]:
        """For each member, how many of the ``keep`` members (default: all) it may share a
        group with, itself not counted."""
        n = self.n
        keep = np.ones(n, dtype=bool) if keep is None else np.asarray(keep, dtype=bool)
        kept = int(keep.sum())
        if self.meeting is None or not self.is_sparse:
            out = kept - keep.astype(np.int64)
            pairs = self.forbidden_pairs()
        else:
            strict = self.meeting.in_person_only
            reach = self.meeting.reachable_pairs()
            loose_kept = int((keep & ~strict).sum())
            out = np.where(strict, 0, loose_kept - (keep & ~strict)).astype(np.int64)
            for x, y in ((0, 1), (1, 0)):
                np.add.at(out, reach[keep[reach[:, y]], x], 1)
            pairs = self.explicit_pairs()
            # only forbidden pairs that the meeting range would otherwise allow take a partner away
            ok = ~(strict[pairs[:, 0]] | strict[pairs[:, 1]])
            if len(reach) and len(pairs):
                keys = np.sort(reach[:, 0] * n + reach[:, 1])
                want = pairs[:, 0] * n + pairs[:, 1]
                at = np.minimum(np.searchsorted(keys, want), len(keys) - 1)
                ok |= keys[at] == want
            pairs = pairs[ok]
        for x, y in ((0, 1), (1, 0)):
            np.add.at(out, pairs[keep[pairs[:, y]], x], -1)
        return out

    def objective(self, assignment: Sequence[int] | npt.NDArray[np.integer[Any]]) -> float:
        """Summed weight of the pairs that share a group (forbidden pairs count as usual)."""
        a = np.asarray(assignment, dtype=np.int64)
        w = self.weights
        if not isinstance(w, np.ndarray):
            coo = sparse.triu(w, 1).tocoo()
            same = a[coo.row] == a[coo.col]
            return float(coo.data[same].sum())
        total = 0.0
        for start in range(0, self.n, 1024):  # row blocks keep the temporary small
            block = w[start : start + 1024]
            same = a[start : start + 1024, None] == a[None, :]
            total += float(np.where(same, block, 0.0).sum())
        return (total - float(np.trace(w))) / 2.0

    def violations(self, assignment: Sequence[int] | npt.NDArray[np.integer[Any]]) -> list[str]:
        """Every broken constraint of ``assignment``, in plain words (empty = feasible)."""
        return [str(v) for v in self.broken_rules(assignment)]

    def broken_rules(self, assignment: Sequence[int] | np.ndarray) -> list[Violation]:
        """Every broken constraint of ``assignment`` as a :class:`Violation` (empty = feasible).

        With ``rules`` (e.g. :class:`~.rules.PairRules`), the pairs that may not share a
        group are said group by group with the rule and the concrete reason; without, as
        "X and Y may not share a group".
        """
        a = np.asarray(assignment, dtype=np.int64)
        if a.shape != (self.n,):
            return [Violation(None, "shape", f"expected one group per member ({self.n}), got {a.shape[0] if a.ndim else 0}")]
        if self.n and (a.min() < 0 or a.max() >= self.m):
            return [Violation(None, "shape", f"group numbers must be 0..{self.m - 1}")]
        out: list[Violation] = []
        sizes = np.bincount(a, minlength=self.m)
        for g in range(self.m):
            if not self.lower[g] <= sizes[g] <= self.upper[g]:
                out.append(Violation(g, "size", f"{sizes[g]} member{'s' if sizes[g] != 1 else ''}, outside the size range {self.lower[g]}-{self.upper[g]}"))
        explicit = _pair_lookup(self.explicit_pairs())
        by_group: dict[int, list[tuple[int, int]]] = {}
        for i, j in self.broken_pairs(a):
            by_group.setdefault(int(a[i]), []).append((int(i), int(j)))
        for g, pairs in sorted(by_group.items()):
            if self.rules is not None:
                out.extend(Violation(g, "pair", text) for text in self.rules.group_sentences(pairs))
                continue
            for i, j in pairs:
                why = "may not share a group" if explicit(i, j) else "cannot meet in person"
                out.append(Violation(g, "pair", f"{self.name(i)} and {self.name(j)} {why}"))
        for block in self.blocks:
            if len({int(a[i]) for i in block}) > 1:
                out.append(Violation(None, "together", "must stay together but were split: " + ", ".join(self.name(i) for i in block)))
        for g, members in self.locked.items():
            now = set(np.flatnonzero(a == g).tolist())
            if now != set(members):
                out.append(Violation(g, "locked", "approved (locked), but its members changed"))
        out.extend(Violation(g, "slot", why) for g, why in slot_failures(self.slots, a, self.m, self.name))
        return sorted(out, key=lambda v: (v.group is None, v.group or 0))

    # ------------------------------------------------------------------ validation
    def validate(self) -> GroupingProblem:
        """Check that the constraints can be met at all; raise :class:`InfeasibleError`
        saying why not (:func:`.feasibility.check_feasible`). Returns the problem, so calls can be chained."""
        check_feasible(self)
        return self
