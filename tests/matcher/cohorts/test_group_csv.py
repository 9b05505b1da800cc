"""Tests for matcher/cohorts/group_csv.py: the one group CSV format."""

from __future__ import annotations

import csv
import io

import pytest

from matcher.cohorts.group_csv import GROUP_CSV_COLUMNS, GroupMember, read_group_csv, result_rows, shared_slots, write_group_csv
from matcher.cohorts.groups import form_groups
from matcher.errors import ValidationError
from matcher.profiles.teacher import Cohort, TeacherProfile


def _cohort() -> Cohort:
    base = dict(department_size=1, key_stages=("KS3",), meeting_mode="online")
    profiles = [
        TeacherProfile(id="t-1", name="Sam Lee", school_urn=100049, email="sam@example.org", consent_share_contact=True,
                       availability=("mon_pm", "thu_after_school"), challenges=("singing",), **base),
        TeacherProfile(id="t-2", name="Priya Shah", school_urn=100050, email="priya@example.org", consent_share_contact=False,
                       availability=("thu_after_school", "mon_pm", "fri_am"), strengths=("singing",), **base),
        TeacherProfile(id="t-3", name="Lee Chan", school_urn=100051, email="lee@example.org", consent_share_contact=True,
                       availability=("thu_after_school",), **base),
        TeacherProfile(id="t-4", name="Ann Bo", school_urn=100052, availability=(), **base),
    ]
    return Cohort.from_profiles(profiles)


def test_result_rows_give_one_numbered_row_per_member_with_consented_emails_and_shared_slots():
    cohort = _cohort()
    result = form_groups(cohort, size=(2, 2), seconds=0.2, allow_same_school=True)
    rows = result_rows(result, cohort)
    assert sorted(r.teacher_id for r in rows) == ["t-1", "t-2", "t-3", "t-4"]
    assert {r.group for r in rows} == {1, 2}
    emails = {r.teacher_id: r.email for r in rows}
    assert emails == {"t-1": "sam@example.org", "t-2": "", "t-3": "lee@example.org", "t-4": ""}
    for g in result.groups:
        expected = shared_slots(cohort.get(t).availability for t in g.members)
        assert {r.meeting_slots for r in rows if r.group == g.id} == {expected}
    text = write_group_csv(rows)
    assert "priya@example.org" not in text
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert tuple(parsed[0]) == GROUP_CSV_COLUMNS
    assert read_group_csv(text) == {str(g.id): g.members for g in result.groups}


def test_shared_slots_ignore_members_who_did_not_say():
    assert shared_slots([("mon_pm", "thu_am"), ("thu_am",), ()]) == ("thu_am",)
    assert shared_slots([(), ()]) == ()
    assert shared_slots([("mon_pm",), ("fri_am",)]) == ()


def test_write_then_read_by_path_and_file(tmp_path):
    rows = [GroupMember(2, "t-9", name="A, B", meeting_slots=("mon_am", "weekend"), approved=True, group_affinity=1.23456, reasons=("x", "y"))]
    path = tmp_path / "g.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        write_group_csv(rows, fh)
    with path.open(encoding="utf-8") as fh:
        row = next(csv.DictReader(fh))
    assert row["name"] == "A, B" and row["meeting_slots"] == "mon_am;weekend" and row["approved"] == "yes"
    assert row["group_affinity"] == "1.2346" and row["reasons"] == "x | y"
    assert read_group_csv(path) == read_group_csv(str(path)) == {"2": ("t-9",)}
    with path.open(encoding="utf-8") as fh:
        assert read_group_csv(fh) == {"2": ("t-9",)}


def test_read_names_a_missing_column():
    with pytest.raises(ValidationError) as info:
        read_group_csv("team,teacher_id\n1,t-1\n")
    assert "missing the column group" in str(info.value)
