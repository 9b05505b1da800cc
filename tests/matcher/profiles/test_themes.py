"""Tests for matcher/profiles/themes.py: the shared vocabulary and its suggestions."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.errors import UnknownThemeError, ValidationError
from matcher.profiles.themes import THEME_GROUPS, THEME_IDS, THEMES, Theme, closest_theme, theme_issues, validate_themes


def test_vocabulary_size_and_groups():
    assert 30 <= len(THEMES) <= 60
    assert {t.group for t in THEMES.values()} == set(THEME_GROUPS)
    assert len(THEME_GROUPS) == 6


def test_ids_labels_and_descriptions_are_well_formed():
    assert THEME_IDS == tuple(THEMES)
    assert len({t.label.lower() for t in THEMES.values()}) == len(THEMES)
    for key, theme in THEMES.items():
        assert isinstance(theme, Theme) and theme.id == key
        assert re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)*", key), key
        assert theme.label and theme.description.endswith(".")


@pytest.mark.parametrize("theme", [
    "assessment_without_levels", "whole_class_instrumental", "singing", "listening_repertoire", "composition",
    "music_technology", "behaviour_engagement", "send", "inclusion_diversity", "transition_ks2_ks3",
    "progression_gcse", "extra_curricular", "senior_leader_support", "music_hub_partnership",
    "curriculum_design", "department_of_one_workload",
])
def test_design_themes_are_present(theme):
    assert theme in THEMES


def test_vocabulary_is_read_only():
    with pytest.raises(TypeError):
        THEMES["new"] = THEMES["singing"]  # type: ignore[index]


@pytest.mark.parametrize("typo, expected", [
    ("assesment_without_levels", "assessment_without_levels"),
    ("assesment", "assessment_without_levels"),
    ("SEND ", "send"),
    ("Singing and vocal work", "singing"),
    ("music tech", "music_technology"),
    ("whole class instrumental", "whole_class_instrumental"),
    ("extra-curricular", "extra_curricular"),
    ("primary_partnership", "primary_partnerships"),
])
def test_closest_theme_finds_the_intended_theme(typo, expected):
    assert closest_theme(typo) == expected


@pytest.mark.parametrize("nonsense", ["zzzz", "qq", "the weather"])
def test_closest_theme_returns_none_when_nothing_is_close(nonsense):
    assert closest_theme(nonsense) is None


@given(st.sampled_from(THEME_IDS))
def test_every_id_and_label_maps_to_itself(theme_id):
    assert closest_theme(theme_id) == theme_id
    assert closest_theme(THEMES[theme_id].label) == theme_id


def test_validate_themes_returns_a_tuple_in_order():
    assert validate_themes(["send", "singing"]) == ("send", "singing")
    assert validate_themes([]) == ()


def test_validate_themes_reports_every_unknown_theme_with_suggestions():
    with pytest.raises(UnknownThemeError) as info:
        validate_themes(["singing", "sining", "compostion"], row=4, field="strengths")
    err = info.value
    assert isinstance(err, ValidationError)
    assert [(i.row, i.field, i.value, i.suggestion) for i in err.issues] == [
        (4, "strengths", "sining", "singing"),
        (4, "strengths", "compostion", "composition"),
    ]
    assert "did you mean 'singing'?" in str(err)


def test_a_string_instead_of_a_list_is_rejected():
    with pytest.raises(TypeError, match="split on ';'"):
        validate_themes("singing;send")


def test_theme_issues_is_empty_for_known_themes():
    assert theme_issues(["send", "singing"]) == []
    assert len(theme_issues(["send", "nope"])) == 1
