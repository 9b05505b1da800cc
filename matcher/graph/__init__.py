"""The peer graph: candidate pairs, a sparse k-nearest-peer graph and networkx views of it.

Public names load lazily (PEP 562, :func:`matcher._lazy.attach`): importing one module of
the package does not import the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        ".candidates": ("candidate_pairs", "meeting_range", "CANDIDATE_SOURCES", "DEFAULT_SOURCES", "GEO_MULT",),
        ".network": ("PeerGraph", "peer_graph",),
        ".views": ("GraphSummary", "to_networkx", "components", "isolated_teachers", "communities", "centrality", "summarize",),
    },
)

if TYPE_CHECKING:  # what IDEs and type checkers see; never executed
    from .candidates import (
        CANDIDATE_SOURCES,
        DEFAULT_SOURCES,
        GEO_MULT,
        candidate_pairs,
        meeting_range,
    )
    from .network import PeerGraph, peer_graph
    from .views import GraphSummary, centrality, communities, components, isolated_teachers, summarize, to_networkx
