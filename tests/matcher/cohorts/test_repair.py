"""Tests for matcher/cohorts/repair.py: drop-outs, late joiners, locked groups, manual moves."""

from __future__ import annotations

import pytest

from matcher.cohorts.groups import form_groups
from matcher.cohorts.repair import move_member, repair
from matcher.errors import InfeasibleError, UnknownTeacherError


@pytest.fixture(scope="module")
def start(small_cohort):
    first = small_cohort.subset(small_cohort.ids[:34])
    return form_groups(first, size=(4, 6), rounds=3, seed=0)


def test_joiners_are_placed_and_few_people_move(start, small_cohort):
    joiners = small_cohort.ids[34:36]
    after = repair(start, small_cohort, joined=joiners, rounds=3)
    assert after.violations() == []
    placed = {t for g in after.groups for t in g.members}
    assert set(joiners) <= placed and len(placed) == 36
    assert after.figures.moved is not None and after.figures.moved <= 12


def test_dropouts_leave_and_locked_groups_never_change(start, small_cohort):
    locked = start.groups[0]
    victim = next(g for g in start.groups[1:] if g.size == 4).members[0] if any(g.size == 4 for g in start.groups[1:]) else start.groups[1].members[0]
    after = repair(start, small_cohort, dropped=[victim], locked=[locked.id], rounds=3)
    assert after.violations() == []
    assert victim not in {t for g in after.groups for t in g.members}
    kept = [g for g in after.groups if g.locked]
    assert len(kept) == 1 and set(kept[0].members) == set(locked.members)


def test_untouched_groups_stay_as_they_were(start, small_cohort):
    victim = start.groups[2].members[0]
    after = repair(start, small_cohort, dropped=[victim], rounds=3)
    before = {frozenset(g.members) for g in start.groups}
    same = sum(1 for g in after.groups if frozenset(g.members) in before)
    assert same >= len(start.groups) - 4


def test_repair_errors(start, small_cohort):
    with pytest.raises(UnknownTeacherError):
        repair(start, small_cohort, dropped=["t-nobody"], rounds=1)
    with pytest.raises(InfeasibleError, match="already in group"):
        repair(start, small_cohort, joined=[start.groups[0].members[0]], rounds=1)
    g = start.groups[0]
    with pytest.raises(InfeasibleError, match="below its minimum"):
        repair(start, small_cohort, dropped=list(g.members[:2]) if g.size <= 5 else list(g.members[:3]), locked=[g.id], rounds=1)


def test_move_member_reports_new_figures(start, small_cohort):
    source = start.groups[0]
    target = start.groups[1]
    teacher = source.members[0]
    moved = move_member(start, small_cohort, teacher, target.id)
    assert teacher in moved.group_of(teacher).members and moved.group_of(teacher).id == target.id
    assert moved.figures.moved == 1
    assert moved.figures.objective != pytest.approx(start.figures.objective) or source.size == target.size


def test_move_member_refuses_locked_groups(start, small_cohort):
    locked = repair(start, small_cohort, locked=[start.groups[1].id], rounds=1)
    with pytest.raises(InfeasibleError, match="locked"):
        move_member(locked, small_cohort, locked.groups[0].members[0], locked.groups[1].id)
    with pytest.raises(InfeasibleError, match="no group"):
        move_member(start, small_cohort, start.groups[0].members[0], 999)


def test_a_group_that_lost_everyone_is_dropped_and_the_rest_stay(start, small_cohort):
    """Regression: a repair whose only short group lost every member raised
    "0 teachers cannot fill any group" instead of leaving the other groups as they were."""
    gone = start.groups[1]
    after = repair(start, small_cohort, dropped=list(gone.members), rounds=3)
    assert after.violations() == [] and after.figures.moved == 0
    assert sorted(frozenset(g.members) for g in after.groups) == sorted(frozenset(g.members) for g in start.groups if g.id != gone.id)


def test_a_keep_apart_pair_with_someone_who_dropped_out_is_no_error(start, small_cohort):
    # Regression: the drop-out's keep-apart pair reached the affinity of the teachers left,
    # which refused a teacher id no longer in the cohort.
    victim = start.groups[1].members[0]
    other = start.groups[2].members[0]
    after = repair(start, small_cohort, dropped=[victim], keep_apart=[(victim, other)], rounds=2)
    assert victim not in {t for g in after.groups for t in g.members} and after.violations() == []
