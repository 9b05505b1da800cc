"""Tests for matcher/cli/cohorts.py (``peermatch cohorts``)."""

from __future__ import annotations

import csv
import json

import pytest

from matcher.cli import main

from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[3] / "data" / "samples" / "teachers.csv"


@pytest.fixture(scope="module")
def teachers(tmp_path_factory):
    """The first 40 sample teachers who can meet online, as a small CSV."""
    lines = SAMPLES.read_text(encoding="utf-8").splitlines(keepends=True)
    rows = list(csv.reader(lines))
    mode = rows[0].index("meeting_mode")
    keep = [i for i, r in enumerate(rows[1:], start=1) if r[mode] != "in_person"][:40]
    path = tmp_path_factory.mktemp("cli") / "teachers.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(rows[0])
        for i in keep:
            w.writerow(rows[i])
    return path


def test_prints_explained_groups_and_figures(teachers, capsys, tmp_path):
    out = tmp_path / "groups.csv"
    assert main(["cohorts", str(teachers), "--size", "4-6", "--seconds", "1", "-o", str(out)]) == 0
    text = capsys.readouterr()
    assert "Group 1:" in text.out and "worst off" in text.out and "teachers in" in text.out
    assert "%" in text.err  # the progress bar
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 40


def test_json_output(teachers, capsys):
    assert main(["cohorts", str(teachers), "--size", "5", "--seconds", "0.5", "--json", "-q", "--fair"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert sum(len(g["members"]) for g in data["groups"]) == 40
    assert all(g["size"] == 5 for g in data["groups"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--size", "7"], "cannot form groups: 40 teachers cannot be split into groups of exactly 7"),
        (["--size", "x"], "group size range 'x'"),
        (["--keep-apart", "t-001"], "--keep-apart 't-001': expected two teacher ids"),
        (["--keep-apart", "t-nobody,t-zzz"], "unknown teacher id 't-nobody'"),
        (["--fairness", "3"], "--fairness must be between 0 and 1"),
        (["-o", "groups.txt"], "--output must end in .csv or .json"),
    ],
)
def test_bad_input_is_a_clear_message_not_a_traceback(teachers, capsys, args, message):
    assert main(["cohorts", str(teachers), "--seconds", "0.2", "-q"] + args) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_missing_file(capsys, tmp_path):
    assert main(["cohorts", str(tmp_path / "none.csv")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_teachers_nobody_can_meet_stop_the_run_or_are_left_out_by_name(tmp_path, capsys):
    """An in-person-only teacher whose travel limit reaches nobody: a clear error with a
    hint, or with --leave-out the groups without them and their name in the summary."""
    lines = SAMPLES.read_text(encoding="utf-8").splitlines(keepends=True)
    rows = list(csv.reader(lines))
    head = rows[0]
    mode, travel = head.index("meeting_mode"), head.index("max_travel_km")
    online = [r for r in rows[1:] if r[mode] == "online"][:20]
    lonely = list(online[0])
    lonely[head.index("id")] = "t-lonely"
    lonely[mode], lonely[travel] = "in_person", "1"
    path = tmp_path / "cohort.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(head)
        w.writerows(online + [lonely])
    assert main(["cohorts", str(path), "--size", "4-6", "--seconds", "0.3", "-q"]) == 1
    err = capsys.readouterr().err
    assert "t-lonely" in err and "--leave-out" in err and "Traceback" not in err
    assert main(["cohorts", str(path), "--size", "4-6", "--seconds", "0.3", "-q", "--leave-out"]) == 0
    out = capsys.readouterr().out
    assert "left out            1: t-lonely" in out and "20 teachers in 4 groups" in out


def test_groups_file_feeds_practice_for_group_1(teachers, capsys, tmp_path):
    """The README chain: `cohorts -o groups.csv` then `practice --group groups.csv --group-id 1`."""
    from matcher.cohorts.group_csv import GROUP_CSV_COLUMNS, read_group_csv

    out = tmp_path / "groups.csv"
    assert main(["cohorts", str(teachers), "--size", "4-6", "--seconds", "0.5", "-q", "-o", str(out)]) == 0
    with out.open(encoding="utf-8") as fh:
        assert tuple(next(csv.reader(fh))) == GROUP_CSV_COLUMNS
    groups = read_group_csv(out)
    assert "1" in groups
    capsys.readouterr()
    assert main(["practice", str(teachers), "--group", str(out), "--group-id", "1", "-k", "2"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Practice examples for group 1 (") and "\n2. " in text


def test_covered_challenges_say_whose_strength_meets_whose_challenge(teachers, capsys):
    import re

    assert main(["cohorts", str(teachers), "--size", "4-6", "--seconds", "0.5", "-q"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.strip().startswith("Challenges covered:")]
    assert lines, out
    for line in lines:
        for part in line.split(":", 1)[1].split(";"):
            assert re.fullmatch(r" .+'s (strengths? in|experience of) .+ meets? .+'s challenges?", part), part
    assert " by " not in "".join(lines)


def test_history_file_keeps_earlier_groupmates_apart(teachers, capsys, tmp_path):
    out = tmp_path / "first.json"
    assert main(["cohorts", str(teachers), "--size", "4-5", "--seconds", "0.5", "-q", "-o", str(out)]) == 0
    first = [g["members"] for g in json.loads(out.read_text(encoding="utf-8"))["groups"]]
    history = tmp_path / "history.csv"
    with open(history, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["round_name", "teacher_a", "teacher_b"])
        w.writerows(["Autumn", a, b] for g in first for i, a in enumerate(g) for b in g[i + 1 :])
        w.writerow(["Autumn", "gone-1", "gone-2"])  # teachers no longer in the file are ignored
    capsys.readouterr()
    assert main(["cohorts", str(teachers), "--size", "4-5", "--seconds", "0.5", "-q", "--json", "--history", str(history)]) == 0
    second = [g["members"] for g in json.loads(capsys.readouterr().out)["groups"]]
    old = {frozenset((a, b)) for g in first for i, a in enumerate(g) for b in g[i + 1 :]}
    new = {frozenset((a, b)) for g in second for i, a in enumerate(g) for b in g[i + 1 :]}
    assert old and new and not old & new
    (tmp_path / "bad.csv").write_text("x,y\n1,2\n", encoding="utf-8")
    assert main(["cohorts", str(teachers), "--seconds", "0.2", "-q", "--history", str(tmp_path / "bad.csv")]) == 1
    assert "round_name,teacher_a,teacher_b" in capsys.readouterr().err


def test_common_slot_flag_makes_every_group_share_a_free_slot(teachers, capsys, tmp_path):
    out = tmp_path / "groups.csv"
    assert main(["cohorts", str(teachers), "--size", "4-6", "--seconds", "1", "-q", "--common-slot", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "common free slot" in text and "Common free slot: everyone" in text
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    shared = {r["group"]: r["meeting_slots"] for r in rows}
    failed = text.count("share no free slot")
    assert sum(1 for s in shared.values() if s) >= len(shared) - failed and failed <= 1
    assert main(["cohorts", str(teachers), "--size", "4-6", "--seconds", "0.3", "-q"]) == 0
    assert "common free slot" not in capsys.readouterr().out  # off unless asked
