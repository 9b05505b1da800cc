"""Tests for matcher/cohorts/rules.py: the pair rules in words and counts, and the worst-off rule."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from matcher.cohorts import Grouping, explain_grouping
from matcher.cohorts.results import is_behind
from matcher.cohorts.rules import PairRules
from matcher.profiles.teacher import Cohort, TeacherProfile
from matcher.samples.generate import generate_teachers

def person(tid: str, name: str, urn: int, mode: str, km: float = 10.0, previous: tuple[str, ...] = ()) -> TeacherProfile:
    return TeacherProfile(id=tid, name=name, school_urn=urn, meeting_mode=mode, max_travel_km=km, previous_groupmates=previous)


@pytest.fixture()
def people() -> Cohort:
    return Cohort.from_profiles([
        person("f", "Fergus", 100049, "online"),
        person("s", "Sanjay", 100050, "in_person"),
        person("g", "Gareth", 100051, "in_person", km=0.5),
        person("h", "Hana", 100050, "either", previous=("g",)),
    ])


def test_meeting_modes_are_summarised_for_a_group(people):
    rules = PairRules(people)
    assert rules.group_sentences([(0, 1), (0, 2)]) == ["Fergus meets online only; Sanjay and Gareth in person only"]


def test_travel_limit_names_whose_limit_and_the_distance(people):
    rules = PairRules(people)
    km = rules.distance_km(1, 2)
    assert km > 0.5
    (rule, text), = rules.reasons(1, 2)
    assert rule == "cannot_meet"
    assert f"{km:.1f} km apart, beyond Gareth's travel limit of 0.5 km" in text and "in person only" in text


def test_same_school_previous_and_keep_apart_are_named(people):
    rules = PairRules(people, keep_apart=[("s", "h")])
    assert [r for r, _ in rules.reasons(1, 3)] == ["same_school", "keep_apart"]
    assert "Sanjay and Hana teach at the same school (Parliament Hill School)" in dict(rules.reasons(1, 3))["same_school"]
    assert dict(rules.reasons(2, 3))["previous"] == "Gareth and Hana were groupmates before"
    assert PairRules(people, allow_same_school=True, avoid_previous=False).reasons(1, 3) == ()


def test_counts_agree_with_reasons_pair_by_pair():
    cohort = Cohort.from_profiles(generate_teachers(60, seed=4))
    apart = [(cohort.ids[0], cohort.ids[1]), (cohort.ids[5], cohort.ids[9])]
    rules = PairRules(cohort, apart)
    pairs = np.array(list(itertools.combinations(range(len(cohort)), 2)))
    expected = dict.fromkeys(("cannot_meet", "same_school", "previous", "keep_apart"), 0)
    for i, j in pairs:
        for rule in {r for r, _ in rules.reasons(int(i), int(j))}:
            expected[rule] += 1
    assert rules.counts(pairs) == expected
    assert expected["cannot_meet"] > 0 and expected["keep_apart"] == 2


def test_explained_grouping_breaks_down_the_constraints_and_says_why_a_group_cannot_meet(people):
    grouping = Grouping(groups=(("f", "h"), ("s", "g")), size=(2, 2), keep_apart=(("s", "h"),))
    explained = explain_grouping(people, grouping)
    rules = explained.figures.rules
    assert rules["cannot_meet"] >= 3 and rules["same_school"] == 1 and rules["keep_apart"] == 1 and rules["keep_together"] == 0
    assert explained.figures.random_affinity is not None and 0 <= explained.figures.random_affinity <= 1.3
    # Sanjay and Gareth: both in person only, too far apart for Gareth
    bad = explained.group_violations()
    assert list(bad) == [2] and "beyond Gareth's travel limit" in bad[2][0].message
    moved = grouping.move("f", 1).move("h", 1)  # an empty group 1, Fergus online with two in-person teachers
    text = explain_grouping(people, moved).violations()
    assert "group 2: Fergus meets online only; Sanjay and Gareth in person only" in text, text
    assert "group 1: 0 members, outside the size range 2-2" in text


@pytest.mark.parametrize(
    ("member", "group", "behind"),
    [(0.12, 0.28, True), (0.14, 0.28, False), (0.20, 0.28, False), (0.04, 0.09, False), (0.30, 0.60, False), (0.29, 0.60, True), (0.0, 0.0, False)],
)
def test_worst_off_is_behind_only_under_half_the_group_and_a_tenth_below(member, group, behind):
    assert is_behind(member, group) is behind


def test_sparse_problems_count_in_person_teachers_not_a_partial_list_of_pairs(people):
    from scipy import sparse

    from matcher.cohorts.problem import GroupingProblem
    from matcher.places.meeting import MeetingRange

    where = MeetingRange(lat=[51.55, 51.56, 51.40, 51.56], lon=[-0.15, -0.15, 0.10, -0.15], reach_km=[-1, 10, 0.5, 10], in_person_only=[False, True, True, False])
    problem = GroupingProblem(sparse.csr_array((4, 4)), [2, 2], [2, 2], forbidden=[(1, 3)], meeting=where, rules=PairRules(people))
    counts = problem.rule_counts()
    assert "cannot_meet" not in counts and counts["in_person_only"] == 2 and counts["same_school"] == 1
    dense = GroupingProblem(np.zeros((4, 4)), [2, 2], [2, 2], forbidden=[(1, 3), (0, 1)], rules=PairRules(people))
    assert dense.rule_counts() == {"cannot_meet": 1, "same_school": 1, "previous": 0, "keep_apart": 0, "keep_together": 0, "locked": 0}
