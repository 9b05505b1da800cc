"""A grouping as a record: who is in which group, under which rules, and what was approved.

:class:`Grouping` is what a service stores for a cohort run: teacher ids only (no names,
no reasons), the size bounds and hard constraints the groups were formed under, the
approved groups and the seed, with ``to_dict``/``from_dict`` carrying a
``schema_version``. Everything a person reads (groups with reasons, figures, broken rules)
is produced from it on demand by :func:`~.review.explain_grouping`, so a teacher renamed or erased
since the run never survives in stored text.

Edits are methods returning a new record (:meth:`Grouping.approve`, :meth:`Grouping.move`,
:meth:`Grouping.erase`) and :func:`~.review.repair_grouping` (drop-outs, late joiners,
erased members). An *erased* member is a member id with no profile in the cohort (the service
replaces the id by a pseudonym): it keeps its place in its group, counts as lost, is
never named, and a repair refills its group.

Examples
--------
>>> from matcher.profiles.teacher import Cohort, TeacherProfile
>>> from matcher.cohorts.review import explain_grouping
>>> people = [TeacherProfile(id=f"t-{k}", name=f"Teacher {k}", school_urn=100049 + k, meeting_mode="online",
...                          challenges=("singing",) if k % 2 else ("composition",),
...                          strengths=("composition",) if k % 2 else ("singing",)) for k in range(4)]
>>> cohort = Cohort.from_profiles(people)
>>> grouping = Grouping(groups=(("t-0", "t-1"), ("t-2", "t-3")), size=(2, 2))
>>> result = explain_grouping(cohort, grouping)
>>> [g.members for g in result.groups], result.violations()
([('t-0', 't-1'), ('t-2', 't-3')], [])
>>> moved = grouping.approve(1).move("t-0", 1)
Traceback (most recent call last):
...
matcher.errors.InfeasibleError: group 2 is approved (locked): release it before moving people in or out
>>> moved = grouping.move("t-0", 1)
>>> moved.groups, explain_grouping(cohort, moved).violations()[0]
((('t-1',), ('t-2', 't-3', 't-0')), 'group 1: 1 member, outside the size range 2-2')
>>> Grouping.from_dict(moved.to_dict()) == moved
True
>>> gone = grouping.erase("t-3", "p-1a2b")
>>> gone.groups[1], gone.lost(cohort.subset(["t-0", "t-1", "t-2"]))
(('t-2', 'p-1a2b'), {1: ('p-1a2b',)})
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from ..affinity.terms import AffinityWeights
from ..errors import InfeasibleError, Issue, UnknownTeacherError, ValidationError
from ..profiles.teacher import Cohort
from .results import CohortResult

__all__ = ["Grouping", "SCHEMA_VERSION", "ERASED_NAME"]

SCHEMA_VERSION = 2  # version 1: the service's stored CohortResult.to_dict() with "index"/"approved"
ERASED_NAME = "Erased teacher"  # how an erased member is shown, wherever a name would be


def _pairs(value: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(a), str(b)) for a, b in (value or ()))


def _sets(value: Any) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(str(t) for t in s) for s in (value or ()))


def _invalid(field_name: str, value: Any, message: str) -> ValidationError:
    return ValidationError([Issue(None, field_name, str(value)[:80], message)], summary=f"not a valid grouping: {field_name} {message}")


@dataclass(frozen=True)
class Grouping:
    """Peer groups as teacher ids, with the rules they were formed under.

    Parameters
    ----------
    groups : tuple of tuples of teacher ids
        Group ``g`` (0-based index; the pages show ``g + 1``) and its members.
    size : (int, int)
        Smallest and largest group size.
    approved : tuple of int
        Indices of the groups a coordinator approved (locked against moves and repairs).
    keep_apart : pairs of teacher ids
        Never in one group.
    keep_together : sets of teacher ids
        Always in one group.
    avoid_previous, allow_same_school : bool
        Previous groupmates are kept apart / colleagues at one school may share a group.
    weights : AffinityWeights, optional
        The affinity model (default weights when ``None``).
    coverage : float
        Weight of challenge coverage in the search (see ``form_groups``).
    seed : int
        Seed of the run (and of the affinity).
    unplaced : tuple of teacher ids
        Teachers the run left out.
    erased : tuple of member ids
        Members erased since the run (pseudonyms): lost, never named.
    common_slot : bool
        Every group's members share a free slot (:mod:`.common_slot`); records stored
        before the option existed read as off.
    discourage : pairs of teacher ids
        Pairs kept apart where the rules allow, without a rule (earlier groupmates rotation
        could not keep apart: ``form_groups(discourage=...)``); a group holding one says so
        in its reasons. Records stored before the option existed read as none.
    seconds, upper_bound, moved, size_balance
        What the run reported: time taken, proven bound, members moved by the last edit, how
        group sizes were kept to the middle of the range (``CohortFigures.size_balance``).
    """

    groups: tuple[tuple[str, ...], ...]
    size: tuple[int, int]
    approved: tuple[int, ...] = ()
    keep_apart: tuple[tuple[str, str], ...] = ()
    keep_together: tuple[tuple[str, ...], ...] = ()
    avoid_previous: bool = True
    allow_same_school: bool = False
    weights: AffinityWeights | None = None
    coverage: float = 0.0
    seed: int = 0
    unplaced: tuple[str, ...] = ()
    erased: tuple[str, ...] = ()
    seconds: float = 0.0
    upper_bound: float | None = None
    moved: int | None = None
    size_balance: str | None = None
    common_slot: bool = False
    discourage: tuple[tuple[str, str], ...] = ()
    _where: Mapping[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        groups = _sets(self.groups)
        lo, hi = (int(x) for x in self.size)
        if not 1 <= lo <= hi:
            raise _invalid("size", self.size, "must be two whole numbers 1 <= smallest <= largest")
        where: dict[str, int] = {}
        for g, members in enumerate(groups):
            for t in members:
                if t in where:
                    raise _invalid("groups", t, f"is in group {where[t] + 1} and group {g + 1}")
                where[t] = g
        approved = tuple(sorted({int(g) for g in self.approved}))
        bad = [g for g in approved if not 0 <= g < len(groups)]
        if bad:
            raise _invalid("approved", bad[0], f"is not a group index (0 to {len(groups) - 1})")
        object.__setattr__(self, "groups", groups)
        object.__setattr__(self, "size", (lo, hi))
        object.__setattr__(self, "approved", approved)
        object.__setattr__(self, "keep_apart", _pairs(self.keep_apart))
        object.__setattr__(self, "keep_together", _sets(self.keep_together))
        object.__setattr__(self, "unplaced", tuple(str(t) for t in self.unplaced))
        object.__setattr__(self, "erased", tuple(sorted({str(t) for t in self.erased})))
        object.__setattr__(self, "seed", int(self.seed))
        object.__setattr__(self, "coverage", float(self.coverage))
        object.__setattr__(self, "seconds", float(self.seconds))
        object.__setattr__(self, "common_slot", bool(self.common_slot))
        object.__setattr__(self, "discourage", _pairs(self.discourage))
        object.__setattr__(self, "_where", where)

    # ---- reading ------------------------------------------------------------------------

    @property
    def teacher_ids(self) -> tuple[str, ...]:
        """Every member, group by group."""
        return tuple(t for g in self.groups for t in g)

    @property
    def assignment(self) -> Mapping[str, int]:
        """The group index of every member."""
        return dict(self._where)

    def group_of(self, teacher_id: str) -> int:
        """The index of ``teacher_id``'s group; :class:`UnknownTeacherError` if in none."""
        if teacher_id not in self._where:
            raise UnknownTeacherError(teacher_id)
        return self._where[teacher_id]

    def is_approved(self, index: int) -> bool:
        return index in self.approved

    def lost(self, cohort: Cohort) -> dict[int, tuple[str, ...]]:
        """Per group index, the members who are erased (no profile in ``cohort``)."""
        out: dict[int, tuple[str, ...]] = {}
        for g, members in enumerate(self.groups):
            gone = tuple(t for t in members if t in self.erased or t not in cohort.index)
            if gone:
                out[g] = gone
        return out

    # ---- edits (each returns a new record) -----------------------------------------------

    def approve(self, index: int, approved: bool = True) -> Grouping:
        """Approve (lock) the group ``index``, or release it with ``approved=False``."""
        self._check_index(index)
        keep = set(self.approved) - {index}
        return replace(self, approved=tuple(sorted(keep | ({index} if approved else set()))))

    def move(self, teacher_id: str, to_group: int) -> Grouping:
        """``teacher_id`` moved to the group ``to_group`` (0-based index).

        The move is made even if it breaks a size bound or a rule (the coordinator
        decides); ``explain_grouping(...).violations()`` says which rule and why, with the
        concrete reason (:class:`~.rules.PairRules`): "group 2: Fergus meets online only;
        Sanjay and Gareth in person only", "... are 14.2 km apart, beyond Sanjay's travel
        limit of 10 km", "... teach at the same school (...)", "... were groupmates before",
        "... are on the keep-apart list", "4 members, outside the size range 5-6", or, under
        ``common_slot``, "the members share no free slot (common-slot rule): ...".
        ``explain_grouping(...).group_violations()`` gives the same per group.

        Raises
        ------
        UnknownTeacherError
            For a teacher in no group.
        InfeasibleError
            For an erased member, a group that does not exist, the member's own group,
            or an approved (locked) source or target group.
        """
        source = self.group_of(teacher_id)
        self._check_index(to_group)
        if teacher_id in self.erased:
            raise InfeasibleError(f"member {teacher_id!r} was erased and cannot be moved; repair group {source + 1} instead")
        if source == to_group:
            raise InfeasibleError(f"{teacher_id!r} is already in group {to_group + 1}")
        for g in (source, to_group):
            if g in self.approved:
                raise InfeasibleError(f"group {g + 1} is approved (locked): release it before moving people in or out")
        groups = [tuple(t for t in members if t != teacher_id) for members in self.groups]
        groups[to_group] = groups[to_group] + (teacher_id,)
        return replace(self, groups=tuple(groups), seconds=0.0, upper_bound=None, moved=1)

    def erase(self, teacher_id: str, alias: str) -> Grouping:
        """The record with ``teacher_id`` replaced by ``alias`` wherever it is a member, and
        gone from the constraints and the unplaced list (nothing else links the two)."""
        groups = tuple(tuple(alias if t == teacher_id else t for t in g) for g in self.groups)
        was_member = teacher_id in self._where
        return replace(
            self,
            groups=groups,
            keep_apart=tuple(p for p in self.keep_apart if teacher_id not in p),
            discourage=tuple(p for p in self.discourage if teacher_id not in p),
            keep_together=tuple(k for k in (tuple(t for t in s if t != teacher_id) for s in self.keep_together) if len(k) >= 2),
            unplaced=tuple(t for t in self.unplaced if t != teacher_id),
            erased=(*self.erased, alias) if was_member else self.erased,
        )

    def _check_index(self, index: int) -> None:
        if not 0 <= int(index) < len(self.groups):
            raise InfeasibleError(f"there is no group {int(index) + 1} (groups are 1-{len(self.groups)})")

    # ---- building and storing -----------------------------------------------------------

    @classmethod
    def from_result(
        cls,
        result: CohortResult,
        *,
        size: tuple[int, int] | None = None,
        keep_apart: Sequence[tuple[str, str]] = (),
        keep_together: Sequence[Sequence[str]] = (),
        avoid_previous: bool = True,
        allow_same_school: bool = False,
        weights: AffinityWeights | None = None,
        coverage: float = 0.0,
        common_slot: bool | None = None,
        discourage: Sequence[tuple[str, str]] | None = None,
    ) -> Grouping:
        """The record of a :class:`CohortResult` (from ``form_groups`` or ``repair``),
        with the rules it was formed under (``size`` defaults to the problem's bounds;
        ``common_slot`` to whether the result's problem has the rule; ``discourage`` to the
        problem's discouraged pairs, by teacher id)."""
        m = int(result.problem.lower.size)
        groups: list[tuple[str, ...]] = [()] * max(m, max((g.id for g in result.groups), default=0))
        for g in result.groups:
            groups[g.id - 1] = g.members
        if size is None:
            size = (int(result.problem.lower.min(initial=1)), int(result.problem.upper.max(initial=1)))
        f = result.figures
        return cls(
            groups=tuple(groups), size=size, approved=tuple(g.id - 1 for g in result.groups if g.locked),
            keep_apart=_pairs(keep_apart), keep_together=_sets(keep_together), avoid_previous=avoid_previous,
            allow_same_school=allow_same_school, weights=weights, coverage=coverage, seed=f.seed,
            unplaced=result.unplaced, seconds=f.seconds, upper_bound=f.upper_bound, moved=f.moved, size_balance=f.size_balance,
            common_slot=result.problem.slots is not None if common_slot is None else common_slot,
            discourage=tuple((result.ids[i], result.ids[j]) for i, j in result.problem.discouraged.tolist())
            if discourage is None else _pairs(discourage),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, with ``schema_version``."""
        return {
            "schema_version": SCHEMA_VERSION,
            "groups": [list(g) for g in self.groups],
            "size": list(self.size),
            "approved": list(self.approved),
            "keep_apart": [list(p) for p in self.keep_apart],
            "keep_together": [list(s) for s in self.keep_together],
            "avoid_previous": self.avoid_previous,
            "allow_same_school": self.allow_same_school,
            "weights": None if self.weights is None else asdict(self.weights),
            "coverage": self.coverage,
            "seed": self.seed,
            "unplaced": list(self.unplaced),
            "erased": list(self.erased),
            "seconds": self.seconds,
            "upper_bound": self.upper_bound,
            "moved": self.moved,
            "size_balance": self.size_balance,
            "common_slot": self.common_slot,
            "discourage": [list(p) for p in self.discourage],
        }

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Any],
        *,
        size: tuple[int, int] | None = None,
        keep_apart: Sequence[tuple[str, str]] = (),
        keep_together: Sequence[Sequence[str]] = (),
    ) -> Grouping:
        """Read :meth:`to_dict` output of this or an older version.

        Version 1 (no ``schema_version``) is the stored ``CohortResult.to_dict()`` with a
        0-based ``index`` and ``approved`` per group; it holds no rules, so ``size``
        (default: the smallest and largest group), ``keep_apart`` and ``keep_together``
        give them. For version 2 these keywords are ignored.

        Raises
        ------
        ValidationError
            For a newer or unknown ``schema_version``, or a malformed record.
        """
        if not isinstance(data, Mapping):
            raise _invalid("grouping", type(data).__name__, "must be a mapping (the output of Grouping.to_dict)")
        version = data.get("schema_version", 1)
        try:
            if version == 1:
                return cls._from_version_1(data, size, keep_apart, keep_together)
            if version == SCHEMA_VERSION:
                weights = data.get("weights")
                return cls(
                    groups=data["groups"], size=tuple(data["size"]), approved=data.get("approved", ()),
                    keep_apart=data.get("keep_apart", ()), keep_together=data.get("keep_together", ()),
                    avoid_previous=bool(data.get("avoid_previous", True)), allow_same_school=bool(data.get("allow_same_school", False)),
                    weights=None if weights is None else AffinityWeights(**weights), coverage=data.get("coverage", 0.0),
                    seed=data.get("seed", 0), unplaced=data.get("unplaced", ()), erased=data.get("erased", ()),
                    seconds=data.get("seconds", 0.0), upper_bound=data.get("upper_bound"), moved=data.get("moved"),
                    size_balance=data.get("size_balance"), common_slot=bool(data.get("common_slot", False)),
                    discourage=data.get("discourage", ()),
                )
        except ValidationError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise _invalid("grouping", repr(exc), f"is malformed for schema version {version}") from None
        raise ValidationError(
            [Issue(None, "schema_version", str(version), f"this matcher reads versions 1 to {SCHEMA_VERSION}")],
            summary=f"unknown grouping schema_version {version!r}: this matcher reads versions 1 to {SCHEMA_VERSION} (upgrade matcher to read newer records)",
        )

    @classmethod
    def _from_version_1(
        cls,
        data: Mapping[str, Any],
        size: tuple[int, int] | None,
        keep_apart: Sequence[tuple[str, str]],
        keep_together: Sequence[Sequence[str]],
    ) -> Grouping:
        def number(v: object) -> float | None:
            return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None

        by_index: dict[int, Mapping[str, Any]] = {}
        for position, g in enumerate(data.get("groups") or ()):
            index = g.get("index", int(g["id"]) - 1 if isinstance(g.get("id"), int) else position)
            by_index[int(index)] = g
        m = max(by_index, default=-1) + 1
        groups = tuple(tuple(by_index[g].get("members", ())) if g in by_index else () for g in range(m))
        if size is None:
            sizes = [len(g) for g in groups if g] or [1]
            size = (min(sizes), max(sizes))
        figures = data.get("figures") or {}
        moved = number(figures.get("moved"))
        return cls(
            groups=groups, size=size, approved=tuple(g for g, x in by_index.items() if x.get("approved")),
            keep_apart=_pairs(keep_apart), keep_together=_sets(keep_together), seed=int(number(figures.get("seed")) or 0),
            unplaced=tuple(data.get("unplaced") or ()), seconds=float(number(figures.get("seconds")) or 0.0),
            upper_bound=number(figures.get("upper_bound")), moved=None if moved is None else int(moved),
        )
