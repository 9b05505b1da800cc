"""Tests for matcher/practice/catalogue.py: the shipped catalogue, its schema, and bad catalogue files."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest

from matcher.practice.catalogue import (
    CONTEXTS,
    MAX_SUMMARY_WORDS,
    MIN_SUMMARY_WORDS,
    TIMES_TO_TRY,
    Catalogue,
    CatalogueIssue,
    PracticeExample,
    load_catalogue,
    parse_examples,
    teacher_contexts,
)
from matcher.errors import UnknownTeacherError, ValidationError
from matcher.profiles.teacher import KEY_STAGES, TeacherProfile
from matcher.places.schools import load_schools
from matcher.profiles.themes import THEME_GROUPS, THEMES

ROOT = Path(__file__).resolve().parents[3]
BAD = ROOT / "tests" / "data" / "bad_practice"
SAMPLES = ROOT / "data" / "samples" / "teachers.csv"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


# ---- the shipped catalogue -----------------------------------------------------------


def test_shipped_catalogue_is_big_enough_and_sorted(catalogue):
    assert len(catalogue) >= 60
    ids = [e.id for e in catalogue]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_every_theme_group_and_stage_of_learning_is_covered(catalogue):
    groups = Counter(THEMES[t].group for e in catalogue for t in e.themes)
    assert set(groups) == set(THEME_GROUPS)
    assert min(groups.values()) >= 10
    stages = Counter(ks for e in catalogue for ks in e.key_stages)
    assert set(stages) == set(KEY_STAGES)
    assert stages["KS3"] == max(stages.values())  # KS3 is the programme's focus


def test_every_theme_has_at_least_three_examples(catalogue):
    """Any challenge a teacher can name must have examples to recommend."""
    counts = Counter(t for e in catalogue for t in e.themes)
    thin = {t: counts[t] for t in THEMES if counts[t] < 3}
    assert not thin


def test_examples_respect_the_schema(catalogue):
    for e in catalogue:
        assert MIN_SUMMARY_WORDS <= e.word_count <= MAX_SUMMARY_WORDS, e.id
        assert set(e.themes) <= set(THEMES) and e.themes
        assert set(e.key_stages) <= set(KEY_STAGES) and e.key_stages
        assert set(e.contexts) <= set(CONTEXTS)
        assert e.time_to_try in TIMES_TO_TRY
        assert e.resources and all(r.strip() for r in e.resources)
        assert e.source.endswith(".yaml")


def test_summaries_are_original_not_copies_of_each_other(catalogue):
    openings = Counter(" ".join(e.summary.split()[:8]) for e in catalogue)
    assert max(openings.values()) == 1


def test_some_examples_are_credited_to_sample_teachers(catalogue):
    authors = [e.author_teacher_id for e in catalogue if e.author_teacher_id]
    assert 8 <= len(authors) <= 15
    assert len(set(authors)) == len(authors)


@pytest.mark.skipif(not SAMPLES.exists(), reason="sample teachers not generated")
def test_every_author_is_a_sample_teacher_with_a_matching_strength(catalogue):
    """Credited authors must be plausible: if the samples are regenerated differently, re-credit."""
    from matcher.profiles.io import load_cohort

    cohort = load_cohort(SAMPLES)
    catalogue.check_authors(cohort.ids)
    for e in catalogue:
        if e.author_teacher_id:
            author = cohort.get(e.author_teacher_id)
            assert set(author.strengths) & set(e.themes), f"{author.id} lists no strength among the themes of {e.id}"
            assert set(author.key_stages) & set(e.key_stages), f"{author.id} teaches none of the key stages of {e.id}"


def test_check_authors_names_the_unknown_author(catalogue):
    with pytest.raises(UnknownTeacherError, match="t-"):
        catalogue.check_authors([])


def test_get_and_by_author(catalogue):
    example = catalogue.get("radar-diagram-composing-assessment")
    assert "assessment_without_levels" in example.themes
    assert catalogue.by_author(example.author_teacher_id) == (example,)
    with pytest.raises(KeyError, match="no-such-example"):
        catalogue.get("no-such-example")


def test_to_dict_is_json_ready_and_round_trips(catalogue):
    example = catalogue.examples[0]
    data = json.loads(json.dumps(example.to_dict()))
    assert PracticeExample(**{**data, **{k: tuple(data[k]) for k in ("themes", "key_stages", "contexts", "resources")}}) == example


# ---- bad catalogue files -------------------------------------------------------------

BAD_FILES = [
    ("unknown_theme.yaml", "themes", "unknown theme (got 'singin'); did you mean 'singing'?"),
    ("missing_field.yaml", "summary", "missing required field"),
    ("bad_key_stage.yaml", "key_stages", "unknown key stage; expected one of EY, KS1, KS2, KS3, KS4, KS5 (got 'KS6')"),
    ("summary_too_short.yaml", "summary", "must be 80-200 words, has 14"),
    ("summary_too_long.yaml", "summary", "must be 80-200 words, has"),
    ("duplicate_id.yaml", "id", "duplicate example id (first used in duplicate_id.yaml, line 1)"),
    ("unknown_context.yaml", "contexts", "did you mean 'department_of_one'?"),
    ("unknown_field.yaml", "tehmes", "unknown field; expected one of id, title"),
    ("bad_time_to_try.yaml", "time_to_try", "did you mean 'half a term'?"),
    ("not_yaml.yaml", None, "not valid YAML/JSON"),
    ("empty.yaml", None, "empty file"),
    ("bad_id.yaml", "id", "must be a slug"),
    ("themes_not_a_list.yaml", "themes", "must be a list of text values, e.g. [singing, boys_participation]"),
    ("bad_author.yaml", "author_teacher_id", "must be a teacher id"),
]


@pytest.mark.parametrize(("name", "field", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_file_is_rejected_with_a_clear_message(name, field, message):
    with pytest.raises(ValidationError) as info:
        load_catalogue(BAD / name)
    issues = info.value.issues
    assert len(issues) == 1
    issue = issues[0]
    assert isinstance(issue, CatalogueIssue) and issue.file == name
    assert issue.field == field
    text = str(info.value)
    assert message in text and name in text
    if field is not None:
        assert f"field '{field}'" in text and "line " in text


def test_every_bad_fixture_is_tested():
    assert {p.name for p in BAD.glob("*.yaml")} == {b[0] for b in BAD_FILES} | {"several_errors.yaml"}


def test_all_problems_of_a_file_are_reported_at_once():
    with pytest.raises(ValidationError) as info:
        load_catalogue(BAD / "several_errors.yaml")
    fields = [i.field for i in info.value.issues]
    assert fields == ["resources", "themes", "key_stages", "time_to_try"]
    rows = [i.row for i in info.value.issues]
    assert rows == sorted(rows)
    by_field = {i.field: i for i in info.value.issues}
    assert by_field["themes"].suggestion == "assessment_without_levels"
    assert by_field["key_stages"].suggestion == "KS3"  # "year 7" is Key Stage 3


def test_problems_in_several_files_are_collected_together(tmp_path):
    for name in ("unknown_theme.yaml", "bad_key_stage.yaml", "empty.yaml"):
        shutil.copy(BAD / name, tmp_path / name)
    with pytest.raises(ValidationError) as info:
        load_catalogue(tmp_path)
    assert sorted(i.file for i in info.value.issues) == ["bad_key_stage.yaml", "empty.yaml", "unknown_theme.yaml"]
    assert "3 problems in the practice catalogue" in str(info.value)


def test_duplicate_ids_across_files(tmp_path, catalogue):
    source = Path(catalogue.get("staff-band").source)
    for name in ("a.yaml", "b.yaml"):
        shutil.copy(ROOT / "data" / "practice" / source, tmp_path / name)
    with pytest.raises(ValidationError, match=r"b.yaml, line 1, field 'id': duplicate example id \(first used in a.yaml, line 1\)"):
        load_catalogue(tmp_path)


def test_json_files_and_lists_are_accepted(tmp_path, catalogue):
    examples = [catalogue.examples[0].to_dict(), catalogue.examples[1].to_dict()]
    (tmp_path / "two.json").write_text(json.dumps(examples), encoding="utf-8")
    loaded = load_catalogue(tmp_path)
    assert [e.id for e in loaded] == [e["id"] for e in examples]


def test_an_edited_file_is_read_again(tmp_path, catalogue):
    path = tmp_path / "one.json"
    example = catalogue.examples[0].to_dict()
    path.write_text(json.dumps(example), encoding="utf-8")
    assert load_catalogue(tmp_path).examples[0].title == example["title"]
    path.write_text(json.dumps({**example, "title": "A new title"}), encoding="utf-8")
    os.utime(path, ns=(1, 1))  # a different modification time, whatever the clock's resolution
    assert load_catalogue(tmp_path).examples[0].title == "A new title"


def test_missing_and_empty_folders(tmp_path):
    with pytest.raises(FileNotFoundError, match="practice catalogue not found"):
        load_catalogue(tmp_path / "nowhere")
    with pytest.raises(ValidationError, match="no example files"):
        load_catalogue(tmp_path)


def test_a_document_that_is_not_a_mapping():
    with pytest.raises(ValidationError, match="expected a mapping"):
        parse_examples("just a sentence", file="x.yaml")
    with pytest.raises(ValidationError, match="expected a mapping of fields, got int"):
        parse_examples("- 3", file="x.yaml")


# ---- school contexts -----------------------------------------------------------------


def _school(predicate):
    return next(s for s in load_schools().values() if predicate(s))


def test_teacher_contexts_from_profile_and_school():
    poor = _school(lambda s: s.fsm_percent is not None and s.fsm_percent >= 40 and s.sector == "state-funded")
    rich = _school(lambda s: s.fsm_percent is not None and s.fsm_percent < 10)
    alone = TeacherProfile(id="a", name="A", school_urn=poor.urn, department_size=1, years_teaching=2)
    team = TeacherProfile(id="b", name="B", school_urn=rich.urn, department_size=4, years_teaching=12)
    assert {"department_of_one", "new_to_teaching", "high_fsm"} <= teacher_contexts(alone, poor)
    got = teacher_contexts(team, rich)
    assert "large_department" in got and not {"department_of_one", "high_fsm", "new_to_teaching"} & got
    assert teacher_contexts(alone, None) == {"department_of_one", "new_to_teaching"}
    assert set(teacher_contexts(alone, poor)) <= set(CONTEXTS)
