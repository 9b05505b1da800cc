"""The password policy: long enough, not the account's own name, not a common password.

>>> password_issues("short", username="sam")
['must be at least 12 characters long']
>>> password_issues("sam.lee.music.teacher", username="sam.lee.music.teacher")
['must not be (or contain) the user name']
>>> password_issues("walnut kettle orbit", username="sam")
[]
"""

from __future__ import annotations

from matcher.errors import Issue

from ..problems import Problem

__all__ = ["MIN_LENGTH", "MAX_LENGTH", "password_issues", "check_password"]

MIN_LENGTH = 12
MAX_LENGTH = 200
# Well-known passwords long enough to pass the length rule (compared without case).
_COMMON = frozenset(
    {
        "password1234", "password12345", "password123456", "passwordpassword", "password!234",
        "123456789012", "1234567890123", "12345678901234", "000000000000", "111111111111",
        "123123123123", "qwertyuiop12", "qwerty123456", "qwertyuiopasdf", "1q2w3e4r5t6y",
        "1qaz2wsx3edc", "iloveyou1234", "letmein12345", "welcome12345", "welcome123456",
        "changeme1234", "administrator", "abc123456789", "abcdefghijkl", "aaaaaaaaaaaa",
        "football1234", "baseball1234", "sunshine1234", "princess1234", "monkey123456",
        "teacher12345", "teacher123456", "music1234567", "musicteacher", "musicteacher1",
        "schoolmusic1", "peermatch123", "peermatch1234",
    }
)


def password_issues(password: str, *, username: str = "", email: str = "") -> list[str]:
    """What is wrong with ``password`` for this account (an empty list when it is fine)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"must be at least {MIN_LENGTH} characters long")
    if len(password) > MAX_LENGTH:
        problems.append(f"must be at most {MAX_LENGTH} characters long")
    lowered = password.lower()
    names = [n.lower() for n in (username, email, email.split("@")[0]) if n and len(n) >= 3]
    if any(n in lowered for n in names):
        problems.append("must not be (or contain) the user name" + (" or email address" if email else ""))
    if lowered in _COMMON or lowered.replace(" ", "") in _COMMON or len(set(lowered)) <= 2:
        problems.append("is too common or too easy to guess; choose a few unrelated words")
    return problems


def check_password(password: str, *, username: str = "", email: str = "") -> None:
    """Raise a 422 problem naming every rule ``password`` breaks.

    Raises
    ------
    Problem
        422, one error per broken rule, on the field ``password`` (the value is not echoed).
    """
    problems = password_issues(password, username=username, email=email)
    if problems:
        raise Problem(
            422,
            f"The password {'; '.join(problems)}.",
            title="Password not accepted",
            errors=[Issue(None, "password", None, p) for p in problems],
        )
