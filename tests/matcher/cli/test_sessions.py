"""Tests for ``peermatch sessions`` (matcher/cli/sessions.py)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from matcher.cli import main

# t-1 leads singing (consented); t-4 could lead SEND but did not consent; t-2, t-3 want both.
TEACHERS = """id,name,email,school_urn,department_size,key_stages,challenges,strengths,consent_share_contact
t-1,=Sam Okafor,sam@example.org,100049,1,KS3,,singing,yes
t-2,Priya Shah,priya@example.org,100050,3,KS3;KS4,singing;send,composition,no
t-3,Lee Chan,lee@example.org,100051,2,KS3;KS5,singing;send,,no
t-4,Ann Bell,ann@example.org,100052,2,KS3,,send,no
"""


@pytest.fixture
def teachers(tmp_path) -> Path:
    path = tmp_path / "teachers.csv"
    path.write_text(TEACHERS, encoding="utf-8")
    return path


@pytest.fixture
def groups(tmp_path) -> Path:
    path = tmp_path / "groups.csv"
    path.write_text("group,teacher_id\n1,t-1\n1,t-2\n2,t-3\n2,t-4\n", encoding="utf-8")
    return path


def run(capsys, *args: object) -> tuple[int, str, str]:
    code = main(["sessions", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_text_lists_sessions_leaders_venue_dates_and_unled(capsys, teachers) -> None:
    code, out, err = run(capsys, teachers, "--start", "2026-10-19", "--weekday", "wed", "--dates", "2")
    assert code == 0, err
    assert "1. Singing and vocal work: wanted by 2 teachers" in out
    assert "Leader: =Sam Okafor (t-1)" in out and "sam@example.org" in out
    assert "priya@example.org" not in out and "ann@example.org" not in out  # no consent, never shown
    assert "Wed 21 Oct 2026, Wed 04 Nov 2026" in out  # 28 October is half-term
    assert "typical London dates" in out and "within their travel limit" in out
    assert "SEND" in out.split("nobody can lead")[1]


def test_groups_narrow_demand_to_what_no_groupmate_covers(capsys, teachers, groups) -> None:
    code, out, _ = run(capsys, teachers, "--groups", groups, "--start", "2026-11-02", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["grouped"] is True
    # t-2 is covered by t-1 in group 1; t-3 in group 2 is not.
    assert [(s["theme"], s["wanting"]) for s in data["sessions"]] == [("singing", ["t-3"])]
    assert data["sessions"][0]["leaders"][0]["teacher_id"] == "t-1"
    assert {u["theme"]: u["reason"] for u in data["unled"]} == {"send": "no_consent"}  # t-4 covers t-3; t-2 wants it


def test_csv_is_formula_safe(capsys, teachers) -> None:
    code, out, _ = run(capsys, teachers, "--start", "2026-11-02", "--format", "csv", "--top", "1")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][:4] == ["rank", "theme", "label", "wanting"] and len(rows) == 2
    assert rows[1][5] == "'=Sam Okafor"  # a name starting with = opens as text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("missing.csv",), "no such file: missing.csv"),
        (("{teachers}", "--groups", "nowhere.csv"), "no such file: nowhere.csv"),
        (("{teachers}", "--start", "next week"), "--start must be a date"),
        (("{teachers}", "--weekday", "sun"), "--weekday"),
        (("{teachers}", "--top", "0"), "--top must be"),
        (("{bad}",), "unknown theme"),
        (("{teachers}", "--groups", "{badgroups}"), "not a teacher of the cohort"),
    ],
)
def test_bad_input_is_a_message_and_exit_code_1(capsys, tmp_path, teachers, args, message) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(TEACHERS.replace("singing;send", "singin;send"), encoding="utf-8")
    badgroups = tmp_path / "badgroups.csv"
    badgroups.write_text("group,teacher_id\n1,t-1\n1,t-99\n", encoding="utf-8")
    filled = [a.format(teachers=teachers, bad=bad, badgroups=badgroups) for a in args]
    code, out, err = run(capsys, *filled)
    assert code == 1 and out == ""
    assert err.startswith("peermatch: ") and message in err
