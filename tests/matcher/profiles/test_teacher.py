"""Tests for matcher/profiles/teacher.py: the profile record and the cohort's id <-> row mapping."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from matcher.errors import ParameterError, UnknownTeacherError, ValidationError
from matcher.profiles.teacher import (
    AVAILABILITY_SLOTS,
    CONTEXT_PREFERENCES,
    KEY_STAGES,
    MEETING_MODES,
    PRIVATE_FIELDS,
    PUBLIC_FIELDS,
    ROLES,
    Cohort,
    TeacherProfile,
)
from matcher.places.schools import load_schools


@pytest.fixture
def trio():
    return (
        TeacherProfile(id="t-1", name="Sam", school_urn=100049, email="sam@example.org", department_size=1,
                       challenges=("singing",), consent_share_contact=True, previous_groupmates=("t-3",)),
        TeacherProfile(id="t-2", name="Priya", school_urn=100050, department_size=4, strengths=("singing",)),
        TeacherProfile(id="t-3", name="Kofi", school_urn=101247, department_size=2),
    )


def test_profiles_are_frozen(trio):
    with pytest.raises(dataclasses.FrozenInstanceError):
        trio[0].name = "Other"  # type: ignore[misc]


def test_with_changes_returns_a_new_profile(trio):
    changed = trio[0].with_changes(department_size=3)
    assert changed.department_size == 3 and trio[0].department_size == 1
    assert changed.id == trio[0].id


def test_department_of_one(trio):
    assert [p.department_of_one for p in trio] == [True, False, False]


def test_public_view_leaves_out_private_fields(trio):
    public = trio[0].public()
    assert set(public) == set(PUBLIC_FIELDS)
    assert not PRIVATE_FIELDS & set(public)
    assert {"email", "consent_share_contact", "previous_groupmates"} <= PRIVATE_FIELDS
    assert "sam@example.org" not in repr(public)


def test_vocabularies():
    assert "KS3" in KEY_STAGES and len(set(KEY_STAGES)) == len(KEY_STAGES)
    assert {"head_of_music", "music_teacher", "early_career_teacher", "non_specialist"} <= set(ROLES)
    assert set(MEETING_MODES) == {"in_person", "online", "either"}
    assert set(CONTEXT_PREFERENCES) == {"similar", "different", "mixed"}
    assert len(AVAILABILITY_SLOTS) == 16 and "thu_after_school" in AVAILABILITY_SLOTS


def test_cohort_maps_ids_to_rows_and_back(trio):
    cohort = Cohort.from_profiles(trio)
    assert len(cohort) == 3 and list(cohort) == list(trio)
    assert cohort.ids == ("t-1", "t-2", "t-3")
    assert [cohort.row(t) for t in cohort.ids] == [0, 1, 2]
    assert cohort.rows(["t-3", "t-1"]).tolist() == [2, 0]
    assert cohort.get("t-2") is trio[1]
    assert cohort.school_of("t-1").urn == 100049


def test_unknown_teacher_is_named(trio):
    cohort = Cohort.from_profiles(trio)
    with pytest.raises(UnknownTeacherError) as info:
        cohort.rows(["t-1", "t-9"])
    assert info.value.teacher_id == "t-9" and "t-9" in str(info.value)
    assert isinstance(info.value, KeyError)


def test_index_is_read_only(trio):
    cohort = Cohort.from_profiles(trio)
    with pytest.raises(TypeError):
        cohort.index["t-4"] = 3  # type: ignore[index]


def test_from_profiles_reports_every_duplicate_and_unknown_urn(trio):
    bad = trio + (trio[0].with_changes(name="Again"), trio[1].with_changes(id="t-4", school_urn=1))
    with pytest.raises(ValidationError) as info:
        Cohort.from_profiles(bad)
    assert [(i.field, i.value) for i in info.value.issues] == [("id", "t-1"), ("school_urn", "1")]


def test_coordinates_follow_the_schools(trio):
    cohort = Cohort.from_profiles(trio)
    schools = load_schools()
    assert cohort.coordinates.shape == (3, 2)
    assert np.allclose(cohort.coordinates[2], [schools[101247].lat, schools[101247].lon])
    assert Cohort.from_profiles([]).coordinates.shape == (0, 2)


def test_subset_keeps_the_given_order(trio):
    sub = Cohort.from_profiles(trio).subset(["t-3", "t-1"])
    assert sub.ids == ("t-3", "t-1") and sub.row("t-1") == 1
    with pytest.raises(UnknownTeacherError):
        sub.row("t-2")


def test_subset_refuses_an_id_given_twice(trio):
    """A duplicate made the teacher two members (colleagues at one school), and the solver
    failed with 'could not find groups that keep every forbidden pair apart (e.g. ; ...)'."""
    with pytest.raises(ParameterError, match="t-1") as info:
        Cohort.from_profiles(trio).subset(["t-1", "t-3", "t-1"])
    assert [(i.field, i.value) for i in info.value.issues] == [("teacher_ids", "t-1")]
