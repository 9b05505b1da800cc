"""Tests for matcher/peers/reasons.py: phrases and which terms get a sentence."""

from __future__ import annotations

import pytest

from matcher.peers.reasons import PairFacts, write_reasons
from matcher.profiles.phrases import join_phrases, slot_phrase, theme_phrase
from matcher.profiles.teacher import AVAILABILITY_SLOTS, TeacherProfile
from matcher.places.schools import load_schools
from matcher.profiles.themes import THEME_IDS, THEMES


def facts(**kw) -> PairFacts:
    schools = load_schools()
    me = kw.pop("me", TeacherProfile(id="a", name="Sam Okafor", school_urn=100049))
    peer = kw.pop("peer", TeacherProfile(id="b", name="Priya Shah", school_urn=100050))
    base = dict(
        me=me,
        peer=peer,
        my_school=schools[me.school_urn],
        peer_school=schools[peer.school_urn],
        terms={"complementarity": 0.0, "one_way": 0.0, "interests": 0.0, "context": 0.0, "practicality": 0.0, "priority": 0.0},
        kind="similar",
        covers=(),
        offers=(),
        shared_interests=(),
        shared_slots=(),
        distance_km=1.52,
        in_person=True,
        my_isolation=0.0,
        peer_isolation=0.0,
    )
    base.update(kw)
    return PairFacts(**base)


def test_theme_phrases_keep_acronyms_and_lower_case_the_rest():
    assert theme_phrase(["send"]) == "SEND"
    assert theme_phrase(["year9_motivation"]) == "motivating Key Stage 3 pupils"
    assert theme_phrase(["singing", "send", "composition", "keyboard_skills"]) == (
        "singing and vocal work, SEND, composition and melody writing and 1 more"
    )
    assert all(theme_phrase([t]) for t in THEME_IDS)


def test_every_slot_has_a_phrase():
    phrases = [slot_phrase(s) for s in AVAILABILITY_SLOTS]
    assert len(set(phrases)) == len(AVAILABILITY_SLOTS)
    assert slot_phrase("mon_am") == "Monday morning" and slot_phrase("fri_pm") == "Friday afternoon"


def test_join_phrases():
    assert [join_phrases(x) for x in ([], ["a"], ["a", "b"], ["a", "b", "c"])] == ["", "a", "a and b", "a, b and c"]


def test_only_terms_that_contributed_are_explained():
    f = facts(shared_interests=("singing",), shared_slots=("mon_pm",))
    assert write_reasons(f) == ()
    f = facts(terms={**f.terms, "interests": 0.1}, shared_interests=("singing",))
    assert write_reasons(f) == ("You share an interest in singing and vocal work.",)


def test_sentences_come_largest_term_first():
    f = facts(
        terms={"complementarity": 0.1, "interests": 0.05, "context": 0.0, "practicality": 0.2, "priority": 0.0},
        covers=("send",),
        offers=("singing", "composition"),
        shared_interests=("singing",),
        shared_slots=("thu_after_school",),
    )
    assert write_reasons(f) == (
        "1.5 km away, within both your travel limits, both free Thursday after school.",
        "Priya's strength in SEND meets your challenge.",
        "In return, your strengths in singing and vocal work and composition and melody writing meet Priya's challenges.",
        "You share an interest in singing and vocal work.",
    )


def test_online_and_context_sentences():
    me = TeacherProfile(id="a", name="Sam", school_urn=100049, department_size=1)
    peer = TeacherProfile(id="b", name="Jo Bloggs", school_urn=136746, department_size=1, meeting_mode="online")
    f = facts(me=me, peer=peer, in_person=False, terms={"complementarity": 0, "interests": 0, "context": 0.1, "practicality": 0.05, "priority": 0.01},
              kind="new ideas", my_isolation=0.8, peer_isolation=0.8)
    reasons = write_reasons(f)
    assert reasons[0] == "A different context for new ideas: Jo's school is independent and has 98 pupils (yours 973)."
    assert reasons[1] == "You can meet online."
    assert reasons[2] == "You are both departments of one, so this match is prioritised."
    similar = write_reasons(facts(me=me, peer=peer, kind="similar", terms={**f.terms, "practicality": 0, "priority": 0}))
    assert similar == ("A similar context for reassurance: both departments of one.",)


NO_TERMS = {"complementarity": 0.0, "one_way": 0.0, "interests": 0.0, "context": 0.0, "practicality": 0.0, "priority": 0.0}


@pytest.mark.parametrize("theme", ["send", "whole_class_instrumental", "boys_participation"])
def test_one_way_help_names_the_theme(theme):
    reasons = write_reasons(facts(covers=(theme,), terms={**NO_TERMS, "one_way": 0.05}))
    assert reasons == (f"Priya's strength in {theme_phrase([theme])} meets your challenge.",)
    assert THEMES[theme].label.lower() in reasons[0].lower()


def test_regression_help_is_not_claimed_when_no_help_term_scored_it():
    # Issue 16, item 3: every suggestion had complementarity 0 while its reasons said
    # "Elena's strength in access to instruments meets your challenge". A help sentence
    # is now written only from a help term > 0, like every other sentence.
    assert write_reasons(facts(covers=("instrument_access",), terms=NO_TERMS)) == ()


def test_one_way_help_names_its_direction():
    mine = write_reasons(facts(offers=("send",), terms={**NO_TERMS, "one_way": 0.05}))
    assert mine == ("Your strength in SEND meets Priya's challenge.",)
    both = write_reasons(facts(covers=("singing",), offers=("send",), terms={**NO_TERMS, "complementarity": 0.2, "one_way": 0.01}))
    assert both == ("Priya's strength in singing and vocal work meets your challenge.", "In return, your strength in SEND meets Priya's challenge.")


def test_help_sentences_are_never_cut_by_the_limit():
    f = facts(
        terms={**NO_TERMS, "one_way": 0.01, "interests": 0.1, "practicality": 0.2, "context": 0.15},
        covers=("send",), shared_interests=("singing",), kind="new ideas",
    )
    assert write_reasons(f, limit=2)[-1] == "Priya's strength in SEND meets your challenge."
    assert len(write_reasons(f, limit=2)) == 2
