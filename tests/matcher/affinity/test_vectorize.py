"""Tests for matcher/affinity/vectorize.py: the scikit-learn contract, block layout and stability."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.decomposition import TruncatedSVD
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline

from matcher.errors import ParameterError, ValidationError
from matcher.places.schools import load_schools
from matcher.profiles.teacher import KEY_STAGES, TeacherProfile
from matcher.profiles.themes import THEME_IDS
from matcher.affinity.vectorize import BLOCKS, CONTEXT_FEATURES, ProfileVectorizer, profile_matrix, theme_matrix

SCHOOLS = load_schools()
URNS = (100049, 101243, 100050, 100051, 136746)


def make(i, **kw):
    base = dict(id=f"t-{i}", name=f"Teacher {i}", school_urn=URNS[i % len(URNS)])
    base.update(kw)
    return TeacherProfile(**base)


@pytest.fixture
def profiles():
    return [
        make(0, challenges=("singing", "send"), strengths=("composition",), about="Year 9 boys refuse to sing"),
        make(1, challenges=("composition",), strengths=("singing",), interests=("singing",), about="I lead a big choir"),
        make(2, department_size=4, years_teaching=20, key_stages=("KS3", "KS4", "KS5"), about="Ukulele and steel pans"),
        make(3, strengths=("send", "music_technology"), about=""),
    ]


def test_fit_returns_self_and_transform_before_fit_raises(profiles):
    vec = ProfileVectorizer(schools=SCHOOLS)
    with pytest.raises(NotFittedError):
        vec.transform(profiles)
    assert vec.fit(profiles) is vec


def test_clone_keeps_parameters():
    vec = ProfileVectorizer(text_weight=0.25, max_text_features=10)
    twin = clone(vec)
    assert twin.get_params() == vec.get_params()
    assert not hasattr(twin, "blocks_")


def test_blocks_tile_the_columns_in_order(profiles):
    vec = ProfileVectorizer(schools=SCHOOLS).fit(profiles)
    X = vec.transform(profiles)
    assert list(vec.blocks_) == list(BLOCKS)
    stops = [s.stop for s in vec.blocks_.values()]
    starts = [s.start for s in vec.blocks_.values()]
    assert starts[0] == 0 and starts[1:] == stops[:-1] and stops[-1] == X.shape[1]
    names = vec.get_feature_names_out()
    assert len(names) == X.shape[1]
    for block, s in vec.blocks_.items():
        assert all(n.startswith(f"{block}__") for n in names[s])


def test_theme_blocks_mark_exactly_the_stated_themes(profiles):
    vec = ProfileVectorizer(schools=SCHOOLS).fit(profiles)
    X = vec.transform(profiles)
    challenges = vec.block(X, "challenges").toarray() / vec.theme_weight
    assert challenges.shape == (4, len(THEME_IDS))
    assert challenges[0, THEME_IDS.index("singing")] == 1 and challenges[0, THEME_IDS.index("send")] == 1
    assert challenges[0].sum() == 2 and challenges[2].sum() == 0
    stages = vec.block(X, "key_stage").toarray() / vec.key_stage_weight
    assert stages[2, KEY_STAGES.index("KS5")] == 1 and stages[0].sum() == 1


def test_block_weights_scale_their_block_only(profiles):
    plain = ProfileVectorizer(schools=SCHOOLS).fit(profiles)
    heavy = ProfileVectorizer(schools=SCHOOLS, theme_weight=3.0).fit(profiles)
    a, b = plain.transform(profiles), heavy.transform(profiles)
    np.testing.assert_allclose(heavy.block(b, "strengths").toarray(), 3 * plain.block(a, "strengths").toarray())
    np.testing.assert_allclose(heavy.block(b, "context").toarray(), plain.block(a, "context").toarray())


def test_context_block_is_standardised(profiles):
    vec = ProfileVectorizer(schools=SCHOOLS).fit(profiles)
    context = vec.transform_blocks(profiles)["context"].toarray()
    assert context.shape == (4, len(CONTEXT_FEATURES))
    np.testing.assert_allclose(context.mean(axis=0), 0, atol=1e-9)


def test_unseen_text_and_categories_are_ignored_not_errors(profiles):
    vec = ProfileVectorizer(schools=SCHOOLS).fit(profiles[:2])
    X = vec.transform([make(9, about="completely new words here", school_urn=136746)])
    assert X.shape == (1, vec.n_features_out_)


def test_works_in_a_pipeline(profiles):
    pipe = Pipeline([("vec", ProfileVectorizer(schools=SCHOOLS)), ("svd", TruncatedSVD(n_components=2, random_state=0))])
    Z = pipe.fit_transform(profiles)
    assert Z.shape == (4, 2) and np.isfinite(Z).all()


def test_unknown_theme_is_an_error_naming_teacher_and_field():
    # A profile with an unknown theme can no longer be built (TeacherProfile checks its
    # themes), so the vectoriser's own check is reached only by a profile that skipped it.
    with pytest.raises(ValidationError, match=r"field 'strengths'.*did you mean 'singing'"):
        make(0, strengths=("singin",))
    bad = make(0)
    object.__setattr__(bad, "strengths", ("singin",))
    with pytest.raises(ValidationError, match=r"strengths of teacher 't-0'.*did you mean 'singing'"):
        theme_matrix([bad], "strengths")


def test_negative_block_weight_is_rejected_at_fit(profiles):
    with pytest.raises(ValueError, match="text_weight must be a finite number >= 0"):
        ProfileVectorizer(schools=SCHOOLS, text_weight=-1).fit(profiles)


def test_rejects_non_profiles():
    with pytest.raises(TypeError, match="item 0 is str"):
        ProfileVectorizer().fit(["t-1"])


theme = st.sampled_from(THEME_IDS)
profile_strategy = st.builds(
    make,
    st.integers(0, 50),
    challenges=st.lists(theme, max_size=5, unique=True).map(tuple),
    strengths=st.lists(theme, max_size=5, unique=True).map(tuple),
    about=st.text(alphabet="abcdefghij klmnop", max_size=40),
    department_size=st.integers(1, 8),
)


@settings(max_examples=30, deadline=None)
@given(st.lists(profile_strategy, min_size=1, max_size=8))
def test_shape_and_stability(batch):
    X, vec = profile_matrix(batch, schools=SCHOOLS)
    assert sp.issparse(X) and X.shape == (len(batch), vec.n_features_out_)
    # transforming the same profiles again gives the same matrix, row by row
    again = vec.transform(batch)
    np.testing.assert_allclose(again.toarray(), X.toarray())
    # a row depends only on its own profile, not on its neighbours in the batch
    np.testing.assert_allclose(vec.transform(batch[:1]).toarray(), X[:1].toarray())


def test_a_list_of_profiles_needs_a_schools_table(profiles):
    with pytest.raises(ParameterError, match="no schools table") as caught:
        ProfileVectorizer().fit(profiles)
    assert caught.value.issues[0].field == "schools"


def test_a_cohort_brings_its_schools_and_transform_reuses_them(profiles):
    from matcher.profiles.teacher import Cohort

    cohort = Cohort.from_profiles(profiles, SCHOOLS)
    vec = ProfileVectorizer().fit(cohort)
    assert vec.schools_ is cohort.schools
    np.testing.assert_allclose(vec.transform(profiles).toarray(), vec.transform(cohort).toarray())


def test_unknown_school_urns_are_issues_naming_each(profiles):
    bad = [make(0, school_urn=1), make(1, school_urn=2)]
    with pytest.raises(ValidationError) as caught:
        ProfileVectorizer(schools=SCHOOLS).fit(bad)
    assert [(i.field, i.value) for i in caught.value.issues] == [("school_urn", "1"), ("school_urn", "2")]


def test_unknown_block_is_a_key_error_naming_it(profiles):
    vec = ProfileVectorizer(schools=SCHOOLS).fit(profiles)
    with pytest.raises(KeyError, match="unknown block 'themes'") as caught:
        vec.block(vec.transform(profiles), "themes")
    assert caught.value.issues[0].value == "themes"
