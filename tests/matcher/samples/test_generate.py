"""Tests for matcher/samples/generate.py (and its text and name helpers): synthetic teachers at real schools."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from matcher.profiles.io import read_teachers, teachers_to_csv, write_teachers_csv
from matcher.profiles.teacher import AVAILABILITY_SLOTS, KEY_STAGES, ROLES, Cohort
from matcher.samples.names import NAME_GROUPS
from matcher.samples.text import CHALLENGE_SENTENCES, STRENGTH_SENTENCES, write_about
from matcher.places.schools import FSM_HIGH, FSM_LOW
from matcher.samples.generate import generate_teachers, school_age_high
from matcher.places.schools import load_schools
from matcher.profiles.themes import THEME_IDS, THEMES

SAMPLE = Path(__file__).resolve().parents[3] / "data" / "samples" / "teachers.csv"
SCHOOLS = load_schools()


@pytest.fixture(scope="module")
def sample():
    return generate_teachers(300, seed=2026)


@pytest.fixture(scope="module")
def big():
    """More teachers than London has schools, for distribution checks with less noise."""
    return generate_teachers(3000, seed=11)


def share(profiles, predicate):
    profiles = list(profiles)
    return sum(map(predicate, profiles)) / len(profiles)


def test_same_seed_same_teachers_other_seed_other_teachers(sample):
    assert generate_teachers(300, seed=2026) == sample
    other = generate_teachers(300, seed=2027)
    assert [p.id for p in other] == [p.id for p in sample]
    assert sum(a != b for a, b in zip(other, sample)) > 290


def test_generator_leaves_global_random_state_alone():
    np.random.seed(5)
    before = np.random.random()
    np.random.seed(5)
    generate_teachers(20, seed=1)
    assert np.random.random() == before


def test_committed_sample_is_the_generator_output(sample):
    # data/samples/teachers.csv must be regenerated (peermatch samples) whenever the generator changes
    assert SAMPLE.read_text(encoding="utf-8") == teachers_to_csv(sample)


def test_committed_json_matches_the_csv():
    assert read_teachers(SAMPLE.with_suffix(".json")).profiles == read_teachers(SAMPLE).profiles


def test_ids_emails_and_names(sample):
    assert [p.id for p in sample] == [f"t-{i:03d}" for i in range(1, 301)]
    emails = [p.email for p in sample]
    assert len(set(emails)) == 300
    assert all(re.fullmatch(r"[a-z0-9.]+@example\.org", e) for e in emails)
    assert all(len(p.name.split()) >= 2 for p in sample)
    assert len({p.name for p in sample}) > 280


def test_wide_ids_when_there_are_many():
    assert generate_teachers(1000, seed=1)[-1].id == "t-1000"


def test_edge_sizes():
    assert generate_teachers(0) == ()
    with pytest.raises(ValueError, match="n must be"):
        generate_teachers(-1)


def test_schools_are_real_and_spread_over_boroughs(sample):
    assert all(p.school_urn in SCHOOLS for p in sample)
    boroughs = Counter(SCHOOLS[p.school_urn].local_authority for p in sample)
    assert len(boroughs) >= 30
    assert max(boroughs.values()) <= 30
    independent = share(sample, lambda p: SCHOOLS[p.school_urn].sector == "independent")
    assert 0.05 <= independent <= 0.25
    assert all((SCHOOLS[p.school_urn].pupils or 150) >= 150 for p in sample)


def test_departments(sample):
    assert 0.35 <= share(sample, lambda p: p.department_of_one) <= 0.50
    sizes = Counter(p.department_size for p in sample)
    assert set(sizes) <= set(range(1, 7)) and sizes[2] > sizes[4] > 0
    by_school = {}
    for p in sample:  # colleagues at one school agree on its department size
        by_school.setdefault(p.school_urn, set()).add(p.department_size)
    assert all(len(v) == 1 for v in by_school.values())
    heads = Counter(p.school_urn for p in sample if p.role == "head_of_music")
    assert max(heads.values()) == 1


def test_roles_and_experience(big):
    roles = Counter(p.role for p in big)
    assert set(roles) <= set(ROLES)
    assert roles["head_of_music"] + roles["music_teacher"] > 0.75 * len(big)
    assert 0.05 < roles["early_career_teacher"] / len(big) < 0.2
    assert 0.01 < roles["non_specialist"] / len(big) < 0.1
    ones = [p for p in big if p.department_of_one]
    assert share(ones, lambda p: p.role == "head_of_music") > 0.6
    years = np.array([p.years_teaching for p in big])
    assert np.median(years) <= 10 and (years <= 5).mean() > 0.3 and (years >= 20).mean() > 0.05
    assert all(p.years_teaching <= 2 for p in big if p.role == "early_career_teacher")


def test_key_stages(big):
    ages = school_age_high()
    assert all("KS3" in p.key_stages and set(p.key_stages) <= set(KEY_STAGES) for p in big)
    assert share(big, lambda p: "KS4" in p.key_stages) > 0.75
    ks5 = [p for p in big if "KS5" in p.key_stages]
    assert ks5 and all(ages[p.school_urn] >= 18 for p in ks5)
    assert all(SCHOOLS[p.school_urn].phase == "All-through" for p in big if "KS2" in p.key_stages)


def test_theme_lists(big):
    for p in big:
        for field in ("interests", "challenges", "strengths"):
            values = getattr(p, field)
            assert 2 <= len(values) <= 5 and len(set(values)) == len(values)
            assert set(values) <= set(THEMES)
        assert not set(p.challenges) & set(p.strengths)


def fsm_band(p):
    fsm = SCHOOLS[p.school_urn].fsm_percent
    if fsm is None:
        return None
    return "high" if fsm >= FSM_HIGH else "low" if fsm < FSM_LOW else "mid"


ACCESS = {"instrument_access", "disadvantaged_pupils", "budget_resources"}


def test_high_fsm_schools_cite_access_more(big):
    cites = {}
    for band in ("high", "low"):
        group = [p for p in big if fsm_band(p) == band]
        assert len(group) > 100
        cites[band] = share(group, lambda p: bool(ACCESS & set(p.challenges)))
    assert cites["high"] > 1.8 * cites["low"]


def test_departments_of_one_cite_isolation_and_workload(big):
    lonely = {"department_of_one_workload", "professional_isolation"}
    ones = share([p for p in big if p.department_of_one], lambda p: bool(lonely & set(p.challenges)))
    teams = share([p for p in big if p.department_size >= 3], lambda p: bool(lonely & set(p.challenges)))
    assert ones > 0.5 and ones > 3 * teams


def test_experience_shapes_challenges_and_strengths(big):
    early = [p for p in big if p.years_teaching <= 2]
    late = [p for p in big if p.years_teaching >= 15]
    assert share(early, lambda p: "behaviour_engagement" in p.challenges) > 2 * share(late, lambda p: "behaviour_engagement" in p.challenges)
    lead = {"curriculum_design", "department_leadership", "extra_curricular"}
    assert share(late, lambda p: bool(lead & set(p.strengths))) > 1.5 * share(early, lambda p: bool(lead & set(p.strengths)))


def test_context_rules(big):
    def eal(p):
        return SCHOOLS[p.school_urn].eal_percent

    high_eal = [p for p in big if (eal(p) or 0) >= 50]
    low_eal = [p for p in big if eal(p) is not None and eal(p) < 20]
    assert share(high_eal, lambda p: "eal_learners" in p.challenges) > 2 * share(low_eal, lambda p: "eal_learners" in p.challenges)
    non = [p for p in big if p.role == "non_specialist"]
    specialist_gaps = {"teacher_confidence", "notation_literacy"}
    assert share(non, lambda p: bool(specialist_gaps & set(p.challenges))) > 3 * share(big, lambda p: bool(specialist_gaps & set(p.challenges)))
    girls = [p for p in big if SCHOOLS[p.school_urn].gender == "Girls"]
    assert girls and not any("boys_participation" in p.challenges + p.strengths for p in girls)


def test_practicalities(big):
    slots = Counter(s for p in big for s in p.availability)
    assert all(2 <= len(p.availability) <= 5 for p in big)
    assert set(slots) <= set(AVAILABILITY_SLOTS)
    assert all(list(p.availability) == sorted(p.availability, key=AVAILABILITY_SLOTS.index) for p in big)
    assert slots.most_common(1)[0][0].endswith("after_school")
    assert all(3 <= p.max_travel_km <= 20 for p in big)
    assert Counter(p.meeting_mode for p in big).keys() == {"in_person", "online", "either"}
    assert Counter(p.context_preference for p in big).keys() == {"similar", "different", "mixed"}
    assert 0.75 < share(big, lambda p: p.consent_share_contact) < 0.95


def test_previous_groupmates_are_symmetric_and_about_a_fifth(sample):
    by_id = {p.id: p for p in sample}
    with_mates = [p for p in sample if p.previous_groupmates]
    assert 0.15 <= len(with_mates) / len(sample) <= 0.25
    for p in with_mates:
        assert 2 <= len(p.previous_groupmates) <= 4 and p.id not in p.previous_groupmates
        assert all(p.id in by_id[m].previous_groupmates for m in p.previous_groupmates)


def test_about_texts_vary_and_talk_about_the_profile(sample):
    abouts = [p.about for p in sample]
    assert len(set(abouts)) == len(abouts)
    assert all(1 <= len(re.findall(r"[.!?](?:\s|$)", a)) <= 6 and len(a) < 600 for a in abouts)

    def mentions_first_challenge(p):
        return any(s[1:] in p.about for s in CHALLENGE_SENTENCES[p.challenges[0]])

    assert all(mentions_first_challenge(p) for p in sample)
    non = [p for p in sample if p.role == "non_specialist"]
    assert non and all("specialist" in p.about or "main subject" in p.about for p in non)


def test_generated_file_validates(tmp_path, sample):
    path = tmp_path / "teachers.csv"
    write_teachers_csv(sample, path)
    report = read_teachers(path)
    assert report.ok and report.profiles == sample
    assert len(Cohort.from_profiles(report.profiles)) == 300


def test_custom_school_table_and_more_teachers_than_schools():
    few = {urn: SCHOOLS[urn] for urn in sorted(SCHOOLS)[:40]}
    teachers = generate_teachers(500, seed=3, schools=few, age_high={urn: 16 for urn in few})
    assert {p.school_urn for p in teachers} <= set(few)
    assert all(1 <= p.department_size <= 30 for p in teachers)
    assert not any("KS5" in p.key_stages for p in teachers)  # no sixth forms in these ages
    assert 0.2 < share(teachers, lambda p: p.department_of_one) < 0.7


def test_schools_without_a_known_age_range_sometimes_have_a_sixth_form():
    few = {urn: SCHOOLS[urn] for urn in sorted(SCHOOLS)[:60]}
    with_ages = generate_teachers(40, seed=3, schools=few, age_high={urn: 16 for urn in few})
    unknown = generate_teachers(40, seed=3, schools=few, age_high={1: 18})
    assert not any("KS5" in p.key_stages for p in with_ages)
    assert 0 < sum("KS5" in p.key_stages for p in unknown) < 40
    # the main random stream is untouched: the same people at the same schools
    def who(teachers):
        return [(p.name, p.school_urn, p.role, p.years_teaching, p.availability) for p in teachers]

    assert who(with_ages) == who(unknown)


def test_no_school_big_enough_is_an_error():
    tiny = {u: s for u, s in SCHOOLS.items() if s.pupils is not None and s.pupils < 100}
    with pytest.raises(ValueError, match="no school"):
        generate_teachers(5, schools=tiny)


def test_every_theme_has_sentences():
    for bank in (CHALLENGE_SENTENCES, STRENGTH_SENTENCES):
        assert set(bank) == set(THEME_IDS)
        assert all(len(v) >= 2 and all(s.endswith((".", "?", "!")) for s in v) for v in bank.values())


def test_write_about_is_deterministic_and_grammatical():
    ctx = dict(pupils="900", borough="Hackney", dept=1, years=3, role="head_of_music", ks5=False,
               school_kind="academy", mode="online", km=5, pref="similar", slot="Monday")
    u = [0.5] * 14
    text = write_about(ctx, ("singing", "send"), ("composition",), u)
    assert text == write_about(ctx, ("singing", "send"), ("composition",), u)
    assert "a academy" not in write_about(ctx, (), (), [0.45] * 14)
    assert text[0].isupper() and text.endswith(".")


def test_name_groups_are_diverse():
    assert len(NAME_GROUPS) >= 12
    assert len({name for first, _, _ in NAME_GROUPS for name in first}) > 150
    assert len({name for _, last, _ in NAME_GROUPS for name in last}) > 150
