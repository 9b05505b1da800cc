"""Tests for matcher/programme/sessions.py: training sessions from uncovered challenges."""

from __future__ import annotations

import random
from datetime import date

import pytest

from matcher.errors import ParameterError, ValidationError
from matcher.places.schools import haversine_km, load_schools
from matcher.programme.sessions import plan_sessions, session_rows, weekday_number
from matcher.programme.terms import load_term_dates, parse_term_dates_csv
from matcher.profiles.teacher import Cohort, TeacherProfile

SCHOOLS = load_schools()
URNS = sorted(SCHOOLS)
START = date(2026, 11, 2)  # a Monday in term time (typical London)


def t(id_: str, urn: int = URNS[0], **kw: object) -> TeacherProfile:
    return TeacherProfile(id=id_, name=f"Teacher {id_}", school_urn=urn, **kw)  # type: ignore[arg-type]


def cohort_of(*profiles: TeacherProfile) -> Cohort:
    return Cohort.from_profiles(profiles, SCHOOLS)


@pytest.fixture(scope="module")
def grouped() -> tuple[Cohort, dict[str, tuple[str, ...]]]:
    """Singing wanted by 3 (one of them covered in group 1), SEND by 2, composing by 1."""
    people = [
        t("h1", URNS[0], strengths=("singing",), consent_share_contact=True, email="h1@example.org", years_teaching=9),
        t("w1", URNS[1], challenges=("singing", "send")),
        t("w2", URNS[2], challenges=("singing", "send")),
        t("w3", URNS[3], challenges=("singing", "composition")),
        t("w4", URNS[4], challenges=("singing",)),
        t("h2", URNS[5], strengths=("send", "composition"), consent_share_contact=True, years_teaching=4),
        t("h3", URNS[6], strengths=("send",), consent_share_contact=True, years_teaching=20),
    ]
    groups = {"1": ("h1", "w1"), "2": ("w2", "w3", "w4"), "3": ("h2", "h3")}
    return cohort_of(*people), groups


def test_most_wanted_uncovered_challenge_comes_first(grouped) -> None:
    cohort, groups = grouped
    plan = plan_sessions(cohort, groups, start=START)
    # w1's singing is covered by h1 in group 1; w2, w3, w4 want singing; w1 and w2 want SEND.
    assert [(s.theme, s.wanting) for s in plan.sessions] == [
        ("singing", ("w2", "w3", "w4")),
        ("send", ("w1", "w2")),
        ("composition", ("w3",)),
    ]
    assert plan.grouped and plan.not_meeting == ()
    assert plan_sessions(cohort, groups, start=START, top=1).sessions[0].theme == "singing"


def test_without_groups_every_challenge_counts(grouped) -> None:
    cohort, _ = grouped
    plan = plan_sessions(cohort, start=START)
    assert plan.sessions[0].wanting == ("w1", "w2", "w3", "w4") and not plan.grouped


def test_teacher_in_no_group_wants_all_their_challenges(grouped) -> None:
    cohort, groups = grouped
    plan = plan_sessions(cohort, {"1": ("h1", "w1")}, start=START)
    assert {s.theme: s.wanting for s in plan.sessions}["singing"] == ("w2", "w3", "w4")


def test_leaders_are_ranked_by_strength_then_years(grouped) -> None:
    cohort, groups = grouped
    send = {s.theme: s for s in plan_sessions(cohort, groups, start=START).sessions}["send"]
    assert [x.teacher_id for x in send.leaders] == ["h3", "h2"]
    assert send.leaders[0].way == "strength" and "20 years" in send.leaders[0].why


def test_non_consenting_teacher_is_never_a_leader() -> None:
    cohort = cohort_of(
        t("yes", URNS[0], strengths=("singing",), consent_share_contact=True),
        t("no", URNS[1], strengths=("singing", "send"), years_teaching=30),
        t("jo", URNS[2], challenges=("singing", "send")),
    )
    plan = plan_sessions(cohort, start=START)
    singing = plan.sessions[0]
    assert [x.teacher_id for x in singing.leaders] == ["yes"] and singing.withheld == 1
    assert [(u.theme, u.reason, u.wanting) for u in plan.unled] == [("send", "no_consent", ("jo",))]
    assert all(x.teacher_id != "no" for s in plan.sessions for x in s.leaders)


def test_challenge_nobody_can_cover_is_listed_apart() -> None:
    cohort = cohort_of(t("a", URNS[0], strengths=("singing",), consent_share_contact=True), t("b", URNS[1], challenges=("singing", "send")))
    plan = plan_sessions(cohort, start=START)
    assert [s.theme for s in plan.sessions] == ["singing"]
    assert [(u.theme, u.reason) for u in plan.unled] == [("send", "nobody")]


def test_shared_experience_can_lead_a_circumstance_session() -> None:
    veteran = t("v", URNS[0], department_size=1, years_teaching=15, consent_share_contact=True)
    cohort = cohort_of(veteran, t("n", URNS[1], department_size=1, years_teaching=1, challenges=("professional_isolation",)))
    leader = plan_sessions(cohort, start=START).sessions[0].leaders[0]
    assert leader.way == "experience" and "department of one" in leader.why


def test_venue_minimises_total_km_over_the_candidates() -> None:
    rng = random.Random(7)
    urns = rng.sample(URNS, 12)
    people = [t(f"w{k}", urns[k], challenges=("singing",), max_travel_km=float(rng.choice([3, 8, 15]))) for k in range(9)]
    people += [t("lead", urns[9], strengths=("singing",), consent_share_contact=True)]
    cohort = cohort_of(*people)
    venue = plan_sessions(cohort, start=START).sessions[0].venue
    candidates = {p.school_urn for p in people}  # the wanting teachers' schools and the leader's

    def travel(urn: int) -> list[float]:
        v = SCHOOLS[urn]
        return [haversine_km(SCHOOLS[p.school_urn].lat, SCHOOLS[p.school_urn].lon, v.lat, v.lon) for p in people[:9]]

    best = min(candidates, key=lambda u: sum(travel(u)))
    assert venue.school_urn == best
    assert venue.total_km == pytest.approx(sum(travel(best)), abs=0.01)
    assert venue.max_km == pytest.approx(max(travel(best)), abs=0.01)
    assert venue.mean_km == pytest.approx(venue.total_km / 9, abs=0.01)
    assert venue.within_reach == sum(d <= p.max_travel_km for d, p in zip(travel(best), people)) and venue.teachers == 9


def test_dates_skip_a_holiday_and_say_whose_dates() -> None:
    urn = URNS[0]
    la = SCHOOLS[urn].local_authority
    rows = [
        "local_authority,academic_year,kind,name,starts,ends,source",
        f"{la},2026-27,term,Autumn term,2026-09-02,2026-12-18,test",
        f"{la},2026-27,half_term,Made-up break,2026-11-09,2026-11-13,test",
        f"{la},2026-27,inset,INSET day,2026-11-18,2026-11-18,test",
    ]
    table = parse_term_dates_csv("\n".join(rows) + "\n")
    cohort = cohort_of(t("a", urn, strengths=("singing",), consent_share_contact=True), t("b", urn, challenges=("singing",)))
    s = plan_sessions(cohort, start=START, term_dates=table, weekday="wed", n_dates=3).sessions[0]
    assert [d.isoformat() for d in s.dates] == ["2026-11-04", "2026-11-25", "2026-12-02"]  # not 11th (break), not 18th (INSET)
    assert la in s.dates_note
    typical = plan_sessions(cohort, start=date(2026, 10, 19), term_dates=load_term_dates(), weekday="wednesday", n_dates=2).sessions[0]
    assert [d.isoformat() for d in typical.dates] == ["2026-10-21", "2026-11-04"] and "typical London" in typical.dates_note


def test_dates_run_out_at_the_end_of_the_known_years() -> None:
    cohort = cohort_of(t("a", URNS[0], strengths=("singing",), consent_share_contact=True), t("b", URNS[1], challenges=("singing",)))
    assert plan_sessions(cohort, start=date(2028, 7, 1), n_dates=5).sessions[0].dates == (date(2028, 7, 5), date(2028, 7, 12), date(2028, 7, 19))


def test_group_that_never_met_leaves_its_challenges_uncovered(grouped) -> None:
    cohort, groups = grouped
    plan = plan_sessions(cohort, groups, check_ins={"1": ["no", "rescheduled"], "2": ["yes"]}, start=START)
    assert plan.not_meeting == ("1",)
    assert {s.theme: s.wanting for s in plan.sessions}["singing"] == ("w1", "w2", "w3", "w4")
    met = plan_sessions(cohort, groups, check_ins={"1": ["no", "yes"]}, start=START)
    assert met.not_meeting == () and "w1" not in {s.theme: s.wanting for s in met.sessions}["singing"]


@pytest.mark.parametrize(
    ("kwargs", "error", "text"),
    [
        ({"groups": {"1": ("a", "zz")}}, ValidationError, "not a teacher of the cohort"),
        ({"groups": {"1": ("a",), "2": ("a", "b")}}, ValidationError, "more than one group"),
        ({"groups": {"1": ("a", "b")}, "check_ins": {"9": ["yes"]}}, ValidationError, "not a group"),
        ({"check_ins": {"1": ["yes"]}}, ParameterError, "pass groups too"),
        ({"top": 0}, ParameterError, "top must be"),
        ({"weekday": "sat"}, ParameterError, "school day"),
        ({"n_dates": 21}, ParameterError, "n_dates"),
    ],
)
def test_bad_arguments_are_clear_errors(kwargs, error, text) -> None:
    cohort = cohort_of(t("a", URNS[0], strengths=("singing",), consent_share_contact=True), t("b", URNS[1], challenges=("singing",)))
    with pytest.raises(error, match=text):
        plan_sessions(cohort, start=START, **kwargs)


def test_weekday_names() -> None:
    assert [weekday_number(w) for w in ("mon", "TUE", " Wednesday ", 3, "fri")] == [0, 1, 2, 3, 4]
    with pytest.raises(ParameterError):
        weekday_number(True)


def test_rows_and_dict(grouped) -> None:
    cohort, groups = grouped
    plan = plan_sessions(cohort, groups, start=START)
    rows = session_rows(plan)
    assert rows[0][:4] == ["rank", "theme", "label", "wanting"] and len(rows) == 4
    assert rows[1][1] == "singing" and rows[1][3] == 3
    d = plan.to_dict()
    assert d["sessions"][0]["count"] == 3 and d["sessions"][0]["leaders"][0]["contact"] == "h1@example.org"
