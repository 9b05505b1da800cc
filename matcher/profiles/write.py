"""Teacher files out: CSV and JSON in the import format (they read back to equal profiles)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from ..csvsafe import write_rows
from .fields import COLUMNS
from .teacher import TeacherProfile

__all__ = ["teachers_to_csv", "write_teachers_csv", "teachers_to_json", "write_teachers_json"]


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


def write_teachers_csv(profiles: Iterable[TeacherProfile], path: str | os.PathLike[str]) -> None:
    """Write the profiles to ``path`` in the import format (UTF-8, no BOM)."""
    Path(path).write_text(teachers_to_csv(profiles), encoding="utf-8")


def teachers_to_json(profiles: Iterable[TeacherProfile]) -> str:
    """The profiles as JSON, ``{"teachers": [...]}`` with fields in :data:`COLUMNS` order.

    Lists stay JSON lists; :func:`parse_teachers_json` reads the text back to equal profiles.

    >>> text = teachers_to_json([TeacherProfile(id="t-1", name="Sam", school_urn=100049)])
    >>> from matcher.profiles.io import parse_teachers_json
    >>> parse_teachers_json(text).profiles[0].name
    'Sam'
    """
    items = [{c: list(v) if isinstance(v := getattr(p, c), tuple) else v for c in COLUMNS} for p in profiles]
    return json.dumps({"teachers": items}, ensure_ascii=False, indent=1) + "\n"


def write_teachers_json(profiles: Iterable[TeacherProfile], path: str | os.PathLike[str]) -> None:
    """Write the profiles to ``path`` as JSON (UTF-8)."""
    Path(path).write_text(teachers_to_json(profiles), encoding="utf-8")
