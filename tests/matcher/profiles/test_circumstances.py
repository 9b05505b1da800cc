"""Tests for matcher/profiles/circumstances.py: who meets a circumstance challenge by shared
experience, and that the array form (affinity) agrees with the profile form (explanations)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.affinity.terms import cover_share, teacher_arrays
from matcher.profiles.circumstances import (
    EXPERIENCED_YEARS,
    NEAR_PEER_YEARS,
    cover_way,
    experience_phrase,
    experience_themes,
)
from matcher.profiles.teacher import ROLES, Cohort, TeacherProfile
from matcher.profiles.themes import CIRCUMSTANCE_THEMES, THEME_IDS, THEMES

URNS = (100049, 100050, 100051, 100052)
themes = st.lists(st.sampled_from(THEME_IDS), max_size=4, unique=True).map(tuple)
profiles = st.builds(
    TeacherProfile,
    id=st.sampled_from(["a", "b", "c"]),
    name=st.just("X"),
    school_urn=st.sampled_from(URNS),
    department_size=st.integers(1, 6),
    role=st.sampled_from(ROLES),
    years_teaching=st.integers(0, 40),
    challenges=themes,
    strengths=themes,
)


def test_kinds_are_skill_or_circumstance_and_the_circumstances_are_the_documented_four():
    assert {t.kind for t in THEMES.values()} == {"skill", "circumstance"}
    assert {t.id for t in THEMES.values() if t.kind == "circumstance"} == CIRCUMSTANCE_THEMES == {
        "department_of_one_workload", "professional_isolation", "wellbeing_balance", "early_career",
    }
    assert THEMES["teacher_confidence"].kind == "skill"


@given(profiles)
def test_experience_covers_only_circumstances_the_helper_does_not_struggle_with(p):
    for theme in experience_themes(p):
        assert THEMES[theme].kind == "circumstance"
        assert theme not in p.challenges


@given(profiles)
def test_department_of_one_themes_need_a_department_of_one_with_years_behind_them(p):
    for theme in ("department_of_one_workload", "professional_isolation"):
        expected = p.department_of_one and p.years_teaching >= EXPERIENCED_YEARS and theme not in p.challenges
        assert (theme in experience_themes(p)) == expected


@given(profiles)
def test_early_career_needs_a_near_peer(p):
    lo, hi = NEAR_PEER_YEARS
    assert ("early_career" in experience_themes(p)) == (lo <= p.years_teaching <= hi and "early_career" not in p.challenges)


@given(profiles)
def test_a_novice_never_meets_a_workload_or_isolation_challenge_by_experience(p):
    if p.years_teaching < EXPERIENCED_YEARS:
        assert not {"department_of_one_workload", "professional_isolation", "wellbeing_balance"} & set(experience_themes(p))


@given(profiles, profiles, st.sampled_from(THEME_IDS))
def test_cover_way_prefers_a_strength_and_never_covers_oneself(helper, holder, theme):
    way = cover_way(helper, holder, theme)
    if helper.id == holder.id:
        assert way is None
    elif theme in helper.strengths:
        assert way == "strength"
    elif theme in experience_themes(helper):
        assert way == "experience" and THEMES[theme].kind == "circumstance"
    else:
        assert way is None
    if way == "experience":
        assert experience_phrase(helper, theme)


@settings(max_examples=40, deadline=None)
@given(st.lists(profiles, min_size=2, max_size=2))
def test_the_array_cover_share_agrees_with_the_profile_rule(pair):
    a_, b_ = pair
    people = [a_.with_changes(id="a", school_urn=URNS[0]), b_.with_changes(id="b", school_urn=URNS[1])]
    arrays = teacher_arrays(Cohort.from_profiles(people))
    for helper, holder in ((0, 1), (1, 0)):
        h, p = people[helper], people[holder]
        ways = [cover_way(h, p, t) for t in p.challenges]
        n = max(len(p.challenges), 1)
        for way in ("strength", "experience"):
            got = float(cover_share(arrays, np.array([helper]), np.array([holder]), way=way)[0])
            assert got == ways.count(way) / n
        assert float(cover_share(arrays, np.array([helper]), np.array([holder]))[0]) == sum(w is not None for w in ways) / n


def test_peer_reasons_say_a_circumstance_is_met_by_shared_experience():
    from matcher.peers.suggest import suggest_peers

    sam = TeacherProfile(id="a", name="Sam Lee", school_urn=URNS[0], department_size=1, years_teaching=12,
                         challenges=("send",), meeting_mode="online")
    jo = TeacherProfile(id="b", name="Jo Khan", school_urn=URNS[1], department_size=1, years_teaching=1,
                        challenges=("professional_isolation",), strengths=("send",), meeting_mode="online")
    best = suggest_peers(Cohort.from_profiles([sam, jo]), "b", k=1)[0]
    assert best.terms["complementarity"] > 0 and best.reciprocity == 1.0  # Jo meets all of Sam's challenges
    text = " ".join(best.reasons)
    assert "Sam's experience meets your professional isolation challenge: Sam is a department of one" in text
    assert "Your strength in SEND meets Sam's challenge." in text
    back = suggest_peers(Cohort.from_profiles([sam, jo]), "a", k=1)[0]
    assert "Your experience meets Jo's professional isolation challenge" in " ".join(back.reasons)
