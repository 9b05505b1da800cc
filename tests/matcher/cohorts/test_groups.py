"""Tests for the teacher-level layer: matcher/cohorts/groups.py, explain.py and results.py."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from matcher.affinity.terms import pairwise_affinity
from matcher.cohorts.groups import coverage_matrix, form_groups
from matcher.errors import InfeasibleError, ParameterError, UnknownTeacherError, ValidationError
from matcher.profiles.circumstances import cover_way
from matcher.profiles.themes import THEMES


@pytest.fixture(scope="module")
def result(small_cohort):
    # coverage 0: the relaxation bound holds for plain affinity weights only
    return form_groups(small_cohort, size=(4, 6), rounds=4, seed=1, coverage=0.0, fairness=0.0)


def test_every_teacher_is_placed_once_within_the_size_range(result, small_cohort):
    placed = [t for g in result.groups for t in g.members]
    assert sorted(placed) == sorted(small_cohort.ids)
    assert all(4 <= g.size <= 6 for g in result.groups)
    assert result.violations() == []


def test_groups_respect_the_affinity_mask(result, small_cohort):
    aff = pairwise_affinity(small_cohort)
    a = result.assignment()
    same = a[:, None] == a[None, :]
    np.fill_diagonal(same, False)
    assert not np.any(same & ~aff.allowed)


def test_group_figures_are_consistent(result, small_cohort):
    aff = pairwise_affinity(small_cohort)
    for g in result.groups:
        rows = small_cohort.rows(g.members)
        block = aff.scores[np.ix_(rows, rows)]
        assert g.score == pytest.approx(block.sum() / 2)
        assert g.worst_off_score == pytest.approx(min(g.member_affinity.values()))
        assert g.member_affinity[g.worst_off] == pytest.approx(g.worst_off_score)
    f = result.figures
    assert f.objective == pytest.approx(sum(g.score for g in result.groups))
    assert f.min_affinity <= f.mean_affinity
    assert 0.0 <= f.coverage_share <= 1.0
    assert f.upper_bound >= f.objective
    assert 0 <= f.isolated_placed <= f.isolated


def test_coverage_names_real_helpers(result, small_cohort):
    # changed with circumstance themes: a helper meets a challenge by a strength or by shared experience
    for g in result.groups:
        for challenge, helpers in g.coverage.items():
            holders = [small_cohort.get(t) for t in g.members if challenge in small_cohort.get(t).challenges]
            assert holders
            assert all(any(cover_way(small_cohort.get(h), p, challenge) for p in holders) for h in helpers)
        for challenge, helpers in g.coverage_experience.items():
            assert set(helpers) <= set(g.coverage[challenge])
            assert all(challenge not in small_cohort.get(h).strengths for h in helpers)
        for challenge in list(g.uncovered) + list(g.uncoverable):
            holders = [small_cohort.get(t) for t in g.members if challenge in small_cohort.get(t).challenges]
            assert not any(cover_way(small_cohort.get(t), p, challenge) for t in g.members for p in holders)


def test_reasons_are_sentences_about_the_group(result, small_cohort):
    labels = {t.label.lower() for t in THEMES.values()}
    for g in result.groups:
        assert g.reasons and all(r.endswith(".") for r in g.reasons)
    text = " ".join(r.lower() for g in result.groups for r in g.reasons)
    assert any(label in text for label in labels)  # themes appear by their labels
    firsts = {small_cohort.get(t).name.split()[0] for g in result.groups for t in g.members}
    assert any(name in text for name in (f.lower() for f in firsts))


def test_json_and_csv_exports(result):
    data = json.loads(result.to_json())
    assert len(data["groups"]) == len(result.groups)
    assert data["figures"]["teachers"] == result.figures.teachers
    rows = list(csv.DictReader(io.StringIO(result.to_csv())))
    assert len(rows) == result.figures.teachers
    assert {r["group"] for r in rows} == {str(g.id) for g in result.groups}
    # the group's score is its mean pair affinity, the scale the pages and the API show
    assert "group_score" not in rows[0]
    for g in result.groups:
        assert {r["group_affinity"] for r in rows if r["group"] == str(g.id)} == {f"{g.mean_affinity:.4f}"}
    assert "email" not in result.to_csv() and "@" not in result.to_json()


def test_same_seed_same_groups(small_cohort):
    a = form_groups(small_cohort, size=(4, 6), rounds=3, seed=5)
    b = form_groups(small_cohort, size=(4, 6), rounds=3, seed=5)
    assert [g.members for g in a.groups] == [g.members for g in b.groups]


def test_keep_apart_keep_together_and_locked(small_cohort):
    ids = small_cohort.ids
    aff = pairwise_affinity(small_cohort)
    # a pair the search would like: keep it apart
    i, j = np.unravel_index(np.argmax(np.where(aff.allowed, aff.scores, -1)), aff.scores.shape)
    apart = (ids[i], ids[j])
    locked = [ids[:4]]
    together = [ids[10:12]] if aff.allowed[10, 11] else [ids[12:14]]
    r = form_groups(small_cohort, size=(4, 6), rounds=3, keep_apart=[apart], keep_together=together, locked=locked)
    assert r.group_of(apart[0]) is not r.group_of(apart[1])
    assert r.group_of(together[0][0]) is r.group_of(together[0][1])
    first = r.groups[0]
    assert first.locked and set(first.members) == set(locked[0])
    assert r.figures.constraints >= 3


def test_unknown_keep_apart_id_is_an_error(small_cohort):
    with pytest.raises(ValidationError, match="t-nobody"):
        form_groups(small_cohort, size=(4, 6), rounds=1, keep_apart=[(small_cohort.ids[0], "t-nobody")])


def test_impossible_size_is_explained(small_cohort):
    with pytest.raises(InfeasibleError, match="40 teachers cannot be split into groups of exactly 7: 35 leaves 5 over"):
        form_groups(small_cohort, size=7, rounds=1)


def test_check_catches_a_broken_result(result):
    from dataclasses import replace

    g0, g1 = result.groups[0], result.groups[1]
    broken = replace(g0, members=g0.members + g1.members[:1])
    bad = replace(result, groups=(broken, replace(g1, members=g1.members[1:])) + result.groups[2:])
    if not bad.violations():  # moving one member may still fit the size range: push past it
        broken = replace(g0, members=g0.members + g1.members[:3])
        bad = replace(result, groups=(broken, replace(g1, members=g1.members[3:])) + result.groups[2:])
    with pytest.raises(InfeasibleError, match="break constraints"):
        bad.check()


def test_group_of_unknown_teacher(result):
    with pytest.raises(UnknownTeacherError):
        result.group_of("t-nobody")


def test_fairness_and_coverage_options(small_cohort):
    aff = pairwise_affinity(small_cohort)
    base = form_groups(small_cohort, size=(4, 6), rounds=4, seed=2, affinity=aff, fairness=0.0, coverage=0.0)
    fair = form_groups(small_cohort, size=(4, 6), rounds=4, seed=2, affinity=aff, fairness=0.9, coverage=0.0)
    assert fair.violations() == []
    assert fair.figures.min_affinity >= base.figures.min_affinity - 1e-9
    with pytest.raises(ParameterError, match="fairness") as info:
        form_groups(small_cohort, rounds=1, fairness=2.0)
    assert [i.field for i in info.value.issues] == ["fairness"]
    cov = form_groups(small_cohort, size=(4, 6), rounds=4, seed=2, affinity=aff, coverage=5.0, fairness=0.0)
    assert cov.figures.coverage_share >= base.figures.coverage_share - 0.05


def test_coverage_matrix_is_symmetric_and_counts_both_directions(small_cohort):
    c = coverage_matrix(small_cohort)
    assert np.allclose(c, c.T) and np.all(np.diag(c) == 0)
    assert c.min() >= 0 and c.max() <= 2


def test_reasons_tell_groupmates_with_one_first_name_apart():
    from matcher.cohorts.explain import group_reasons
    from matcher.profiles.teacher import Cohort, TeacherProfile

    base = dict(school_urn=100049, department_size=1, key_stages=("KS3",), meeting_mode="online")
    cohort = Cohort.from_profiles([
        TeacherProfile(id="t-1", name="Amy Smith", challenges=("singing", "send"), strengths=("composition",), interests=("singing",), **base),
        TeacherProfile(id="t-2", name="Amy Jones", challenges=("composition",), strengths=("singing", "send"), interests=("singing",), **base),
        TeacherProfile(id="t-3", name="James Okoro", challenges=("send",), strengths=("composition", "singing"), **base),
    ])
    text = " ".join(group_reasons(cohort, [0, 1, 2], pairwise_affinity(cohort)))
    assert "Amy S." in text and "Amy J." in text and "Amy and Amy" not in text and "Amy helps" not in text
    assert "(1 more links)" not in text
