"""The pages' coverage data says which way each challenge is met (service/pages/cohort_view.py)."""

from __future__ import annotations

from types import SimpleNamespace

from service.pages.cohort_view import COVERAGE_WAYS, coverage_counts, coverage_ways

GROUPS = [
    (("a", "b", "c"), SimpleNamespace(
        coverage={"send": ("b",), "professional_isolation": ("c",), "singing": ("a", "c")},
        coverage_experience={"professional_isolation": ("c",)}, uncovered=("composition",), uncoverable=("keyboard_skills",))),
    (("d",), None),  # a group nobody could explain (all erased): nothing covered, nothing out of reach
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
    assert ways["singing"] == [1, 0, 1, 0]  # b is helped by a and c; d by nobody


def test_coverage_ways_agree_with_the_covered_counts():
    counts, ways = coverage_counts(GROUPS, PEOPLE), coverage_ways(GROUPS, PEOPLE)
    assert set(counts) == set(ways)
    for theme, (covered, not_covered) in counts.items():
        assert ways[theme][0] + ways[theme][1] == covered
        assert ways[theme][2] + ways[theme][3] == not_covered


def test_result_page_marks_shared_experience_and_out_of_reach_challenges(client, app):
    import sqlalchemy as sa

    from service import db
    from service.models import Teacher

    from .conftest import TEACHERS
    from .pages_helpers import sign_in, text_of
    from .test_pages_cohorts import stored_run

    ids = TEACHERS["north"]
    with db.new_session(app) as s:  # an isolated newcomer and a department of one with years behind them
        s.execute(sa.update(Teacher).where(Teacher.id == ids[0]).values(
            department_size=1, years_teaching=1, challenges=["professional_isolation"], strengths=[]))
        s.execute(sa.update(Teacher).where(Teacher.id == ids[1]).values(
            department_size=1, years_teaching=12, challenges=[], strengths=[]))
    run_id = stored_run(app)
    sign_in(client, "coord_n")
    page = text_of(client.get(f"/cohorts/{run_id}"))
    assert "(shared experience)" in page
    assert "Coverable challenges covered" in page
