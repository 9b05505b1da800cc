"""The errors ``matcher`` raises, each with a message a coordinator can act on.

Examples
--------
>>> issue = Issue(row=7, field="max_travel_km", value="-5", message="must be 0-200")
>>> str(issue)
"line 7, field 'max_travel_km': must be 0-200 (got '-5')"
>>> err = ValidationError([issue])
>>> isinstance(err, MatcherError), len(err.issues)
(True, 1)
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Issue",
    "MatcherError",
    "ValidationError",
    "UnknownThemeError",
    "UnknownTeacherError",
    "InfeasibleError",
]


@dataclass(frozen=True)
class Issue:
    """One problem in one place of the input.

    ``row`` counts file lines as a spreadsheet shows them (the header is line 1);
    it is ``None`` for problems that belong to the whole file.
    """

    row: int | None
    field: str | None
    value: str | None
    message: str
    suggestion: str | None = None

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"line {self.row}")
        if self.field is not None:
            where.append(f"field '{self.field}'")
        text = ", ".join(where)
        text = f"{text}: {self.message}" if text else self.message
        if self.value not in (None, ""):
            text += f" (got {self.value!r})"
        if self.suggestion:
            text += f"; did you mean {self.suggestion!r}?"
        return text

    def to_dict(self) -> dict:
        """Plain dict for JSON reports and problem responses."""
        return {
            "row": self.row,
            "field": self.field,
            "value": self.value,
            "message": self.message,
            "suggestion": self.suggestion,
        }


class MatcherError(Exception):
    """Base class of every error ``matcher`` raises on purpose."""


class ValidationError(MatcherError, ValueError):
    """Input was rejected; ``issues`` lists every problem found, not only the first."""

    def __init__(self, issues: list[Issue] | tuple[Issue, ...], summary: str | None = None):
        self.issues = tuple(issues)
        n = len(self.issues)
        head = summary or f"{n} problem{'' if n == 1 else 's'} in the input"
        body = "\n".join(f"  - {issue}" for issue in self.issues[:50])
        more = f"\n  ... and {len(self.issues) - 50} more" if len(self.issues) > 50 else ""
        super().__init__(f"{head}\n{body}{more}" if body else head)


class UnknownThemeError(ValidationError):
    """A practice theme id that is not in the vocabulary (the message suggests the nearest)."""


class UnknownTeacherError(MatcherError, KeyError):
    """A teacher id that is not in the cohort."""

    def __init__(self, teacher_id: str):
        self.teacher_id = teacher_id
        super().__init__(teacher_id)

    def __str__(self) -> str:
        return f"unknown teacher id {self.teacher_id!r}"


class InfeasibleError(MatcherError, ValueError):
    """The constraints cannot all be met; the message says which and why."""
