"""Synthetic teacher profiles at real schools, for demos, tests and benchmarks.

Public names load lazily (PEP 562, :func:`matcher._lazy.attach`): importing one module of
the package does not import the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        ".names": ("NAME_GROUPS",),
        ".text": ("CHALLENGE_SENTENCES", "STRENGTH_SENTENCES", "write_about",),
        ".generate": ("generate_teachers", "school_age_high",),
        ".theme_model": ("CHALLENGE_BOOSTS", "STRENGTH_BOOSTS",),
        ".questionnaire": ("DEFAULT_EFFECTS", "SimulatedProgramme", "simulate_questionnaire",),
        ".check_ins": ("simulate_check_ins", "true_usefulness",),
    },
)

if TYPE_CHECKING:  # what IDEs and type checkers see; never executed
    from .names import NAME_GROUPS
    from .text import CHALLENGE_SENTENCES, STRENGTH_SENTENCES, write_about
    from .generate import generate_teachers, school_age_high
    from .theme_model import CHALLENGE_BOOSTS, STRENGTH_BOOSTS
    from .questionnaire import DEFAULT_EFFECTS, SimulatedProgramme, simulate_questionnaire
    from .check_ins import simulate_check_ins, true_usefulness
