"""Tests for matcher/profiles/phrases.py: wording shared by reasons, reports and messages."""

from __future__ import annotations

from matcher.profiles.phrases import count_phrase, possessive, short_names, with_article


def test_counts_are_singular_or_plural_never_bracketed():
    assert [count_phrase(n, "problem") for n in (0, 1, 2)] == ["0 problems", "1 problem", "2 problems"]
    assert count_phrase(1, "more link") == "1 more link" and count_phrase(3, "more link") == "3 more links"
    assert count_phrase(2, "child", "children") == "2 children"


def test_articles():
    assert [with_article(w) for w in ("analyst", "coordinator", "teacher", "early career teacher")] == [
        "an analyst", "a coordinator", "a teacher", "an early career teacher"]


def test_short_names_tell_repeated_first_names_apart():
    assert short_names(["Amy Smith", "Amy Jones", "James Okoro"]) == ["Amy S.", "Amy J.", "James"]
    assert short_names(["Amy Smith", "Amy Stone", "Amy Jones"]) == ["Amy Smith", "Amy Stone", "Amy J."]
    assert short_names(["Sam", "Sam Lee"]) == ["Sam", "Sam L."]
    assert short_names(["Priya Shah"]) == ["Priya"]
    assert possessive("James") == "James's" and possessive("Amy S.") == "Amy S.'s"
