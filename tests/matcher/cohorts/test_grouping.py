"""Tests for matcher/cohorts/grouping.py and review.py: the stored grouping record, its explanation and repair."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import matcher
from matcher.cohorts import Grouping, explain_grouping
from matcher.cohorts.grouping import ERASED_NAME, SCHEMA_VERSION
from matcher.cohorts.review import repair_grouping
from matcher.cohorts.groups import form_groups
from matcher.errors import InfeasibleError, MatcherError, UnknownTeacherError, ValidationError


@pytest.fixture(scope="module")
def cohort(small_cohort):
    return small_cohort.subset(small_cohort.ids[:24])


@pytest.fixture(scope="module")
def formed(cohort):
    apart = [(cohort.ids[0], cohort.ids[1])]
    together = [(cohort.ids[2], cohort.ids[3])]
    result = form_groups(cohort, size=(4, 6), rounds=2, seed=3, keep_apart=apart, keep_together=together)
    grouping = Grouping.from_result(result, size=(4, 6), keep_apart=apart, keep_together=together)
    return result, grouping


def test_public_names():
    assert matcher.Grouping is Grouping and matcher.explain_grouping is explain_grouping
    assert "Grouping" in matcher.cohorts.__all__ and "explain_grouping" in matcher.__all__


def test_explain_grouping_equals_what_form_groups_returned(formed, cohort):
    result, grouping = formed
    again = explain_grouping(cohort, grouping)
    assert again.to_dict() == result.to_dict()
    assert again.violations() == result.violations() == []
    assert again.figures.constraints == result.figures.constraints > 0


def test_explain_through_the_stored_dict(formed, cohort):
    result, grouping = formed
    stored = Grouping.from_dict(grouping.to_dict())
    assert stored == grouping
    assert explain_grouping(cohort, stored).to_dict() == result.to_dict()


ids = st.text(alphabet="abcdef-0123456789", min_size=1, max_size=6)


@st.composite
def groupings(draw):
    members = draw(st.lists(ids, min_size=1, max_size=20, unique=True))
    cuts = sorted(draw(st.lists(st.integers(0, len(members)), max_size=5)))
    bounds = [0, *cuts, len(members)]
    groups = tuple(tuple(members[a:b]) for a, b in itertools.pairwise(bounds))
    lo = draw(st.integers(1, 5))
    return Grouping(
        groups=groups,
        size=(lo, lo + draw(st.integers(0, 4))),
        approved=tuple(draw(st.sets(st.integers(0, len(groups) - 1), max_size=len(groups)))),
        keep_apart=tuple(draw(st.lists(st.tuples(ids, ids), max_size=3))),
        keep_together=tuple(tuple(x) for x in draw(st.lists(st.lists(ids, min_size=2, max_size=4), max_size=2))),
        avoid_previous=draw(st.booleans()),
        allow_same_school=draw(st.booleans()),
        weights=draw(st.none() | st.builds(matcher.AffinityWeights, complementarity=st.floats(0, 2), interests=st.floats(0, 2))),
        coverage=draw(st.floats(0, 3)),
        seed=draw(st.integers(0, 2**31)),
        unplaced=tuple(draw(st.lists(ids, max_size=3))),
        erased=tuple(draw(st.lists(st.sampled_from(members), max_size=3))),
        seconds=draw(st.floats(0, 100)),
        upper_bound=draw(st.none() | st.floats(-10, 10)),
        moved=draw(st.none() | st.integers(0, 30)),
    )


@settings(max_examples=60, deadline=None)
@given(groupings())
def test_to_dict_from_dict_round_trip(grouping):
    import json

    data = json.loads(json.dumps(grouping.to_dict()))
    assert data["schema_version"] == SCHEMA_VERSION
    assert Grouping.from_dict(data) == grouping


def test_from_dict_reads_the_version_1_stored_result():
    old = {
        "figures": {"seed": 7, "seconds": 1.5, "moved": None, "upper_bound": 3.0, "mean_affinity": 0.5},
        "groups": [
            {"id": 2, "index": 1, "members": ["t-4", "t-5", "t-6"], "names": ["A", "B", "C"], "approved": True, "reasons": ["x"]},
            {"id": 1, "index": 0, "members": ["t-1", "t-2", "p-0a1b2c3d"], "names": ["D", "E", "p-0a1b2c3d"], "approved": False},
        ],
        "unplaced": ["t-9"],
        "violations": [],
    }
    g = Grouping.from_dict(old, size=(3, 4), keep_apart=[("t-1", "t-4")])
    assert g.groups == (("t-1", "t-2", "p-0a1b2c3d"), ("t-4", "t-5", "t-6"))
    assert g.approved == (1,) and g.seed == 7 and g.seconds == 1.5 and g.upper_bound == 3.0
    assert g.size == (3, 4) and g.keep_apart == (("t-1", "t-4"),) and g.unplaced == ("t-9",)
    assert Grouping.from_dict({"groups": [{"members": ["a", "b"]}, {"members": ["c", "d", "e"]}]}).size == (2, 3)


def test_version_1_moved_is_read_as_a_whole_number():
    # JSON may spell a count 2.0; Grouping.moved is a count of members (int or None)
    g = Grouping.from_dict({"figures": {"moved": 2.0}, "groups": [{"members": ["a", "b"]}]})
    assert g.moved == 2 and type(g.moved) is int
    assert Grouping.from_dict({"figures": {"moved": None}, "groups": [{"members": ["a", "b"]}]}).moved is None


def test_from_dict_refuses_a_newer_version():
    with pytest.raises(MatcherError, match=r"schema_version 99.*reads versions 1 to 2"):
        Grouping.from_dict({"schema_version": 99, "groups": []})
    with pytest.raises(ValidationError, match="malformed"):
        Grouping.from_dict({"schema_version": 2, "groups": [["a"]]})
    with pytest.raises(ValidationError, match="is in group 1 and group 2"):
        Grouping(groups=(("a",), ("a",)), size=(1, 2))


def test_edits_return_new_records(formed):
    _, grouping = formed
    approved = grouping.approve(0)
    assert approved.approved == (0,) and grouping.approved == ()
    assert approved.approve(0, False) == grouping
    member = grouping.groups[1][0]
    moved = grouping.move(member, 2)
    assert member in moved.groups[2] and member not in moved.groups[1] and moved.moved == 1
    with pytest.raises(InfeasibleError, match="locked"):
        approved.move(grouping.groups[0][0], 1)
    with pytest.raises(InfeasibleError, match="already in group 2"):
        grouping.move(member, 1)
    with pytest.raises(InfeasibleError, match="no group 99"):
        grouping.move(member, 98)
    with pytest.raises(UnknownTeacherError):
        grouping.move("nobody", 0)


def test_a_move_that_breaks_a_rule_says_which(formed, cohort):
    _, grouping = formed
    a, b = grouping.keep_apart[0]
    moved = grouping.move(a, grouping.group_of(b))
    explained = explain_grouping(cohort, moved)
    bad = explained.violations()
    # the rule and the people are named (by name, as the pages show them), with the group's number
    pair = f"{cohort.get(a).name} and {cohort.get(b).name}"
    assert any(v.startswith(f"group {grouping.group_of(b) + 1}: ") and pair in v and "keep-apart list" in v for v in bad), bad
    assert any(v.kind == "pair" for v in explained.group_violations()[grouping.group_of(b) + 1])


def test_erased_members_are_lost_never_named_and_repair_refills(formed, cohort):
    _, grouping = formed
    victim = grouping.groups[1][0]
    name = cohort.get(victim).name
    gone = grouping.erase(victim, "p-feedbeef")
    assert victim not in str(gone.to_dict()) and "p-feedbeef" in gone.groups[1] and gone.erased == ("p-feedbeef",)
    present = cohort.subset([t for t in cohort.ids if t != victim])
    assert gone.lost(present) == {1: ("p-feedbeef",)}
    explained = explain_grouping(present, gone)  # no stand-in profile is needed
    text = explained.to_json() + " ".join(explained.violations())
    assert victim not in text and "p-feedbeef" not in text and name not in text
    assert explained.figures.teachers == len(cohort) - 1
    with pytest.raises(InfeasibleError, match="erased"):
        gone.move("p-feedbeef", 0)
    fixed = repair_grouping(gone, present, rounds=2)
    assert fixed.erased == () and "p-feedbeef" not in fixed.teacher_ids
    assert sorted(fixed.teacher_ids) == sorted(present.ids)
    assert explain_grouping(present, fixed).violations() == []
    assert ERASED_NAME == "Erased teacher"


def test_repair_grouping_keeps_approved_groups(formed, small_cohort, cohort):
    _, grouping = formed
    approved = grouping.approve(0)
    leaver = grouping.groups[2][0]
    joiner = small_cohort.ids[30]
    fixed = repair_grouping(approved, small_cohort, dropped=[leaver], joined=[joiner], rounds=2)
    assert fixed.groups[0] == grouping.groups[0] and fixed.approved == (0,)
    assert leaver not in fixed.teacher_ids and joiner in fixed.teacher_ids
    assert fixed.moved is not None and fixed.keep_apart == grouping.keep_apart
    with pytest.raises(UnknownTeacherError):
        repair_grouping(grouping, cohort, dropped=["nobody"], rounds=1)
