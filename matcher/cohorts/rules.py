"""Why two teachers may not share a group, in words and in counts: one home for the pair rules.

A cohort's hard rules on pairs come from the profiles and the run's options: meeting modes
(online only against in person only), travel limits (an in-person-only teacher beyond
someone's limit), colleagues at one school, previous groupmates and the coordinator's
keep-apart list. :class:`PairRules` names, for a pair, every rule it breaks with the concrete
reason, summarises the broken pairs of one group in a few sentences (``"Fergus meets online
only; Sanjay and Gareth in person only"``), and counts the pairs each rule keeps apart.
:class:`~.problem.GroupingProblem` uses it (``rules=``) to word its violations.

Examples
--------
>>> from matcher.profiles.teacher import Cohort, TeacherProfile
>>> cohort = Cohort.from_profiles([
...     TeacherProfile(id="f", name="Fergus", school_urn=100049, meeting_mode="online"),
...     TeacherProfile(id="s", name="Sanjay", school_urn=100050, meeting_mode="in_person"),
...     TeacherProfile(id="g", name="Gareth", school_urn=100050, meeting_mode="in_person"),
... ])
>>> rules = PairRules(cohort)
>>> rules.reasons(1, 2)
(('same_school', 'Sanjay and Gareth teach at the same school (Parliament Hill School)'),)
>>> rules.group_sentences([(0, 1), (0, 2)])
['Fergus meets online only; Sanjay and Gareth in person only']
>>> rules.counts([(0, 1), (0, 2), (1, 2)])
{'cannot_meet': 2, 'same_school': 1, 'previous': 0, 'keep_apart': 0}
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..affinity.arrays import MODE_CODES, teacher_arrays
from ..places.schools import EARTH_RADIUS_KM, haversine_km
from ..profiles.phrases import join_phrases
from ..profiles.teacher import Cohort, TeacherProfile

__all__ = ["PairRules", "RULES"]

# The pair rules, in the order they are named; a pair may break several.
RULES: dict[str, str] = {
    "cannot_meet": "cannot meet (online only with in person only, or beyond a travel limit)",
    "same_school": "colleagues at one school",
    "previous": "previous groupmates",
    "keep_apart": "on the keep-apart list",
}


@dataclass(frozen=True, eq=False)
class PairRules:
    """The pair rules of ``cohort`` under a run's options (rows in cohort order).

    Parameters
    ----------
    cohort : Cohort
        The teachers (problem member ``i`` is ``cohort.profiles[i]``).
    keep_apart : pairs of teacher ids
        The coordinator's keep-apart list.
    avoid_previous, allow_same_school : bool
        Whether previous groupmates are kept apart, and colleagues at one school may meet.
    """

    cohort: Cohort
    keep_apart: Iterable[tuple[str, str]] = ()
    avoid_previous: bool = True
    allow_same_school: bool = False
    _apart: frozenset[frozenset[str]] = field(default=frozenset(), init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_apart", frozenset(frozenset(p) for p in self.keep_apart))

    def _who(self, i: int) -> TeacherProfile:
        return self.cohort.profiles[i]

    def name(self, i: int) -> str:
        """How a member is named in a sentence: their name, or their id without one."""
        p = self._who(i)
        return p.name.strip() or p.id

    def distance_km(self, i: int, j: int) -> float:
        a, b = self.cohort.school_of(self._who(i).id), self.cohort.school_of(self._who(j).id)
        return haversine_km(a.lat, a.lon, b.lat, b.lon)

    def _cannot_meet(self, i: int, j: int) -> str | None:
        """Why ``i`` and ``j`` cannot meet at all, or ``None`` (the affinity's meeting rule)."""
        p, q = self._who(i), self._who(j)
        modes = {p.meeting_mode, q.meeting_mode}
        if "in_person" not in modes:
            return None  # both can meet online
        if "online" in modes:
            online, person = (p, q) if p.meeting_mode == "online" else (q, p)
            return f"{self.name(self.cohort.row(online.id))} meets online only; {self.name(self.cohort.row(person.id))} in person only"
        km = self.distance_km(i, j)
        limit = min(p.max_travel_km, q.max_travel_km)
        if km <= limit:
            return None
        strict = p if p.meeting_mode == "in_person" else q
        short = p if p.max_travel_km <= q.max_travel_km else q
        whose = f"{self.name(self.cohort.row(short.id))}'s travel limit of {short.max_travel_km:g} km"
        return f"{self.name(self.cohort.row(strict.id))} meets in person only and {self.name(i)} and {self.name(j)} are {km:.1f} km apart, beyond {whose}"

    def reasons(self, i: int, j: int) -> tuple[tuple[str, str], ...]:
        """Every rule that keeps ``i`` and ``j`` apart, as ``(rule, sentence)`` (empty: none)."""
        p, q = self._who(i), self._who(j)
        both = f"{self.name(i)} and {self.name(j)}"
        out: list[tuple[str, str]] = []
        far = self._cannot_meet(i, j)
        if far:
            out.append(("cannot_meet", far))
        if not self.allow_same_school and p.school_urn == q.school_urn:
            out.append(("same_school", f"{both} teach at the same school ({self.cohort.school_of(p.id).name})"))
        if self.avoid_previous and (q.id in p.previous_groupmates or p.id in q.previous_groupmates):
            out.append(("previous", f"{both} were groupmates before"))
        if frozenset((p.id, q.id)) in self._apart:
            out.append(("keep_apart", f"{both} are on the keep-apart list"))
        return tuple(out)

    def group_sentences(self, pairs: Iterable[tuple[int, int]]) -> list[str]:
        """The broken ``pairs`` of one group in a few sentences, meeting modes summarised.

        Pairs where one meets online only and the other in person only become one sentence
        naming both sides; every other reason is said once per pair.
        """
        online: list[int] = []
        person: list[int] = []
        others: list[str] = []
        for i, j in pairs:
            for rule, sentence in self.reasons(int(i), int(j)) or (("", f"{self.name(int(i))} and {self.name(int(j))} may not share a group"),):
                modes = (self._who(int(i)).meeting_mode, self._who(int(j)).meeting_mode)
                if rule == "cannot_meet" and set(modes) == {"online", "in_person"}:
                    a, b = (int(i), int(j)) if modes[0] == "online" else (int(j), int(i))
                    online += [a] if a not in online else []
                    person += [b] if b not in person else []
                elif sentence not in others:
                    others.append(sentence)
        out = []
        if online:
            verb = "meets" if len(online) == 1 else "meet"
            out.append(f"{join_phrases([self.name(i) for i in online])} {verb} online only; {join_phrases([self.name(i) for i in person])} in person only")
        return out + others

    def counts(self, pairs: Sequence[tuple[int, int]] | np.ndarray) -> dict[str, int]:
        """How many of ``pairs`` each rule keeps apart (a pair counts under each rule it breaks).

        Vectorised over the pairs with the affinity's own per-teacher arrays, so the same
        pairs count as :meth:`reasons` names them (tens of thousands of pairs take milliseconds).
        """
        p = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        i, j = p[:, 0], p[:, 1]
        a = teacher_arrays(self.cohort)
        mi, mj = a.mode[i], a.mode[j]
        needs = (mi == MODE_CODES["in_person"]) | (mj == MODE_CODES["in_person"])
        clash = needs & ((mi == MODE_CODES["online"]) | (mj == MODE_CODES["online"]))
        h = np.sin((a.lat[j] - a.lat[i]) / 2) ** 2 + np.cos(a.lat[i]) * np.cos(a.lat[j]) * np.sin((a.lon[j] - a.lon[i]) / 2) ** 2
        km = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
        far = needs & ~clash & (km > np.minimum(a.travel_km[i], a.travel_km[j]))
        n = a.n
        keys = np.minimum(i, j) * n + np.maximum(i, j)
        previous = np.zeros(len(p), dtype=bool)
        if self.avoid_previous and a.previous_keys.size:
            previous = np.isin(keys, a.previous_keys)
        index = self.cohort.index
        apart_keys = [min(index[x], index[y]) * n + max(index[x], index[y]) for x, y in (tuple(s) for s in self._apart if len(s) == 2) if x in index and y in index]
        apart = np.isin(keys, np.array(apart_keys, dtype=np.int64)) if apart_keys else np.zeros(len(p), dtype=bool)
        same = np.zeros(len(p), dtype=bool) if self.allow_same_school else a.school[i] == a.school[j]
        return {
            "cannot_meet": int((clash | far).sum()),
            "same_school": int(same.sum()),
            "previous": int(previous.sum()),
            "keep_apart": int(apart.sum()),
        }
