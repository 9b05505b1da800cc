"""Tests for ``peermatch peers`` (matcher/cli/peers.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matcher.cli import main
from matcher.profiles.io import load_cohort
from matcher.peers.suggest import suggest_peers

TEACHERS = """id,name,school_urn,department_size,key_stages,interests,challenges,strengths,meeting_mode,max_travel_km
t-001,Sam Okafor,100049,1,KS3,composition,singing;send,composition,either,10
t-002,Priya Shah,100050,3,KS3;KS4,composition,composition,singing,either,10
t-003,Lee Chan,100051,2,KS3;KS5,,composition,send,either,10
t-004,Ana Silva,100049,1,KS3,,,singing,either,10
t-005,Far Away,136090,1,KS3,,,singing,in_person,2
"""


@pytest.fixture
def teachers(tmp_path) -> Path:
    path = tmp_path / "teachers.csv"
    path.write_text(TEACHERS, encoding="utf-8")
    return path


def test_text_output_lists_peers_with_reasons(teachers, capsys):
    assert main(["peers", str(teachers), "--teacher", "t-001", "-k", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Suggested peers for Sam Okafor (t-001), Haverstock School, Camden")
    assert "1. Priya Shah (t-002)" in out and "2. Lee Chan (t-003)" in out
    assert "Priya's strength in singing and vocal work meets your challenge." in out
    assert "Lee's strength in SEND meets your challenge." in out
    assert "Ana Silva" not in out  # same school as Sam: never suggested
    assert out.count("\n1. ") == 1 and "\n3. " not in out


def test_json_output_matches_the_library(teachers, capsys):
    assert main(["peers", str(teachers), "--teacher", "t-001", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    expected = suggest_peers(load_cohort(teachers), "t-001", k=5)
    assert data["teacher_id"] == "t-001"
    assert [s["peer_id"] for s in data["suggestions"]] == [s.peer_id for s in expected]
    assert data["suggestions"][0]["reasons"] == list(expected[0].reasons)
    assert data["suggestions"][0]["peer_name"] == "Priya Shah"
    assert "email" not in json.dumps(data)


def test_teacher_nobody_can_meet_gets_a_plain_message(teachers, capsys):
    assert main(["peers", str(teachers), "--teacher", "t-005"]) == 0
    assert "No peer can be suggested" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--teacher", "t-1"], "unknown teacher id 't-1' in {file}; did you mean 't-001'?"),
        (["--teacher", "nobody"], "unknown teacher id 'nobody' in {file}; ids in the file look like 't-001'"),
        (["--teacher", "t-001", "-k", "0"], "-k must be a positive number of peers, got 0"),
        (["--teacher", "t-001", "--diversity", "2"], "--diversity must be between 0 and 1, got 2.0"),
    ],
)
def test_bad_input_is_a_message_and_exit_1(teachers, capsys, argv, message):
    assert main(["peers", str(teachers), *argv]) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == "peermatch: " + message.format(file=teachers)
    assert "Traceback" not in captured.err and captured.out == ""


def test_missing_file_and_bad_rows(tmp_path, capsys):
    assert main(["peers", str(tmp_path / "none.csv"), "--teacher", "t-001"]) == 1
    assert "no such file" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,school_urn,department_size,key_stages,challenges,strengths\nt-1,Sam,100049,1,KS3,singin,\n", encoding="utf-8")
    assert main(["peers", str(bad), "--teacher", "t-1"]) == 1
    err = capsys.readouterr().err
    assert "line 2" in err and "singing" in err
