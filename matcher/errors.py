"""The errors ``matcher`` raises, each with a message a coordinator can act on.

Every error raised on bad input is a :class:`MatcherError` and carries the
:class:`Issue` objects that say where the problem is (``field``: a column, a record field
or a keyword argument), the value found and what would be valid, so that a command line
can print them and the service can list them in a problem response's ``errors``::

    MatcherError (a ValueError)           .issues: tuple of Issue
    ├── ValidationError                   input rejected; lists every issue found
    │   ├── ParameterError                one bad argument (also a TypeError)
    │   └── UnknownThemeError             a theme id not in the vocabulary
    ├── UnknownIdError (a KeyError)       a key not found (an example id, a block name)
    │   └── UnknownTeacherError           a teacher id not in the cohort
    └── InfeasibleError                   the constraints cannot all be met

``MatcherError`` is a ``ValueError``, so callers that catch ``ValueError`` keep working;
``ParameterError`` is also a ``TypeError`` (a string where a list was expected is its most
common case) and ``UnknownIdError`` a ``KeyError``.

Examples
--------
>>> issue = Issue(row=7, field="max_travel_km", value="-5", message="must be 0-200")
>>> str(issue)
"line 7, field 'max_travel_km': must be 0-200 (got '-5')"
>>> err = ValidationError([issue])
>>> isinstance(err, MatcherError), len(err.issues)
(True, 1)
>>> err = ParameterError("k", 0, "must be a whole number >= 1")
>>> str(err)
'k must be a whole number >= 1, got 0'
>>> err.issues[0].to_dict()["field"], isinstance(err, ValueError)
('k', True)
>>> UnknownTeacherError("t-9").issues[0].message
'unknown teacher id'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Issue",
    "MatcherError",
    "ValidationError",
    "ParameterError",
    "UnknownThemeError",
    "UnknownIdError",
    "UnknownTeacherError",
    "InfeasibleError",
]

# How much of a bad value an issue repeats (a whole file pasted into a field would be noise).
_MAX_SHOWN = 200


@dataclass(frozen=True)
class Issue:
    """One problem in one place of the input.

    ``row`` counts file lines as a spreadsheet shows them (the header is line 1);
    it is ``None`` for problems that belong to the whole file or to an argument.
    ``field`` names the column, record field or keyword argument; ``value`` is the bad
    value as text; ``message`` says what would be valid.
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

    def to_dict(self) -> dict[str, Any]:  # JSON-ready; subclasses add keys (CatalogueIssue: file)
        """Plain dict for JSON reports and problem responses."""
        return {
            "row": self.row,
            "field": self.field,
            "value": self.value,
            "message": self.message,
            "suggestion": self.suggestion,
        }


def shown(value: object) -> str:
    """A bad value as an :class:`Issue` shows it: text as is, anything else by ``repr``, capped."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def _restore(cls: type[MatcherError], args: tuple[object, ...], state: dict[str, object]) -> MatcherError:
    err = cls.__new__(cls)
    err.args = args
    err.__dict__.update(state)
    return err


class MatcherError(ValueError):
    """Base class of every error ``matcher`` raises on purpose; ``issues`` says where and why."""

    def __init__(self, message: str = "", *, issues: Iterable[Issue] = ()):
        self.issues: tuple[Issue, ...] = tuple(issues)
        super().__init__(message)

    def __reduce__(
        self,
    ) -> tuple[Callable[[type[MatcherError], tuple[object, ...], dict[str, object]], MatcherError], tuple[object, ...]]:
        # Rebuilt without calling __init__ (whose signature differs per subclass), so an
        # error raised in a worker process (Dask, multiprocessing) arrives whole.
        return _restore, (type(self), self.args, dict(self.__dict__))


class ValidationError(MatcherError):
    """Input was rejected; ``issues`` lists every problem found, not only the first."""

    def __init__(self, issues: Iterable[Issue], summary: str | None = None):
        issues = tuple(issues)
        n = len(issues)
        head = summary or f"{n} problem{'' if n == 1 else 's'} in the input"
        body = "\n".join(f"  - {issue}" for issue in issues[:50])
        more = f"\n  ... and {len(issues) - 50} more" if len(issues) > 50 else ""
        super().__init__(f"{head}\n{body}{more}" if body else head, issues=issues)


class ParameterError(ValidationError, TypeError):
    """One argument (or option) has a value the function cannot use.

    Parameters
    ----------
    name
        The argument, as the caller wrote it (``"k"``, ``"AffinityWeights.context"``).
    value
        The value received.
    message
        What would be valid, phrased to follow the name: ``"must be a whole number >= 1"``.
    suggestion
        A valid value the caller probably meant, if there is one.
    summary
        The one-line message, when ``"{name} {message}, got {value!r}"`` does not read well.

    ``str()`` is one line: ``"k must be a whole number >= 1, got 0"``.
    """

    def __init__(self, name: str, value: object, message: str, *, suggestion: str | None = None, summary: str | None = None):
        self.name, self.value = name, value
        issue = Issue(None, name, shown(value), message, suggestion)
        MatcherError.__init__(self, summary or f"{name} {message}, got {shown(repr(value))}", issues=(issue,))

    @classmethod
    def from_issues(cls, issues: Iterable[Issue], summary: str | None = None) -> ParameterError:
        """Several bad arguments reported at once (each issue names its argument in ``field``).

        With one issue the message is ``summary`` or that issue; with more, ``summary`` and the list.

        >>> str(ParameterError.from_issues([Issue(None, "fairness", "1.5", "must be between 0 and 1")]))
        "field 'fairness': must be between 0 and 1 (got '1.5')"
        """
        issues = tuple(issues)
        err = cls.__new__(cls)
        ValidationError.__init__(err, issues, summary)
        if len(issues) == 1:  # one bad argument: the message is that issue (or its summary)
            err.args = (summary or str(issues[0]),)
        first = issues[0] if issues else None
        err.name, err.value = (first.field or "", first.value) if first else ("", None)
        return err


class UnknownThemeError(ValidationError):
    """A practice theme id that is not in the vocabulary (the message suggests the nearest)."""


class UnknownIdError(MatcherError, KeyError):
    """A key looked up and not found: a practice example id, a feature block name...

    Parameters
    ----------
    field
        Where the key came from (the argument or field name).
    key
        The key that was not found.
    what
        What kind of key it is, to start the message: ``"unknown practice example id"``.
    valid
        What the valid keys are, to end the message: ``"blocks are context, school, ..."``.
    suggestion
        The valid key the caller probably meant, if there is one.
    """

    def __init__(self, field: str, key: object, what: str, *, valid: str | None = None, suggestion: str | None = None):
        self.key = key
        message = f"{what}; {valid}" if valid else what
        text = f"{what} {key!r}; {valid}" if valid else f"{what} {key!r}"
        super().__init__(text, issues=(Issue(None, field, shown(key), message, suggestion),))

    def __str__(self) -> str:  # KeyError would show the repr of the message
        return str(self.args[0]) if self.args else ""


class UnknownTeacherError(UnknownIdError):
    """A teacher id that is not in the cohort.

    ``field`` names where the id came from (``"teacher_id"``, ``"keep_apart"``...).
    """

    def __init__(self, teacher_id: str, *, field: str = "teacher_id"):
        self.teacher_id = teacher_id
        super().__init__(field, teacher_id, "unknown teacher id")


class InfeasibleError(MatcherError):
    """The constraints cannot all be met; the message says which and why.

    ``issues`` names the constraints at fault when the raiser knows them; it may be empty,
    the message then being the whole story.
    """
