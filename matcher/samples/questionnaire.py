"""A simulated programme's before/after questionnaire answers (SIMULATED, for demos and notebooks).

Nothing here is evidence about real teachers: the effects are invented, stated in
:data:`DEFAULT_EFFECTS`, so a notebook can show that the analysis
(:mod:`matcher.programme.outcomes`) finds what was put in, with honest intervals, and what
non-response does.

The model, per round and member:

- a latent *score* (higher is better, 1-5 scale) per question before the round: own
  challenges around 2.6, "not isolated" around 2.2 for a department of one and 3.2
  otherwise, "connection" around 2.8;
- after the round, the latent score moves by the effect for the measure, plus the extra
  effect for each context the teacher is in, plus individual variation (sd 0.5);
- each answer is the latent score plus answer noise (sd 0.6), rounded and kept to 1-5;
  isolation is asked as agreement with "I feel professionally isolated", so its rating is
  ``6 - score``;
- a member answers before with probability ``before_rate`` and after with probability
  ``after_rate`` (independently of everything else), and takes part in a round with
  probability ``participation``.

Examples
--------
>>> from matcher.profiles.teacher import TeacherProfile
>>> team = [TeacherProfile(id=f"t{i}", name=f"T {i}", school_urn=100000 + i, department_size=1 + i % 2,
...                        years_teaching=1 + i, challenges=("singing",)) for i in range(6)]
>>> sim = simulate_questionnaire(team, rounds=2, seed=1, fsm={100000 + i: 40.0 for i in range(6)})
>>> sorted(sim.answers["phase"].unique()), bool(sim.contexts["high_fsm"].all()), sim.simulated
(['after', 'before'], True, True)
>>> simulate_questionnaire(team, rounds=2, seed=1, fsm={}).answers.equals(simulate_questionnaire(team, rounds=2, seed=1, fsm={}).answers)
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..places.schools import load_schools
from ..profiles.teacher import TeacherProfile
from ..programme.outcomes import answers_frame, contexts_frame
from ..programme.questionnaire import SCALE, oriented, questions_for

__all__ = ["DEFAULT_EFFECTS", "SimulatedProgramme", "simulate_questionnaire"]

#: Invented true mean changes in points (higher is better): per measure for everyone
#: (key ``"all"``), and the extra for teachers in a context.
DEFAULT_EFFECTS: Mapping[str, Mapping[str, float]] = {
    "all": {"challenges": 0.35, "isolation": 0.30, "connection": 0.40},
    "department_of_one": {"challenges": 0.0, "isolation": 0.40, "connection": 0.20},
    "high_fsm": {"challenges": -0.10, "isolation": 0.0, "connection": 0.0},
    "early_career": {"challenges": 0.30, "isolation": 0.0, "connection": 0.0},
}
_BASE = {"challenges": 2.6, "connection": 2.8}


@dataclass(frozen=True)
class SimulatedProgramme:
    """SIMULATED questionnaire answers, each teacher's contexts, and who was in each round.

    ``answers``, ``contexts`` and ``members`` are the inputs of
    :func:`matcher.programme.outcomes.outcome_report`; ``effects`` the true effects used.
    """

    answers: pd.DataFrame
    contexts: pd.DataFrame
    members: pd.DataFrame
    effects: Mapping[str, Mapping[str, float]]
    seed: int
    simulated: bool = field(default=True)


def simulate_questionnaire(
    profiles: Sequence[TeacherProfile],
    *,
    rounds: int = 3,
    seed: int = 2026,
    effects: Mapping[str, Mapping[str, float]] | None = None,
    participation: float = 0.9,
    before_rate: float = 0.8,
    after_rate: float = 0.6,
    fsm: Mapping[int, float | None] | None = None,
) -> SimulatedProgramme:
    """Simulate ``rounds`` rounds of before/after answers for ``profiles`` (see the module).

    Parameters
    ----------
    profiles
        The teachers (their challenges are the questions; their department size, years and
        school give their contexts).
    rounds
        Rounds named ``"Round 1"``, ``"Round 2"`` ...
    seed
        Seed of the ``numpy.random.Generator`` behind every draw.
    effects
        True mean changes (default :data:`DEFAULT_EFFECTS`); a missing entry is 0.
    participation, before_rate, after_rate
        Probabilities of being in a round, answering before, answering after.
    fsm
        School FSM % by URN (default: the schools table's ``fsm_percent``).

    Raises
    ------
    ParameterError
        ``rounds`` below 1 or a probability outside [0, 1].
    """
    if rounds < 1:
        raise ParameterError("rounds", rounds, "must be a whole number >= 1")
    for name, value in (("participation", participation), ("before_rate", before_rate), ("after_rate", after_rate)):
        if not 0.0 <= value <= 1.0:
            raise ParameterError(name, value, "must be a probability between 0 and 1")
    effects = DEFAULT_EFFECTS if effects is None else effects
    rng = np.random.default_rng(seed)
    if fsm is None:
        fsm = {urn: s.fsm_percent for urn, s in load_schools().items()}
    contexts = contexts_frame((p.id, p.department_size, p.years_teaching, fsm.get(p.school_urn)) for p in profiles)
    low, high = SCALE
    responses: list[tuple[str, str, str, dict[str, Any]]] = []
    members: list[tuple[str, str]] = []
    for r in range(1, rounds + 1):
        name = f"Round {r}"
        for p in profiles:
            if rng.random() >= participation:
                continue
            members.append((p.id, name))
            flags = contexts.loc[p.id]
            keys = [q.key for q in questions_for(p.challenges)]
            before: dict[str, float] = {}
            after: dict[str, float] = {}
            for key in keys:
                measure = key if key in ("isolation", "connection") else "challenges"
                base = (2.2 if flags["department_of_one"] else 3.2) if measure == "isolation" else _BASE[measure]
                latent = base + rng.normal(0, 0.7)
                gain = effects.get("all", {}).get(measure, 0.0) + sum(effects.get(c, {}).get(measure, 0.0) for c in ("department_of_one", "high_fsm", "early_career") if flags[c])
                before[key] = latent
                after[key] = latent + gain + rng.normal(0, 0.5)
            for phase, scores, rate in (("before", before, before_rate), ("after", after, after_rate)):
                answered = rng.random() < rate
                noisy = {k: int(np.clip(np.rint(v + rng.normal(0, 0.6)), low, high)) for k, v in scores.items()}
                if answered:
                    responses.append((p.id, name, phase, {k: int(oriented(k, v)) for k, v in noisy.items()}))
    return SimulatedProgramme(
        answers=answers_frame(responses),
        contexts=contexts,
        members=pd.DataFrame(members, columns=["teacher_id", "round"]),
        effects=effects,
        seed=seed,
    )
