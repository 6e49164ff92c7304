"""Finite-difference checks of the whole network's objective (the engine's math)."""

import numpy as np
import pytest

from skweights import activations, losses, penalties
from skweights._network import Objective, backward, forward, sample_scale

ACTIVATIONS = sorted(activations.REGISTRY.entries)
# (loss name, number of outputs, how to draw targets)
PROBLEMS = {
    "regression": ("squared_error", 1),
    "multi_output_regression": ("squared_error", 3),
    "binary": ("log_loss", 1),
    "multiclass": ("multinomial_log_loss", 4),
}


def _targets(problem, n, rng):
    loss_name, k = PROBLEMS[problem]
    if problem == "binary":
        return rng.integers(0, 2, size=(n, 1)).astype(float)
    if problem == "multiclass":
        return np.eye(k)[rng.integers(0, k, size=n)]
    return rng.normal(size=(n, k))


def _network(rng, sizes):
    coefs = [rng.normal(scale=0.7, size=s) for s in zip(sizes[:-1], sizes[1:])]
    intercepts = [rng.normal(scale=0.3, size=n) for n in sizes[1:]]
    return coefs, intercepts


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("problem", list(PROBLEMS))
@pytest.mark.parametrize("hidden", [(), (5, 4)])
def test_objective_gradient_matches_finite_differences(activation, problem, hidden):
    rng = np.random.default_rng(0)
    n, n_features = 9, 3
    loss_name, k = PROBLEMS[problem]
    X = rng.normal(size=(n, n_features))
    Y = _targets(problem, n, rng)
    weights = rng.uniform(0.2, 3.0, size=n)
    scale = sample_scale(weights, weights.mean())
    coefs, intercepts = _network(rng, [n_features, *hidden, k])
    objective = Objective(
        activation=activations.get(activation),
        loss=losses.get(loss_name),
        penalty=penalties.get("l2", alpha=0.3),
        coef_trainable=(True,) * len(coefs),
        intercept_trainable=(True,) * len(coefs),
    )
    _, coef_grads, intercept_grads = objective.smooth_value_and_grads(
        coefs, intercepts, X, Y, scale
    )

    def value():
        return objective.smooth_value_and_grads(coefs, intercepts, X, Y, scale)[0]

    eps = 1e-6
    for arrays, grads in ((coefs, coef_grads), (intercepts, intercept_grads)):
        for array, grad in zip(arrays, grads):
            numeric = np.zeros_like(array)
            for idx in np.ndindex(array.shape):
                original = array[idx]
                array[idx] = original + eps
                up = value()
                array[idx] = original - eps
                down = value()
                array[idx] = original
                numeric[idx] = (up - down) / (2 * eps)
            scale_ = max(np.abs(numeric).max(), 1e-8)
            assert np.abs(grad - numeric).max() / scale_ < 1e-6


def test_objective_value_is_weighted_mean_plus_penalty():
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(6, 2)), rng.normal(size=(6, 1))
    w = rng.uniform(0.5, 2, size=6)
    coefs, intercepts = _network(rng, [2, 1])
    objective = Objective(
        activations.get("identity"),
        losses.get("squared_error"),
        penalties.get("l2", alpha=0.5),
        (True,),
        (True,),
    )
    value, _, _ = objective.smooth_value_and_grads(coefs, intercepts, X, Y, w / w.sum())
    residual = Y - (X @ coefs[0] + intercepts[0])
    expected = np.sum(w * 0.5 * residual[:, 0] ** 2) / w.sum()
    expected += 0.5 * 0.5 * np.sum(coefs[0] ** 2)
    assert value == pytest.approx(expected, rel=1e-12)


def test_frozen_layers_get_no_gradient_and_lower_layers_are_not_visited():
    rng = np.random.default_rng(2)
    coefs, intercepts = _network(rng, [3, 4, 2])
    X = rng.normal(size=(5, 3))
    acts = forward(coefs, intercepts, X, activations.get("tanh"))
    delta = rng.normal(size=(5, 2))
    coef_grads, intercept_grads = backward(
        coefs, acts, delta, activations.get("tanh"), (False, True), (False, True)
    )
    assert coef_grads[0] is None and intercept_grads[0] is None
    np.testing.assert_allclose(coef_grads[1], acts[1].T @ delta)


def test_forward_accepts_sparse_input_and_matches_dense():
    sparse = pytest.importorskip("scipy.sparse")
    rng = np.random.default_rng(3)
    X = rng.normal(size=(6, 4)) * (rng.random((6, 4)) > 0.5)
    coefs, intercepts = _network(rng, [4, 3, 2])
    act = activations.get("relu")
    dense = forward(coefs, intercepts, X, act)[-1]
    np.testing.assert_allclose(
        forward(coefs, intercepts, sparse.csr_matrix(X), act)[-1], dense
    )
