"""Pair penalties (matcher/cohorts/penalties.py): discouraged pairs (earlier groupmates
rotation cannot keep apart) are avoided where the rules allow, and explained where not."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from matcher.cohorts import Grouping, explain_grouping
from matcher.cohorts.groups import form_groups
from matcher.cohorts.penalties import pair_penalty, with_penalties
from matcher.cohorts.problem import GroupingProblem
from matcher.cohorts.repair import repair
from matcher.profiles.teacher import Cohort, TeacherProfile


def person(tid: str, urn: int, mode: str = "online", challenge: str = "singing", strength: str = "composition") -> TeacherProfile:
    return TeacherProfile(id=tid, name=tid.title(), school_urn=urn, meeting_mode=mode, max_travel_km=50.0,
                          challenges=(challenge,), strengths=(strength,))


@pytest.fixture()
def online() -> Cohort:
    """Four online teachers; Ana and Ben, Cleo and Dev cover each other's challenge (the best pairs)."""
    return Cohort.from_profiles([
        person("ana", 100049, challenge="singing", strength="composition"),
        person("ben", 100050, challenge="composition", strength="singing"),
        person("cleo", 100051, challenge="send", strength="music_technology"),
        person("dev", 100052, challenge="music_technology", strength="send"),
    ])


def _pairs(result) -> set[frozenset[str]]:
    return {frozenset(g.members) for g in result.groups}


def test_an_avoidable_repeat_is_avoided(online):
    best = form_groups(online, size=2, rounds=3, seconds=None)
    assert _pairs(best) == {frozenset(("ana", "ben")), frozenset(("cleo", "dev"))}
    rotated = form_groups(online, size=2, rounds=3, seconds=None, discourage=[("ben", "ana"), ("cleo", "dev")])
    assert not _pairs(rotated) & _pairs(best)
    assert rotated.violations() == [] and not any("recent round" in r for g in rotated.groups for r in g.reasons)
    assert rotated.figures.mean_affinity < best.figures.mean_affinity  # the penalty outweighs the affinity lost


def test_an_unavoidable_repeat_is_made_and_explained():
    # Sam and Priya meet in person only: neither can meet the two who meet online only
    cohort = Cohort.from_profiles([person("sam", 100049, "in_person"), person("priya", 100050, "in_person"),
                                   person("olu", 100051), person("ann", 100052)])
    result = form_groups(cohort, size=2, rounds=3, seconds=None, discourage=[("sam", "priya")])
    assert frozenset(("sam", "priya")) in _pairs(result) and result.violations() == []
    group = next(g for g in result.groups if "sam" in g.members)
    assert group.reasons[-1] == ("Sam and Priya were groupmates in a recent round (a repeat rotation avoids where it can): "
                                 "both meet in person only and no other group is within reach.")
    record = Grouping.from_result(result)
    assert record.discourage == (("priya", "sam"),) or record.discourage == (("sam", "priya"),)
    again = Grouping.from_dict(record.to_dict())
    assert again == record and explain_grouping(cohort, again).groups == result.groups  # the reason survives storage
    old = record.to_dict()
    del old["discourage"]
    assert Grouping.from_dict(old).discourage == ()  # records stored before the option read as none


def test_repair_avoids_discouraged_pairs_for_joiners(online):
    first = form_groups(online.subset(["ana", "cleo", "dev"]), size=(2, 3), groups=1, rounds=2, seconds=None)
    plain = repair(first, online, joined=["ben"], rounds=3, seconds=None)
    assert frozenset(("ana", "ben")) in _pairs(plain)  # Ben's best partner, without the option
    later = repair(first, online, joined=["ben"], rounds=3, seconds=None, discourage=[("ana", "ben")])
    assert later.violations() == [] and not any({"ana", "ben"} <= set(g.members) for g in later.groups)
    assert Grouping.from_result(later).discourage == (("ana", "ben"),)


def test_penalties_leave_plain_problems_alone_and_reach_sparse_weights():
    w = np.array([[0, 3, 1, 1], [3, 0, 1, 1], [1, 1, 0, 3], [1, 1, 3, 0]], dtype=float)
    plain = GroupingProblem.from_size_range(w, (2, 2))
    assert with_penalties(plain) is plain
    soft = GroupingProblem.from_size_range(sparse.csr_array(w * (w > 1)), (2, 2), discouraged=[(1, 0), (0, 1), (2, 2)])
    assert soft.discouraged.tolist() == [[0, 1]]  # sorted, unique, no self pairs
    heavy = with_penalties(soft).weights
    assert heavy[0, 1] == heavy[1, 0] == 3 - pair_penalty(soft) and heavy[2, 3] == 3
    with pytest.raises(Exception, match="discouraged"):
        GroupingProblem.from_size_range(w, (2, 2), discouraged=[(0, 9)])
