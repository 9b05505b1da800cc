"""Rotation: a round's groups keep apart the groupmates of the last rounds.

The groupmate history is a list of rounds, the most recent first, each with the pairs of
teachers who shared a group in it (:func:`groupmate_pairs` of its groups). A new round
keeps apart every pair of the last ``rounds`` rounds whose two teachers both take part,
except pairs within one keep-together set (a partner kept on purpose), pairs already
given as keep-apart, and pairs with an ``exempt`` teacher (the service exempts those who
meet in person only: strict rotation can leave them nobody to meet). Those exempt pairs
are not dropped: they come back as :attr:`Rotation.discourage`, pairs the search avoids
where the travel rules allow (a penalty, not a rule). The service
(``service/services/rounds.py``) and ``benchmarks/rounds.py`` both call
:func:`rotation_keep_apart`, then hand its pairs to :func:`matcher.cohorts.form_groups` as
``keep_apart`` and ``discourage``.

Examples
--------
>>> autumn = groupmate_pairs([["a", "b", "c"], ["d", "e"]])
>>> sorted(autumn)
[('a', 'b'), ('a', 'c'), ('b', 'c'), ('d', 'e')]
>>> rot = rotation_keep_apart([("Autumn", autumn)], ["a", "b", "c", "d"], keep_together=[["a", "b"]])
>>> rot.rounds, rot.keep_apart, rot.discourage
(('Autumn',), (('a', 'c'), ('b', 'c')), ())
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from ..errors import ParameterError

__all__ = ["Rotation", "sorted_pair", "groupmate_pairs", "rotation_keep_apart"]


def sorted_pair(a: str, b: str) -> tuple[str, str]:
    """A pair of teacher ids in the order the history stores it.

    >>> sorted_pair("t-9", "t-1")
    ('t-1', 't-9')
    """
    return (a, b) if a < b else (b, a)


def groupmate_pairs(groups: Iterable[Sequence[str]]) -> frozenset[tuple[str, str]]:
    """Every pair of teachers who share a group, each as :func:`sorted_pair`.

    >>> sorted(groupmate_pairs([["t-2", "t-1"], ["t-3"]]))
    [('t-1', 't-2')]
    """
    return frozenset(sorted_pair(a, b) for group in groups for i, a in enumerate(group) for b in group[i + 1 :] if a != b)


@dataclass(frozen=True)
class Rotation:
    """What rotation keeps apart: the rounds it looked at (most recent first), the pairs
    kept apart by a rule (sorted), and the earlier pairs with an ``exempt`` teacher, which
    the search only discourages (sorted: ``form_groups(discourage=...)``)."""

    rounds: tuple[str, ...]
    keep_apart: tuple[tuple[str, str], ...]
    discourage: tuple[tuple[str, str], ...] = ()

    @property
    def allowed_again(self) -> int:
        """How many earlier pairs no rule keeps apart (they are discouraged instead)."""
        return len(self.discourage)


def rotation_keep_apart(
    history: Sequence[tuple[str, Collection[tuple[str, str]]]],
    members: Iterable[str],
    *,
    rounds: int = 2,
    keep_together: Iterable[Collection[str]] = (),
    keep_apart: Iterable[Sequence[str]] = (),
    exempt: Collection[str] = (),
) -> Rotation:
    """The groupmate pairs of the last ``rounds`` rounds of ``history`` to keep apart.

    Parameters
    ----------
    history
        ``(round name, pairs)`` per round, the most recent first.
    members
        The teachers of the new round; a pair is kept apart only when both take part.
    rounds
        How many of the latest rounds count (0: none, no rotation).
    keep_together
        Sets kept together on purpose: a pair within one of them is not kept apart.
    keep_apart
        Pairs already kept apart (by the coordinator): not repeated.
    exempt
        Teachers whose earlier groupmates may meet them again where nothing else is possible:
        a pair with one of them is not kept apart but discouraged (:attr:`Rotation.discourage`). The service exempts
        teachers who meet in person only: within their travel limits they have few possible
        groupmates, and a local cluster of them split into groups in one round cannot be
        split again without a repeat (eight such teachers in two groups of four, say).

    Returns
    -------
    Rotation

    Raises
    ------
    ParameterError
        A negative ``rounds``.

    Examples
    --------
    >>> history = [("Spring", {("a", "c")}), ("Autumn", {("a", "b")}), ("Summer 2025", {("b", "c")})]
    >>> rotation_keep_apart(history, "abc", rounds=2).keep_apart
    (('a', 'b'), ('a', 'c'))
    >>> rotation_keep_apart(history, "abc", rounds=2, keep_apart=[("c", "a")]).keep_apart
    (('a', 'b'),)
    >>> rotation_keep_apart(history, "abc", rounds=2, exempt={"b"})
    Rotation(rounds=('Spring', 'Autumn'), keep_apart=(('a', 'c'),), discourage=(('a', 'b'),))
    """
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 0:
        raise ParameterError("rounds", rounds, "must be a whole number >= 0")
    recent = list(history)[:rounds]
    taking_part = set(members)
    together = [set(k) for k in keep_together]
    given = {sorted_pair(a, b) for a, b in keep_apart}
    pairs = {sorted_pair(a, b) for _, round_pairs in recent for a, b in round_pairs}
    apart = [p for p in pairs if p[0] in taking_part and p[1] in taking_part and p not in given and not any(set(p) <= k for k in together)]
    avoid = sorted(p for p in apart if p[0] not in exempt and p[1] not in exempt)
    soft = sorted(p for p in apart if p[0] in exempt or p[1] in exempt)
    return Rotation(rounds=tuple(name for name, _ in recent), keep_apart=tuple(avoid), discourage=tuple(soft))
