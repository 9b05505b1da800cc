"""Tests of matcher/programme/outcome_parts.py: the report from kept round parts equals the whole report."""

from __future__ import annotations

import random

import pandas as pd

from matcher.programme.outcome_parts import combined_report, replace_teachers, round_part
from matcher.programme.outcomes import answers_frame, contexts_frame, outcome_report


def test_a_report_combined_from_round_parts_equals_the_whole_report():
    rng = random.Random(3)
    responses = [
        (f"t{t:02d}", r, phase, {k: rng.randint(1, 5) for k in rng.sample(["send", "singing", "isolation", "connection"], rng.randint(1, 4))})
        for r in (1, 2, 3) for t in range(40) for phase in ("before", "after") if rng.random() < 0.7
    ]
    contexts = contexts_frame([(f"t{t:02d}", t % 3, t % 7, 10.0 * (t % 5)) for t in range(40)])
    members = pd.DataFrame([(f"t{t:02d}", r) for r in (1, 2, 3) for t in range(40) if (t + r) % 4], columns=["teacher_id", "round"])
    whole = outcome_report(answers_frame(responses), contexts, members, k=3)
    parts = [round_part(answers_frame([x for x in responses if x[1] == r])) for r in (3, 1, 2)]  # any order of rounds
    combined = combined_report(parts, contexts, members, k=3)
    pd.testing.assert_frame_equal(combined.summary, whole.summary)
    pd.testing.assert_frame_equal(combined.rates, whole.rates)
    pd.testing.assert_frame_equal(combined.teachers, whole.teachers)
    assert combined.to_dict() == whole.to_dict() and len(whole.teachers) > 50


def test_replacing_a_few_teachers_answers_equals_pairing_the_round_again():
    rng = random.Random(5)
    keys = ["send", "singing", "isolation", "connection"]
    old = {(f"t{t:02d}", phase): {k: rng.randint(1, 5) for k in rng.sample(keys, rng.randint(1, 4))} for t in range(30) for phase in ("before", "after") if rng.random() < 0.8}
    new = dict(old)
    new[("t03", "after")] = {"send": 1, "connection": 5}  # an edit
    new[("t31", "before")], new[("t31", "after")] = {"send": 2}, {"send": 4}  # a new teacher's answers
    new.pop(("t05", "after"), None)  # an answer replaced by one that pairs nothing
    new[("t05", "before")] = {"singing": 3}
    frame = lambda d: answers_frame([(t, 1, phase, a) for (t, phase), a in d.items()])  # noqa: E731
    changed = ["t03", "t31", "t05"]
    spliced = replace_teachers(round_part(frame(old)), changed, frame({key: a for key, a in new.items() if key[0] in changed}))
    whole = round_part(frame(new))
    pd.testing.assert_frame_equal(spliced.paired, whole.paired, check_exact=True)
    assert sorted(map(tuple, spliced.seen.astype(str).values.tolist())) == sorted(map(tuple, whole.seen.astype(str).values.tolist()))
