"""Dropout on the MLPs: the masked gradients against finite differences (numpy and
fused paths), reproducibility, predict and explain without dropout, and the
optimizers, partial_fit and warm starts it works with."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning

from skweights import (
    MLPClassifier,
    MLPRegressor,
    _jit,
    _kernels,
    activations,
    explain,
    losses,
    penalties,
)
from skweights._network import DropoutMasks, Objective, Workspace, forward
from skweights._training import _dropout_masks


def _data(n=240, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    return X, 2.0 * X[:, 0] + np.sin(2 * X[:, 1]) + rng.normal(0, 0.1, n)


def _fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def _network(rng, sizes=(4, 6, 5, 2)):
    coefs = [rng.normal(size=(a, b)) / np.sqrt(a) for a, b in zip(sizes, sizes[1:])]
    intercepts = [0.1 * rng.normal(size=b) for b in sizes[1:]]
    return coefs, intercepts


@pytest.mark.parametrize("activation", ["tanh", "relu", "gelu", "logistic"])
@pytest.mark.parametrize("fused", [False, True])
def test_masked_gradients_match_finite_differences(activation, fused):
    rng = np.random.default_rng(1)
    coefs, intercepts = _network(rng)
    X, Y = rng.normal(size=(9, 4)), rng.normal(size=(9, 2))
    scale = np.full(9, 1 / 9)
    masks = _dropout_masks((0.3, 0.5, 0.4), coefs, 9, np.random.default_rng(2))
    assert all(m is not None for m in masks.masks)
    objective = Objective(
        activations.get(activation),
        losses.get("squared_error"),
        penalties.get("none"),
        (True,) * 3,
        (True,) * 3,
    )
    workspace = None
    if fused:
        workspace = Workspace([4, 6, 5, 2], 9, np.float64)
        workspace.use_kernels(_kernels.plan(objective, None, np.float64, flat=False))
        assert workspace.kernels is not None

    def value(cs, bs):
        return objective.data_value_and_grads(cs, bs, X, Y, scale, None, masks)[0]

    _, coef_grads, intercept_grads = objective.data_value_and_grads(
        coefs, intercepts, X, Y, scale, workspace, masks
    )
    h = 1e-6
    for arrays, grads in ((coefs, coef_grads), (intercepts, intercept_grads)):
        for array, grad in zip(arrays, grads):
            numeric = np.zeros_like(array)
            for idx in np.ndindex(array.shape):
                old = array[idx]
                array[idx] = old + h
                up = value(coefs, intercepts)
                array[idx] = old - h
                down = value(coefs, intercepts)
                array[idx] = old
                numeric[idx] = (up - down) / (2 * h)
            assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)
    # dropped units get no gradient: a dropped input's row of W0 stays at zero
    dropped = masks.masks[0] == 0
    assert dropped.any()


def test_masks_are_inverted_dropout():
    rng = np.random.default_rng(3)
    coefs, _ = _network(rng, (50, 40, 1))
    masks = _dropout_masks((0.2, 0.5), coefs, 4000, rng)
    for mask, keep in zip(masks.masks, masks.keeps):
        assert set(np.unique(mask)) == {0.0, 1 / keep}
        assert mask.mean() == pytest.approx(1.0, abs=0.02)  # expected input kept
    assert _dropout_masks((0.0, 0.0), coefs, 10, rng) is None


def test_reproducible_changes_training_and_predicts_without_dropout():
    X, y = _data()
    kw = dict(learning_rate=0.01, max_iter=20, random_state=0)
    a = _fit(MLPRegressor((16,), dropout=0.3, input_dropout=0.1, **kw), X, y)
    b = _fit(MLPRegressor((16,), dropout=0.3, input_dropout=0.1, **kw), X, y)
    plain = _fit(MLPRegressor((16,), **kw), X, y)
    other = _fit(
        MLPRegressor(
            (16,), dropout=0.3, input_dropout=0.1, **{**kw, "random_state": 1}
        ),
        X,
        y,
    )
    for Wa, Wb in zip(a.coefs_, b.coefs_):
        assert_array_equal(Wa, Wb)
    assert np.abs(a.coefs_[0] - plain.coefs_[0]).max() > 1e-3
    assert np.abs(a.coefs_[0] - other.coefs_[0]).max() > 1e-3
    # predict: the plain forward pass, the same at every call
    expected = forward(a.coefs_, a.intercepts_, X, activations.get("relu"))[-1][:, 0]
    assert_array_equal(a.predict(X), a.predict(X))
    assert_allclose(a.predict(X), expected, rtol=1e-12)
    shap = explain(a, X[:10], background=X[:30])
    assert_allclose(
        shap.values.sum(axis=1) + shap.base_values, a.predict(X[:10]), atol=1e-8
    )


def test_fused_path_equals_the_numpy_path():
    X, y = _data()
    kw = dict(dropout=[0.3, 0.2], input_dropout=0.2, max_iter=5, random_state=0)
    fused = _fit(MLPRegressor((8, 6), **kw), X, y)
    with _jit.disabled():
        reference = _fit(MLPRegressor((8, 6), **kw), X, y)
    for a, b in zip(fused.coefs_, reference.coefs_):
        assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop", "adagrad", "adamw"])
def test_every_minibatch_optimizer_and_partial_fit(optimizer):
    X, y = _data()
    model = MLPRegressor(
        (8,), dropout=0.2, optimizer=optimizer, learning_rate=0.01, random_state=0
    )
    twin = MLPRegressor(
        (8,), dropout=0.2, optimizer=optimizer, learning_rate=0.01, random_state=0
    )
    for _ in range(3):
        model.partial_fit(X, y)
        twin.partial_fit(X, y)
    assert_array_equal(model.coefs_[0], twin.coefs_[0])
    assert np.isfinite(model.predict(X)).all()


def test_warm_start_continues_reproducibly():
    X, y = _data()

    def run():
        model = MLPRegressor(
            (8,), dropout=0.3, max_iter=5, warm_start=True, random_state=0
        )
        _fit(model, X, y)
        return _fit(model, X, y)

    assert_array_equal(run().coefs_[0], run().coefs_[0])


@pytest.mark.parametrize("optimizer", ["lbfgs", "fista"])
def test_full_batch_solvers_refuse_dropout(optimizer):
    X, y = _data()
    model = MLPRegressor((8,), dropout=0.2, optimizer=optimizer)
    with pytest.raises(ValueError, match="dropout.*minibatch optimizer"):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"dropout": 1.0}, "'dropout' parameter"),
        ({"dropout": -0.1}, "'dropout' parameter"),
        ({"input_dropout": 1.5}, "'input_dropout' parameter"),
        ({"dropout": [0.1, 0.2]}, "dropout has 2 rates but the network has 1"),
    ],
)
def test_bad_rates_raise(kwargs, match):
    X, y = _data()
    with pytest.raises(ValueError, match=match):
        MLPRegressor((8,), **kwargs).fit(X, y)


def test_classifier_and_sparse_input():
    X, y = _data()
    labels = (y > 0).astype(int)

    def fit(data):
        model = MLPClassifier(
            (8,),
            dropout=0.3,
            input_dropout=0.2,
            learning_rate=0.02,
            max_iter=50,
            random_state=0,
        )
        return _fit(model, data, labels)

    clf, sparse = fit(X), fit(sp.csr_matrix(X))
    for a, b in zip(clf.coefs_, sparse.coefs_):  # the same masks, CSR or dense
        assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert clf.score(X, labels) > 0.8
    assert_array_equal(clf.predict_proba(X), clf.predict_proba(X))


def test_dropout_masks_type():
    masks = DropoutMasks([None, np.ones((2, 3))], [1.0, 1.0])
    X = np.ones((2, 4))
    assert masks.mask_input(X) is X
