"""Tests for ``peermatch samples`` (matcher/cli/samples.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matcher.cli import main
from matcher.profiles.io import read_teachers

ROOT = Path(__file__).resolve().parents[3]
LONDON = ROOT / "data" / "schools" / "london_secondary_schools.csv"


def test_writes_a_valid_csv(tmp_path, capsys):
    out = tmp_path / "t.csv"
    assert main(["samples", "-n", "25", "--seed", "4", "-o", str(out)]) == 0
    assert "25 teachers" in capsys.readouterr().out
    report = read_teachers(out)
    assert report.ok and len(report.profiles) == 25


def test_same_seed_same_bytes_and_json_matches(tmp_path):
    a, b, j = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.json"
    for path in (a, b, j):
        assert main(["samples", "-n", "30", "--seed", "9", "-o", str(path)]) == 0
    assert a.read_bytes() == b.read_bytes()
    assert len(json.loads(j.read_text(encoding="utf-8"))["teachers"]) == 30
    assert read_teachers(j).profiles == read_teachers(a).profiles


def test_creates_the_output_folder(tmp_path):
    out = tmp_path / "new" / "dir" / "t.csv"
    assert main(["samples", "-n", "3", "-o", str(out)]) == 0
    assert out.is_file()


def test_schools_option(tmp_path):
    out = tmp_path / "t.csv"
    assert main(["samples", "-n", "10", "--schools", str(LONDON), "-o", str(out)]) == 0
    assert read_teachers(out).ok


@pytest.mark.parametrize("argv, message", [
    (["-o", "t.xlsx"], "must end in .csv or .json"),
    (["-n", "0", "-o", "t.csv"], "-n must be at least 1"),
    (["--schools", "missing.csv", "-o", "t.csv"], "no such schools file"),
])
def test_bad_options_exit_1_with_a_message(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["samples", *argv]) == 1
    assert message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_schools_file_with_wrong_columns(tmp_path, capsys):
    bad = tmp_path / "schools.csv"
    bad.write_text("name,town\nSomewhere,Leeds\n", encoding="utf-8")
    assert main(["samples", "--schools", str(bad), "-o", str(tmp_path / "t.csv")]) == 1
    assert "not a schools table" in capsys.readouterr().err
