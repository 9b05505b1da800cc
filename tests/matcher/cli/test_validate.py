"""Tests for ``peermatch validate`` (matcher/cli/validate.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from matcher.cli import main

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "data" / "samples" / "teachers.csv"
BAD = ROOT / "tests" / "data" / "bad"


def test_sample_file_is_valid(capsys):
    assert main(["validate", str(SAMPLE)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == f"{SAMPLE}: OK, 300 teachers, no problems" and err == ""


def test_sample_json_is_valid(capsys):
    assert main(["validate", str(SAMPLE.with_suffix(".json"))]) == 0
    assert "OK, 300 teachers" in capsys.readouterr().out


def test_broken_copy_lists_every_bad_row(tmp_path, capsys):
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4].replace(",KS3", ",KS9", 1)  # line 5
    lines[9] = lines[9].replace("@example.org", " at example.org")  # line 10
    lines[19] = lines[19].replace(lines[19].split(",")[3], "12345x", 1)  # line 20: the URN
    broken = tmp_path / "broken.csv"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["validate", str(broken)]) == 1
    out, err = capsys.readouterr()
    assert "line 5, field 'key_stages'" in out
    assert "line 10, field 'email'" in out
    assert "line 20, field 'school_urn'" in out and "'12345x'" in out
    assert "3 problems in 3 rows" in err and "Traceback" not in out + err


def test_several_errors_with_suggestions(capsys):
    assert main(["validate", str(BAD / "several_errors.csv")]) == 1
    out, _ = capsys.readouterr()
    report = [line.strip() for line in out.splitlines()[1:]]
    assert report == [
        "line 4, field 'school_urn': must be digits only: 'O' at position 6 is the letter O, not the digit 0 (got '14204O'); did you mean '142040'?",
        "line 4, field 'max_travel_km': must be a number of km from 0 to 200 (got '-5')",
        "line 6, field 'strengths': unknown theme (got 'primary_partnership'); did you mean 'primary_partnerships'?",
        "line 8, field 'meeting_mode': must be one of in_person, online, either (got 'in person'); did you mean 'in_person'?",
        "line 8, field 'id': duplicate id (already used on line 4) (got 't-002')",
    ]


@pytest.mark.parametrize("name", ["empty.csv", "header_only.csv", "wrong_encoding_cp1252.csv", "missing_column.csv"])
def test_file_level_problems_exit_1_without_traceback(name, capsys):
    assert main(["validate", str(BAD / name)]) == 1
    out, err = capsys.readouterr()
    assert "problem" in out and "Traceback" not in out + err


def test_json_report(capsys):
    assert main(["validate", "--json", str(BAD / "several_errors.csv")]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["rows"] == 5 and report["teachers"] == 2
    assert [(i["row"], i["field"]) for i in report["issues"]][:2] == [(4, "school_urn"), (4, "max_travel_km")]
    assert set(report["issues"][0]) == {"row", "field", "value", "message", "suggestion"}


def test_json_report_when_fine(tmp_path, capsys):
    copy = tmp_path / "t.csv"
    shutil.copy(SAMPLE, copy)
    assert main(["validate", str(copy), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == {"file": str(copy), "ok": True, "rows": 300, "teachers": 300, "issues": []}


def test_missing_file(capsys):
    assert main(["validate", "no/such/file.csv"]) == 1
    assert "no such file: no/such/file.csv" in capsys.readouterr().err


def test_help_describes_the_command(capsys):
    with pytest.raises(SystemExit) as info:
        main(["validate", "--help"])
    assert info.value.code == 0
    assert "every problem" in capsys.readouterr().out.lower()


def test_schools_option_changes_which_urns_are_known(tmp_path, capsys):
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    urn = lines[1].split(",")[3]
    london = ROOT / "data" / "schools" / "london_secondary_schools.csv"
    table = london.read_text(encoding="utf-8").splitlines()
    without = tmp_path / "schools.csv"
    without.write_text("\n".join(row for row in table if not row.startswith(urn + ",")) + "\n", encoding="utf-8")
    assert main(["validate", str(SAMPLE), "--schools", str(london)]) == 0
    assert main(["validate", str(SAMPLE), "--schools", str(without)]) == 1
    out, _ = capsys.readouterr()
    assert "line 2, field 'school_urn': is not a school" in out
    assert main(["validate", str(SAMPLE), "--schools", str(tmp_path / "nope.csv")]) == 1
    assert "no such schools file" in capsys.readouterr().err
