"""monotonic_cst: predictions monotone along each constrained input on random
grids, by construction (sign projections), for regressors and classifier
probabilities; the parameter's checks."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from skweights import LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor
from skweights.constraints import MaxNorm
from skweights.initializers import Pretrained


def _data(n=400, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    # decreasing in x0 overall but with wiggles, increasing in x2, free in x1, x3
    y = -0.5 * X[:, 0] + np.sin(2 * X[:, 0]) + X[:, 1] ** 2 + 0.5 * X[:, 2]
    return X, y + rng.normal(0, 0.1, n) + 0.3 * np.cos(2 * X[:, 3])


def _fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def _assert_monotone(predict, X, column, sign, seed=0):
    """Along column ``column``, from 100 random rows, on a random sorted grid."""
    rng = np.random.default_rng(seed)
    grid = np.sort(rng.uniform(-4, 4, size=60))
    for row in X[rng.choice(len(X), 100, replace=False)]:
        Z = np.repeat(row[None], len(grid), axis=0)
        Z[:, column] = grid
        steps = sign * np.diff(predict(Z), axis=0)
        assert np.all(steps >= -1e-12), steps.min()


CST = [-1, 0, 1, 0]


@pytest.mark.parametrize(
    "model",
    [
        MLPRegressor((16, 8), activation="tanh", monotonic_cst=CST),
        MLPRegressor((16,), activation="relu", monotonic_cst=CST),
        MLPRegressor((16,), activation="logistic", monotonic_cst=CST, dropout=0.1),
        LinearRegressor(monotonic_cst=CST),
    ],
    ids=["tanh-2-layers", "relu", "logistic-dropout", "linear"],
)
def test_regressor_is_monotone_in_each_constrained_column(model):
    X, y = _data()
    model.set_params(learning_rate=0.01, max_iter=60, random_state=0)
    _fit(model, X, y)
    _assert_monotone(model.predict, X, 0, -1)
    _assert_monotone(model.predict, X, 2, 1)
    # the unconstrained model is not monotone in x0 (the wiggles): the test bites
    if len(model.coefs_) > 1 and model.dropout == 0:
        free = _fit(clone(model).set_params(monotonic_cst=None), X, y)
        with pytest.raises(AssertionError):
            _assert_monotone(free.predict, X, 0, -1)
    assert model.score(X, y) > 0.1  # it learned, within its constraints


@pytest.mark.parametrize(
    "model",
    [
        MLPClassifier((12,), activation="tanh", monotonic_cst=CST),
        LinearClassifier(monotonic_cst=CST),
    ],
    ids=["mlp", "linear"],
)
def test_classifier_probability_is_monotone(model):
    X, y = _data()
    labels = (y > np.median(y)).astype(int)
    model.set_params(learning_rate=0.01, max_iter=60, random_state=0)
    _fit(model, X, labels)

    def proba(Z):
        return model.predict_proba(Z)[:, 1]

    _assert_monotone(proba, X, 0, -1)
    _assert_monotone(proba, X, 2, 1)


def test_multilabel_and_multi_output():
    X, y = _data()
    Y = np.column_stack([y, -y + X[:, 2]])
    reg = _fit(
        MLPRegressor(
            (8,),
            activation="tanh",
            monotonic_cst=[0, 0, 1, 0],
            max_iter=30,
            random_state=0,
        ),
        X,
        Y,
    )
    for k in range(2):
        _assert_monotone(lambda Z, k=k: reg.predict(Z)[:, k], X, 2, 1)
    labels = np.column_stack([y > 0, X[:, 2] > 0]).astype(int)
    clf = _fit(
        MLPClassifier(
            (8,),
            activation="tanh",
            monotonic_cst=[0, 0, 1, 0],
            max_iter=30,
            random_state=0,
        ),
        X,
        labels,
    )
    for k in range(2):
        _assert_monotone(lambda Z, k=k: clf.predict_proba(Z)[:, k], X, 2, 1)


def test_with_a_constraint_partial_fit_and_names():
    X, y = _data()
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    model = MLPRegressor(
        (8,),
        activation="tanh",
        monotonic_cst={"a": -1, "c": 1},
        constraint=MaxNorm(1.0),
        random_state=0,
    )
    for _ in range(3):
        model.partial_fit(frame, y)
    assert np.linalg.norm(model.coefs_[0], axis=0).max() <= 1.0 + 1e-9
    assert np.all(model.coefs_[0][0] <= 0) and np.all(model.coefs_[0][2] >= 0)
    assert np.all(model.coefs_[1] >= 0)
    _assert_monotone(
        lambda Z: model.predict(pd.DataFrame(Z, columns=frame.columns)), X, 0, -1
    )


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"monotonic_cst": [1, 0]}, "one of -1, 0, 1 per input column"),
        ({"monotonic_cst": [2, 0, 0, 0]}, "one of -1, 0, 1 per input column"),
        ({"monotonic_cst": [1, 0, 0, 0], "activation": "gelu"}, "non-decreasing"),
        ({"monotonic_cst": [1, 0, 0, 0], "optimizer": "lbfgs"}, "monotonic_cst"),
        ({"monotonic_cst": {"z": 1}}, "not among the feature names"),
    ],
)
def test_bad_monotonic_cst_raises(kwargs, match):
    X, y = _data()
    model = MLPRegressor((4,), **kwargs)
    with pytest.raises(ValueError, match=match):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")


def test_multiclass_and_frozen_layers_are_refused():
    X, y = _data()
    classes = np.digitize(y, np.quantile(y, [0.33, 0.66]))
    with pytest.raises(ValueError, match="multiclass"):
        MLPClassifier((4,), monotonic_cst=[1, 0, 0, 0]).fit(X, classes)
    start = Pretrained(
        coefs=[-np.ones((4, 3)), np.ones((3, 1))], intercepts=[np.zeros(3), np.zeros(1)]
    )
    model = MLPRegressor(
        (3,), initializer=start, frozen_layers=(0,), monotonic_cst=[1, 0, 0, 0]
    )
    with pytest.raises(ValueError, match="frozen layer 0"):
        model.fit(X, y)
