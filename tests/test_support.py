"""``support_``: the input features a fitted model uses, after L1 fits.

A feature is used when ANY weight of its row of the first layer is non-zero. A
multi-output L1 fit (several targets, classes or hidden units) zeroes single
weights, not whole rows, so most used features have some zero weights: they must
stay in the support. (Group-lasso fits, which zero whole rows, are in
tests/test_group_penalty.py.)
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_wine, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skweights import LinearClassifier, LinearRegressor, MLPClassifier


def _wine():
    X, y = load_wine(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _linear_regressor():
    X, Y = make_regression(
        n_samples=100, n_features=8, n_targets=3, n_informative=4, noise=1.0,
        random_state=0,
    )  # fmt: skip
    return LinearRegressor(penalty="l1", alpha=5.0).fit(X, Y), X


def _linear_classifier():
    X, y = _wine()
    return LinearClassifier(penalty="l1", alpha=0.05).fit(X, y), X


def _mlp_classifier():
    X, y = _wine()
    model = MLPClassifier((8,), penalty="l1", alpha=0.01, max_iter=200, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y), X


FITS = {
    "LinearRegressor (3 targets, coordinate descent)": _linear_regressor,
    "LinearClassifier (3 classes, FISTA)": _linear_classifier,
    "MLPClassifier (8 hidden units, Adam)": _mlp_classifier,
}


def _output(model, X):
    if hasattr(model, "decision_function"):
        return model.decision_function(X)
    return model.predict(X)


@pytest.mark.parametrize("fit", list(FITS.values()), ids=list(FITS))
def test_an_l1_fit_keeps_every_feature_it_uses(fit):
    model, X = fit()
    nonzero = model.coefs_[0] != 0
    partly_zero = nonzero.any(axis=1) & ~nonzero.all(axis=1)
    assert partly_zero.any()  # else "any" and "all" could not be told apart
    assert_array_equal(model.support_, nonzero.any(axis=1))
    assert model.support_[partly_zero].all()
    assert model.n_features_selected_ == int(nonzero.any(axis=1).sum())
    # What the support means for a user: the features out of it can be anything
    # (the output does not change), and each feature in it changes the output.
    shuffled = X.copy()
    shuffled[:, ~model.support_] = 1e3
    assert_allclose(_output(model, shuffled), _output(model, X), rtol=0, atol=0)
    for j in np.flatnonzero(model.support_):
        moved = X.copy()
        moved[:, j] += 1.0
        assert not np.allclose(_output(model, moved), _output(model, X)), j
