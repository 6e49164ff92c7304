"""The training loop's flat-array path against the per-array reference path."""

import warnings

import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skweights import (
    MLPClassifier,
    MLPRegressor,
    _training,
    activations,
    losses,
    optimizers,
    penalties,
)

MINIBATCH = [
    name
    for name in optimizers.REGISTRY.entries
    if not optimizers.REGISTRY.entries[name].full_batch
]


@pytest.fixture(scope="module")
def data():
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return X, (y - y.mean()) / y.std()


def _fit(model, X, y, fused, monkeypatch):
    """Fit with the fast path allowed (the default decision) or forbidden."""
    with monkeypatch.context() as patch:
        if not fused:
            patch.setattr(_training, "_flattenable", lambda objective, optimizer: False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return model.fit(X, y)


@pytest.mark.parametrize("name", MINIBATCH)
def test_fused_and_per_array_paths_give_the_same_weights(name, data, monkeypatch):
    X, y = data
    params = dict(
        hidden_layer_sizes=(16, 8),
        optimizer=name,
        learning_rate=1e-3,
        batch_size=32,
        max_iter=8,
        tol=0.0,
        random_state=0,
    )
    if name == "adamw":  # decay keeps AdamW off the fused path: compare without it
        params["optimizer"] = optimizers.AdamW(weight_decay=0.0)
    fused = _fit(MLPRegressor(**params), X, y, True, monkeypatch)
    reference = _fit(MLPRegressor(**params), X, y, False, monkeypatch)
    for a, b in zip(
        fused.coefs_ + fused.intercepts_, reference.coefs_ + reference.intercepts_
    ):
        # The same arithmetic on views of one array or on separate arrays: equal up
        # to BLAS's summation order (a wrong slot or step would differ by >1e-3).
        assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    assert_allclose(fused.loss_curve_, reference.loss_curve_, rtol=1e-9)


@pytest.mark.parametrize("name", MINIBATCH)
def test_every_elementwise_optimizer_takes_the_fused_path(name, data):
    """The engine asks the optimizer (``elementwise``); it names no class."""
    X, y = data
    model = MLPClassifier((4,), optimizer=name, max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y > 0)
    optimizer = optimizers.get(name)
    # When fused, coefs_ are views into one flat parameter array.
    fused = (
        model.coefs_[0].base is not None
        and model.coefs_[0].base is model.coefs_[1].base
    )
    assert fused == optimizer.elementwise
    assert fused == (name != "adamw")  # AdamW's default decay spares the biases


def test_lion_trains_an_estimator(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPRegressor(
            (16,), optimizer="lion", learning_rate=1e-3, max_iter=60, random_state=0
        ).fit(X, y)
    assert model.loss_curve_[-1] < 0.6 * model.loss_curve_[0]
    assert model.score(X, y) > 0.45  # Adam at its default rate: 0.44


# -- a frozen array keeps the fit off the flat array -----------------------------------
def _objective(penalty, coef_trainable=(True, True), intercept_trainable=(True, True)):
    from skweights._network import Objective

    return Objective(
        activation=activations.get("tanh"),
        loss=losses.get("squared_error"),
        penalty=penalty,
        coef_trainable=coef_trainable,
        intercept_trainable=intercept_trainable,
    )


def test_a_frozen_array_keeps_the_network_off_the_fused_flat_array():
    # _flattenable mutant 2: one flat array for the whole network would update a frozen
    # weight matrix whenever every intercept trains.
    from skweights._training import _flattenable

    adam = optimizers.get("adam")
    assert _flattenable(_objective(penalties.none()), adam)
    assert not _flattenable(_objective(penalties.none(), (False, True)), adam)
    assert not _flattenable(
        _objective(penalties.none(), (True, True), (True, False)), adam
    )
