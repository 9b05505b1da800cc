"""One time budget for a cohort run, shared out phase by phase.

A :class:`Budget` is made once, at a public entry point, from its ``seconds=`` argument
(:func:`~matcher.cohorts.groups.form_groups`, :func:`~matcher.cohorts.search.solve`,
:func:`~matcher.cohorts.repair.repair`, ...). Each phase (search, polishing by blocks,
re-balancing, one block) receives a child budget — :meth:`Budget.share` of what is left,
:meth:`Budget.less` what is left minus time kept back for later, or :meth:`Budget.at_most`
a cap — and asks it :meth:`~Budget.remaining` and :meth:`~Budget.expired`. A child never
ends after its parent, so no phase can overrun the run's limit by its own arithmetic. An
unlimited budget (``seconds=None``; runs limited by ``rounds=``) has unlimited children.

Examples
--------
>>> run = Budget.of(10.0)
>>> search = run.share(0.7)
>>> 6.9 < search.seconds <= 7.0, search.deadline <= run.deadline
(True, True)
>>> run.less(2.0).seconds <= 8.0, run.expired()
(True, False)
>>> Budget.of(None).share(0.5).unlimited, Budget.of(None).remaining() is None
(True, True)
>>> Budget.of(0.0).expired()
True
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from ..errors import Issue, ParameterError

__all__ = ["Budget"]


@dataclass(frozen=True)
class Budget:
    """``seconds`` of wall-clock time from ``start`` (a ``time.monotonic()`` value).

    Parameters
    ----------
    seconds : float or None
        Length of the budget; ``None`` is unlimited (the run is limited otherwise, e.g. by
        ``rounds``). Negative lengths count as zero.
    start : float
        When it began, on the ``time.monotonic()`` clock (default: now).
    """

    seconds: float | None = None
    start: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if self.seconds is not None:
            if self.seconds != self.seconds:  # NaN
                raise ParameterError.from_issues([Issue(None, "seconds", "nan", "must be a number of seconds or None")])
            object.__setattr__(self, "seconds", max(0.0, float(self.seconds)))

    # ------------------------------------------------------------------ construction
    @classmethod
    def of(cls, seconds: float | None = None, *, deadline: float | None = None) -> Budget:
        """A budget starting now: ``seconds`` long, ending at ``deadline`` (a
        ``time.monotonic()`` value) if that comes first; unlimited when both are ``None``.

        >>> Budget.of(None).unlimited, Budget.of(3).seconds
        (True, 3.0)
        """
        now = time.monotonic()
        if deadline is not None:
            until = deadline - now
            seconds = until if seconds is None else min(seconds, until)
        return cls(seconds, now)

    @classmethod
    def given(cls, seconds: float | None, budget: Budget | None, *, deadline: float | None = None) -> Budget:
        """The budget of a public function that takes ``seconds=`` (and ``deadline=``) or,
        from a caller that already has one, ``budget=`` (not both)."""
        if budget is None:
            return cls.of(seconds, deadline=deadline)
        if seconds is not None or deadline is not None:
            name = "seconds" if seconds is not None else "deadline"
            raise ParameterError.from_issues([Issue(None, name, str(seconds if seconds is not None else deadline),
                                     "give either a time limit or a budget, not both")])
        return budget

    # ------------------------------------------------------------------ questions
    @property
    def unlimited(self) -> bool:
        """No time limit."""
        return self.seconds is None

    @property
    def deadline(self) -> float | None:
        """The ``time.monotonic()`` value at which the budget runs out (``None``: never)."""
        return None if self.seconds is None else self.start + self.seconds

    def elapsed(self) -> float:
        """Seconds since the budget started."""
        return time.monotonic() - self.start

    def remaining(self) -> float | None:
        """Seconds left (never negative; ``None`` when unlimited)."""
        if self.seconds is None:
            return None
        return max(0.0, self.start + self.seconds - time.monotonic())

    def expired(self) -> bool:
        """Whether the time is up (never, for an unlimited budget)."""
        return self.seconds is not None and time.monotonic() >= self.start + self.seconds

    def used(self) -> float:
        """Share of the time used so far, from 0 (0 when unlimited; may pass 1 when late)."""
        if self.seconds is None:
            return 0.0
        return (time.monotonic() - self.start) / max(self.seconds, 1e-9)

    # ------------------------------------------------------------------ children
    def _left(self) -> tuple[float, float | None]:
        now = time.monotonic()
        return now, None if self.seconds is None else max(0.0, self.start + self.seconds - now)

    def _child(self, now: float, seconds: float | None) -> Budget:
        """A budget of ``seconds`` from ``now`` that ends no later than this one (to the
        last bit: rounding may not push it past)."""
        if seconds is None or self.seconds is None:
            return Budget(seconds, now)
        end = self.start + self.seconds
        now = min(now, end)
        seconds = min(seconds, end - now)
        while now + seconds > end:
            seconds = math.nextafter(seconds, 0.0)
        return Budget(seconds, now)

    def share(self, fraction: float) -> Budget:
        """A phase's budget, starting now: ``fraction`` (0..1) of the time left."""
        if not 0.0 <= fraction <= 1.0:
            raise ParameterError.from_issues([Issue(None, "fraction", str(fraction), "must be between 0 and 1")])
        now, left = self._left()
        return self._child(now, None if left is None else left * fraction)

    def less(self, seconds: float) -> Budget:
        """The time left minus ``seconds`` kept back for later (e.g. describing the result)."""
        now, left = self._left()
        return self._child(now, None if left is None else max(0.0, left - max(0.0, seconds)))

    def at_most(self, seconds: float | None) -> Budget:
        """The time left, but no more than ``seconds`` (``None``: no cap). Of an unlimited
        budget, ``seconds`` itself."""
        now, left = self._left()
        if seconds is None:
            return self._child(now, left)
        return self._child(now, max(0.0, seconds) if left is None else min(left, max(0.0, seconds)))
