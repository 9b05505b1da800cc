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
import difflib
import io
import json
import os
import re
from collections.abc import Iterable, Mapping
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..csvsafe import unescape_cell, write_rows
from ..errors import Issue, ValidationError
from .fields import (
    AVAILABILITY_SLOTS,
    COLUMNS,
    FIELD,
    KEY_STAGES,
    MAX_ABOUT_CHARS,
    MAX_NAME_CHARS,
    REQUIRED_COLUMNS,
    THEME_FIELDS,
    hidden_character_issues,
)
from .teacher import Cohort, TeacherProfile
from ..places.schools import School, load_schools
from .themes import theme_issues
from .phrases import count_phrase

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

# The documented CSV layout (DESIGN.md), in spreadsheet order: COLUMNS, REQUIRED_COLUMNS
# and THEME_FIELDS come from the field registry (matcher.profiles.fields).
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
EMAIL_PATTERN = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
TRUE_WORDS, FALSE_WORDS = {"yes", "y", "true", "1"}, {"no", "n", "false", "0", ""}
# A header wider than this is refused before any row is read (the layout has 18 columns).
MAX_COLUMNS = 200
# A report lists this many issues; the rest are counted (by field), not listed.
MAX_REPORTED_ISSUES = 1000


@dataclass(frozen=True)
class ImportReport:
    """What an import found: the valid ``profiles`` and every problem in ``issues``.

    ``rows`` counts the data rows read (blank lines excluded); ``lines`` holds the file
    line (CSV) or item number (JSON) of each profile, in the same order, so that later
    reports about a row can name it. ``issues`` lists at most :data:`MAX_REPORTED_ISSUES`
    problems (the first, in line order); ``issue_count``
    counts them all, ``bad_rows`` counts the rows with any, ``by_field`` counts them per
    field (``""`` for whole-row and file problems) and ``truncated`` says some were left
    off the list, so a file with 100,000 bad rows gives a report of bounded size.

    >>> r = ImportReport((), (Issue(2, "name", "", "is required"),), 1)
    >>> r.issue_count, r.by_field, r.truncated
    (1, {'name': 1}, False)
    """

    profiles: tuple[TeacherProfile, ...]
    issues: tuple[Issue, ...]
    rows: int
    lines: tuple[int | None, ...] = ()
    issue_count: int = -1
    bad_rows: int = -1
    by_field: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.issue_count < 0:  # built from a complete list: count it
            object.__setattr__(self, "issue_count", len(self.issues))
            object.__setattr__(self, "bad_rows", len({i.row for i in self.issues if i.row is not None}))
            object.__setattr__(self, "by_field", dict(Counter(i.field or "" for i in self.issues)))

    @property
    def truncated(self) -> bool:
        """True when ``issues`` lists only the first of ``issue_count`` problems."""
        return self.issue_count > len(self.issues)

    @property
    def ok(self) -> bool:
        """True when there is at least one teacher and no problem at all."""
        return not self.issues and bool(self.profiles)

    def summary(self) -> str:
        """One line: how many problems in how many rows, and how many are listed."""
        text = f"{count_phrase(self.issue_count, 'problem')} in {count_phrase(self.bad_rows, 'row')}"
        if self.truncated:
            text += f" (the first {len(self.issues)} are listed)"
        return text

    def raise_for_issues(self) -> None:
        """Raise :class:`ValidationError` listing the issues (the first ones, if truncated)."""
        if self.issues:
            raise ValidationError(self.issues, summary=f"{self.summary()}; nothing was imported")

    def to_text(self) -> str:
        """A report a coordinator can read, one line per problem."""
        if not self.issues:
            return f"OK: {len(self.profiles)} teachers, no problems."
        where = f" in {self.bad_rows} of {self.rows} rows" if self.rows else ""
        lines = [f"{count_phrase(self.issue_count, 'problem')}{where}; nothing can be imported until they are fixed:"]
        lines += [f"  {issue}" for issue in self.issues]
        if self.truncated:
            counts = ", ".join(f"{f or '(whole row)'}: {n}" for f, n in sorted(self.by_field.items()))
            lines.append(f"  ... and {self.issue_count - len(self.issues)} more (problems per field: {counts})")
        return "\n".join(lines)


_LOOKALIKES = {"O": ("the letter O", "0"), "o": ("the letter o", "0"), "I": ("the letter I", "1"), "l": ("the letter l", "1")}


def _urn_problem(urn: str) -> tuple[str, str | None]:
    """What is wrong with a URN that is not all digits, naming the first bad character, and the
    likely URN when the bad characters are letters that look like digits (O for 0, l for 1).

    >>> _urn_problem("14204O")
    ("must be digits only: 'O' at position 6 is the letter O, not the digit 0", '142040')
    """
    pos, char = next((k, c) for k, c in enumerate(urn, start=1) if not c.isdigit())
    if char in _LOOKALIKES:
        what, digit = _LOOKALIKES[char]
        fixed = "".join(_LOOKALIKES[c][1] if c in _LOOKALIKES else c for c in urn)
        return f"must be digits only: {char!r} at position {pos} is {what}, not the digit {digit}", fixed if fixed.isdigit() else None
    shown = "a space" if char == " " else repr(char)
    return (f"must be a school URN, a 6-digit number: {shown} at position {pos} is not a digit "
            "(look it up on Get Information about Schools)"), None


def _report(profiles: tuple[TeacherProfile, ...], issues: list[Issue], rows: int, *, lines: tuple[int | None, ...] = ()) -> ImportReport:
    """The report with the first :data:`MAX_REPORTED_ISSUES` issues listed and all counted."""
    return ImportReport(
        profiles,
        tuple(issues[:MAX_REPORTED_ISSUES]),
        rows,
        lines=lines,
        issue_count=len(issues),
        bad_rows=len({i.row for i in issues if i.row is not None}),
        by_field=dict(Counter(i.field or "" for i in issues)),
    )


def _split(cell: object) -> list[str]:
    if cell is None:
        return []
    if isinstance(cell, (list, tuple)):
        items = [str(x).strip() for x in cell]
    else:
        items = [x.strip() for x in str(cell).split(";")]
    seen: dict[str, None] = {}
    for item in items:
        if item:
            seen.setdefault(item, None)  # repeated entries in one cell mean the same thing once
    return list(seen)


def _suggest(value: str, options: Iterable[str]) -> str | None:
    hits = difflib.get_close_matches(value.strip().lower(), list(options), n=1, cutoff=0.5)
    return hits[0] if hits else None


def profile_from_record(record: Mapping[str, object], row: int | None, schools: Mapping[int, School]) -> tuple[TeacherProfile | None, list[Issue]]:
    """Validate one record (a CSV row or a JSON object) into a profile.

    Returns the profile (``None`` if anything is wrong) and the list of issues found,
    all of them, not only the first.

    >>> p, issues = profile_from_record({"id": "t-1", "name": "Sam", "school_urn": "100049",
    ...     "department_size": "0", "key_stages": "KS3", "challenges": "", "strengths": ""}, 2, load_schools())
    >>> p is None, [str(i) for i in issues]
    (True, ["line 2, field 'department_size': must be a whole number from 1 to 30 (got '0')"])
    """
    issues: list[Issue] = []
    values: dict[str, object] = {}

    def text(name: str) -> str:
        value = record.get(name)
        return "" if value is None else str(value).strip()

    def bad(name: str, value: object, message: str, suggestion: str | None = None) -> None:
        issues.append(Issue(row, name, None if value is None else str(value), message, suggestion))

    def number(name: str) -> None:
        f = FIELD[name]
        raw = text(name)
        if not raw:
            if f.required:
                bad(name, raw, "is required")
            else:
                values[name] = f.default
            return
        try:
            value = float(raw) if f.type is float else int(raw)
        except ValueError:
            bad(name, raw, f"must be {f.bounds_text()}")
            return
        if not f.low <= value <= f.high or value != value:  # value != value catches NaN
            bad(name, raw, f"must be {f.bounds_text()}")
            return
        values[name] = value

    def choice(name: str) -> None:
        options = FIELD[name].choices
        raw = text(name).lower()
        if not raw:
            values[name] = FIELD[name].default
        elif raw in options:
            values[name] = raw
        else:
            bad(name, text(name), f"must be one of {', '.join(options)}", _suggest(raw, options))

    tid = text("id")
    if not tid:
        bad("id", tid, "is required")
    elif not ID_PATTERN.match(tid):
        bad("id", tid, "must be 1-64 letters, digits, '-', '_' or '.', starting with a letter or digit")
    values["id"] = tid

    name = text("name")
    if not name:
        bad("name", name, "is required")
    elif len(name) > MAX_NAME_CHARS:
        bad("name", name[:20] + "...", f"must be at most {MAX_NAME_CHARS} characters")
    else:
        issues.extend(hidden_character_issues("name", name, row))
    values["name"] = name

    email = text("email")
    if email and not EMAIL_PATTERN.match(email):
        bad("email", email, "is not an email address (expected name@example.org)")
    values["email"] = email

    urn = text("school_urn")
    if not urn:
        bad("school_urn", urn, "is required")
    elif not urn.isdigit():
        bad("school_urn", urn, *_urn_problem(urn))
    elif int(urn) not in schools:
        bad("school_urn", urn, "is not a school in the schools table (open secondary schools)")
    else:
        values["school_urn"] = int(urn)

    number("department_size")
    number("years_teaching")
    number("max_travel_km")
    choice("role")
    choice("meeting_mode")
    choice("context_preference")

    stages = list(dict.fromkeys(s.upper() for s in _split(record.get("key_stages"))))  # "ks3;KS3" is one stage
    unknown = [s for s in stages if s not in KEY_STAGES]
    for s in unknown:
        bad("key_stages", s, f"unknown key stage; use {', '.join(KEY_STAGES)} separated by ';'", _suggest(s, KEY_STAGES))
    if not stages and FIELD["key_stages"].required:
        bad("key_stages", "", "is required: at least one of " + ", ".join(KEY_STAGES))
    values["key_stages"] = tuple(stages)

    for field_name in THEME_FIELDS:
        items = _split(record.get(field_name))
        issues.extend(theme_issues(items, row=row, field=field_name))
        values[field_name] = tuple(items)

    slots = _split(record.get("availability"))
    for s in slots:
        if s not in AVAILABILITY_SLOTS:
            bad("availability", s, "unknown time slot; use e.g. mon_pm or thu_after_school", _suggest(s, AVAILABILITY_SLOTS))
    values["availability"] = tuple(slots)

    mates = _split(record.get("previous_groupmates"))
    for m in mates:
        if not ID_PATTERN.match(m):
            bad("previous_groupmates", m, "is not a teacher id")
    values["previous_groupmates"] = tuple(mates)

    about = text("about").replace("\r\n", "\n").replace("\r", "\n")  # one line-ending convention, as on export
    if len(about) > MAX_ABOUT_CHARS:
        bad("about", about[:20] + "...", f"must be at most {MAX_ABOUT_CHARS} characters (got {len(about)})")
    values["about"] = about

    consent = record.get("consent_share_contact")
    consent_text = str(consent).strip().lower() if consent is not None else ""
    if isinstance(consent, bool):
        values["consent_share_contact"] = consent
    elif consent_text in TRUE_WORDS | FALSE_WORDS:
        values["consent_share_contact"] = consent_text in TRUE_WORDS
    else:
        bad("consent_share_contact", consent, "must be yes or no")

    if issues:
        return None, issues
    return TeacherProfile(**values), []


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
    return _report(tuple(p for p, _ in kept), issues, len(records), lines=tuple(row for _, row in kept))


def parse_teachers_csv(text: str, *, schools: Mapping[int, School] | None = None) -> ImportReport:
    """Validate CSV text (header row first) into an :class:`ImportReport`."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        return ImportReport((), (Issue(None, None, None, "the file is empty: expected a header row and one row per teacher"),), 0)
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    records: list[tuple[int, dict]] = []
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
        file_issues.append(Issue(header_line, column, None, "required column is missing from the header", _suggest(column, extra)))
    counts = Counter(header)
    for column in [c for c, n in counts.items() if n > 1 and c]:  # once per column
        file_issues.append(Issue(header_line, column, None, "column appears more than once in the header"))
    if missing:
        return _report((), list(dict.fromkeys(file_issues)), len(records))
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
    records, issues = [], []
    for i, item in enumerate(data, start=1):
        if isinstance(item, dict):
            records.append((i, item))
        else:
            issues.append(Issue(i, None, None, "each teacher must be a JSON object"))
    return _finish(records, issues, schools)


def read_teachers(path: str | os.PathLike, *, schools: Mapping[int, School] | None = None) -> ImportReport:
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


def load_cohort(path: str | os.PathLike, *, schools: Mapping[int, School] | None = None) -> Cohort:
    """Read a teacher file and return its :class:`Cohort`; raise :class:`ValidationError` on any problem."""
    schools = load_schools() if schools is None else schools
    report = read_teachers(path, schools=schools)
    report.raise_for_issues()
    if not report.profiles:
        raise ValidationError([Issue(None, None, None, "the file has no teacher rows")])
    return Cohort.from_profiles(report.profiles, schools)


def _cell(value: object) -> str:
    if isinstance(value, str):
        # csv only quotes the line terminator's characters ("\n"); a bare "\r" would end the row
        return value.replace("\r\n", "\n").replace("\r", "\n")
    if isinstance(value, tuple):
        return ";".join(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        short = f"{value:g}"
        return short if float(short) == value else repr(value)  # :g alone rounds to 6 digits
    return str(value)


def teachers_to_csv(profiles: Iterable[TeacherProfile]) -> str:
    """The profiles as CSV text in the import format (reads back to equal profiles).

    Cells a spreadsheet would run as formulas (a name like ``=HYPERLINK(...)``) are
    neutralised with a leading ``'`` (:mod:`matcher.csvsafe`); :func:`parse_teachers_csv`
    removes it again.

    >>> print(teachers_to_csv([TeacherProfile(id="t-1", name="=1+1", school_urn=100049)]).splitlines()[1][:19])
    t-1,"'=1+1",,100049
    """
    return write_rows([COLUMNS, *([_cell(getattr(p, c)) for c in COLUMNS] for p in profiles)])


def write_teachers_csv(profiles: Iterable[TeacherProfile], path: str | os.PathLike) -> None:
    """Write the profiles to ``path`` in the import format (UTF-8, no BOM)."""
    Path(path).write_text(teachers_to_csv(profiles), encoding="utf-8")


def teachers_to_json(profiles: Iterable[TeacherProfile]) -> str:
    """The profiles as JSON, ``{"teachers": [...]}`` with fields in :data:`COLUMNS` order.

    Lists stay JSON lists; :func:`parse_teachers_json` reads the text back to equal profiles.

    >>> text = teachers_to_json([TeacherProfile(id="t-1", name="Sam", school_urn=100049)])
    >>> parse_teachers_json(text).profiles[0].name
    'Sam'
    """
    items = [{c: list(v) if isinstance(v := getattr(p, c), tuple) else v for c in COLUMNS} for p in profiles]
    return json.dumps({"teachers": items}, ensure_ascii=False, indent=1) + "\n"


def write_teachers_json(profiles: Iterable[TeacherProfile], path: str | os.PathLike) -> None:
    """Write the profiles to ``path`` as JSON (UTF-8)."""
    Path(path).write_text(teachers_to_json(profiles), encoding="utf-8")
