"""Tests of matcher/programme/questionnaire.py: questions, wording, direction and validation."""

from __future__ import annotations

import pytest

from matcher.errors import ValidationError
from matcher.profiles.themes import THEMES
from matcher.programme.questionnaire import PROGRAMME_THEMES, check_answers, measure_of, oriented, questions_for


def test_one_question_per_own_challenge_then_the_programme_themes():
    questions = questions_for(["send", "music_technology", "not_a_theme"])
    assert [q.key for q in questions] == ["send", "music_technology", "isolation", "connection"]
    assert all(q.text.startswith("How confident do you feel about") and len(q.labels) == 5 for q in questions[:2])
    assert [q.kind for q in questions] == ["challenge", "challenge", "programme", "programme"]


def test_every_theme_reads_as_a_question():
    for theme in THEMES:
        (q, *_) = questions_for([theme])
        assert q.text.endswith("?") and "  " not in q.text


def test_isolation_is_the_one_where_lower_is_better():
    assert [k for k, q in PROGRAMME_THEMES.items() if not q.higher_is_better] == ["isolation"]
    assert [oriented("isolation", r) for r in range(1, 6)] == [5, 4, 3, 2, 1]
    assert [oriented("connection", r) for r in (1, 5)] == [1, 5] and oriented("singing", 2) == 2
    assert measure_of("professional_isolation") == "challenges"


@pytest.mark.parametrize("bad", [0, 6, 2.5, "3", True, None])
def test_ratings_must_be_whole_numbers_1_to_5(bad):
    with pytest.raises(ValidationError) as err:
        check_answers({"isolation": bad}, [])
    assert [i.field for i in err.value.issues] == ["answers.isolation"]


def test_every_problem_is_reported_at_once_and_nothing_is_an_error_twice():
    with pytest.raises(ValidationError) as err:
        check_answers({"singing": 9, "connexion": 2, "send": 3}, ["singing"])
    assert [(i.field, i.suggestion) for i in err.value.issues] == [("answers.singing", None), ("answers.connexion", "connection"), ("answers.send", None)]
    with pytest.raises(ValidationError):
        check_answers({}, ["singing"])
    assert check_answers({"connection": 5}, ["singing"]) == {"connection": 5}  # questions may be skipped
