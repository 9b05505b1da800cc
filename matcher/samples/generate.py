"""Synthetic teacher profiles at real schools, for demos, tests and benchmarks.

The people are invented; their schools are real (from :func:`matcher.places.schools.load_schools`).
Distributions follow what the peer-learning programme reported about KS3 music
teachers: many departments of one, a skew towards early-career teachers, and
challenges and strengths that depend on context (high-FSM schools cite instrument
access and budgets, departments of one cite workload and isolation, experienced
teachers bring curriculum design and ensembles). Every choice is drawn from one
``numpy.random.Generator`` seeded by ``seed``, so the same seed gives the same file.

Examples
--------
>>> teachers = generate_teachers(5, seed=1)
>>> [t.id for t in teachers]
['t-001', 't-002', 't-003', 't-004', 't-005']
>>> teachers == generate_teachers(5, seed=1)
True
>>> all(not set(t.challenges) & set(t.strengths) for t in teachers)
True
"""

from __future__ import annotations

import csv
import math
import os
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import Issue, ParameterError, ValidationError
from ..profiles.teacher import AVAILABILITY_SLOTS, MAX_DEPARTMENT_SIZE, TeacherProfile
from .names import NAME_GROUPS
from .text import write_about
from ..places.schools import EAL_HIGH, FSM_HIGH, FSM_LOW, School, default_schools_path, load_schools
from ..profiles.themes import THEME_IDS
# The context model of the themes has its own module; its boosts are importable from here too.
from .theme_model import (
    CHALLENGE_BASE,
    CHALLENGE_BOOSTS,
    INTEREST_BASE,
    STRENGTH_BASE,
    STRENGTH_BOOSTS,
    base_logits,
    boost_matrix,
    context_logits,
    top_k,
)

__all__ = [
    "generate_teachers",
    "school_age_high",
    "CHALLENGE_BOOSTS",
    "STRENGTH_BOOSTS",
]

SEN_HIGH = 20.0
MIN_PUPILS = 150  # smaller settings (tiny independents, alternative provision) rarely have a music teacher
SIXTH_FORM_SHARE = 0.8  # of London state-funded secondary schools, 416 of 501 go to age 18 or 19
INDEPENDENT_WEIGHT = 0.45  # relative chance that a teacher in the programme works at an independent school
CENTRE = (51.5074, -0.1278)  # Charing Cross, to tell inner from outer London
COUNT_CHOICES, COUNT_P = np.array([2, 3, 4, 5]), np.array([0.30, 0.35, 0.22, 0.13])

_SLOT_WEIGHT = {"am": 0.5, "pm": 1.5, "after_school": 6.0}
_ROLE_ONE = (("head_of_music", 0.72), ("music_teacher", 0.10), ("early_career_teacher", 0.08), ("non_specialist", 0.10))
_ROLE_TEAM = (("music_teacher", 0.50), ("head_of_music", 0.30), ("early_career_teacher", 0.14),
              ("non_specialist", 0.02), ("trust_lead", 0.04))
_DAYS = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday"}


@lru_cache(maxsize=4)
def _age_high_table(path: Path) -> Mapping[int, int]:
    table = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("urn", "").isdigit() and row.get("age_high", "").strip().isdigit():
                table[int(row["urn"])] = int(row["age_high"])
    return table


def school_age_high(path: str | os.PathLike[str] | None = None) -> Mapping[int, int]:
    """``{urn: highest age}`` from a schools table (the oldest pupils a school teaches).

    ``School`` records do not carry the age range, so this reads the ``age_high`` column
    of the same CSV; a school with ``age_high`` of 18 or more has a sixth form.

    >>> school_age_high()[100049] >= 16
    True
    """
    return _age_high_table(Path(path) if path is not None else default_schools_path())

def _draw_roles(rng: np.random.Generator, dept_one: np.ndarray) -> np.ndarray:
    roles = np.empty(len(dept_one), dtype=object)
    u = rng.random(len(dept_one))
    for mask, table in ((dept_one, _ROLE_ONE), (~dept_one, _ROLE_TEAM)):
        names = [r for r, _ in table]
        cum = np.cumsum([p for _, p in table])
        roles[mask] = np.array(names, dtype=object)[np.minimum(np.searchsorted(cum, u[mask] * cum[-1], side="right"), len(names) - 1)]
    return roles


def _department_sizes(rng: np.random.Generator, pool: list[School]) -> np.ndarray:
    """One music department size per school, larger in larger schools."""
    pupils = np.array([s.pupils if s.pupils is not None else 900 for s in pool], dtype=float)
    independent = np.array([s.sector == "independent" for s in pool])
    p_one = np.select([pupils < 600, pupils < 1000, pupils < 1400], [0.80, 0.60, 0.45], 0.28)
    p_one = np.where(independent, p_one * 0.6, p_one)
    p_more = np.select([pupils < 1000, pupils < 1400], [0.55, 0.45], 0.35)
    extra = np.minimum(rng.geometric(p_more) - 1, 4)
    return np.where(rng.random(len(pool)) < p_one, 1, 2 + extra)


def _assign_schools(rng: np.random.Generator, pool: list[School], n: int, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """School index (into ``pool``) and department size for each of ``n`` teachers.

    The flag says whether teachers who share a school are colleagues in one department.
    """
    weights = np.array([INDEPENDENT_WEIGHT if s.sector == "independent" else 1.0 for s in pool])
    p = weights / weights.sum()
    sizes = sizes.copy()
    if n <= 0.9 * len(pool):
        # A programme mostly has one teacher per school, plus a few colleagues from one department.
        n_col = int(round(0.04 * n))
        first = rng.choice(len(pool), n - n_col, replace=False, p=p)
        teams = first[sizes[first] >= 2]
        second = rng.choice(teams, min(n_col, len(teams)), replace=False) if len(teams) else np.array([], dtype=int)
        rest = rng.choice(first, n - len(first) - len(second)) if n > len(first) + len(second) else np.array([], dtype=int)
        idx = np.concatenate([first, second, rest]).astype(int)
        counts = np.bincount(idx, minlength=len(pool))
        sizes = np.maximum(sizes, counts)  # colleagues are part of their department
    else:
        # More teachers than schools (scale tests): schools repeat, and the teachers who share
        # one are not all counted in its department, or every department would be huge.
        idx = rng.choice(len(pool), n, p=p)
        return idx, np.minimum(sizes[idx], MAX_DEPARTMENT_SIZE), False
    return idx, np.minimum(sizes[idx], MAX_DEPARTMENT_SIZE), True


@lru_cache(maxsize=1024)
def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in ascii_text.lower() if c.isalnum())


def _names(rng: np.random.Generator, n: int) -> tuple[list[str], list[str]]:
    group_p = np.array([w for _, _, w in NAME_GROUPS])
    group = rng.choice(len(NAME_GROUPS), n, p=group_p / group_p.sum())
    other = rng.choice(len(NAME_GROUPS), n, p=group_p / group_p.sum())
    mixed = rng.random(n) < 0.15  # first and family names from different backgrounds
    u = rng.random((n, 3))
    names: list[str] = []
    emails: list[str] = []
    used: dict[str, int] = {}
    for i in range(n):
        firsts = NAME_GROUPS[other[i] if mixed[i] else group[i]][0]
        lasts = NAME_GROUPS[group[i]][1]
        first, last = firsts[int(u[i, 0] * len(firsts))], lasts[int(u[i, 1] * len(lasts))]
        names.append(f"{first} {last}")
        f, s = _slug(first), _slug(last)
        local = f"{f}.{s}" if u[i, 2] < 0.6 else (f"{f[0]}.{s}" if u[i, 2] < 0.85 else f"{f}{s}")
        used[local] = used.get(local, 0) + 1
        emails.append(f"{local}{used[local] if used[local] > 1 else ''}@example.org")
    return names, emails


def _previous_groups(rng: np.random.Generator, order_key: list[tuple[object, ...]], share: float = 0.2) -> list[tuple[int, ...]]:
    """Earlier peer groups of 3-5 among ``share`` of the teachers, formed locally."""
    n = len(order_key)
    m = int(round(share * n))
    if m < 3:
        return []
    members = sorted(rng.choice(n, m, replace=False).tolist(), key=lambda i: order_key[i])
    sizes, left = [], m
    while left >= 8:
        sizes.append(int(rng.integers(3, 6)))
        left -= sizes[-1]
    sizes += {3: [3], 4: [4], 5: [5], 6: [3, 3], 7: [3, 4]}[left]
    groups, start = [], 0
    for size in sizes:
        groups.append(tuple(members[start:start + size]))
        start += size
    return groups


def _school_kind(s: School) -> str:
    if s.gender == "Girls":
        return "girls' school"
    if s.gender == "Boys":
        return "boys' school"
    if s.religious_character == "Roman Catholic":
        return "Catholic secondary"
    if s.religious_character == "Church of England":
        return "Church of England school"
    kind = s.type.lower()
    if "academ" in kind:
        return "academy"
    if "free" in kind:
        return "free school"
    if "independent" in kind:
        return "independent school"
    if "technical" in kind:
        return "UTC"
    if "studio" in kind:
        return "studio school"
    return "comprehensive"


def generate_teachers(n: int = 300, *, seed: int = 2026, schools: Mapping[int, School] | None = None,
                      age_high: Mapping[int, int] | None = None) -> tuple[TeacherProfile, ...]:
    """Generate ``n`` synthetic KS3 music teachers at real schools.

    Parameters
    ----------
    n : int
        Number of teachers; ids run ``t-001`` ... (wider when ``n`` > 999).
    seed : int
        Seed of the ``numpy.random.Generator`` behind every choice.
    schools : mapping of URN to School, optional
        The schools table (default: :func:`~matcher.places.schools.load_schools`). Schools with
        fewer than 150 pupils are skipped.
    age_high : mapping of URN to int, optional
        Highest pupil age per school, which decides who can teach KS5 (default: read from
        the default schools CSV). A school missing from it has a sixth form with probability
        0.8, about the share among London's state-funded secondary schools.

    Returns
    -------
    tuple of TeacherProfile

    Raises
    ------
    ValueError
        If ``n`` is negative or no school is large enough.

    Examples
    --------
    >>> t = generate_teachers(3, seed=7)[0]
    >>> t.email.endswith("@example.org"), "KS3" in t.key_stages, 2 <= len(t.challenges) <= 5
    (True, True, True)
    """
    if n < 0:
        raise ParameterError("n", n, "must be zero or more")
    rng = np.random.default_rng(seed)
    schools = load_schools() if schools is None else schools
    ages = school_age_high() if age_high is None else age_high
    pool = [schools[u] for u in sorted(schools) if (schools[u].pupils or MIN_PUPILS) >= MIN_PUPILS]
    if not pool:
        raise ValidationError(
            [Issue(None, "schools", f"{len(schools)} schools", f"needs a school with at least {MIN_PUPILS} pupils")],
            summary=f"no school with at least {MIN_PUPILS} pupils in the schools table",
        )
    if n == 0:
        return ()

    idx, dept, colleagues = _assign_schools(rng, pool, n, _department_sizes(rng, pool))
    perm = rng.permutation(n)  # so that colleagues from one school do not sit next to each other
    idx, dept = idx[perm], dept[perm]
    sch = [pool[i] for i in idx]
    dept_one = dept == 1

    roles = _draw_roles(rng, dept_one)
    heads_seen: set[int] = set()
    for i in range(n if colleagues else 0):  # one head of music per department
        if roles[i] == "head_of_music":
            if sch[i].urn in heads_seen:
                roles[i] = "music_teacher"
            heads_seen.add(sch[i].urn)
    years = np.rint(1 + rng.gamma(1.5, 6.0, n)).astype(int)
    years = np.where(roles == "head_of_music", np.maximum(years, 3), years)
    years = np.where(roles == "trust_lead", np.maximum(years, 10), years)
    years = np.where(roles == "early_career_teacher", rng.choice([1, 2], n, p=[0.55, 0.45]), years)
    years = np.minimum(years, 40)

    fsm = np.array([s.fsm_percent if s.fsm_percent is not None else np.nan for s in sch])
    eal = np.array([s.eal_percent if s.eal_percent is not None else np.nan for s in sch])
    sen = np.array([s.sen_percent if s.sen_percent is not None else np.nan for s in sch])
    pupils = np.array([s.pupils if s.pupils is not None else 900 for s in sch], dtype=float)
    independent = np.array([s.sector == "independent" for s in sch])
    all_through = np.array([s.phase == "All-through" for s in sch])
    # Schools without a known age range: a side generator, so the main stream (and the
    # committed sample) does not depend on how many ages are missing.
    guess = np.random.default_rng([seed, 1]).random(n) < SIXTH_FORM_SHARE
    sixth_form = np.array([ages[s.urn] >= 18 if s.urn in ages else bool(g) for s, g in zip(sch, guess)])

    u = rng.random((n, 3))
    ks4 = u[:, 0] < np.select([roles == "non_specialist", roles == "early_career_teacher"], [0.35, 0.8], 0.92)
    ks5 = sixth_form & ks4 & (u[:, 1] < np.select([roles == "non_specialist", roles == "early_career_teacher"], [0.0, 0.15], 0.6))
    ks2 = all_through & (u[:, 2] < 0.25)
    early = (roles == "early_career_teacher") | (years <= 3)

    X = np.column_stack([
        np.nan_to_num(fsm, nan=0) >= FSM_HIGH, independent | (np.nan_to_num(fsm, nan=100) < FSM_LOW),
        np.nan_to_num(eal, nan=0) >= EAL_HIGH, np.nan_to_num(sen, nan=0) >= SEN_HIGH, dept_one, dept >= 4,
        early, years >= 15, roles == "non_specialist", roles == "head_of_music", independent, all_through, ks5,
        pupils >= 1400, pupils < 700, np.array([s.gender == "Boys" for s in sch]),
        np.array([s.gender == "Girls" for s in sch]),
        np.array([s.religious_character not in ("No religious character", "", "Does not apply") for s in sch]),
    ]).astype(float)

    c_logits = context_logits(base_logits(CHALLENGE_BASE), boost_matrix(CHALLENGE_BOOSTS), X)
    challenges = top_k(rng, c_logits, rng.choice(COUNT_CHOICES, n, p=COUNT_P))
    chal_mask = np.zeros_like(c_logits, dtype=bool)
    rows = np.repeat(np.arange(n), challenges.shape[1])
    chal_mask[rows[challenges.ravel() >= 0], challenges.ravel()[challenges.ravel() >= 0]] = True

    s_logits = context_logits(base_logits(STRENGTH_BASE), boost_matrix(STRENGTH_BOOSTS), X)
    s_logits[chal_mask] = -np.inf  # a theme is never both a challenge and a strength for one person
    strengths = top_k(rng, s_logits, rng.choice(COUNT_CHOICES, n, p=COUNT_P))

    i_logits = base_logits(INTEREST_BASE) + chal_mask * math.log(4.0)  # people want to learn about what they find hard
    interests = top_k(rng, i_logits, rng.choice(COUNT_CHOICES, n, p=COUNT_P))

    slot_logits = np.log([_SLOT_WEIGHT.get(s.split("_", 1)[-1], 0.7) for s in AVAILABILITY_SLOTS])
    slots = top_k(rng, np.tile(slot_logits, (n, 1)), rng.choice(COUNT_CHOICES, n, p=COUNT_P))
    slots.sort(axis=1)  # in calendar order; -1 (unused) sorts first and is dropped below

    modes = rng.choice(np.array(["in_person", "online", "either"], dtype=object), n, p=[0.30, 0.25, 0.45])
    lat = np.array([s.lat for s in sch])
    lon = np.array([s.lon for s in sch])
    from_centre = 111.0 * np.hypot(lat - CENTRE[0], (lon - CENTRE[1]) * math.cos(math.radians(CENTRE[0])))
    travel = np.exp(rng.normal(math.log(8.0), 0.4, n)) * np.where(from_centre > 12, 1.25, 1.0)
    travel = np.clip(np.rint(travel), 3, 20)
    pref_u = rng.random(n)
    prefs = np.where(pref_u < np.where(dept_one, 0.40, 0.25), "similar",
                     np.where(pref_u < np.where(dept_one, 0.60, 0.55), "different", "mixed"))
    consent = rng.random(n) < 0.85
    names, emails = _names(rng, n)
    text_u = rng.random((n, 14)).tolist()

    width = max(3, len(str(n)))
    ids = [f"t-{i + 1:0{width}d}" for i in range(n)]
    mates: list[set[str]] = [set() for _ in range(n)]
    for group in _previous_groups(rng, [(s.local_authority, s.lon) for s in sch]):
        for a in group:
            mates[a].update(ids[b] for b in group if b != a)

    # Plain Python lists from here on: indexing numpy arrays one element at a time is slow.
    def labels(codes: np.ndarray, names: tuple[str, ...]) -> list[tuple[str, ...]]:
        return [tuple(names[j] for j in row if j >= 0) for row in codes.tolist()]

    chal_l, stre_l, int_l = labels(challenges, THEME_IDS), labels(strengths, THEME_IDS), labels(interests, THEME_IDS)
    avail_l = labels(slots, AVAILABILITY_SLOTS)
    pupils_text = [f"{max(p, 100):,}" for p in (np.rint(pupils / 100).astype(int) * 100).tolist()]
    dept_l, years_l, travel_l = dept.tolist(), years.tolist(), travel.tolist()
    ks2_l, ks4_l, ks5_l, consent_l = ks2.tolist(), ks4.tolist(), ks5.tolist(), consent.tolist()
    roles_l, modes_l, prefs_l = [str(r) for r in roles], [str(m) for m in modes], [str(p) for p in prefs]
    kinds: dict[int, str] = {}
    profiles = []
    for i, s in enumerate(sch):
        stages = ("KS2",) * ks2_l[i] + ("KS3",) + ("KS4",) * ks4_l[i] + ("KS5",) * ks5_l[i]
        after = [a for a in avail_l[i] if a.endswith("after_school")]
        if s.urn not in kinds:
            kinds[s.urn] = _school_kind(s)
        context = {
            "pupils": pupils_text[i], "borough": s.local_authority, "dept": dept_l[i], "years": years_l[i],
            "role": roles_l[i], "ks5": ks5_l[i], "school_kind": kinds[s.urn], "mode": modes_l[i],
            "km": int(travel_l[i]), "pref": prefs_l[i], "slot": _DAYS[after[0][:3]] if after else "Wednesday",
        }
        profiles.append(TeacherProfile(
            id=ids[i], name=names[i], email=emails[i], school_urn=s.urn, department_size=dept_l[i],
            role=roles_l[i], years_teaching=years_l[i], key_stages=stages, interests=int_l[i],
            challenges=chal_l[i], strengths=stre_l[i], about=write_about(context, chal_l[i], stre_l[i], text_u[i]),
            meeting_mode=modes_l[i], availability=avail_l[i], max_travel_km=float(travel_l[i]),
            context_preference=prefs_l[i], consent_share_contact=consent_l[i],
            previous_groupmates=tuple(sorted(mates[i])),
        ))
    return tuple(profiles)
