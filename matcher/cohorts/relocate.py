"""Move one member who says their group is not a good fit, keeping everyone else's group.

:func:`suggest_move` is the repair a coordinator is offered for a "not a good fit" flag:
only the flagged teacher changes group (:meth:`Grouping.move`), so every other member keeps
theirs. The target is the group whose members the teacher scores best with (mean pair
affinity under the grouping's own weights and rules), among groups where every new pair is
allowed (meeting mode and travel, same school, previous groupmates, keep-apart), that are
not approved (locked) and have room (below the largest size). When the grouping has the
common-slot rule (``Grouping.common_slot``), a target's members and the teacher must share a
free slot (:mod:`.common_slot`: members who listed none do not constrain); without the rule,
among groups the teacher scores equally well with, one sharing a slot with them comes first
(and the suggestion says when the target shares none). The teacher's own group must keep at
least the smallest size without them; when it cannot, the suggestion says so instead of
breaking it.

Examples
--------
>>> from matcher.profiles.teacher import Cohort, TeacherProfile
>>> people = [TeacherProfile(id=f"t-{k}", name=f"T{k}", school_urn=100049 + k, meeting_mode="online",
...                          challenges=("singing",) if k % 2 else ("composition",),
...                          strengths=("composition",) if k % 2 else ("singing",)) for k in range(7)]
>>> g = Grouping(groups=(("t-0", "t-1", "t-2"), ("t-3", "t-4"), ("t-5", "t-6")), size=(2, 3))
>>> s = suggest_move(g, Cohort.from_profiles(people), "t-0")
>>> s.from_group, s.to_group in (2, 3), s.grouping.group_of("t-0") == s.to_group - 1
(1, True, True)
>>> [m for m in s.grouping.groups[0]]
['t-1', 't-2']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..affinity.arrays import teacher_arrays
from ..affinity.terms import AffinityOptions, score_against_all
from ..errors import InfeasibleError, UnknownTeacherError
from ..profiles.teacher import Cohort
from .common_slot import group_shares, slot_masks
from .grouping import Grouping

__all__ = ["MoveSuggestion", "suggest_move"]


@dataclass(frozen=True)
class MoveSuggestion:
    """A one-member move: ``teacher_id`` from group ``from_group`` to ``to_group`` (1-based).

    ``score_before`` / ``score_after`` are the teacher's mean pair affinity to their
    groupmates now and after the move (the grouping's weights, 0 to about 1);
    ``grouping`` is the record after the move (only the teacher's group changes).
    ``candidates`` is how many groups were possible targets; ``shares_slot`` whether the
    target's members and the teacher share a free slot (always, under the common-slot rule).
    """

    teacher_id: str
    from_group: int
    to_group: int
    score_before: float
    score_after: float
    candidates: int
    grouping: Grouping
    shares_slot: bool = True

    @property
    def reason(self) -> str:
        """One sentence for the coordinator."""
        change = "better" if self.score_after > self.score_before else "no better"
        return (
            f"Move {self.teacher_id} from group {self.from_group} to group {self.to_group}: "
            f"mean affinity with groupmates {self.score_before:.2f} now, {self.score_after:.2f} there ({change}); "
            "nobody else changes group."
            + ("" if self.shares_slot else " The members there share no free slot with them: they will need to agree a time.")
        )


def suggest_move(grouping: Grouping, cohort: Cohort, teacher_id: str) -> MoveSuggestion:
    """The best single move of ``teacher_id`` that keeps every other member's group.

    Parameters
    ----------
    grouping : Grouping
        The current groups (their size range, rules and weights are kept).
    cohort : Cohort
        Profiles of the members (erased members, with no profile, are ignored).
    teacher_id : str
        The member to move.

    Returns
    -------
    MoveSuggestion

    Raises
    ------
    UnknownTeacherError
        For a teacher in no group, or with no profile in ``cohort``.
    InfeasibleError
        When the teacher's group is approved (locked), would fall below the smallest size
        without them, or no other group can take them under the rules.
    """
    source = grouping.group_of(teacher_id)
    if teacher_id not in cohort.index:
        raise UnknownTeacherError(teacher_id)
    lo, hi = grouping.size
    if grouping.is_approved(source):
        raise InfeasibleError(f"group {source + 1} is approved (locked): release it before moving {teacher_id}")
    if len(grouping.groups[source]) - 1 < lo:
        raise InfeasibleError(f"group {source + 1} would have {len(grouping.groups[source]) - 1} members without {teacher_id}, below the smallest size {lo}")
    arrays = teacher_arrays(cohort)
    options = AffinityOptions(
        allow_same_school=grouping.allow_same_school,
        avoid_previous=grouping.avoid_previous,
        keep_apart=tuple(p for p in grouping.keep_apart if p[0] in cohort.index and p[1] in cohort.index),
    )
    scores = score_against_all(arrays, cohort.row(teacher_id), grouping.weights, options)
    masks = slot_masks(p.availability for p in cohort.profiles)
    me = cohort.row(teacher_id)
    best: tuple[float, bool, int] | None = None
    candidates, before = 0, 0.0
    for index, members in enumerate(grouping.groups):
        rows = np.array([cohort.row(t) for t in members if t != teacher_id and t in cohort.index], dtype=np.int64)
        if index == source:
            before = float(scores.total[rows].mean()) if rows.size else 0.0
            continue
        if grouping.is_approved(index) or len(members) >= hi or not rows.size or not bool(scores.allowed[rows].all()):
            continue
        shares = group_shares(masks, np.append(rows, me))
        if grouping.common_slot and not shares:
            continue
        candidates += 1
        mean = float(scores.total[rows].mean())
        # equal scores (to rounding): the group sharing a free slot with the teacher first
        if best is None or (round(mean, 9), shares) > (round(best[0], 9), best[1]):
            best = (mean, shares, index)
    if best is None:
        slot = ", shares no free slot with them (common-slot rule)" if grouping.common_slot else ""
        raise InfeasibleError(f"no other group can take {teacher_id}: every group is full, approved{slot}, or has a member they may not be grouped with")
    return MoveSuggestion(
        teacher_id=teacher_id,
        from_group=source + 1,
        to_group=best[2] + 1,
        score_before=round(before, 4),
        score_after=round(best[0], 4),
        candidates=candidates,
        grouping=grouping.move(teacher_id, best[2]),
        shares_slot=best[1],
    )
