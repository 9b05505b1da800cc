"""The weights of a practice recommendation and the diversified selection (maximal marginal relevance).

:func:`select_diverse` picks examples greedily: each pick lowers the value of the themes it
covers and of examples whose themes overlap it (:func:`theme_similarity`);
:func:`theme_demand` turns the themes a teacher or a group lists into the weights it covers;
:class:`PracticeWeights` weighs the score terms. :mod:`.recommend` puts them to work.

>>> theme_demand(["singing", "singing", "send"], power=2.0)
{'singing': 0.8, 'send': 0.2}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..errors import ParameterError
from .catalogue import Catalogue, PracticeExample

__all__ = ["PracticeWeights", "theme_similarity", "select_diverse", "theme_demand"]


@dataclass(frozen=True)
class PracticeWeights:
    """Weights of the score terms and of diversification (all documented, all validated).

    Parameters
    ----------
    challenges, interests
        Weight of the share of the teacher's challenges (interests) an example addresses.
    key_stages
        Weight of "written for a key stage the teacher teaches" (0 or 1).
    context
        Weight of the fit to the teacher's school context: 0.5 for an example that suits
        any school or none of whose contexts the teacher shares, rising to 1 when the
        teacher shares all of them.
    text
        Weight of TF-IDF similarity between the teacher's ``about`` and the example text.
    peer_author
        Bonus for an example written by a suggested peer (or, for a group, by a member),
        given only when the example touches a challenge or interest: a peer's name does
        not make an unrelated example relevant.
    group_strengths
        Group only: share of the challenges that one member has and another lists as a
        strength (so the group can lead the work itself) that the example addresses.
    diversity
        Maximal marginal relevance trade-off in ``[0, 1)``: 0 ranks by relevance alone.
    covered_decay
        Weight a challenge or interest keeps once an earlier pick covers it, in ``[0, 1]``;
        1 switches coverage-aware ranking off.
    challenges_first
        While one of the teacher's (or group's) challenges has no example in the list yet,
        pick only among examples that address an uncovered challenge; the other terms
        decide which. ``False`` leaves it to the weighted score alone.
    """

    challenges: float = 0.5
    interests: float = 0.2
    key_stages: float = 0.1
    context: float = 0.1
    text: float = 0.15
    peer_author: float = 0.15
    group_strengths: float = 0.1
    diversity: float = 0.15
    covered_decay: float = 0.5
    challenges_first: bool = True

    def __post_init__(self) -> None:
        for name in ("challenges", "interests", "key_stages", "context", "text", "peer_author", "group_strengths"):
            value = getattr(self, name)
            if not np.isfinite(value) or value < 0:
                raise ParameterError(f"PracticeWeights.{name}", value, "must be a finite number >= 0")
        if not isinstance(self.challenges_first, bool):
            raise ParameterError("PracticeWeights.challenges_first", self.challenges_first, "must be True or False")
        if not 0 <= self.diversity < 1:
            raise ParameterError("PracticeWeights.diversity", self.diversity, "must be in [0, 1)")
        if not 0 <= self.covered_decay <= 1:
            raise ParameterError("PracticeWeights.covered_decay", self.covered_decay, "must be in [0, 1]")


@lru_cache(maxsize=8)
def theme_similarity(catalogue: Catalogue) -> np.ndarray:
    """Pairwise Jaccard similarity of the examples' theme sets (read-only)."""
    sets = [frozenset(e.themes) for e in catalogue]
    n = len(sets)
    sim = np.zeros((n, n))
    for i in range(n):
        for j in range(i, n):
            sim[i, j] = sim[j, i] = len(sets[i] & sets[j]) / len(sets[i] | sets[j])
    sim.setflags(write=False)
    return sim


def select_diverse(
    examples: Sequence[PracticeExample],
    theme_sim: np.ndarray,
    fixed: np.ndarray,
    demands: Mapping[str, Mapping[str, float]],
    weights: PracticeWeights,
    k: int,
    seed: int,
    last: np.ndarray | None = None,
) -> list[tuple[int, dict[str, float]]]:
    """Greedy diversified selection.

    ``fixed`` holds each example's score from terms that do not change as picks are made;
    ``demands`` maps a weight name (``"challenges"``, ``"interests"``...) to ``{theme: weight}``
    (weights sum to 1); a theme's weight decays once a pick covers it. With
    ``weights.challenges_first``, while some challenge is uncovered and an example addresses
    it, only such examples compete. Examples flagged in ``last`` (written for a setting the
    teacher is not in) compete only once every other example is chosen. Returns
    ``(index, undecayed coverage terms)`` in pick order.
    """
    n = len(examples)
    tie_break = np.random.default_rng(seed).random(n)
    remaining = {name: dict(d) for name, d in demands.items()}
    uncovered = set(demands.get("challenges", {}))

    def coverage(i: int, table: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
        return {name: sum(d.get(t, 0.0) for t in examples[i].themes) for name, d in table.items()}

    chosen: list[int] = []
    out: list[tuple[int, dict[str, float]]] = []
    for _ in range(min(k, n)):
        best, best_value = -1, (-np.inf, -np.inf)
        open_ = [i for i in range(n) if i not in chosen]
        if last is not None:
            open_ = [i for i in open_ if not last[i]] or open_
        if weights.challenges_first:
            urgent = [i for i in open_ if uncovered.intersection(examples[i].themes)]
            open_ = urgent or open_
        for i in open_:
            cov = coverage(i, remaining)
            relevance = fixed[i] + sum(getattr(weights, name) * value for name, value in cov.items())
            redundancy = max((theme_sim[i, j] for j in chosen), default=0.0)
            value = ((1 - weights.diversity) * relevance - weights.diversity * redundancy, tie_break[i])
            if value > best_value:
                best, best_value = i, value
        chosen.append(best)
        uncovered.difference_update(examples[best].themes)
        out.append((best, coverage(best, demands)))
        for d in remaining.values():
            for t in examples[best].themes:
                if t in d:
                    d[t] *= weights.covered_decay
    return out


def theme_demand(themes: Iterable[str], power: float = 1.0) -> dict[str, float]:
    """``{theme: share}`` over the themes listed, a theme listed *n* times weighing ``n ** power``."""
    counts: dict[str, float] = {}
    for t in themes:
        counts[t] = counts.get(t, 0.0) + 1.0
    counts = {t: c**power for t, c in counts.items()}
    total = sum(counts.values())
    return {t: c / total for t, c in counts.items()} if total else {}
