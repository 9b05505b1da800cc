"""One teacher record (a CSV row or a JSON object) checked field by field into a profile.

:func:`profile_from_record` collects every problem of the record, not only the first, so
that an import reports all bad cells in one pass.
"""

from __future__ import annotations

import difflib
import re
from typing import Any
from collections.abc import Iterable, Mapping

from ..errors import Issue
from ..places.schools import School
from .fields import (
    AVAILABILITY_SLOTS,
    FIELD,
    KEY_STAGES,
    MAX_ABOUT_CHARS,
    MAX_NAME_CHARS,
    THEME_FIELDS,
    hidden_character_issues,
)
from .teacher import TeacherProfile
from .themes import theme_issues

__all__ = ["ID_PATTERN", "profile_from_record", "split_cell", "closest_option"]

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
EMAIL_PATTERN = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
TRUE_WORDS, FALSE_WORDS = {"yes", "y", "true", "1"}, {"no", "n", "false", "0", ""}

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



def split_cell(cell: object) -> list[str]:
    """A list cell (``"a; b;a"``) or a JSON list as its distinct, non-empty items, in order.

    >>> split_cell(" KS3;KS4; ;KS3"), split_cell(None)
    (['KS3', 'KS4'], [])
    """
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


def closest_option(value: str, options: Iterable[str]) -> str | None:
    """The option closest to ``value`` (a typo's likely meaning), or ``None``.

    >>> closest_option("Ks3 ", ["KS3", "ks3", "ks4"])
    'ks3'
    """
    hits = difflib.get_close_matches(value.strip().lower(), list(options), n=1, cutoff=0.5)
    return hits[0] if hits else None



def profile_from_record(record: Mapping[str, object], row: int | None, schools: Mapping[int, School]) -> tuple[TeacherProfile | None, list[Issue]]:
    """Validate one record (a CSV row or a JSON object) into a profile.

    Returns the profile (``None`` if anything is wrong) and the list of issues found,
    all of them, not only the first.

    >>> from matcher.places.schools import load_schools
    >>> p, issues = profile_from_record({"id": "t-1", "name": "Sam", "school_urn": "100049",
    ...     "department_size": "0", "key_stages": "KS3", "challenges": "", "strengths": ""}, 2, load_schools())
    >>> p is None, [str(i) for i in issues]
    (True, ["line 2, field 'department_size': must be a whole number from 1 to 30 (got '0')"])
    """
    issues: list[Issue] = []
    values: dict[str, Any] = {}  # each checked against its field below, before TeacherProfile(**values)

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
        low, high = -float("inf") if f.low is None else f.low, float("inf") if f.high is None else f.high
        if not low <= value <= high or value != value:  # value != value catches NaN
            bad(name, raw, f"must be {f.bounds_text()}")
            return
        values[name] = value

    def choice(name: str) -> None:
        options = FIELD[name].choices or ()
        raw = text(name).lower()
        if not raw:
            values[name] = FIELD[name].default
        elif raw in options:
            values[name] = raw
        else:
            bad(name, text(name), f"must be one of {', '.join(options)}", closest_option(raw, options))

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

    stages = list(dict.fromkeys(s.upper() for s in split_cell(record.get("key_stages"))))  # "ks3;KS3" is one stage
    unknown = [s for s in stages if s not in KEY_STAGES]
    for s in unknown:
        bad("key_stages", s, f"unknown key stage; use {', '.join(KEY_STAGES)} separated by ';'", closest_option(s, KEY_STAGES))
    if not stages and FIELD["key_stages"].required:
        bad("key_stages", "", "is required: at least one of " + ", ".join(KEY_STAGES))
    values["key_stages"] = tuple(stages)

    for field_name in THEME_FIELDS:
        items = split_cell(record.get(field_name))
        issues.extend(theme_issues(items, row=row, field=field_name))
        values[field_name] = tuple(items)

    slots = split_cell(record.get("availability"))
    for s in slots:
        if s not in AVAILABILITY_SLOTS:
            bad("availability", s, "unknown time slot; use e.g. mon_pm or thu_after_school", closest_option(s, AVAILABILITY_SLOTS))
    values["availability"] = tuple(slots)

    mates = split_cell(record.get("previous_groupmates"))
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

