"""Views of a peer graph for analysis: networkx, components, communities, centrality, a summary.

Each takes a :class:`~matcher.graph.network.PeerGraph` and gives back plain values or a new
networkx graph; none changes the graph.

>>> from matcher.graph.network import peer_graph
>>> from matcher.profiles.teacher import Cohort, TeacherProfile
>>> cohort = Cohort.from_profiles([
...     TeacherProfile(id="a", name="Sam", school_urn=100049, strengths=("singing",)),
...     TeacherProfile(id="b", name="Priya", school_urn=100050, challenges=("singing",)),
...     TeacherProfile(id="c", name="Jo", school_urn=100049, challenges=("send",)),
... ])
>>> g = peer_graph(cohort)
>>> summarize(g).n_edges, components(g)
(2, [('a', 'b', 'c')])
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..affinity.terms import TERMS, score_pairs, teacher_arrays
from ..errors import ParameterError

if TYPE_CHECKING:
    from .network import PeerGraph

__all__ = ["GraphSummary", "CENTRALITY_MEASURES", "to_networkx", "components", "isolated_teachers", "communities", "centrality", "summarize"]

CENTRALITY_MEASURES = ("strength", "eigenvector", "betweenness")


@dataclass(frozen=True)
class GraphSummary:
    """Headline figures of a peer graph."""

    n_teachers: int
    n_edges: int
    mean_degree: float
    n_components: int
    largest_component: int
    n_isolated: int


def _affinity_graph(graph: PeerGraph) -> nx.Graph[str]:
    """The bare networkx graph: every teacher, edges with ``affinity`` and ``cost = 1 / affinity``."""
    ids = graph.ids
    G: nx.Graph[str] = nx.Graph()
    G.add_nodes_from(ids)
    upper = sp.triu(graph.matrix, k=1).tocoo()
    G.add_edges_from((ids[r], ids[c], {"affinity": float(w), "cost": 1.0 / float(w)}) for r, c, w in zip(upper.row, upper.col, upper.data))
    return G


def to_networkx(graph: PeerGraph) -> nx.Graph[str]:
    """A networkx view of the graph for analysis (a new object: change it freely).

    Nodes are teacher ids with attributes ``name``, ``school_urn``, ``school``,
    ``local_authority``, ``department_size``, ``department_of_one``, ``isolation`` (0..1,
    as the priority term sees it), ``lat``, ``lon``, ``meeting_mode``, ``max_travel_km``,
    ``context_preference``, ``interests``, ``challenges``, ``strengths``. Edges carry
    ``affinity`` (the total), ``cost`` (``1 / affinity``, for path-based measures),
    ``distance_km`` and one attribute per affinity term.

    >>> from matcher.graph.network import peer_graph
    >>> from matcher.profiles.teacher import Cohort, TeacherProfile
    >>> cohort = Cohort.from_profiles([
    ...     TeacherProfile(id="a", name="Sam", school_urn=100049, strengths=("singing",)),
    ...     TeacherProfile(id="b", name="Priya", school_urn=100050, challenges=("singing",)),
    ... ])
    >>> G = to_networkx(peer_graph(cohort))
    >>> G.nodes["a"]["local_authority"], sorted(G.edges["a", "b"])[:3]
    ('Camden', ['affinity', 'complementarity', 'context'])
    """
    cohort = graph.cohort
    a = teacher_arrays(cohort)
    G: nx.Graph[str] = nx.Graph()
    for row, p in enumerate(cohort.profiles):
        school = cohort.schools[p.school_urn]
        G.add_node(
            p.id,
            name=p.name,
            school_urn=p.school_urn,
            school=school.name,
            local_authority=school.local_authority,
            department_size=p.department_size,
            department_of_one=p.department_of_one,
            isolation=float(a.isolation[row]),
            lat=school.lat,
            lon=school.lon,
            meeting_mode=p.meeting_mode,
            max_travel_km=p.max_travel_km,
            context_preference=p.context_preference,
            interests=p.interests,
            challenges=p.challenges,
            strengths=p.strengths,
        )
    upper = sp.triu(graph.matrix, k=1).tocoo()
    if upper.nnz:
        s = score_pairs(a, upper.row.astype(np.int64), upper.col.astype(np.int64), graph.weights, graph.options)
        ids = cohort.ids
        for e in range(upper.nnz):
            attrs = {t: float(s.terms[t][e]) for t in TERMS}
            total = float(s.total[e])
            G.add_edge(
                ids[upper.row[e]],
                ids[upper.col[e]],
                affinity=total,
                cost=1.0 / total if total > 0 else math.inf,
                distance_km=float(s.detail["distance_km"][e]),
                **attrs,
            )
    return G


def components(graph: PeerGraph) -> list[tuple[str, ...]]:
    """Connected components as tuples of teacher ids, largest first (ids in cohort order)."""
    n_comp, labels = connected_components(graph.matrix, directed=False)
    sizes = np.bincount(labels, minlength=n_comp)
    ids = graph.ids
    by_label = np.argsort(labels, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    comps = [tuple(ids[r] for r in by_label[bounds[c] : bounds[c + 1]]) for c in range(n_comp)]
    return sorted(comps, key=lambda c: (-len(c), graph.cohort.index[c[0]]))


def isolated_teachers(graph: PeerGraph) -> tuple[str, ...]:
    """Teachers with no allowed edge in the graph: nobody they can meet was found."""
    ids = graph.ids
    return tuple(ids[r] for r in np.flatnonzero(graph.degree == 0))


def communities(graph: PeerGraph, *, resolution: float = 1.0, seed: int = 0) -> list[tuple[str, ...]]:
    """Louvain communities (networkx, weighted by affinity), largest first.

    Isolated teachers form communities of one. The same ``seed`` gives the same partition.
    """
    G = _affinity_graph(graph)
    found = nx.community.louvain_communities(G, weight="affinity", resolution=resolution, seed=seed)
    index = graph.cohort.index
    comms = [tuple(sorted(c, key=index.__getitem__)) for c in found]
    return sorted(comms, key=lambda c: (-len(c), index[c[0]]))


def centrality(
    graph: PeerGraph, *, measure: str = "strength", samples: int | None = None, seed: int = 0
) -> dict[str, float]:
    """Centrality of each teacher in the peer graph.

    ``strength`` is the sum of affinities of a teacher's edges (fast, from the sparse
    matrix); ``eigenvector`` is networkx's weighted eigenvector centrality; ``betweenness``
    uses ``cost = 1 / affinity`` as path length and, with ``samples``, the seeded
    approximation over that many source teachers (use it beyond a few thousand teachers).
    """
    if measure not in CENTRALITY_MEASURES:
        raise ParameterError("measure", measure, f"must be a centrality measure: {', '.join(CENTRALITY_MEASURES)}", summary=f"unknown centrality measure {measure!r}; choose from {', '.join(CENTRALITY_MEASURES)}")
    ids = graph.ids
    if measure == "strength":
        strength = np.asarray(graph.matrix.sum(axis=1)).ravel()
        return {t: float(v) for t, v in zip(ids, strength)}
    G = _affinity_graph(graph)
    if measure == "eigenvector":
        if G.number_of_edges() == 0:
            return {t: 0.0 for t in ids}
        values = nx.eigenvector_centrality_numpy(G, weight="affinity")
    else:
        k = None if samples is None else min(int(samples), len(ids))
        values = nx.betweenness_centrality(G, k=k, weight="cost", seed=seed)
    return {t: float(values[t]) for t in ids}


def summarize(graph: PeerGraph) -> GraphSummary:
    """Headline figures: size, mean degree, components and isolated teachers."""
    n_comp, labels = connected_components(graph.matrix, directed=False)
    degree = graph.degree
    n = len(degree)
    return GraphSummary(
        n_teachers=n,
        n_edges=graph.n_edges,
        mean_degree=float(degree.mean()) if n else 0.0,
        n_components=int(n_comp),
        largest_component=int(np.bincount(labels).max()) if n else 0,
        n_isolated=int((degree == 0).sum()),
    )
