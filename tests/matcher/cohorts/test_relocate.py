"""Tests of ``matcher/cohorts/relocate.py``: the one-member move offered for a "not a good fit" flag."""

from __future__ import annotations

import pytest

from matcher.cohorts import Grouping, suggest_move
from matcher.errors import InfeasibleError, UnknownTeacherError
from matcher.profiles.teacher import Cohort, TeacherProfile


URNS = (100001, 100003, 100049, 100050, 100051, 100052, 100053, 100054, 100055, 100056)  # shipped schools


def person(k: int, **changes) -> TeacherProfile:
    return TeacherProfile(id=f"t-{k}", name=f"T{k}", school_urn=URNS[k], meeting_mode="online", **changes)


def cohort(n: int = 9) -> Cohort:
    # t-0 needs singing; only t-7 is strong in it
    people = [person(0, challenges=("singing",))] + [person(k, strengths=("singing",) if k == 7 else ()) for k in range(1, n)]
    return Cohort.from_profiles(people)


GROUPS = (("t-0", "t-1", "t-2"), ("t-3", "t-4", "t-5"), ("t-6", "t-7"), ("t-8",))


def test_moves_only_the_teacher_to_the_group_they_fit_best():
    g = Grouping(groups=GROUPS, size=(1, 3))
    s = suggest_move(g, cohort(), "t-0")
    assert (s.from_group, s.to_group) == (1, 3) and s.score_after > s.score_before
    assert s.grouping.groups == (("t-1", "t-2"), GROUPS[1], ("t-6", "t-7", "t-0"), GROUPS[3])
    assert s.candidates == 2  # group 2 is full; groups 3 and 4 have room
    assert "nobody else changes group" in s.reason


def test_approved_full_and_forbidden_groups_are_not_targets():
    c = cohort()
    assert suggest_move(Grouping(groups=GROUPS, size=(1, 3), approved=(2,)), c, "t-0").to_group == 4
    apart = Grouping(groups=GROUPS, size=(1, 3), keep_apart=(("t-0", "t-7"),))
    assert suggest_move(apart, c, "t-0").to_group == 4
    with pytest.raises(InfeasibleError, match="no other group can take"):
        suggest_move(Grouping(groups=GROUPS, size=(1, 3), approved=(2, 3)), c, "t-0")


def test_refuses_to_break_the_teachers_own_group_or_an_unknown_teacher():
    c = cohort()
    with pytest.raises(InfeasibleError, match="below the smallest size 3"):
        suggest_move(Grouping(groups=(("t-0", "t-1", "t-2"), ("t-3", "t-4", "t-5", "t-6")), size=(3, 5)), c, "t-0")
    with pytest.raises(InfeasibleError, match="approved"):
        suggest_move(Grouping(groups=GROUPS, size=(1, 3), approved=(0,)), c, "t-0")
    with pytest.raises(UnknownTeacherError):
        suggest_move(Grouping(groups=GROUPS, size=(1, 3)), c, "t-99")


def test_the_common_slot_rule_keeps_the_move_to_groups_sharing_a_free_slot():
    """Regression: the suggested repair could move a member into a group they share no free slot with."""
    slots = {0: ("mon_pm",), 6: ("tue_pm",), 7: ("tue_pm",)}  # t-8 listed none: does not constrain
    people = [person(0, challenges=("singing",), availability=slots[0])] + [
        person(k, strengths=("singing",) if k == 7 else (), availability=slots.get(k, ())) for k in range(1, 9)
    ]
    c = Cohort.from_profiles(people)
    free = suggest_move(Grouping(groups=GROUPS, size=(1, 3)), c, "t-0")
    assert free.to_group == 3 and not free.shares_slot and "share no free slot" in free.reason  # without the rule: said, not hidden
    ruled = suggest_move(Grouping(groups=GROUPS, size=(1, 3), common_slot=True), c, "t-0")
    assert ruled.to_group == 4 and ruled.shares_slot and ruled.candidates == 1 and "free slot" not in ruled.reason
    with pytest.raises(InfeasibleError, match="common-slot rule"):
        suggest_move(Grouping(groups=GROUPS, size=(1, 3), common_slot=True, approved=(3,)), c, "t-0")


def test_among_equal_groups_the_one_sharing_a_slot_comes_first():
    twin = {"school_urn": URNS[5]}  # t-2 and t-3 alike but for their free time
    people = [person(0, availability=("mon_pm",)), person(1),
              TeacherProfile(id="t-2", name="T", meeting_mode="online", availability=("tue_pm",), **twin),
              TeacherProfile(id="t-3", name="T", meeting_mode="online", availability=("mon_pm",), **twin)]
    s = suggest_move(Grouping(groups=(("t-0", "t-1"), ("t-2",), ("t-3",)), size=(1, 2)), Cohort.from_profiles(people), "t-0")
    assert s.to_group == 3 and s.candidates == 2 and s.shares_slot
