"""Tests for ``peermatch practice`` (matcher/cli/practice.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from matcher.practice.catalogue import load_catalogue
from matcher.cli import main
from matcher.cli.practice import read_groups
from matcher.errors import ValidationError
from matcher.profiles.themes import THEMES

ROOT = Path(__file__).resolve().parents[3]
BAD_PRACTICE = ROOT / "tests" / "data" / "bad_practice"

TEACHERS = """id,name,school_urn,department_size,key_stages,interests,challenges,strengths,about
t-1,Sam Okafor,100049,1,KS3,singing,boys_participation;curriculum_time,composition,My Year 9 boys refuse to sing.
t-2,Priya Shah,100050,3,KS3;KS4,,boys_participation;send,singing;curriculum_time,
t-3,Lee Chan,100049,2,KS3;KS5,,post16_progression,send,
"""


@pytest.fixture
def teachers(tmp_path) -> Path:
    path = tmp_path / "teachers.csv"
    path.write_text(TEACHERS, encoding="utf-8")
    return path


@pytest.fixture
def groups(tmp_path) -> Path:
    path = tmp_path / "groups.csv"
    path.write_text("\ufeffgroup_id,teacher_id,score\nG1,t-1,0.5\nG1,t-2,0.5\n\nG2,t-3,0.1\n", encoding="utf-8")
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["practice", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


# ---- a teacher -----------------------------------------------------------------------


def test_teacher_text_output_is_relevant_and_explained(capsys, teachers):
    code, out, err = run(capsys, teachers, "--teacher", "t-1", "-k", "3")
    assert code == 0 and err == ""
    assert out.startswith("Practice examples for Sam Okafor (t-1). Challenges: Boys' participation; Protecting curriculum time.")
    assert out.count("\n1. ") == 1 and "\n3. " in out and "\n4. " not in out
    assert "Tackles your challenge in Boys' participation." in out
    assert "Tackles your challenge in Protecting curriculum time." in out


def test_teacher_json_output(capsys, teachers):
    code, out, _ = run(capsys, teachers, "--teacher", "t-1", "-k", "4", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["teacher_id"] == "t-1" and len(data["items"]) == 4
    themes = {t for item in data["items"] for t in item["example"]["themes"]}
    assert {"boys_participation", "curriculum_time"} <= themes
    assert all(item["reasons"] for item in data["items"])


def test_peers_option_boosts_their_example(capsys, tmp_path):
    radar = load_catalogue().get("radar-diagram-composing-assessment")
    path = tmp_path / "t.csv"
    path.write_text(
        "id,name,school_urn,department_size,key_stages,challenges,strengths\n"
        "t-1,Sam Okafor,100049,1,KS3,assessment_without_levels,singing\n"
        f"{radar.author_teacher_id},Kasia Kowalski,100050,2,KS3,singing,assessment_without_levels\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, path, "--teacher", "t-1", "-k", "2", "--peers", radar.author_teacher_id)
    assert code == 0
    assert f"1. {radar.title}" in out and "by Kasia Kowalski" in out
    assert "Kasia, one of your suggested peers, wrote this" in out


def test_sample_teachers_get_their_challenges_covered(capsys):
    sample = ROOT / "data" / "samples" / "teachers.csv"
    code, out, _ = run(capsys, sample, "--teacher", "t-002", "--json")
    assert code == 0
    data = json.loads(out)
    from matcher.profiles.io import load_cohort

    challenges = set(load_cohort(sample).get("t-002").challenges)
    assert challenges <= {t for item in data["items"] for t in item["example"]["themes"]}


# ---- a group -------------------------------------------------------------------------


def test_group_output_names_shared_challenges_and_helpers(capsys, teachers, groups):
    code, out, err = run(capsys, teachers, "--group", groups, "--group-id", "G1", "-k", "3")
    assert code == 0 and err == ""
    assert "Practice examples for group G1 (Sam Okafor, Priya Shah). Shared challenges: Boys' participation (2)." in out
    assert "Covers Boys' participation, a challenge for everyone in the group." in out
    assert "Priya lists" in out


def test_group_json_output(capsys, teachers, groups):
    code, out, _ = run(capsys, teachers, "--group", groups, "--group-id", "G2", "-k", "2", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["group_id"] == "G2" and data["teacher_ids"] == ["t-3"]
    assert "post16_progression" in data["items"][0]["example"]["themes"]


def test_read_groups_keeps_order_and_ignores_extra_columns(groups):
    assert read_groups(groups) == {"G1": ("t-1", "t-2"), "G2": ("t-3",)}


def test_read_groups_reports_every_bad_line(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("group_id,teacher_id\nG1,t-1\n,t-2\nG1,\nG1,t-1\n", encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        read_groups(path)
    assert [(i.row, i.field) for i in info.value.issues] == [(3, "group_id"), (4, "teacher_id"), (5, "teacher_id")]
    assert "listed twice in group 'G1'" in str(info.value)


# ---- bad input: exit 1 with a message, never a traceback ------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--teacher", "t-999"], "peermatch: unknown teacher id 't-999' in "),
        (["--teacher", "t-1", "-k", "0"], "-k must be at least 1, got 0"),
        (["--teacher", "t-1", "--peers", "t-1,t-404"], "--peers: unknown teacher id in"),
        (["--teacher", "t-1", "--group-id", "G1"], "--group-id only makes sense with --group"),
        (["--teacher", "t-1", "--catalogue", "/no/such/folder"], "practice catalogue not found: /no/such/folder"),
    ],
)
def test_bad_teacher_input(capsys, teachers, args, message):
    code, out, err = run(capsys, teachers, *args)
    assert code == 1 and out == ""
    assert message in err and "Traceback" not in err


def test_missing_teacher_file(capsys, tmp_path):
    code, _, err = run(capsys, tmp_path / "nope.csv", "--teacher", "t-1")
    assert code == 1 and "no such file" in err


def test_bad_teacher_file(capsys, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("id,name,school_urn,department_size,key_stages,challenges,strengths\nt-1,Sam,100049,1,KS3,singin,\n", encoding="utf-8")
    code, _, err = run(capsys, path, "--teacher", "t-1")
    assert code == 1 and "did you mean 'singing'?" in err


def test_bad_catalogue_is_reported_with_file_and_field(capsys, teachers, tmp_path):
    folder = tmp_path / "catalogue"
    folder.mkdir()
    shutil.copy(BAD_PRACTICE / "unknown_theme.yaml", folder)
    code, _, err = run(capsys, teachers, "--teacher", "t-1", "--catalogue", folder)
    assert code == 1
    assert "unknown_theme.yaml, line 11, field 'themes': unknown theme (got 'singin'); did you mean 'singing'?" in err


@pytest.mark.parametrize(
    ("content", "group_id", "message"),
    [
        ("group_id,teacher_id\nG1,t-1\n", "G7", "no group 'G7'; groups in the file: G1"),
        ("grp,teacher\nG1,t-1\n", "G1", "missing the columns group, teacher_id"),
        ("group_id,teacher_id\nG1,t-1\nG1,t-77\n", "G1", "teacher id not in the teacher file: t-77"),
        ("group_id,teacher_id\nG1,\n", "G1", "line 2, field 'teacher_id': must not be empty"),
    ],
)
def test_bad_group_input(capsys, teachers, tmp_path, content, group_id, message):
    path = tmp_path / "groups.csv"
    path.write_text(content, encoding="utf-8")
    code, out, err = run(capsys, teachers, "--group", path, "--group-id", group_id)
    assert code == 1 and out == ""
    assert message in err


def test_group_needs_a_group_id_and_an_existing_file(capsys, teachers, tmp_path):
    code, _, err = run(capsys, teachers, "--group", tmp_path / "g.csv")
    assert code == 1 and "--group needs --group-id" in err
    code, _, err = run(capsys, teachers, "--group", tmp_path / "g.csv", "--group-id", "G1")
    assert code == 1 and "no such file" in err
    code, _, err = run(capsys, teachers, "--group", tmp_path / "g.csv", "--group-id", "G1", "--peers", "t-2")
    assert code == 1 and "--peers applies to --teacher only" in err


def test_teacher_or_group_is_required(capsys, teachers):
    with pytest.raises(SystemExit) as info:
        main(["practice", str(teachers)])
    assert info.value.code == 2
    assert "one of the arguments --teacher --group is required" in capsys.readouterr().err


def test_every_theme_label_is_printable(capsys, teachers):
    """Reasons use theme labels, never raw ids."""
    code, out, _ = run(capsys, teachers, "--teacher", "t-2", "-k", "5")
    assert code == 0
    for line in out.splitlines():
        if line.strip().startswith("- Tackles"):
            assert any(theme.label in line for theme in THEMES.values())


def test_unknown_group_lists_the_groups_in_number_order(capsys, teachers, tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("group,teacher_id\n" + "".join(f"{g},t-{1 + g % 3}\n" for g in (10, 2, 1, 11)), encoding="utf-8")
    code, _, err = run(capsys, teachers, "--group", path, "--group-id", "99")
    assert code == 1 and "groups in the file: 1, 2, 10, 11" in err
