"""Suggested peers for one teacher, each with additive terms and the reasons written from them.

Public names load lazily (PEP 562, :func:`matcher._lazy.attach`): importing one module of
the package does not import the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        ".reasons": ("PairFacts", "write_reasons",),
        ".suggest": ("PeerSuggestion", "PeerIndex", "suggest_peers", "KINDS",),
    },
)

if TYPE_CHECKING:  # what IDEs and type checkers see; never executed
    from .reasons import PairFacts, write_reasons
    from .suggest import KINDS, PeerIndex, PeerSuggestion, suggest_peers
