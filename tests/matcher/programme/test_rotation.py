"""Tests for matcher/programme/rotation.py: which earlier groupmates a new round keeps apart."""

from __future__ import annotations

import pytest

from matcher.errors import ParameterError
from matcher.programme import groupmate_pairs, rotation_keep_apart

HISTORY = [
    ("Summer", groupmate_pairs([["a", "b", "c"]])),
    ("Spring", groupmate_pairs([["a", "d"], ["b", "e"]])),
    ("Autumn", groupmate_pairs([["c", "d", "e"]])),
]


def test_only_the_last_rounds_count():
    rot = rotation_keep_apart(HISTORY, "abcde", rounds=2)
    assert rot.rounds == ("Summer", "Spring")
    assert rot.keep_apart == (("a", "b"), ("a", "c"), ("a", "d"), ("b", "c"), ("b", "e"))
    assert ("c", "d") in rotation_keep_apart(HISTORY, "abcde", rounds=3).keep_apart
    assert rotation_keep_apart(HISTORY, "abcde", rounds=0) == rotation_keep_apart([], "abcde")


def test_absent_teachers_partners_and_given_pairs_are_left_out():
    rot = rotation_keep_apart(HISTORY, "abcd", rounds=2, keep_together=[("d", "a")], keep_apart=[("c", "b")])
    assert rot.keep_apart == (("a", "b"), ("a", "c"))  # no e (absent), no a-d (partners), no b-c (given)


def test_pairs_are_stored_sorted_and_never_with_oneself():
    assert groupmate_pairs([["z", "y", "z"]]) == {("y", "z")}


def test_negative_rounds_are_refused():
    with pytest.raises(ParameterError, match="rounds must be a whole number >= 0"):
        rotation_keep_apart(HISTORY, "abc", rounds=-1)


def test_exempt_teachers_earlier_groupmates_are_discouraged_not_dropped():
    history = [("Summer", groupmate_pairs([["a", "b", "c", "d"]]))]
    rot = rotation_keep_apart(history, "abcd", exempt={"a"})
    assert rot.keep_apart == (("b", "c"), ("b", "d"), ("c", "d")) and rot.allowed_again == 3
    assert rot.discourage == (("a", "b"), ("a", "c"), ("a", "d"))  # for form_groups(discourage=...)
    assert rotation_keep_apart(history, "abcd").discourage == ()
    assert rotation_keep_apart(history, "abd", exempt={"a"}, keep_together=[("a", "b")]).discourage == (("a", "d"),)
