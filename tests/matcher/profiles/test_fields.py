"""Tests for matcher/profiles/fields.py: the teacher record declared once, and checked at the constructor."""

from __future__ import annotations

import dataclasses
import re

import pytest

from matcher.errors import UnknownThemeError, ValidationError
from matcher.profiles.fields import (
    COLUMNS,
    FIELD,
    FIELDS,
    PRIVATE_FIELDS,
    REQUIRED_COLUMNS,
    TEACHER_EDITABLE,
    hidden_characters,
    profile_issues,
)
from matcher.profiles.io import parse_teachers_csv
from matcher.profiles.teacher import TeacherProfile


def test_the_profile_and_the_csv_layout_are_the_registry():
    names = [f.name for f in dataclasses.fields(TeacherProfile)]
    assert sorted(names) == sorted(COLUMNS) and len(names) == len(COLUMNS)  # the constructor's order puts required ones first
    for f in dataclasses.fields(TeacherProfile):
        if f.default is not dataclasses.MISSING:
            assert f.default == FIELD[f.name].default, f.name
    from matcher.profiles import io

    assert io.COLUMNS == COLUMNS and io.REQUIRED_COLUMNS == REQUIRED_COLUMNS
    assert PRIVATE_FIELDS == {"email", "consent_share_contact", "previous_groupmates"}


def test_who_may_edit_what():
    assert FIELD["consent_share_contact"].editable_by == "teacher"
    assert not FIELD["consent_share_contact"].coordinator_may_edit
    assert "previous_groupmates" not in TEACHER_EDITABLE and "id" not in TEACHER_EDITABLE
    assert {"about", "availability", "challenges", "consent_share_contact"} <= set(TEACHER_EDITABLE)
    assert all(f.editable_by in ("teacher", "coordinator", "both") for f in FIELDS)


def test_unknown_theme_in_code_is_an_unknown_theme_error_not_a_key_error():
    with pytest.raises(UnknownThemeError) as caught:
        TeacherProfile(id="t-1", name="Sam", school_urn=100049, challenges=("singin",), strengths=("composition",))
    (issue,) = caught.value.issues
    assert (issue.field, issue.value, issue.suggestion) == ("challenges", "singin", "singing")
    # The same issue as the import gives (without the line number).
    report = parse_teachers_csv("id,name,school_urn,department_size,key_stages,challenges,strengths\nt-1,Sam,100049,1,KS3,singin,composition\n")
    (imported,) = report.issues
    assert (imported.field, imported.value, imported.message, imported.suggestion) == (issue.field, issue.value, issue.message, issue.suggestion)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"role": "wizard"}, "role"),
        ({"meeting_mode": "telepathy"}, "meeting_mode"),
        ({"key_stages": ("KS9",)}, "key_stages"),
        ({"availability": ("sun_pm",)}, "availability"),
        ({"department_size": 0}, "department_size"),
        ({"max_travel_km": float("nan")}, "max_travel_km"),
        ({"years_teaching": 99}, "years_teaching"),
    ],
)
def test_other_constrained_values_are_checked_at_the_constructor(changes, field):
    with pytest.raises(ValidationError) as caught:
        TeacherProfile(id="t-1", name="Sam", school_urn=100049, **changes)
    assert not isinstance(caught.value, UnknownThemeError)
    assert [i.field for i in caught.value.issues] == [field]


def test_with_changes_is_checked_too():
    p = TeacherProfile(id="t-1", name="Sam", school_urn=100049)
    with pytest.raises(UnknownThemeError):
        p.with_changes(interests=("not_a_theme",))


def test_lists_become_tuples_and_a_string_is_refused():
    p = TeacherProfile(id="t-1", name="Sam", school_urn=100049, challenges=["singing"])
    assert p.challenges == ("singing",) and hash(p)
    with pytest.raises(TypeError, match="expects a list"):
        TeacherProfile(id="t-1", name="Sam", school_urn=100049, challenges="singing")


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u200b", "\u200f", "\ufeff", "\x07", "\u00ad"])
def test_names_refuse_hidden_characters(char):
    code = f"U+{ord(char):04X}"
    assert hidden_characters(f"Sam{char}Lee") == [code]
    with pytest.raises(ValidationError, match=re.escape(code)):
        TeacherProfile(id="t-1", name=f"Sam{char}Lee", school_urn=100049)
    report = parse_teachers_csv(f"id,name,school_urn,department_size,key_stages,challenges,strengths\nt-1,Sam{char}Lee,100049,1,KS3,singing,composition\n")
    (issue,) = report.issues
    assert (issue.row, issue.field) == (2, "name") and code in str(issue)
    assert not report.profiles


def test_ordinary_names_are_fine():
    for name in ("Zoë O'Neill", "Siobhán Ní Bhriain", "محمد", "Łukasz-Żółć", "李雷"):
        assert hidden_characters(name) == []
        assert TeacherProfile(id="t-1", name=name, school_urn=100049).name == name


def test_profile_issues_reports_a_non_list_value_of_a_list_field_instead_of_raising():
    # before: tuple(5) raised TypeError out of the checker
    issues = profile_issues({"key_stages": 5, "interests": 7})
    assert sorted(i.field for i in issues) == ["interests", "key_stages"]
    assert all(i.value == "5" for i in issues if i.field == "key_stages")
