"""Tests for matcher/affinity/terms.py: each term on hand-made pairs, the hard-constraint mask,
symmetry, additivity of the terms, the isolation priority and weight validation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.affinity.terms import (
    TERMS,
    AffinityOptions,
    AffinityWeights,
    pairwise_affinity,
    score_against_all,
    score_pairs,
    teacher_arrays,
)
from matcher.errors import ValidationError
from matcher.peers.suggest import suggest_peers
from matcher.profiles.teacher import AVAILABILITY_SLOTS, Cohort, TeacherProfile
from matcher.places.schools import haversine_km, load_schools
from matcher.profiles.themes import THEME_IDS

# Real London schools: three in Camden within 3 km of each other, four in east London ~20-28 km away.
CAMDEN = (100049, 100050, 100051)
EAST = (101243, 136663, 139307, 136090)
ALL_URNS = CAMDEN + EAST
WC, WI, WX, WP = AffinityWeights().normalised()


def teacher(tid: str, urn: int = CAMDEN[0], **kw) -> TeacherProfile:
    kw.setdefault("name", f"Teacher {tid}")
    return TeacherProfile(id=tid, school_urn=urn, **kw)


def cohort_of(*profiles: TeacherProfile) -> Cohort:
    return Cohort.from_profiles(profiles)


def pair(cohort: Cohort, a: str, b: str, weights=None, options=None):
    arrays = teacher_arrays(cohort)
    s = score_pairs(arrays, np.array([cohort.row(a)]), np.array([cohort.row(b)]), weights, options)
    return s


def term(s, name: str) -> float:
    return float(s.terms[name][0])


# -- complementarity ---------------------------------------------------------------------------
def test_perfect_complement_scores_above_one_way_help():
    c = cohort_of(
        teacher("a", CAMDEN[0], challenges=("singing",), strengths=("composition",)),
        teacher("b", CAMDEN[1], challenges=("composition",), strengths=("singing",)),  # mutual help
        teacher("c", CAMDEN[2], challenges=("composition",), strengths=("send",)),  # a helps c, c cannot help a
    )
    mutual, one_way = pair(c, "a", "b"), pair(c, "a", "c")
    assert term(mutual, "complementarity") == pytest.approx(WC)
    assert term(one_way, "complementarity") == 0.0
    assert one_way.detail["covers_forward"][0] == 1.0  # the help is there, but only one way
    assert mutual.total[0] > one_way.total[0]


def test_complementarity_is_the_harmonic_mean_of_both_directions():
    c = cohort_of(
        teacher("a", CAMDEN[0], challenges=("singing", "send"), strengths=("composition",)),
        teacher("b", CAMDEN[1], challenges=("composition",), strengths=("singing",)),
    )
    s = pair(c, "a", "b")
    forward, back = s.detail["covers_forward"][0], s.detail["covers_back"][0]
    assert (forward, back) == (1.0, 0.5)  # a covers all of b's; b covers half of a's
    assert term(s, "complementarity") == pytest.approx(WC * 2 * 1.0 * 0.5 / 1.5)


def test_one_way_help_shows_in_its_own_term_and_scores_lower_than_mutual_help():
    c = cohort_of(
        teacher("a", CAMDEN[0], challenges=("singing",), strengths=("composition",)),
        teacher("b", CAMDEN[1], challenges=("composition",), strengths=("singing",)),
        teacher("c", CAMDEN[2], challenges=("composition",), strengths=("send",)),
    )
    mutual, one_way = pair(c, "a", "b"), pair(c, "a", "c")
    lam = AffinityWeights().one_way
    assert 0 < lam < 1
    assert term(one_way, "one_way") == pytest.approx(WC * lam)  # all of c's challenges, one way
    assert term(mutual, "one_way") == 0.0  # balanced help is all mutual
    assert term(mutual, "complementarity") + term(mutual, "one_way") > term(one_way, "complementarity") + term(one_way, "one_way")
    off = pair(c, "a", "c", weights=AffinityWeights(one_way=0.0))
    assert term(off, "one_way") == 0.0


@settings(max_examples=200, deadline=None)
@given(
    st.floats(0, 1), st.floats(0, 1), st.floats(0, 1),
    st.floats(0.01, 0.99),
)
def test_help_never_drops_when_either_direction_grows_and_one_way_scores_below_mutual(f, b, extra, lam):
    """The two help terms as functions of the two shares (f: i covers j, b: j covers i)."""
    import numpy as np

    def help_(f: float, b: float) -> float:
        hm = 2 * f * b / (f + b) if f + b > 0 else 0.0
        return hm + lam * (max(f, b) - hm)

    assert help_(min(f + extra, 1), b) >= help_(f, b) - 1e-12
    assert help_(f, min(b + extra, 1)) >= help_(f, b) - 1e-12
    if f > 1e-6:
        assert help_(f, 0) < help_(f, f)  # one-way help scores lower than the same help both ways
    # ...and the formula is the one the code uses
    c = cohort_of(
        teacher("a", CAMDEN[0], challenges=THEME_IDS[:4], strengths=THEME_IDS[4:4 + round(4 * f)]),
        teacher("b", CAMDEN[1], challenges=THEME_IDS[4:8], strengths=THEME_IDS[:round(4 * b)]),
    )
    s = pair(c, "a", "b", weights=AffinityWeights(one_way=lam))
    fq, bq = round(4 * f) / 4, round(4 * b) / 4
    assert np.isclose(term(s, "complementarity") + term(s, "one_way"), WC * help_(fq, bq))
    assert (term(s, "one_way") > 0) == (fq != bq)
    assert (term(s, "complementarity") > 0) == (fq > 0 and bq > 0)


def test_interests_are_the_cosine_of_the_theme_sets():
    c = cohort_of(
        teacher("a", CAMDEN[0], interests=("singing", "send")),
        teacher("b", CAMDEN[1], interests=("singing", "composition")),
        teacher("c", CAMDEN[2], interests=("keyboard_skills",)),
    )
    assert term(pair(c, "a", "b"), "interests") == pytest.approx(WI * 1 / math.sqrt(2 * 2))
    assert term(pair(c, "a", "c"), "interests") == 0.0


@pytest.mark.parametrize(
    ("pref", "expected"),
    [("similar", lambda sim: sim), ("different", lambda sim: 1 - sim), ("mixed", lambda sim: 0.5)],
)
def test_context_follows_each_teachers_preference(pref, expected):
    c = cohort_of(
        teacher("a", CAMDEN[0], context_preference=pref, department_size=1, years_teaching=2),
        teacher("b", EAST[0], context_preference=pref, department_size=6, years_teaching=25),
    )
    s = pair(c, "a", "b")
    sim = float(s.detail["context_similarity"][0])
    assert 0 < sim < 1
    assert term(s, "context") == pytest.approx(WX * expected(sim))


@pytest.mark.parametrize("pref", ["similar", "different"])
def test_context_rewards_the_preferred_kind_of_peer(pref):
    # Haverstock (59.5% FSM) and Regent High (61.7%) are alike; Drapers' (37.4%) with a big,
    # experienced department is not. Context is scaled within the cohort, so it needs a contrast.
    c = cohort_of(
        teacher("a", CAMDEN[0], context_preference=pref, department_size=1, years_teaching=5),
        teacher("b", CAMDEN[2], context_preference=pref, department_size=1, years_teaching=5),
        teacher("c", EAST[3], context_preference=pref, department_size=8, years_teaching=30),
    )
    alike, unlike = pair(c, "a", "b"), pair(c, "a", "c")
    assert alike.detail["context_similarity"][0] > unlike.detail["context_similarity"][0]
    if pref == "similar":
        assert term(alike, "context") > term(unlike, "context")
    else:
        assert term(alike, "context") < term(unlike, "context")


def test_practicality_rewards_closeness_and_shared_slots():
    c = cohort_of(
        teacher("a", CAMDEN[0], meeting_mode="in_person", max_travel_km=10, availability=("mon_pm", "thu_after_school")),
        teacher("b", CAMDEN[1], meeting_mode="in_person", max_travel_km=10, availability=("thu_after_school",)),
        teacher("c", CAMDEN[2], meeting_mode="in_person", max_travel_km=10, availability=("fri_am",)),
    )
    s = pair(c, "a", "b")
    schools = load_schools()
    km = haversine_km(schools[CAMDEN[0]].lat, schools[CAMDEN[0]].lon, schools[CAMDEN[1]].lat, schools[CAMDEN[1]].lon)
    assert s.detail["distance_km"][0] == pytest.approx(km)
    assert bool(s.detail["in_person"][0])
    # closeness 1 - 0.5 * d / reach; overlap = shared slots / the smaller list
    assert term(s, "practicality") == pytest.approx(WP * (0.5 * (1 - 0.5 * km / 10) + 0.5 * 1.0))
    assert term(pair(c, "a", "c"), "practicality") < term(s, "practicality")  # no common slot


def test_online_pairs_get_half_marks_for_closeness():
    c = cohort_of(teacher("a", CAMDEN[0], meeting_mode="online"), teacher("b", EAST[0], meeting_mode="online"))
    s = pair(c, "a", "b")
    assert s.allowed[0] and not s.detail["in_person"][0]
    assert term(s, "practicality") == pytest.approx(WP * (0.5 * 0.5 + 0.5 * 0.5))  # no slots given: neutral 0.5


# -- hard constraints --------------------------------------------------------------------------
def hard_cases():
    return {
        "same school": (
            [teacher("a", CAMDEN[0], strengths=("singing",)), teacher("b", CAMDEN[0], challenges=("singing",))],
            AffinityOptions(),
            AffinityOptions(allow_same_school=True),
        ),
        "keep apart": (
            [teacher("a", CAMDEN[0], strengths=("singing",)), teacher("b", CAMDEN[1], challenges=("singing",))],
            AffinityOptions(keep_apart=(("b", "a"),)),
            AffinityOptions(),
        ),
        "previous groupmates": (
            [
                teacher("a", CAMDEN[0], strengths=("singing",), previous_groupmates=("b",)),
                teacher("b", CAMDEN[1], challenges=("singing",)),
            ],
            AffinityOptions(avoid_previous=True),
            AffinityOptions(avoid_previous=False),
        ),
        "in person with online only": (
            [
                teacher("a", CAMDEN[0], strengths=("singing",), meeting_mode="in_person"),
                teacher("b", CAMDEN[1], challenges=("singing",), meeting_mode="online"),
            ],
            AffinityOptions(),
            None,
        ),
        "beyond the travel limit": (
            [
                teacher("a", CAMDEN[0], strengths=("singing",), meeting_mode="in_person", max_travel_km=30),
                teacher("b", EAST[0], challenges=("singing",), meeting_mode="either", max_travel_km=5),  # 22 km away
            ],
            AffinityOptions(),
            None,
        ),
    }


@pytest.mark.parametrize("case", list(hard_cases()))
def test_hard_constraints_are_masked_both_ways_and_never_suggested(case):
    profiles, forbidding, permitting = hard_cases()[case]
    c = cohort_of(*profiles)
    assert not pair(c, "a", "b", options=forbidding).allowed[0]
    assert not pair(c, "b", "a", options=forbidding).allowed[0]
    assert pair(c, "a", "b", options=forbidding).total[0] > 0  # a mask, not a small number
    assert suggest_peers(c, "a", k=3, options=forbidding) == []
    assert suggest_peers(c, "b", k=3, options=forbidding) == []
    if permitting is not None:
        assert pair(c, "a", "b", options=permitting).allowed[0]
        assert [s.peer_id for s in suggest_peers(c, "a", k=3, options=permitting)] == ["b"]


def test_travel_limit_uses_the_stricter_of_the_two():
    c = cohort_of(
        teacher("a", CAMDEN[0], meeting_mode="in_person", max_travel_km=1.0),
        teacher("b", CAMDEN[1], meeting_mode="in_person", max_travel_km=50.0),  # 1.5 km away
    )
    assert not pair(c, "a", "b").allowed[0]
    assert pair(c, "a", "b").detail["distance_km"][0] == pytest.approx(1.5, abs=0.1)


def test_either_teachers_beyond_reach_can_still_meet_online():
    c = cohort_of(teacher("a", CAMDEN[0], meeting_mode="either", max_travel_km=5), teacher("b", EAST[0], meeting_mode="either"))
    s = pair(c, "a", "b")
    assert s.allowed[0] and not s.detail["in_person"][0]


def test_keep_apart_naming_an_unknown_teacher_is_an_error():
    c = cohort_of(teacher("a", CAMDEN[0]), teacher("b", CAMDEN[1]))
    with pytest.raises(ValidationError, match="zz"):
        pair(c, "a", "b", options=AffinityOptions(keep_apart=(("a", "zz"),)))


def test_score_against_all_masks_the_teacher_themself():
    c = cohort_of(teacher("a", CAMDEN[0]), teacher("b", CAMDEN[1]), teacher("c", CAMDEN[2]))
    s = score_against_all(teacher_arrays(c), 1)
    assert s.allowed.tolist() == [True, False, True]


# -- priority ----------------------------------------------------------------------------------
def test_priority_raises_isolated_teachers_scores():
    def total(dept: int, priority: float) -> float:
        c = cohort_of(
            teacher("a", CAMDEN[0], department_size=dept, challenges=("singing",), strengths=("send",)),
            teacher("b", EAST[0], department_size=dept, challenges=("send",), strengths=("singing",)),
        )
        return float(pair(c, "a", "b", weights=AffinityWeights(priority=priority)).total[0])

    assert total(1, 0.3) > total(4, 0.3)  # departments of one come first
    assert total(1, 0.0) == pytest.approx(total(4, 0.0))  # and only because of the priority term


def test_isolation_counts_departments_of_one_and_peers_within_reach():
    c = cohort_of(
        teacher("alone", EAST[3], department_size=1, max_travel_km=1),
        teacher("crowded", CAMDEN[0], department_size=4, max_travel_km=50),
        *[teacher(f"n{i}", urn, department_size=3) for i, urn in enumerate(CAMDEN[1:] + EAST[:3])],
    )
    iso = teacher_arrays(c).isolation
    assert iso[c.row("alone")] == pytest.approx(1.0)  # department of one, nobody within 1 km
    assert iso[c.row("crowded")] == pytest.approx(0.0)  # department of four, five peers within 50 km


# -- weights -----------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "0.5", None])
def test_weights_reject_non_finite_or_negative_values(bad):
    with pytest.raises(ValueError, match="complementarity"):
        AffinityWeights(complementarity=bad)


def test_weights_need_one_positive_main_term():
    with pytest.raises(ValueError, match="at least one"):
        AffinityWeights(complementarity=0, interests=0, context=0, practicality=0)


@pytest.mark.parametrize("bad", [1, 1.5, -0.1])
def test_one_way_weight_must_keep_one_way_help_below_mutual_help(bad):
    with pytest.raises(ValueError, match="one_way"):
        AffinityWeights(one_way=bad)


def test_only_weight_ratios_matter():
    c = cohort_of(
        teacher("a", CAMDEN[0], challenges=("singing",), strengths=("send",), interests=("send",)),
        teacher("b", CAMDEN[1], challenges=("send",), strengths=("singing",), interests=("send",)),
    )
    one = pair(c, "a", "b", weights=AffinityWeights(1, 1, 1, 1, 0))
    ten = pair(c, "a", "b", weights=AffinityWeights(10, 10, 10, 10, 0))
    assert one.total[0] == pytest.approx(ten.total[0])


# -- properties --------------------------------------------------------------------------------
themes = st.lists(st.sampled_from(THEME_IDS[:12]), max_size=4, unique=True).map(tuple)


@st.composite
def cohorts(draw):
    n = draw(st.integers(2, 7))
    ids = [f"t{i}" for i in range(n)]
    profiles = []
    for tid in ids:
        profiles.append(
            TeacherProfile(
                id=tid,
                name=tid,
                school_urn=draw(st.sampled_from(ALL_URNS)),
                department_size=draw(st.integers(1, 6)),
                years_teaching=draw(st.integers(0, 30)),
                interests=draw(themes),
                challenges=draw(themes),
                strengths=draw(themes),
                meeting_mode=draw(st.sampled_from(("in_person", "online", "either"))),
                availability=tuple(draw(st.lists(st.sampled_from(AVAILABILITY_SLOTS), max_size=4, unique=True))),
                max_travel_km=draw(st.sampled_from((1.0, 5.0, 25.0, 60.0))),
                context_preference=draw(st.sampled_from(("similar", "different", "mixed"))),
                previous_groupmates=tuple(draw(st.lists(st.sampled_from(ids), max_size=2, unique=True).filter(lambda m, t=tid: t not in m))),
            )
        )
    keep_apart = tuple(draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=2)))
    options = AffinityOptions(
        allow_same_school=draw(st.booleans()), avoid_previous=draw(st.booleans()), keep_apart=keep_apart
    )
    return Cohort.from_profiles(profiles), options


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohorts())
def test_scores_and_mask_are_symmetric_and_terms_sum_to_total(drawn):
    cohort, options = drawn
    aff = pairwise_affinity(cohort, options=options)
    np.testing.assert_allclose(aff.scores, aff.scores.T, atol=1e-12)
    assert (aff.allowed == aff.allowed.T).all()
    assert not aff.allowed.diagonal().any()
    summed = sum(aff.terms[t].astype(float) for t in TERMS)
    np.fill_diagonal(summed, 0.0)
    np.testing.assert_allclose(summed, aff.scores, atol=1e-5)  # terms are float32
    assert (aff.scores >= 0).all()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohorts())
def test_pairs_that_are_not_allowed_are_never_suggested(drawn):
    cohort, options = drawn
    aff = pairwise_affinity(cohort, options=options)
    for row, tid in enumerate(cohort.ids):
        suggested = [cohort.row(s.peer_id) for s in suggest_peers(cohort, tid, k=len(cohort), options=options)]
        assert all(aff.allowed[row, j] for j in suggested)
        assert sorted(suggested) == np.flatnonzero(aff.allowed[row]).tolist()  # and every allowed one is offered
