"""A linear model with non-negative weights shrunk toward a prior direction (today's weights).

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> X = rng.random((200, 3))
>>> y = 1 + X @ [2.0, 0.0, 1.0] + rng.normal(0, 0.1, 200)
>>> model = ShrunkNonNegativeRegression(alpha=1e-6, prior=(1.0, 1.0, 1.0)).fit(X, y)
>>> bool(np.allclose(model.coef_, [2.0, 0.0, 1.0], atol=0.1))
True
>>> stiff = ShrunkNonNegativeRegression(alpha=float("inf"), prior=(1.0, 1.0, 1.0)).fit(X, y)
>>> bool(np.allclose(stiff.coef_ / stiff.coef_[0], 1.0))   # only the scale is fitted
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.linalg import cholesky, solve_triangular
from scipy.optimize import lsq_linear
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ..errors import ParameterError

__all__ = ["ShrunkNonNegativeRegression"]


class ShrunkNonNegativeRegression(RegressorMixin, BaseEstimator):  # type: ignore[misc]  # sklearn is untyped
    """Least squares with coefficients ``>= 0``, shrunk toward ``s * prior``.

    Minimises ``mean((y - b - X @ w) ** 2) + alpha * sum((scale * (w - s * prior)) ** 2)``
    over ``w >= 0`` and the intercept ``b``, where ``scale`` is each feature's standard
    deviation (so ``alpha`` does not depend on the features' units) and ``s >= 0`` is the
    least-squares scale of the prior alone (usefulness points per unit of today's score).
    ``alpha = inf`` fits the prior's scale only: today's weights, calibrated.

    Parameters
    ----------
    alpha : float
        Strength of the shrinkage (>= 0, ``inf`` allowed).
    prior : sequence of float, optional
        The direction to shrink toward (non-negative); default: all ones.

    Attributes
    ----------
    coef_ : ndarray
        The fitted non-negative weights.
    intercept_ : float
    prior_scale_ : float
        ``s`` above.
    """

    def __init__(self, alpha: float = 1.0, prior: Sequence[float] | None = None) -> None:
        self.alpha = alpha
        self.prior = prior

    def fit(self, X: np.ndarray, y: np.ndarray) -> ShrunkNonNegativeRegression:
        """Fit on features ``X`` (n, d) and targets ``y`` (n,); returns ``self``."""
        X, y = validate_data(self, X, y, y_numeric=True)
        if not (isinstance(self.alpha, (int, float)) and self.alpha >= 0):
            raise ParameterError("alpha", self.alpha, "must be a number >= 0")  # a ValueError, as scikit-learn expects
        d = np.ones(X.shape[1]) if self.prior is None else np.asarray(self.prior, dtype=float)
        if d.shape != (X.shape[1],) or np.any(d < 0):
            raise ParameterError("prior", self.prior, f"must hold {X.shape[1]} non-negative numbers")
        x_mean, y_mean = X.mean(axis=0), float(y.mean())
        Xc, yc = X - x_mean, y - y_mean
        along = Xc @ d
        norm = float(along @ along)
        s = max(float(along @ yc) / norm, 0.0) if norm > 0 else 0.0
        target = s * d
        if math.isinf(self.alpha):
            coef = target
        else:
            n = len(y)
            scale = Xc.std(axis=0)
            scale[scale < 1e-12] = 1.0
            penalty = self.alpha * scale**2
            if self.alpha > 0:
                # The same least squares on d x d normal equations (Cholesky factor R, R'R = G):
                # ||R w - R'^-1 h||^2 = w'Gw - 2w'h + const, so each fit costs O(n d^2) once.
                gram = Xc.T @ Xc / n + np.diag(penalty)
                rhs = Xc.T @ yc / n + penalty * target
                R = cholesky(gram, lower=False)
                A, b = R, solve_triangular(R, rhs, trans="T")
            else:
                A, b = Xc / math.sqrt(n), yc / math.sqrt(n)
            coef = lsq_linear(A, b, bounds=(0.0, np.inf), method="bvls").x
        self.coef_ = np.maximum(coef, 0.0)
        self.intercept_ = y_mean - float(x_mean @ self.coef_)
        self.prior_scale_ = s
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted targets for ``X``."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        prediction: np.ndarray = X @ self.coef_ + self.intercept_
        return prediction
