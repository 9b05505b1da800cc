"""Group sizes: a size range as the coordinator writes it, and how many groups fit.

>>> parse_size_range("4-6"), plan_group_count(20, (4, 6))
((4, 6), 4)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..errors import InfeasibleError, Issue, ParameterError

__all__ = ["parse_size_range", "plan_group_count"]


def parse_size_range(text: str | int | Sequence[int]) -> tuple[int, int]:
    """``"4-6"`` → ``(4, 6)``; ``5`` or ``"5"`` → ``(5, 5)``; a pair is checked and returned.

    >>> parse_size_range("4-6"), parse_size_range(5), parse_size_range((3, 4))
    ((4, 6), (5, 5), (3, 4))
    >>> parse_size_range("6-4")
    Traceback (most recent call last):
    ...
    matcher.errors.ParameterError: group size range '6-4': the smallest size must not exceed the largest
    """
    if isinstance(text, (int, np.integer)):
        lo = hi = int(text)
    elif isinstance(text, str):
        parts = text.replace("–", "-").split("-")
        try:
            nums = [int(p.strip()) for p in parts]
        except ValueError:
            raise _bad_size(text, "expected a size like '5' or a range like '4-6'") from None
        if len(nums) == 1:
            nums = nums * 2
        if len(nums) != 2:
            raise _bad_size(text, "expected a size like '5' or a range like '4-6'")
        lo, hi = nums
    else:
        lo, hi = (int(x) for x in text)
    label = text if isinstance(text, str) else f"{lo}-{hi}"
    if lo < 1:
        raise _bad_size(label, "sizes must be at least 1")
    if lo > hi:
        raise _bad_size(label, "the smallest size must not exceed the largest")
    return lo, hi


def _bad_size(label: str, message: str) -> ParameterError:
    return ParameterError.from_issues([Issue(None, "size", str(label), message)], summary=f"group size range {label!r}: {message}")


def plan_group_count(n: int, size: tuple[int, int], *, noun: str = "people") -> int:
    """The number of groups for ``n`` members of sizes ``size = (lo, hi)``: as close as
    possible to an average size in the middle of the range, and feasible.

    >>> plan_group_count(20, (4, 6)), plan_group_count(12, (3, 3))
    (4, 4)
    >>> plan_group_count(7, (4, 5), noun="teachers")
    Traceback (most recent call last):
    ...
    matcher.errors.InfeasibleError: 7 teachers cannot be split into groups of 4 to 5: one group holds at most 5, two need at least 8
    """
    lo, hi = size
    if n == 0:
        return 0
    m_min = math.ceil(n / hi)
    m_max = n // lo
    if m_min > m_max:
        k = n // hi  # groups that fit below n
        if lo == hi:
            raise InfeasibleError(
                f"{n} {noun} cannot be split into groups of exactly {lo}: "
                + (f"{k * lo} leaves {n - k * lo} over" if k else f"fewer than {lo}")
            )
        words = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}
        a, b = words.get(k, str(k)), words.get(k + 1, str(k + 1))
        groups = "group holds" if k == 1 else "groups hold"
        raise InfeasibleError(
            f"{n} {noun} cannot be split into groups of {lo} to {hi}: "
            f"{a} {groups} at most {k * hi}, {b} need at least {(k + 1) * lo}"
        )
    target = n / ((lo + hi) / 2)
    return int(min(range(m_min, m_max + 1), key=lambda m: (abs(m - target), m)))
