"""Turn teacher profiles into feature matrices (a scikit-learn transformer).

The output is a sparse matrix made of named blocks, each addressable through
``blocks_`` so that the affinity model can use one block at a time:

========== ==================================================================
block      what it holds
========== ==================================================================
context    scaled school/teacher numerics: FSM %, EAL %, SEN %, log pupils,
           log department size, log years teaching (missing values -> median)
school     one-hot school type, sector and local authority
key_stage  multi-hot key stages taught
interests  multi-hot practice themes (one column per theme id)
challenges multi-hot practice themes
strengths  multi-hot practice themes
text       TF-IDF of the free text ``about``
========== ==================================================================

Examples
--------
>>> from matcher.profiles.teacher import TeacherProfile
>>> profiles = [
...     TeacherProfile(id="a", name="Sam", school_urn=100049, challenges=("singing",), about="Year 9 boys will not sing"),
...     TeacherProfile(id="b", name="Priya", school_urn=101243, strengths=("singing",), about="I run a big choir"),
... ]
>>> from matcher.places.schools import load_schools
>>> vec = ProfileVectorizer(schools=load_schools()).fit(profiles)
>>> X = vec.transform(profiles)
>>> X.shape[0], X.shape[1] == len(vec.get_feature_names_out())
(2, True)
>>> vec.block(X, "challenges")[:, vec.theme_index_["singing"]].toarray().ravel().tolist()
[1.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils.validation import check_is_fitted

from ..errors import Issue, ParameterError, UnknownIdError, ValidationError
from ..profiles.teacher import KEY_STAGES, Cohort, TeacherProfile
from ..places.schools import School
from ..profiles.themes import THEME_IDS, theme_issues

__all__ = ["ProfileVectorizer", "profile_matrix", "theme_matrix", "CONTEXT_FEATURES", "BLOCKS"]

CONTEXT_FEATURES = ("fsm_percent", "eal_percent", "sen_percent", "log_pupils", "log_department_size", "log_years_teaching")
BLOCKS = ("context", "school", "key_stage", "interests", "challenges", "strengths", "text")
THEME_BLOCKS = ("interests", "challenges", "strengths")


def _as_profiles(X: Cohort | Iterable[TeacherProfile]) -> tuple[tuple[TeacherProfile, ...], Mapping[int, School] | None]:
    if isinstance(X, Cohort):
        return X.profiles, X.schools
    profiles = tuple(X)
    for i, p in enumerate(profiles):
        if not isinstance(p, TeacherProfile):
            raise ParameterError(f"X[{i}]", p, "must be a TeacherProfile (or pass a Cohort)", summary=f"expected TeacherProfile objects or a Cohort, item {i} is {type(p).__name__}")
    return profiles, None


def theme_matrix(profiles: Iterable[TeacherProfile], field: str = "challenges") -> sp.csr_matrix:
    """Multi-hot ``(n_profiles, n_themes)`` matrix of one theme field, columns in ``THEME_IDS`` order.

    >>> from matcher.profiles.teacher import TeacherProfile
    >>> m = theme_matrix([TeacherProfile(id="a", name="A", school_urn=1, strengths=("send",))], "strengths")
    >>> m.sum(), m[0, THEME_IDS.index("send")]
    (np.float64(1.0), np.float64(1.0))
    """
    profiles = tuple(profiles)
    position = {t: k for k, t in enumerate(THEME_IDS)}
    rows, cols, issues = [], [], []
    for i, p in enumerate(profiles):
        values = getattr(p, field)
        issues += theme_issues(values, field=f"{field} of teacher {p.id!r}")
        for t in values:
            if t in position:
                rows.append(i)
                cols.append(position[t])
    if issues:
        raise ValidationError(issues)
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(profiles), len(THEME_IDS)))


class ProfileVectorizer(TransformerMixin, BaseEstimator):  # type: ignore[misc]  # sklearn is untyped
    """Vectorise teacher profiles into named feature blocks (see the module docstring).

    Parameters
    ----------
    schools : mapping of URN to School, optional
        The schools table. Without it, ``fit`` uses the one the :class:`Cohort` it is given
        carries; fitting on a plain list of profiles then needs ``schools``
        (e.g. ``schools=load_schools()``): nothing is read from disk here. ``transform``
        falls back to the table used in ``fit`` (``schools_``).
    context_weight, school_weight, key_stage_weight, theme_weight, text_weight : float
        Multipliers applied to each block, so that cosine/euclidean neighbours in the full
        matrix weigh the blocks as wanted.
    max_text_features : int
        Vocabulary cap of the TF-IDF block.
    """

    def __init__(
        self,
        *,
        schools: Mapping[int, School] | None = None,
        context_weight: float = 1.0,
        school_weight: float = 0.5,
        key_stage_weight: float = 0.5,
        theme_weight: float = 1.0,
        text_weight: float = 0.5,
        max_text_features: int = 5000,
    ):
        self.schools = schools
        self.context_weight = context_weight
        self.school_weight = school_weight
        self.key_stage_weight = key_stage_weight
        self.theme_weight = theme_weight
        self.text_weight = text_weight
        self.max_text_features = max_text_features

    # -- raw columns -------------------------------------------------------------------
    def _schools_for(self, X_schools: Mapping[int, School] | None, *, fitting: bool = False) -> Mapping[int, School]:
        if self.schools is not None:
            return self.schools
        if X_schools is not None:
            return X_schools
        fitted: Mapping[int, School] | None = None if fitting else getattr(self, "schools_", None)
        if fitted is None:
            raise ParameterError(
                "schools",
                None,
                "is needed to vectorise a list of profiles: pass a Cohort, which carries its schools, or schools=load_schools()",
                summary="no schools table: fit on a Cohort (it carries its schools) or give ProfileVectorizer(schools=...)",
            )
        return fitted

    @staticmethod
    def _raw(profiles: Sequence[TeacherProfile], schools: Mapping[int, School]) -> tuple[np.ndarray, np.ndarray, list[str]]:
        missing = sorted({p.school_urn for p in profiles if p.school_urn not in schools})
        if missing:
            raise ValidationError(
                [Issue(None, "school_urn", str(u), "not in the schools table") for u in missing],
                summary=f"school URN(s) not in the schools table: {missing[:10]}",
            )
        nan = float("nan")
        numeric = np.array(
            [
                [
                    nan if (s := schools[p.school_urn]).fsm_percent is None else s.fsm_percent,
                    nan if s.eal_percent is None else s.eal_percent,
                    nan if s.sen_percent is None else s.sen_percent,
                    nan if s.pupils is None else np.log1p(s.pupils),
                    np.log(max(p.department_size, 1)),
                    np.log1p(p.years_teaching),
                ]
                for p in profiles
            ],
            dtype=float,
        ).reshape(-1, len(CONTEXT_FEATURES))
        categorical = np.array(
            [[schools[p.school_urn].type, schools[p.school_urn].sector, schools[p.school_urn].local_authority] for p in profiles],
            dtype=object,
        ).reshape(-1, 3)
        texts = [p.about for p in profiles]
        return numeric, categorical, texts

    # -- scikit-learn API --------------------------------------------------------------
    def fit(self, X: Cohort | Iterable[TeacherProfile], y: object = None) -> ProfileVectorizer:
        """Learn scaling, categories and the text vocabulary from the profiles."""
        profiles, X_schools = _as_profiles(X)
        if not profiles:
            raise ParameterError("X", X, "must hold at least one profile", summary="cannot fit on an empty list of profiles")
        for name in ("context_weight", "school_weight", "key_stage_weight", "theme_weight", "text_weight"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and np.isfinite(value) and value >= 0):
                raise ParameterError(name, value, "must be a finite number >= 0")
        self.schools_ = self._schools_for(X_schools, fitting=True)
        numeric, categorical, texts = self._raw(profiles, self.schools_)
        # A column that is missing for every school (e.g. EAL in a tiny sample) imputes to 0,
        # not dropped, so block widths never depend on the data.
        self.imputer_ = SimpleImputer(strategy="median", keep_empty_features=True).fit(numeric)
        self.scaler_ = StandardScaler().fit(self.imputer_.transform(numeric))
        self.encoder_ = OneHotEncoder(handle_unknown="ignore").fit(categorical)
        self.tfidf_ = TfidfVectorizer(
            stop_words="english", sublinear_tf=True, ngram_range=(1, 2), min_df=1, max_features=self.max_text_features
        )
        try:
            self.tfidf_.fit(texts)
        except ValueError:  # nobody wrote a content word: keep an empty text block, not an error
            self.tfidf_ = None
        self.theme_index_ = {t: k for k, t in enumerate(THEME_IDS)}
        widths = {
            "context": len(CONTEXT_FEATURES),
            "school": sum(len(c) for c in self.encoder_.categories_),
            "key_stage": len(KEY_STAGES),
            "interests": len(THEME_IDS),
            "challenges": len(THEME_IDS),
            "strengths": len(THEME_IDS),
            "text": 0 if self.tfidf_ is None else len(self.tfidf_.vocabulary_),
        }
        start, self.blocks_ = 0, {}
        for name in BLOCKS:
            self.blocks_[name] = slice(start, start + widths[name])
            start += widths[name]
        self.n_features_out_ = start
        return self

    def transform_blocks(self, X: Cohort | Iterable[TeacherProfile]) -> dict[str, sp.csr_matrix]:
        """Each block as its own unweighted sparse matrix, keyed by block name."""
        check_is_fitted(self)
        profiles, X_schools = _as_profiles(X)
        numeric, categorical, texts = self._raw(profiles, self._schools_for(X_schools))
        n = len(profiles)
        stage_pos = {s: k for k, s in enumerate(KEY_STAGES)}
        stage_rows = [(i, stage_pos[s]) for i, p in enumerate(profiles) for s in p.key_stages if s in stage_pos]
        stages = sp.csr_matrix(
            (np.ones(len(stage_rows)), ([r for r, _ in stage_rows], [c for _, c in stage_rows])), shape=(n, len(KEY_STAGES))
        )
        text = sp.csr_matrix((n, 0)) if self.tfidf_ is None else self.tfidf_.transform(texts).tocsr()
        return {
            "context": sp.csr_matrix(self.scaler_.transform(self.imputer_.transform(numeric))),
            "school": self.encoder_.transform(categorical).tocsr(),
            "key_stage": stages,
            "interests": theme_matrix(profiles, "interests"),
            "challenges": theme_matrix(profiles, "challenges"),
            "strengths": theme_matrix(profiles, "strengths"),
            "text": text,
        }

    def transform(self, X: Cohort | Iterable[TeacherProfile]) -> sp.csr_matrix:
        """The weighted blocks side by side, as one CSR matrix (columns per ``blocks_``)."""
        blocks = self.transform_blocks(X)
        weight = {
            "context": self.context_weight,
            "school": self.school_weight,
            "key_stage": self.key_stage_weight,
            "interests": self.theme_weight,
            "challenges": self.theme_weight,
            "strengths": self.theme_weight,
            "text": self.text_weight,
        }
        matrix: sp.csr_matrix = sp.hstack([blocks[b] * weight[b] for b in BLOCKS], format="csr")
        return matrix

    def block(self, X: sp.csr_matrix, name: str) -> sp.csr_matrix:
        """The columns of block ``name`` from a matrix this vectoriser produced."""
        check_is_fitted(self)
        if name not in self.blocks_:
            raise UnknownIdError("name", name, "unknown block", valid=f"blocks are {', '.join(BLOCKS)}")
        columns: sp.csr_matrix = sp.csr_matrix(X)[:, self.blocks_[name]]
        return columns

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """Column names, prefixed by block: ``context__fsm_percent``, ``challenges__singing``..."""
        check_is_fitted(self)
        names = [f"context__{c}" for c in CONTEXT_FEATURES]
        for column, cats in zip(("type", "sector", "local_authority"), self.encoder_.categories_):
            names += [f"school__{column}={c}" for c in cats]
        names += [f"key_stage__{s}" for s in KEY_STAGES]
        for b in THEME_BLOCKS:
            names += [f"{b}__{t}" for t in THEME_IDS]
        if self.tfidf_ is not None:
            names += [f"text__{w}" for w in self.tfidf_.get_feature_names_out()]
        return np.asarray(names, dtype=object)


def profile_matrix(profiles: Cohort | Iterable[TeacherProfile], **params: Any) -> tuple[sp.csr_matrix, ProfileVectorizer]:
    """One-shot: fit a :class:`ProfileVectorizer` and return ``(matrix, fitted vectoriser)``."""
    vec = ProfileVectorizer(**params)
    return vec.fit_transform(profiles), vec
