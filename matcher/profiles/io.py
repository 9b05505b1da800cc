"""Read and write teacher files, with a report of every problem in one pass.

Coordinators import spreadsheet exports: UTF-8 with or without a byte-order mark, one
header row, lists inside a cell separated by ``;``, blank lines anywhere. Rows are
counted as file lines (the header is line 1), so "line 7" is row 7 in the spreadsheet.
Nothing is accepted half: when any row has a problem, :func:`load_cohort` raises with
all of them, and :func:`read_teachers` returns them in its report.

Examples
--------
>>> text = '''id,name,school_urn,department_size,key_stages,challenges,strengths
... t-1,Sam,100049,1,KS3,singing,composition
... t-2,Priya,100050,3,KS3;KS4,composition,singing;sing
... '''
>>> report = parse_teachers_csv(text)
>>> len(report.profiles), [str(i) for i in report.issues]
(1, ["line 3, field 'strengths': unknown theme (got 'sing'); did you mean 'singing'?"])
>>> print(teachers_to_csv(report.profiles).splitlines()[0])
id,name,email,school_urn,department_size,role,years_teaching,key_stages,interests,challenges,strengths,about,meeting_mode,availability,max_travel_km,context_preference,consent_share_contact,previous_groupmates
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from ..csvsafe import unescape_cell
from ..errors import Issue, ValidationError
from ..places.schools import School, load_schools
from .fields import COLUMNS, REQUIRED_COLUMNS
from .record import ID_PATTERN, closest_option, profile_from_record
from .report import MAX_REPORTED_ISSUES, ImportReport, capped_report
from .teacher import Cohort, TeacherProfile
from .write import teachers_to_csv, teachers_to_json, write_teachers_csv, write_teachers_json

# ImportReport (report.py), profile_from_record (record.py) and the writers (write.py) have
# their own modules; they are listed here too, so that one import reads and writes files.
__all__ = [
    "COLUMNS",
    "REQUIRED_COLUMNS",
    "MAX_COLUMNS",
    "MAX_REPORTED_ISSUES",
    "ImportReport",
    "read_teachers",
    "parse_teachers_csv",
    "parse_teachers_json",
    "load_cohort",
    "teachers_to_csv",
    "write_teachers_csv",
    "teachers_to_json",
    "write_teachers_json",
    "profile_from_record",
]

# A header wider than this is refused before any row is read (the layout has 18 columns).
MAX_COLUMNS = 200


def _check_ids(ids_rows: list[tuple[str, int | None]]) -> list[Issue]:
    """One issue per repeated id, pointing back at its first use.

    Rows with other problems take part too: a repeated id is reported in the same pass as
    the rest, not after the coordinator has fixed them.
    """
    first_seen: dict[str, int | None] = {}
    issues = []
    for tid, row in ids_rows:
        if not tid or not ID_PATTERN.match(tid):
            continue  # already reported as a bad id
        if tid in first_seen:
            where = first_seen[tid]
            issues.append(Issue(row, "id", tid, f"duplicate id (already used on line {where})" if where else "duplicate id"))
        else:
            first_seen[tid] = row
    return issues


def _finish(records: list[tuple[int | None, Mapping[str, object]]], file_issues: list[Issue], schools: Mapping[int, School] | None) -> ImportReport:
    schools = load_schools() if schools is None else schools
    issues = list(file_issues)
    good: list[tuple[TeacherProfile, int | None]] = []
    for row, record in records:
        profile, row_issues = profile_from_record(record, row, schools)
        issues.extend(row_issues)
        if profile is not None:
            good.append((profile, row))
    issues.extend(_check_ids([("" if r.get("id") is None else str(r.get("id")).strip(), row) for row, r in records]))
    if not records and not file_issues:
        issues.append(Issue(None, None, None, "the file has no teacher rows"))
    bad_rows = {i.row for i in issues if i.row is not None}
    kept = [(p, row) for p, row in good if row not in bad_rows]
    issues.sort(key=lambda i: (i.row or 0))
    return capped_report(tuple(p for p, _ in kept), issues, len(records), lines=tuple(row for _, row in kept))


def parse_teachers_csv(text: str, *, schools: Mapping[int, School] | None = None) -> ImportReport:
    """Validate CSV text (header row first) into an :class:`ImportReport`."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        return ImportReport((), (Issue(None, None, None, "the file is empty: expected a header row and one row per teacher"),), 0)
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    records: list[tuple[int | None, Mapping[str, object]]] = []
    file_issues: list[Issue] = []
    last_line = 0
    try:
        for cells in reader:
            start, last_line = last_line + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue  # spreadsheets leave blank lines; they are not rows
            if header is None:
                if len(cells) > MAX_COLUMNS:
                    message = f"the header has {len(cells)} columns; at most {MAX_COLUMNS} are read (the layout has {len(COLUMNS)})"
                    return ImportReport((), (Issue(start, None, None, message),), 0)
                header = [c.strip().lower() for c in cells]
                header_line = start
                continue
            if len(cells) > len(header):
                file_issues.append(Issue(start, None, None, f"has {len(cells)} cells but the header has {len(header)} columns (a stray comma, or a ';' list not in quotes?)"))
                continue
            records.append((start, dict(zip(header, map(unescape_cell, cells)))))
    except csv.Error as exc:
        file_issues.append(Issue(last_line + 1, None, None, f"is not valid CSV: {exc}"))
    if header is None:
        return ImportReport((), (Issue(None, None, None, "the file is empty: expected a header row and one row per teacher"),), 0)
    present = set(header)
    missing = [c for c in REQUIRED_COLUMNS if c not in present]
    extra = [c for c in header if c not in COLUMNS]
    for column in missing:
        file_issues.append(Issue(header_line, column, None, "required column is missing from the header", closest_option(column, extra)))
    counts = Counter(header)
    for column in [c for c, n in counts.items() if n > 1 and c]:  # once per column
        file_issues.append(Issue(header_line, column, None, "column appears more than once in the header"))
    if missing:
        return capped_report((), list(dict.fromkeys(file_issues)), len(records))
    return _finish(records, file_issues, schools)


def parse_teachers_json(text: str, *, schools: Mapping[int, School] | None = None) -> ImportReport:
    """Validate JSON (a list of teacher objects, or ``{"teachers": [...]}``); ``row`` is the 1-based item number."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return ImportReport((), (Issue(exc.lineno, None, None, f"is not valid JSON: {exc.msg}"),), 0)
    if isinstance(data, dict):
        data = data.get("teachers")
    if not isinstance(data, list):
        return ImportReport((), (Issue(None, None, None, 'expected a list of teachers or {"teachers": [...]}'),), 0)
    records: list[tuple[int | None, Mapping[str, object]]] = []
    issues: list[Issue] = []
    for i, item in enumerate(data, start=1):
        if isinstance(item, dict):
            records.append((i, item))
        else:
            issues.append(Issue(i, None, None, "each teacher must be a JSON object"))
    return _finish(records, issues, schools)


def read_teachers(path: str | os.PathLike[str], *, schools: Mapping[int, School] | None = None) -> ImportReport:
    """Read a ``.csv`` or ``.json`` teacher file into an :class:`ImportReport`.

    A file that is not UTF-8 (e.g. saved as "CSV (Windows)") is reported, not guessed at.
    """
    path = Path(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return ImportReport((), (Issue(line, None, None, "the file is not UTF-8 text; in your spreadsheet use 'Save as: CSV UTF-8'"),), 0)
    if path.suffix.lower() == ".json":
        return parse_teachers_json(text, schools=schools)
    return parse_teachers_csv(text, schools=schools)


def load_cohort(path: str | os.PathLike[str], *, schools: Mapping[int, School] | None = None) -> Cohort:
    """Read a teacher file and return its :class:`Cohort`; raise :class:`ValidationError` on any problem."""
    schools = load_schools() if schools is None else schools
    report = read_teachers(path, schools=schools)
    report.raise_for_issues()
    if not report.profiles:
        raise ValidationError([Issue(None, None, None, "the file has no teacher rows")])
    return Cohort.from_profiles(report.profiles, schools)

