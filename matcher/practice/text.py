"""Free-text similarity between what teachers write and the practice examples (TF-IDF).

The vocabulary and inverse document frequencies are learned from the catalogue, once per
catalogue, so a teacher's ``about`` text is compared in the examples' own terms.

Examples
--------
>>> from matcher.practice.catalogue import load_catalogue
>>> sim = text_similarity(["whole-class ukulele with Year 7"], load_catalogue())
>>> sim.shape[0], bool(sim.max() > TEXT_FLOOR)
(1, True)
>>> text_term(np.array([0.01, 0.1, 0.5])).tolist()
[0.0, 0.5, 1.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from ..errors import ParameterError
from .catalogue import Catalogue

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

__all__ = ["text_similarity", "text_term", "shared_words", "TEXT_FLOOR", "TEXT_FULL"]

# TF-IDF cosines between a few sentences of "about" and a 150-word summary are small: a
# teacher's best match is typically 0.08-0.18. Below TEXT_FLOOR it is a shared common word,
# not a shared topic; at TEXT_FULL and above it counts fully.
TEXT_FLOOR = 0.05
TEXT_FULL = 0.2


@lru_cache(maxsize=8)
def _text_index(catalogue: Catalogue) -> tuple[TfidfVectorizer, csr_matrix[np.float64]]:
    vectorizer = TfidfVectorizer(stop_words="english", ngram_range=(1, 2), sublinear_tf=True, strip_accents="unicode")
    matrix = vectorizer.fit_transform([e.text for e in catalogue])
    return vectorizer, matrix


def text_similarity(texts: Sequence[str], catalogue: Catalogue) -> np.ndarray:
    """TF-IDF cosine similarity of each text with each example, shape ``(len(texts), len(catalogue))``.

    The vocabulary and weights are learned from the catalogue, so words no example uses
    are ignored. The catalogue is an argument: nothing is read from disk here.

    >>> from matcher.practice.catalogue import load_catalogue
    >>> sim = text_similarity(["ukulele chords with Year 7", ""], load_catalogue())
    >>> sim.shape[0], float(sim[1].max())
    (2, 0.0)
    """
    if isinstance(texts, str):
        raise ParameterError("texts", texts, "must be a list of texts", summary="expected a list of texts, got a string; wrap it in a list")
    if not isinstance(catalogue, Catalogue):
        raise ParameterError("catalogue", catalogue, "must be a Catalogue (e.g. load_catalogue())")
    vectorizer, matrix = _text_index(catalogue)
    return np.asarray((vectorizer.transform(list(texts)) @ matrix.T).todense())


def shared_words(text: str, catalogue: Catalogue, column: int, n: int = 3) -> list[str]:
    """The terms that contribute most to the similarity of ``text`` with one example."""
    vectorizer, matrix = _text_index(catalogue)
    product = vectorizer.transform([text]).multiply(matrix[column]).tocoo()
    names = vectorizer.get_feature_names_out()
    ranked = [str(names[j]) for _, j in sorted(zip(-product.data, product.col))]
    words: list[str] = []
    for term in ranked:  # a bigram already says what its words say
        if not any(term in w.split() or w in term.split() for w in words):
            words.append(term)
        if len(words) == n:
            break
    return words


def text_term(similarity: np.ndarray) -> np.ndarray:
    """Cosines on a fixed scale: 0 below :data:`TEXT_FLOOR`, 1 from :data:`TEXT_FULL` up."""
    return np.where(similarity >= TEXT_FLOOR, np.minimum(similarity / TEXT_FULL, 1.0), 0.0)
