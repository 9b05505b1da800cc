"""Tests for matcher/practice/text.py: TF-IDF similarity between teachers' words and examples."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.practice.catalogue import load_catalogue
from matcher.practice.text import TEXT_FLOOR, TEXT_FULL, shared_words, text_similarity, text_term

CATALOGUE = load_catalogue()


def test_similarity_shape_range_and_empty_text():
    sim = text_similarity(["ukulele chords for Year 7 whole class", "", "zzzz qqqq"], CATALOGUE)
    assert sim.shape == (3, len(CATALOGUE))
    assert np.all((sim >= 0) & (sim <= 1 + 1e-9))
    assert sim[1].max() == 0 and sim[2].max() == 0  # no words the catalogue knows


def test_an_examples_own_summary_is_its_best_match():
    for example in CATALOGUE.examples[::7]:
        sim = text_similarity([example.summary], CATALOGUE)[0]
        assert CATALOGUE.examples[int(np.argmax(sim))].id == example.id


def test_a_string_is_rejected():
    with pytest.raises(TypeError, match="list of texts"):
        text_similarity("ukulele", CATALOGUE)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=20))
def test_text_term_is_monotone_and_bounded(values):
    x = np.sort(np.array(values))
    t = text_term(x)
    assert np.all((t >= 0) & (t <= 1))
    assert np.all(np.diff(t) >= 0)
    assert np.all(t[x < TEXT_FLOOR] == 0) and np.all(t[x >= TEXT_FULL] == 1)


def test_shared_words_explain_the_match():
    example = CATALOGUE.get("steel-pans-hub-loan")
    column = CATALOGUE.index[example.id]
    words = shared_words("We would love steel pans and calypso for Year 8.", CATALOGUE, column)
    assert words and any("pans" in w or "calypso" in w for w in words)
    assert len(words) <= 3
    assert shared_words("", CATALOGUE, column) == []
