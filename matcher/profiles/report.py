"""What an import found: :class:`ImportReport`, with its issue list capped.

A file with 100,000 bad rows must not give a report of 100,000 lines: a report lists the
first :data:`MAX_REPORTED_ISSUES` problems and counts the rest (per field).
:func:`capped_report` builds such a report from a complete list of issues.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import Issue, ValidationError
from .phrases import count_phrase
from .teacher import TeacherProfile

__all__ = ["MAX_REPORTED_ISSUES", "ImportReport", "capped_report"]

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



def capped_report(profiles: tuple[TeacherProfile, ...], issues: list[Issue], rows: int, *, lines: tuple[int | None, ...] = ()) -> ImportReport:
    """The report with the first :data:`MAX_REPORTED_ISSUES` issues listed and all counted.

    >>> r = capped_report((), [Issue(n, "name", "", "is required") for n in range(2, MAX_REPORTED_ISSUES + 5)], 1003)
    >>> len(r.issues), r.issue_count, r.truncated
    (1000, 1003, True)
    """
    return ImportReport(
        profiles,
        tuple(issues[:MAX_REPORTED_ISSUES]),
        rows,
        lines=lines,
        issue_count=len(issues),
        bad_rows=len({i.row for i in issues if i.row is not None}),
        by_field=dict(Counter(i.field or "" for i in issues)),
    )

