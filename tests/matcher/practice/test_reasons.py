"""Tests for matcher/practice/reasons.py: the wording of recommendation reasons."""

from __future__ import annotations

from matcher.practice.catalogue import CONTEXTS, PracticeExample, load_catalogue
from matcher.practice.reasons import CONTEXT_PHRASES, first_names, group_reasons, labels, names_list, teacher_reasons
from matcher.profiles.teacher import TeacherProfile

CATALOGUE = load_catalogue()
EXAMPLE = PracticeExample("x", "Title", "Summary", ("singing", "send"), ("KS4",), ("department_of_one",), ("r",), "one lesson", "t-9")
TERMS = {"challenges": 0.5, "interests": 0.0, "key_stages": 0.0, "context": 1.0, "text": 0.0, "peer_author": 1.0}


def test_every_context_has_a_phrase():
    assert set(CONTEXT_PHRASES) == set(CONTEXTS)


def test_lists_read_as_english():
    assert names_list(["Ann"]) == "Ann"
    assert names_list(["Ann", "Bo"]) == "Ann and Bo"
    assert labels(["send", "singing", "composition"]) == "SEND, Singing and vocal work and Composition and melody writing"


def test_first_names_fall_back_to_full_names_on_a_clash():
    people = [TeacherProfile(id=i, name=n, school_urn=1) for i, n in (("a", "Sam Lee"), ("b", "Sam Ng"), ("c", "Jo King"), ("d", ""))]
    assert first_names(people) == {"a": "Sam Lee", "b": "Sam Ng", "c": "Jo", "d": "d"}


def test_teacher_reasons_in_order():
    p = TeacherProfile(id="t-1", name="Ann", school_urn=1, key_stages=("KS3",), challenges=("send",), interests=("singing",))
    reasons = teacher_reasons(p, EXAMPLE, TERMS, frozenset({"department_of_one"}), {"t-9": "Kasia"}, CATALOGUE, 0)
    assert reasons == [
        "Kasia, one of your suggested peers, wrote this: ask them how it went.",
        "Tackles your challenge in SEND.",
        "Matches your interest in Singing and vocal work.",
        "Fits your context: a department of one.",
        "Note: written for KS4, which you do not list.",
    ]


def test_nothing_matched_is_said_plainly():
    p = TeacherProfile(id="t-1", name="Ann", school_urn=1, key_stages=("KS4",))
    terms = {**TERMS, "peer_author": 0.0, "key_stages": 1.0}
    assert teacher_reasons(p, EXAMPLE, terms, frozenset(), {}, CATALOGUE, 0) == [
        "None of your themes matched closely; it is here as a broadly useful example."
    ]


def test_group_reasons_name_whose_challenge_and_who_can_lead():
    members = [
        TeacherProfile(id="a", name="Ann Lee", school_urn=1, key_stages=("KS4",), challenges=("send", "singing")),
        TeacherProfile(id="b", name="Bo Sato", school_urn=1, key_stages=("KS3",), challenges=("send",)),
        TeacherProfile(id="t-9", name="Kasia K", school_urn=1, key_stages=("KS4",), strengths=("send", "singing")),
    ]
    names = first_names(members)
    reasons = group_reasons(members, names, EXAMPLE, {"send": ("t-9",), "singing": ("t-9",)}, {**TERMS, "key_stages": 1.0})
    assert reasons == [
        "Kasia, a member of this group, wrote this: a ready-made first session.",
        "Covers SEND, a challenge for Ann and Bo.",
        "Covers Singing and vocal work, a challenge for Ann.",
        "Kasia lists SEND and Singing and vocal work as strengths and could lead this one.",
        "Written for KS4: closest to Ann and Kasia's classes.",
    ]
