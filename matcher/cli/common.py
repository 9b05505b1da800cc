"""Helpers shared by the ``peermatch`` sub-commands: loading a cohort with a readable error."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import MatcherError

if TYPE_CHECKING:
    from ..profiles.teacher import Cohort

__all__ = ["cohort_or_exit", "fail"]


def fail(message: str, code: int = 1) -> int:
    """Print ``message`` to standard error and return ``code`` (for ``return fail(...)``)."""
    print(f"peermatch: {message}", file=sys.stderr)
    return code


def cohort_or_exit(path: str) -> Cohort | int:
    """Load the teacher file at ``path``; on a problem, print every issue and return exit code 1."""
    from ..profiles.io import load_cohort  # numpy and the schools table: only when a command runs

    if not Path(path).is_file():
        return fail(f"no such file: {path}")
    try:
        return load_cohort(path)
    except MatcherError as exc:
        return fail(f"{path}: {exc}")
