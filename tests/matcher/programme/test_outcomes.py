"""Tests of matcher/programme/outcomes.py against hand-computed numbers."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.errors import ParameterError, ValidationError
from matcher.programme.outcomes import CONTEXTS, MEASURES, answers_frame, contexts_frame, outcome_report, paired_changes, response_rates, summarise, teacher_changes


def _changes(values: dict[str, float], measure: str = "connection") -> pd.DataFrame:
    return pd.DataFrame({"teacher_id": list(values), "measure": measure, "before": 3.0, "after": [3.0 + v for v in values.values()], "change": list(values.values())})


def test_pairs_need_both_phases_and_isolation_is_reverse_scored():
    answers = answers_frame(
        [
            ("a", 1, "before", {"singing": 2, "isolation": 5, "connection": 3}),
            ("a", 1, "after", {"singing": 3, "isolation": 3}),
            ("a", 2, "after", {"singing": 5}),  # no 'before' in round 2
        ]
    )
    paired = paired_changes(answers)
    assert paired[["round", "key", "measure", "before", "after", "change"]].values.tolist() == [[1, "isolation", "isolation", 1.0, 3.0, 2.0], [1, "singing", "challenges", 2.0, 3.0, 1.0]]


def test_teachers_count_once_however_many_questions_and_rounds():
    answers = answers_frame(
        [
            ("a", 1, "before", {"send": 1, "singing": 1}), ("a", 1, "after", {"send": 3, "singing": 2}),  # round 1: +2, +1 -> 1.5
            ("a", 2, "before", {"send": 3}), ("a", 2, "after", {"send": 2}),  # round 2: -1
            ("b", 1, "before", {"send": 4}), ("b", 1, "after", {"send": 5}),
        ]
    )
    per_teacher = teacher_changes(paired_changes(answers)).set_index("teacher_id")
    assert per_teacher.loc["a", "change"] == pytest.approx(0.25) and per_teacher.loc["a", "rounds"] == 2
    assert per_teacher.loc["b", "change"] == 1.0 and len(per_teacher) == 2


def test_interval_is_the_t_interval_computed_by_hand():
    # changes 1, 2, 3, 4, 5, 6: mean 3.5, sd 1.8708, se 0.7638, t(5, 0.975) = 2.5706 -> ± 1.9634
    changes = _changes({f"t{i}": float(i) for i in range(1, 7)})
    row = summarise(changes, contexts_frame([])).query("context == 'all' and measure == 'connection'").iloc[0]
    assert (row["n"], row["change"]) == (6, 3.5)
    assert row["ci_low"] == pytest.approx(3.5 - 1.9634, abs=1e-3) and row["ci_high"] == pytest.approx(3.5 + 1.9634, abs=1e-3)
    row90 = summarise(changes, contexts_frame([]), confidence=0.9).query("context == 'all' and measure == 'connection'").iloc[0]
    assert row90["ci_high"] - row90["ci_low"] < row["ci_high"] - row["ci_low"]


def test_cells_under_k_and_cells_whose_complement_is_under_k_are_suppressed():
    changes = _changes({f"t{i}": float(i % 3) for i in range(12)})
    # 3 departments of one (too few), 9 high-FSM (3 others: "all" minus them would reveal the 3), 6 early-career (fine)
    contexts = contexts_frame([(f"t{i}", 1 if i < 3 else 2, 1 if i < 6 else 10, 40.0 if i < 9 else 10.0) for i in range(12)])
    s = summarise(changes, contexts).query("measure == 'connection'").set_index("context")
    assert s.loc["all", "suppressed"] == False and s.loc["early_career", "suppressed"] == False  # noqa: E712
    assert s.loc["department_of_one", "suppressed"] and math.isnan(s.loc["department_of_one", "change"]) and s.loc["department_of_one", "n"] == 3
    assert s.loc["high_fsm", "suppressed"] and math.isnan(s.loc["high_fsm", "ci_low"])
    assert not summarise(changes, contexts, k=3).query("measure == 'connection' and context == 'high_fsm'").iloc[0]["suppressed"]


def test_every_context_and_measure_has_a_row_even_without_answers():
    s = summarise(_changes({}), contexts_frame([]))
    assert len(s) == len(CONTEXTS) * len(MEASURES) and (s["n"] == 0).all() and not s["suppressed"].any()


def test_contexts_use_the_documented_thresholds():
    c = contexts_frame([("a", 1, 2, 35.0), ("b", 2, 3, 34.9), ("c", 0, 0, None)]).to_dict("index")
    assert c["a"] == {"department_of_one": True, "high_fsm": True, "early_career": True}
    assert c["b"] == {"department_of_one": False, "high_fsm": False, "early_career": False}
    assert not c["c"]["high_fsm"] and c["c"]["department_of_one"]  # no FSM figure is not high-FSM


def test_response_rates_count_members_only():
    members = pd.DataFrame({"teacher_id": ["a", "b", "a"], "round": [1, 1, 2]})
    answers = answers_frame([("a", 1, "before", {"send": 2}), ("a", 1, "after", {"send": 3}), ("z", 1, "before", {"send": 1}), ("a", 2, "after", {"send": 1})])
    rates = response_rates(members, answers).set_index("round")
    assert rates.loc[1, ["members", "before", "after", "both"]].tolist() == [2, 1, 1, 1] and rates.loc[1, "both_rate"] == 0.5
    assert rates.loc[2, ["members", "before", "after", "both"]].tolist() == [1, 0, 1, 0]


def test_bad_input_is_an_error_not_dropped():
    with pytest.raises(ValidationError) as err:
        answers_frame([("a", 1, "during", {"send": 2}), ("a", 1, "before", {"send": 7}), ("a", 1, "before", {"send": 2})])
    assert sorted((i.row, i.field) for i in err.value.issues) == [(1, "phase"), (2, "answers.send"), (3, "teacher_id")]
    with pytest.raises(ParameterError):
        summarise(_changes({}), contexts_frame([]), k=0)
    with pytest.raises(ParameterError):
        summarise(_changes({}), contexts_frame([]), confidence=95)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5)), min_size=5, max_size=30))
def test_the_interval_holds_the_mean_and_reversing_isolation_flips_the_sign(pairs):
    rows = []
    for i, (b, a) in enumerate(pairs):
        rows += [(f"t{i}", 1, "before", {"isolation": b, "connection": b}), (f"t{i}", 1, "after", {"isolation": a, "connection": a})]
    report = outcome_report(answers_frame(rows), contexts_frame([]), pd.DataFrame({"teacher_id": [f"t{i}" for i in range(len(pairs))], "round": 1}))
    s = report.summary.set_index(["context", "measure"])
    iso, conn = s.loc[("all", "isolation")], s.loc[("all", "connection")]
    assert iso["change"] == pytest.approx(-conn["change"])
    assert iso["ci_low"] <= iso["change"] <= iso["ci_high"]
    assert report.rates["both_rate"].tolist() == [1.0]


def test_no_answers_and_no_members_give_empty_figures_not_an_error():
    # regression: merging an empty answers frame (object rounds) with int rounds raised ValueError
    empty = answers_frame([])
    report = outcome_report(empty, contexts_frame([("a", 1, 5, None)]), pd.DataFrame({"teacher_id": ["a"], "round": [7]}))
    assert report.rates[["round", "members", "before", "both"]].values.tolist() == [[7, 1, 0, 0]]
    assert (report.summary["n"] == 0).all()
    none = outcome_report(empty, contexts_frame([]), pd.DataFrame({"teacher_id": [], "round": []}))
    assert none.rates.empty and len(none.summary) == len(CONTEXTS) * len(MEASURES)
