"""The pages' coverage data says which way each challenge is met (service/pages/cohort_view.py)."""

from __future__ import annotations

from types import SimpleNamespace

from service.pages.cohort_view import COVERAGE_WAYS, coverage_counts, coverage_ways

GROUPS = [
    {"members": ["a", "b", "c"], "coverage": {"send": ["b"], "professional_isolation": ["c"], "singing": ["a", "c"]},
     "coverage_experience": {"professional_isolation": ["c"]}, "uncovered": ["composition"], "uncoverable": ["keyboard_skills"]},
    {"members": ["d"], "coverage": {}},  # stored before the new fields: no experience, nothing out of reach
]
PEOPLE = {
    "a": SimpleNamespace(challenges=("send", "professional_isolation", "composition")),
    "b": SimpleNamespace(challenges=("keyboard_skills", "singing")),
    "c": SimpleNamespace(challenges=()),
    "d": SimpleNamespace(challenges=("singing",)),
}


def test_coverage_ways_split_covered_by_way_and_keep_out_of_reach_apart():
    ways = coverage_ways(GROUPS, PEOPLE)
    assert len(COVERAGE_WAYS) == 4
    assert ways["send"] == [1, 0, 0, 0]
    assert ways["professional_isolation"] == [0, 1, 0, 0]
    assert ways["composition"] == [0, 0, 1, 0]
    assert ways["keyboard_skills"] == [0, 0, 0, 1]
    assert ways["singing"] == [1, 0, 1, 0]  # b is helped by a and c; d (old result) by nobody


def test_coverage_ways_agree_with_the_covered_counts():
    counts, ways = coverage_counts(GROUPS, PEOPLE), coverage_ways(GROUPS, PEOPLE)
    assert set(counts) == set(ways)
    for theme, (covered, not_covered) in counts.items():
        assert ways[theme][0] + ways[theme][1] == covered
        assert ways[theme][2] + ways[theme][3] == not_covered


def test_result_page_marks_shared_experience_and_out_of_reach_challenges(client, app):
    from .conftest import TEACHERS
    from .pages_helpers import sign_in, text_of
    from .test_pages_cohorts import stored_run

    ids = TEACHERS["north"][:4]
    group = {
        "index": 0, "members": ids, "mean_affinity": 0.5, "member_affinity": {m: 0.5 for m in ids}, "worst_off": ids[0],
        "coverage": {"professional_isolation": [ids[1]]}, "coverage_experience": {"professional_isolation": [ids[1]]},
        "uncovered": [], "uncoverable": ["keyboard_skills"], "reasons": ["Reason."], "approved": False,
    }
    figures = {"mean_affinity": 0.5, "min_affinity": 0.5, "coverage_share": 0.5, "coverage_of_coverable": 0.8,
               "coverage_by_experience": 0.25, "uncoverable": 1, "groups": 1}
    run_id = stored_run(app, result={"groups": [group], "figures": figures})
    sign_in(client, "coord_n")
    page = text_of(client.get(f"/cohorts/{run_id}"))
    assert "(shared experience)" in page
    assert "Nobody within reach could cover: Keyboard skills" in page
    assert "Coverable challenges covered 80%" in page and "Covered by shared experience 25%" in page
