"""The one group CSV format: who is in which peer group, and how to reach them.

``peermatch cohorts -o groups.csv`` writes it, ``peermatch practice --group groups.csv``
reads it, and the service's cohort-run export (API and pages) writes it too. One row per
member:

- ``group``: the group's number as the pages show it (1-based, "Group 1");
- ``teacher_id``, ``name``, ``school_urn``, ``school``;
- ``email``: only for teachers who consented to share their contact
  (``consent_share_contact``); empty otherwise;
- ``meeting_slots``: the availability slots every member of the group shares
  (``mon_pm;thu_after_school``), the same on every row of a group; empty when the members
  share none (or did not say);
- ``approved``: ``yes`` for a group the coordinator approved (locked), else empty;
- ``group_affinity``: the group's score on the one affinity scale (mean pair affinity, 0-1);
- ``reasons``: why these people fit, joined with `` | ``.

Readers need ``group`` and ``teacher_id`` only (``group_id`` is accepted for ``group``, as
older files named it); other columns are ignored.

Examples
--------
>>> rows = [GroupMember(1, "t-1", name="Sam Lee", email="sam@example.org", meeting_slots=("mon_pm",)),
...         GroupMember(1, "t-2", name="Priya Shah", meeting_slots=("mon_pm",))]
>>> text = write_group_csv(rows)
>>> text.splitlines()[0]
'group,teacher_id,name,school_urn,school,email,meeting_slots,approved,group_affinity,reasons'
>>> read_group_csv(text)
{'1': ('t-1', 't-2')}
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ..csvsafe import unescape_cell, write_rows
from ..errors import Issue, ValidationError

if TYPE_CHECKING:
    from ..profiles.teacher import Cohort, TeacherProfile
    from .results import CohortResult

__all__ = ["GROUP_CSV_COLUMNS", "GroupMember", "shared_slots", "result_rows", "write_group_csv", "read_group_csv"]

GROUP_CSV_COLUMNS = ("group", "teacher_id", "name", "school_urn", "school", "email", "meeting_slots", "approved", "group_affinity", "reasons")
_GROUP_ALIASES = ("group", "group_id")


@dataclass(frozen=True)
class GroupMember:
    """One row of a group CSV: a member of a group (``group`` is 1-based).

    ``email`` must be empty unless the teacher consented to share it; the writer writes
    what it is given, so the consent check belongs to whoever builds the rows
    (:func:`result_rows` does it for a cohort).
    """

    group: int
    teacher_id: str
    name: str = ""
    school_urn: int | None = None
    school: str = ""
    email: str = ""
    meeting_slots: tuple[str, ...] = ()
    approved: bool = False
    group_affinity: float | None = None
    reasons: tuple[str, ...] = ()


def shared_slots(availabilities: Iterable[Sequence[str]]) -> tuple[str, ...]:
    """The slots every member lists, in the order of the first member's list.

    Members who listed no availability are left out of the intersection (they did not say).

    >>> shared_slots([("mon_pm", "thu_am"), ("thu_am", "mon_pm", "fri_pm"), ()])
    ('mon_pm', 'thu_am')
    """
    said = [tuple(a) for a in availabilities if a]
    if not said:
        return ()
    common = set(said[0]).intersection(*map(set, said[1:]))
    return tuple(s for s in said[0] if s in common)


def result_rows(result: CohortResult, cohort: Cohort) -> list[GroupMember]:
    """The rows of ``result``'s groups, with schools, shared slots and consented emails from ``cohort``."""
    rows = []
    for g in result.groups:
        profiles: list[TeacherProfile] = [cohort.get(t) for t in g.members]
        slots = shared_slots(p.availability for p in profiles)
        for p in profiles:
            school = cohort.schools.get(p.school_urn)
            rows.append(
                GroupMember(
                    group=g.id,
                    teacher_id=p.id,
                    name=p.name,
                    school_urn=p.school_urn,
                    school=school.name if school is not None else "",
                    email=p.email if p.consent_share_contact else "",
                    meeting_slots=slots,
                    approved=g.locked,
                    group_affinity=g.mean_affinity,
                    reasons=g.reasons,
                )
            )
    return rows


def write_group_csv(rows: Iterable[GroupMember], fh: TextIO | None = None) -> str:
    """Write ``rows`` as a group CSV to ``fh`` (if given) and return the text.

    Cells are formula-safe (:mod:`matcher.csvsafe`): a name starting with ``=`` opens as
    text in a spreadsheet, not as a formula.
    """
    table = [
        GROUP_CSV_COLUMNS,
        *(
            [
                r.group,
                r.teacher_id,
                r.name,
                "" if r.school_urn is None else r.school_urn,
                r.school,
                r.email,
                ";".join(r.meeting_slots),
                "yes" if r.approved else "",
                "" if r.group_affinity is None else f"{r.group_affinity:.4f}",
                " | ".join(r.reasons),
            ]
            for r in rows
        ),
    ]
    text = write_rows(table)
    if fh is not None:
        fh.write(text)
    return text


def read_group_csv(source: str | Path | TextIO) -> dict[str, tuple[str, ...]]:
    """``{group: member ids}`` from a group CSV: a path, an open file or the CSV text itself.

    A ``str`` containing a line break is taken as CSV text, any other ``str`` as a path.
    Groups keep their label as written (``"1"``), members their order.

    Raises
    ------
    ValidationError
        Listing a missing column, empty cells and members listed twice in a group, by line.
    """
    if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source):
        with open(source, encoding="utf-8-sig", newline="") as fh:
            return _read(fh)
    if isinstance(source, str):
        return _read(io.StringIO(source.lstrip("\ufeff")))
    return _read(source)


def _read(fh: TextIO) -> dict[str, tuple[str, ...]]:
    reader = csv.DictReader(fh)
    header = [h.strip() for h in (reader.fieldnames or [])]
    group_col = next((c for c in _GROUP_ALIASES if c in header), None)
    missing = [c for c, present in (("group", group_col is not None), ("teacher_id", "teacher_id" in header)) if not present]
    if missing:
        raise ValidationError(
            [Issue(1, None, ",".join(header), f"missing the column{'' if len(missing) == 1 else 's'} {', '.join(missing)}; a group CSV has the columns {', '.join(GROUP_CSV_COLUMNS)}")]
        )
    reader.fieldnames = header
    groups: dict[str, list[str]] = {}
    issues = []
    for line, row in enumerate(reader, start=2):
        gid, tid = unescape_cell((row.get(group_col) or "").strip()), unescape_cell((row.get("teacher_id") or "").strip())
        if not gid and not tid:
            continue  # blank line
        for name, value in ((group_col, gid), ("teacher_id", tid)):
            if not value:
                issues.append(Issue(line, name, None, "must not be empty"))
        if gid and tid:
            if tid in groups.get(gid, []):
                issues.append(Issue(line, "teacher_id", tid, f"listed twice in group {gid!r}"))
            else:
                groups.setdefault(gid, []).append(tid)
    if issues:
        raise ValidationError(issues)
    return {g: tuple(ids) for g, ids in groups.items()}
