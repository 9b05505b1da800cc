"""Library algorithms take their data as arguments: given a cohort and a catalogue, nothing is read from disk.

``load_schools`` and ``load_catalogue`` are the boundary (with ``load_cohort`` and the command
line); here every reference to them inside ``matcher`` is replaced by a function that fails,
and vectorising, scoring, the peer graph, peer suggestions and practice recommendations
must still work.
"""

from __future__ import annotations

import importlib
import sys

import numpy as np
import pytest

from matcher.places.schools import load_schools
from matcher.practice.catalogue import load_catalogue
from matcher.profiles.teacher import Cohort, TeacherProfile

SCHOOLS = load_schools()
CATALOGUE = load_catalogue()


class HiddenLoad(AssertionError):
    pass


@pytest.fixture
def no_loading(monkeypatch):
    """Every ``load_schools`` / ``load_catalogue`` name in every imported matcher module now fails."""
    # Import every module whose algorithms are checked, so that their references get patched too.
    for name in ("affinity.terms", "affinity.vectorize", "graph.network", "peers.suggest", "practice.recommend", "practice.text"):
        importlib.import_module(f"matcher.{name}")

    def fail(*args, **kwargs):
        raise HiddenLoad("an algorithm read data from disk")

    patched = 0
    for name, module in list(sys.modules.items()):
        if name == "matcher" or name.startswith("matcher."):
            for attr in ("load_schools", "load_catalogue"):
                if attr in vars(module):
                    monkeypatch.setattr(module, attr, fail)
                    patched += 1
    assert patched >= 4


@pytest.fixture(scope="module")
def cohort():
    return Cohort.from_profiles(
        [
            TeacherProfile(id="a", name="Sam Lee", school_urn=100049, department_size=1, strengths=("singing",), challenges=("send",)),
            TeacherProfile(id="b", name="Priya Shah", school_urn=100050, challenges=("singing",), about="Year 9 boys will not sing"),
            TeacherProfile(id="c", name="Jo Kim", school_urn=101243, strengths=("send",), interests=("composition",)),
            TeacherProfile(id="d", name="Ola Ade", school_urn=100051, challenges=("composition",), strengths=("singing",)),
        ],
        SCHOOLS,
    )


def test_vectorising_a_cohort_uses_its_schools(no_loading, cohort):
    from matcher.affinity.vectorize import ProfileVectorizer, profile_matrix

    X = ProfileVectorizer().fit_transform(cohort)
    assert X.shape[0] == 4
    # after fitting on a cohort, plain profiles transform with the same table
    assert ProfileVectorizer().fit(cohort).transform(list(cohort)).shape == X.shape
    assert profile_matrix(list(cohort), schools=SCHOOLS)[0].shape == X.shape


def test_affinity_graph_and_peers_use_the_cohort(no_loading, cohort):
    from matcher.affinity import terms
    from matcher.graph.network import peer_graph
    from matcher.peers.suggest import suggest_peers

    fresh = cohort.subset(cohort.ids)  # arrays are cached per cohort object: build them here
    affinity = terms.pairwise_affinity(fresh)
    assert affinity.scores.shape == (4, 4) and np.allclose(affinity.scores, affinity.scores.T)
    assert peer_graph(fresh, k=2).matrix.shape == (4, 4)
    assert [s.peer_id for s in suggest_peers(fresh, "b", k=2)]


def test_practice_given_a_catalogue_reads_nothing(no_loading, cohort):
    from matcher.practice.recommend import recommend_for_group, recommend_for_teacher
    from matcher.practice.text import text_similarity

    assert recommend_for_teacher(cohort.get("b"), k=3, catalogue=CATALOGUE, cohort=cohort)
    assert recommend_for_teacher(cohort.get("b"), k=3, catalogue=CATALOGUE, schools=SCHOOLS)
    assert recommend_for_group(list(cohort), k=3, catalogue=CATALOGUE, cohort=cohort)
    assert text_similarity(["ukulele"], CATALOGUE).shape == (1, len(CATALOGUE))


def test_the_patch_is_live_and_the_catalogue_default_is_the_public_one(no_loading, cohort):
    """Without a catalogue, the public recommenders (and only they) load the shipped one."""
    from matcher.errors import ParameterError
    from matcher.practice.recommend import recommend_for_teacher

    with pytest.raises(HiddenLoad):
        recommend_for_teacher(cohort.get("b"), k=3, cohort=cohort)
    with pytest.raises(ParameterError, match="schools"):  # no school table: an error, not a load
        recommend_for_teacher(cohort.get("b"), k=3, catalogue=CATALOGUE)
