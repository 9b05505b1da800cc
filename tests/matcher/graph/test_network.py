"""Tests for matcher/graph/network.py: the kNN affinity graph, its networkx view and the analysis helpers."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.affinity.terms import AffinityOptions, AffinityWeights, pairwise_affinity, teacher_arrays
from matcher.errors import UnknownTeacherError
from matcher.graph.network import CANDIDATE_SOURCES, peer_graph
from matcher.graph.views import centrality, communities, components, isolated_teachers, summarize, to_networkx
from matcher.graph.candidates import _theme_block
from matcher.profiles.teacher import Cohort, TeacherProfile
from matcher.samples.generate import generate_teachers
from matcher.affinity.vectorize import ProfileVectorizer

CAMDEN = (100049, 100050, 100051)
EAST = (101243, 136663, 139307, 136090)


@pytest.fixture(scope="module")
def sample() -> Cohort:
    return Cohort.from_profiles(generate_teachers(120, seed=11))


def exact_top_values(cohort: Cohort, k: int, options=None) -> list[np.ndarray]:
    aff = pairwise_affinity(cohort, options=options)
    return [np.sort(aff.scores[r][aff.allowed[r]])[::-1][:k] for r in range(len(cohort))]


def test_graph_is_symmetric_and_holds_only_allowed_pairs_at_their_affinity(sample):
    g = peer_graph(sample, k=5)
    m = g.matrix
    assert m.shape == (len(sample), len(sample))
    assert (m != m.T).nnz == 0
    assert m.diagonal().sum() == 0
    aff = pairwise_affinity(sample)
    rows, cols = m.nonzero()
    assert aff.allowed[rows, cols].all()
    np.testing.assert_allclose(np.asarray(m[rows, cols]).ravel(), aff.scores[rows, cols])


def test_with_enough_candidates_each_row_keeps_its_exact_top_k(sample):
    k = 4
    g = peer_graph(sample, k=k, candidates=CANDIDATE_SOURCES, n_candidates=len(sample))
    exact = exact_top_values(sample, k)
    for r, want in enumerate(exact):
        row = g.matrix.getrow(r).data
        got = np.sort(row)[::-1][: len(want)]
        np.testing.assert_allclose(got, want)
        assert len(row) >= len(want)  # symmetrising only adds edges


def test_default_candidates_find_nearly_the_exact_neighbours(sample):
    k = 5
    g = peer_graph(sample, k=k)
    exact = exact_top_values(sample, k)
    found = sum(np.sort(g.matrix.getrow(r).data)[::-1][: len(w)].sum() for r, w in enumerate(exact))
    assert found >= 0.97 * sum(w.sum() for w in exact)


def test_geo_finds_the_only_partner_a_teacher_can_meet():
    far = [TeacherProfile(id=f"o{i}", name=f"O{i}", school_urn=urn, meeting_mode="online", strengths=("singing",)) for i, urn in enumerate(EAST)]
    c = Cohort.from_profiles(
        [
            TeacherProfile(id="a", name="A", school_urn=CAMDEN[0], meeting_mode="in_person", max_travel_km=5, challenges=("singing",)),
            TeacherProfile(id="b", name="B", school_urn=CAMDEN[1], meeting_mode="in_person", max_travel_km=5),
            *far,
        ]
    )
    g = peer_graph(c, k=2, candidates=("geo",), n_candidates=1)
    assert [p for p, _ in g.neighbours("a")] == ["b"]


def test_isolated_teachers_are_those_with_no_allowed_pair():
    c = Cohort.from_profiles(
        [
            TeacherProfile(id="a", name="A", school_urn=CAMDEN[0], meeting_mode="in_person", max_travel_km=1),
            TeacherProfile(id="b", name="B", school_urn=EAST[0], meeting_mode="either"),
            TeacherProfile(id="c", name="C", school_urn=EAST[1], meeting_mode="online"),
            TeacherProfile(id="d", name="D", school_urn=EAST[1], meeting_mode="online"),  # c's colleague
        ]
    )
    g = peer_graph(c, k=3)
    aff = pairwise_affinity(c)
    assert isolated_teachers(g) == tuple(t for r, t in enumerate(c.ids) if not aff.allowed[r].any()) == ("a",)
    assert components(g) == [("b", "c", "d"), ("a",)]
    s = summarize(g)
    assert (s.n_teachers, s.n_edges, s.n_components, s.largest_component, s.n_isolated) == (4, 2, 2, 3, 1)


def test_hard_constraints_hold_in_the_graph(sample):
    first, second = sample.ids[:2]
    options = AffinityOptions(keep_apart=((first, second),), allow_same_school=False)
    g = peer_graph(sample, k=10, options=options, n_candidates=len(sample))
    assert g.matrix[0, 1] == 0
    urns = np.array([p.school_urn for p in sample.profiles])
    rows, cols = g.matrix.nonzero()
    assert (urns[rows] != urns[cols]).all()


def test_same_seed_same_graph_and_seed_only_breaks_ties(sample):
    a, b = peer_graph(sample, k=3, seed=5), peer_graph(sample, k=3, seed=5)
    assert (a.matrix != b.matrix).nnz == 0
    c = peer_graph(sample, k=3, seed=6)
    top = lambda g: [np.sort(g.matrix.getrow(r).data)[::-1][:3].round(9).tolist() for r in range(len(sample))]  # noqa: E731
    assert top(a) == top(c)


def test_search_blocks_give_a_valid_graph(sample):
    g = peer_graph(sample, k=5, search_block=40, seed=1)
    aff = pairwise_affinity(sample)
    rows, cols = g.matrix.nonzero()
    assert aff.allowed[rows, cols].all() and (g.matrix != g.matrix.T).nnz == 0
    assert (g.degree >= np.minimum(5, aff.allowed.sum(axis=1))).mean() > 0.9


def test_theme_blocks_match_the_vectoriser(sample):
    arrays = teacher_arrays(sample)
    blocks = ProfileVectorizer().fit(sample).transform_blocks(sample)
    for name in ("challenges", "strengths", "interests"):
        np.testing.assert_array_equal(_theme_block(getattr(arrays, name)), blocks[name].toarray())


def test_networkx_view_carries_attributes_and_weights(sample):
    g = peer_graph(sample, k=3)
    G = to_networkx(g)
    assert G.number_of_nodes() == len(sample) and G.number_of_edges() == g.n_edges
    p = sample.profiles[0]
    node = G.nodes[p.id]
    assert node["name"] == p.name and node["local_authority"] == sample.schools[p.school_urn].local_authority
    assert node["department_of_one"] == p.department_of_one and node["challenges"] == p.challenges
    for u, v, data in list(G.edges(data=True))[:20]:
        assert data["affinity"] == pytest.approx(g.matrix[sample.row(u), sample.row(v)])
        assert data["affinity"] == pytest.approx(sum(data[t] for t in ("complementarity", "one_way", "interests", "context", "practicality", "priority")))
    G.remove_node(p.id)  # a copy: the graph itself is untouched
    assert to_networkx(g).has_node(p.id)


def test_communities_partition_the_cohort_and_repeat_with_the_seed(sample):
    g = peer_graph(sample, k=5)
    found = communities(g, seed=3)
    assert sorted(t for c in found for t in c) == sorted(sample.ids)
    assert found == communities(g, seed=3)
    assert [len(c) for c in found] == sorted((len(c) for c in found), reverse=True)


def test_centrality_measures(sample):
    g = peer_graph(sample, k=4)
    strength = centrality(g)
    np.testing.assert_allclose([strength[t] for t in sample.ids], np.asarray(g.matrix.sum(axis=1)).ravel())
    for measure in ("eigenvector", "betweenness"):
        values = centrality(g, measure=measure, samples=30, seed=1)
        assert set(values) == set(sample.ids) and all(v >= -1e-12 for v in values.values())
    with pytest.raises(ValueError, match="closeness"):
        centrality(g, measure="closeness")


def test_neighbours_are_sorted_and_unknown_ids_raise(sample):
    g = peer_graph(sample, k=4)
    values = [v for _, v in g.neighbours(sample.ids[0])]
    assert values == sorted(values, reverse=True)
    with pytest.raises(UnknownTeacherError):
        g.neighbours("nobody")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(k=0), "k must be a positive integer"),
        (dict(k=2.5), "k must be a positive integer"),
        (dict(candidates=("geo", "postcode")), "unknown candidate source"),
        (dict(n_candidates=0), "n_candidates"),
        (dict(search_block=1), "search_block"),
    ],
)
def test_bad_arguments_raise_clear_errors(sample, kwargs, message):
    with pytest.raises(ValueError, match=message):
        peer_graph(sample, **kwargs)


def test_candidates_must_not_be_a_string(sample):
    with pytest.raises(TypeError, match="not a string"):
        peer_graph(sample, candidates="geo")


def test_a_single_teacher_gives_an_empty_graph():
    g = peer_graph(Cohort.from_profiles([TeacherProfile(id="a", name="A", school_urn=CAMDEN[0])]))
    assert g.n_edges == 0 and isolated_teachers(g) == ("a",)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 6), st.floats(0, 1))
def test_every_teacher_with_allowed_pairs_gets_min_k_edges(seed, k, priority):
    cohort = Cohort.from_profiles(generate_teachers(25, seed=seed))
    weights = AffinityWeights(priority=priority)
    g = peer_graph(cohort, k=k, weights=weights, n_candidates=25)
    allowed = pairwise_affinity(cohort, weights).allowed.sum(axis=1)
    assert (g.degree >= np.minimum(k, allowed)).all()
    assert isinstance(to_networkx(g), nx.Graph)
