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


# -- Workspace and backward dtypes, Objective's penalty parts and entries --------------
def test_fused_gradients_keep_the_training_dtype():
    # Workspace.flatten_gradients mutants 8, 10: the flat gradient buffer is in the
    # training dtype (float32 stays float32; no float64 copy of every gradient).
    from skweights._network import Workspace

    workspace = Workspace([3, 4, 2], 5, np.float32)
    workspace.flatten_gradients()
    assert workspace.flat_grads[0].dtype == np.float32
    assert all(g.dtype == np.float32 for g in workspace.coef_grads)
    assert workspace.flat_grads[0].size == 3 * 4 + 4 + 4 * 2 + 2


def test_smooth_objective_leaves_out_a_nonsmooth_penalty_entirely():
    # Objective.smooth_value_and_grads mutant 19: the whole penalty value was added.
    # An elastic net is applied by the proximal step, its L2 part included.
    from skweights._network import Objective

    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(20, 3)), rng.normal(size=(20, 1))
    coefs, intercepts = [rng.normal(size=(3, 1))], [np.zeros(1)]
    penalty = penalties.elasticnet(alpha=0.5, l1_ratio=0.25)
    scale = np.full(20, 1 / 20)

    def objective(pen):
        return Objective(
            activation=activations.get("identity"),
            loss=losses.get("squared_error"),
            penalty=pen,
            coef_trainable=(True,),
            intercept_trainable=(True,),
        )

    data_only, smooth = objective(penalties.none()), objective(penalty)
    data_value = data_only.smooth_value_and_grads(coefs, intercepts, X, Y, scale)[0]
    value = smooth.smooth_value_and_grads(coefs, intercepts, X, Y, scale)[0]
    assert value == data_value
    l2 = objective(penalties.l2(alpha=0.5))
    value = l2.smooth_value_and_grads(coefs, intercepts, X, Y, scale)[0]
    l2_part = 0.5 * 0.5 * float(np.sum(coefs[0] ** 2))
    assert value == pytest.approx(data_value + l2_part, rel=1e-12)


def test_frozen_arrays_get_no_penalty_entry():
    # Objective.array_penalties mutants 11, 15: a frozen weight or intercept got an
    # entry, which shifts every later array's penalty (the optimizer zips them).
    from skweights._network import Objective

    l1, l2 = penalties.l1(alpha=0.1), penalties.l2(alpha=0.2)
    objective = Objective(
        activation=activations.get("relu"),
        loss=losses.get("squared_error"),
        penalty=(l1, l2),
        coef_trainable=(False, True),
        intercept_trainable=(False, True),
    )
    assert objective.array_penalties() == [l2, None]
    objective = Objective(
        activation=activations.get("relu"),
        loss=losses.get("squared_error"),
        penalty=(l1, l2),
        coef_trainable=(True, True),
        intercept_trainable=(False, True),
    )
    assert objective.array_penalties() == [l1, l2, None]


def _objective(penalty, coef_trainable=(True, True), intercept_trainable=(True, True)):
    from skweights._network import Objective

    return Objective(
        activation=activations.get("tanh"),
        loss=losses.get("squared_error"),
        penalty=penalty,
        coef_trainable=coef_trainable,
        intercept_trainable=intercept_trainable,
    )


def test_penalty_value_defaults_to_every_layer():
    # Objective.penalty_value mutants 1, 2, 15, 16: "all" is the default part.
    rng = np.random.default_rng(0)
    coefs = [rng.normal(size=(3, 4)), rng.normal(size=(4, 1))]
    l1, l2 = penalties.l1(alpha=0.3), penalties.l2(alpha=0.7)
    objective = _objective((l1, l2))
    expected = l1.value(coefs[0]) + l2.value(coefs[1])
    assert objective.penalty_value(coefs) == pytest.approx(expected, rel=1e-12)
    assert objective.penalty_value(coefs, "smooth") == pytest.approx(l2.value(coefs[1]))
    assert objective.penalty_value(coefs, "nonsmooth") == pytest.approx(
        l1.value(coefs[0])
    )


def test_reference_backward_keeps_float32_and_frozen_intercepts_need_no_stop():
    # backward mutants 51, 53 (float64 ones for the bias gradient without a
    # workspace) and 7 (a layer counted as needed only if both of its arrays train:
    # a frozen intercept would stop back-propagation before a trained weight).
    rng = np.random.default_rng(0)
    coefs = [rng.normal(size=(3, 4)).astype(np.float32), rng.normal(size=(4, 1))]
    coefs[1] = coefs[1].astype(np.float32)
    intercepts = [np.zeros(4, np.float32), np.zeros(1, np.float32)]
    X = rng.normal(size=(10, 3)).astype(np.float32)
    Y = rng.normal(size=(10, 1)).astype(np.float32)
    scale = np.full(10, 0.1, np.float32)
    objective = _objective(penalties.none())
    _, coef_grads, intercept_grads = objective.data_value_and_grads(
        coefs, intercepts, X, Y, scale
    )
    assert all(g.dtype == np.float32 for g in coef_grads + intercept_grads)
    frozen_bias = _objective(penalties.none(), (True, True), (False, True))
    _, frozen_coef_grads, frozen_intercept_grads = frozen_bias.data_value_and_grads(
        coefs, intercepts, X, Y, scale
    )
    assert frozen_intercept_grads[0] is None
    np.testing.assert_allclose(frozen_coef_grads[0], coef_grads[0], rtol=1e-6)
