"""One practice example as read from YAML, checked field by field (every problem, not the first).

Used by :mod:`.catalogue`, which turns the checked records into :class:`~.catalogue.PracticeExample`.

>>> issues = check_record({"id": "year9-singing"}, "x.yaml", 1, {})
>>> [i.field for i in issues][:2]
['title', 'summary']
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import Issue
from ..profiles.teacher import KEY_STAGES
from ..profiles.themes import THEMES, closest_theme
from .contexts import CONTEXTS

__all__ = ["CatalogueIssue", "check_record", "TIMES_TO_TRY", "REQUIRED_FIELDS", "OPTIONAL_FIELDS", "MIN_SUMMARY_WORDS", "MAX_SUMMARY_WORDS"]

TIMES_TO_TRY = ("one lesson", "a few lessons", "half a term", "a term", "a school year")
REQUIRED_FIELDS = ("id", "title", "summary", "themes", "key_stages", "contexts", "resources", "time_to_try")
OPTIONAL_FIELDS = ("author_teacher_id",)
MIN_SUMMARY_WORDS = 80
MAX_SUMMARY_WORDS = 200
MAX_TITLE_CHARS = 100
MAX_THEMES = 6
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_LIST_EXAMPLES = {
    "themes": "[singing, boys_participation]",
    "key_stages": "[KS3, KS4]",
    "contexts": "[department_of_one] (or [] for any school)",
    "resources": "[a class set of ukuleles]",
}
# School years people write instead of key stages ("Year 7" -> KS3).
_YEAR_TO_KEY_STAGE = {
    **{y: "EY" for y in ("nursery", "reception")},
    **{str(y): ks for ks, years in (("KS1", (1, 2)), ("KS2", (3, 4, 5, 6)), ("KS3", (7, 8, 9)), ("KS4", (10, 11)), ("KS5", (12, 13))) for y in years},
}


def _suggest_key_stage(value: str) -> str | None:
    words = value.lower().replace("year", " ").replace("yr", " ").split()
    if len(words) == 1 and words[0] in _YEAR_TO_KEY_STAGE:
        return _YEAR_TO_KEY_STAGE[words[0]]
    near = difflib.get_close_matches(value.upper().replace(" ", ""), KEY_STAGES, n=1)
    return near[0] if near else None


@dataclass(frozen=True)
class CatalogueIssue(Issue):
    """An :class:`~matcher.errors.Issue` that also names the catalogue file it was found in."""

    file: str = ""

    def __str__(self) -> str:
        text = super().__str__()
        return f"{self.file}, {text}" if self.file else text

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, **super().to_dict()}


def check_record(item: object, file: str, line: int | None, lines: Mapping[str, int]) -> list[Issue]:
    """Every problem of one record (nothing is fixed up silently)."""

    def issue(fld: str | None, value: object, message: str, suggestion: str | None = None) -> Issue:
        shown = None if value is None else (value if isinstance(value, str) else repr(value))
        return CatalogueIssue(line if fld is None else lines.get(fld, line), fld, shown, message, suggestion, file=file)

    if not isinstance(item, dict):
        return [CatalogueIssue(line, None, None, f"expected a mapping of fields, got {type(item).__name__}", file=file)]
    out: list[Issue] = []
    known = REQUIRED_FIELDS + OPTIONAL_FIELDS
    for key in item:
        if key not in known:
            near = difflib.get_close_matches(str(key), known, n=1)
            out.append(issue(str(key), None, f"unknown field; expected one of {', '.join(known)}", near[0] if near else None))
    out += [issue(f, None, "missing required field") for f in REQUIRED_FIELDS if f not in item]

    def text_field(name: str) -> str | None:
        value = item.get(name)
        if name in item and (not isinstance(value, str) or not value.strip()):
            out.append(issue(name, value, "must be non-empty text"))
            return None
        return value

    def list_field(name: str, *, allow_empty: bool) -> list[str] | None:
        value = item.get(name)
        if name not in item:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            out.append(issue(name, value, f"must be a list of text values, e.g. {_LIST_EXAMPLES[name]}"))
            return None
        if not value and not allow_empty:
            out.append(issue(name, None, "must not be empty"))
        if len(set(value)) != len(value):
            out.append(issue(name, ", ".join(value), "lists a value twice"))
        return value

    ex_id = text_field("id")
    if ex_id is not None and not _SLUG.match(ex_id):
        out.append(issue("id", ex_id, "must be a slug of lower-case letters, digits and single hyphens"))
    title = text_field("title")
    if title is not None and len(title) > MAX_TITLE_CHARS:
        out.append(issue("title", None, f"must be at most {MAX_TITLE_CHARS} characters, has {len(title)}"))
    summary = text_field("summary")
    if summary is not None:
        words = len(summary.split())
        if not MIN_SUMMARY_WORDS <= words <= MAX_SUMMARY_WORDS:
            out.append(issue("summary", None, f"must be {MIN_SUMMARY_WORDS}-{MAX_SUMMARY_WORDS} words, has {words}"))
    themes = list_field("themes", allow_empty=False)
    for t in themes or ():
        if t not in THEMES:
            out.append(issue("themes", t, "unknown theme", closest_theme(t)))
    if themes is not None and len(themes) > MAX_THEMES:
        out.append(issue("themes", None, f"at most {MAX_THEMES} themes, has {len(themes)}"))
    for ks in list_field("key_stages", allow_empty=False) or ():
        if ks not in KEY_STAGES:
            out.append(issue("key_stages", ks, f"unknown key stage; expected one of {', '.join(KEY_STAGES)}", _suggest_key_stage(ks)))
    for c in list_field("contexts", allow_empty=True) or ():
        if c not in CONTEXTS:
            near = difflib.get_close_matches(c, list(CONTEXTS), n=1)
            out.append(issue("contexts", c, f"unknown context; expected one of {', '.join(CONTEXTS)}", near[0] if near else None))
    for r in list_field("resources", allow_empty=False) or ():
        if not r.strip():
            out.append(issue("resources", r, "resources must be non-empty text"))
    time_to_try = text_field("time_to_try")
    if time_to_try is not None and time_to_try not in TIMES_TO_TRY:
        near = difflib.get_close_matches(time_to_try, TIMES_TO_TRY, n=1)
        out.append(issue("time_to_try", time_to_try, f"must be one of: {', '.join(TIMES_TO_TRY)}", near[0] if near else None))
    author = item.get("author_teacher_id")
    if author is not None and (not isinstance(author, str) or not author.strip()):
        out.append(issue("author_teacher_id", author, "must be a teacher id such as 't-001', or left out"))
    return sorted(out, key=lambda i: (i.row or 0))
