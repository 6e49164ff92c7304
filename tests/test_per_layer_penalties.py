"""Per-layer penalties: one penalty per weight matrix, in estimators and engine."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skweights import LinearRegressor, MLPClassifier, MLPRegressor, penalties
from skweights._network import Objective
from skweights.activations import ReLU
from skweights.losses import get as get_loss


@pytest.fixture(scope="module")
def data():
    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


def _fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


PARAMS = dict(hidden_layer_sizes=(8,), max_iter=15, tol=0.0, random_state=0)


@pytest.mark.parametrize("name", ["l1", "l2", "elasticnet", "none"])
@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_the_same_penalty_per_layer_equals_one_penalty(name, optimizer, data):
    """A list repeating one penalty is the single penalty, bitwise."""
    X, y = data
    params = dict(PARAMS, optimizer=optimizer, alpha=1e-2)
    single = _fit(MLPRegressor(penalty=name, **params), X, y)
    listed = _fit(MLPRegressor(penalty=[name, name], **params), X, y)
    for a, b in zip(
        single.coefs_ + single.intercepts_, listed.coefs_ + listed.intercepts_
    ):
        assert_array_equal(a, b)
    assert single.loss_curve_ == listed.loss_curve_


def test_penalize_only_the_input_layer(data):
    """["l1", None]: exact zeros in the first layer only; only its penalty counts."""
    X, y = data
    model = _fit(MLPRegressor(penalty=["l1", None], alpha=0.05, **PARAMS), X, y)
    assert np.count_nonzero(model.coefs_[0] == 0) > 0
    assert np.count_nonzero(model.coefs_[1] == 0) == 0
    # With no penalty on it, the output layer trains as with penalty "none" there.
    unpenalized = _fit(MLPRegressor(penalty="none", **PARAMS), X, y)
    assert not np.allclose(model.coefs_[0], unpenalized.coefs_[0])
    # The recorded objective holds the first layer's penalty and nothing of the last.
    objective = Objective(
        ReLU(),
        get_loss("squared_error"),
        (penalties.L1(0.05), penalties.NoPenalty()),
        (True, True),
        (True, True),
    )
    first_only = objective.penalty_value(model.coefs_)
    assert_allclose(first_only, 0.05 * np.abs(model.coefs_[0]).sum(), rtol=1e-12)
    assert objective.penalty_value(model.coefs_, "smooth") == 0.0
    assert objective.penalty_value(model.coefs_, "nonsmooth") == first_only


def test_mixed_smooth_and_nonsmooth_layers_gradient(data):
    """An L2 layer's penalty is in the gradient, an L1 layer's in the prox."""
    rng = np.random.default_rng(0)
    coefs = [rng.normal(size=(3, 4)), rng.normal(size=(4, 1))]
    objective = Objective(
        ReLU(),
        get_loss("squared_error"),
        (penalties.L1(0.3), penalties.L2(0.7)),
        (True, True),
        (True, True),
    )
    grads = [np.zeros((3, 4)), np.zeros((4, 1))]
    objective.add_penalty_grad(coefs, grads)
    assert_array_equal(grads[0], 0.0)  # the L1 layer: its prox, not its gradient
    assert_allclose(grads[1], 0.7 * coefs[1], rtol=1e-15)
    assert not objective.smooth_penalty
    assert objective.array_penalties() == [
        penalties.L1(0.3),
        None,
        penalties.L2(0.7),
        None,
    ]


def test_penalty_objects_keep_their_own_alpha_and_names_take_the_estimators(data):
    X, y = data
    model = MLPRegressor(penalty=[penalties.L2(alpha=3.0), "l2"], alpha=0.5)
    assert model._resolve_penalty() == (penalties.L2(3.0), penalties.L2(0.5))


def test_wrong_lengths_and_full_batch_l1_are_refused_and_nothing_is_lost(data):
    X, y = data
    fitted = _fit(MLPRegressor(**PARAMS), X, y)
    before = [W.copy() for W in fitted.coefs_]
    with pytest.raises(ValueError, match="penalty has 3 entries but the network has 2"):
        fitted.set_params(penalty=["l2", "l2", "l2"]).fit(X, y)
    with pytest.raises(ValueError, match="empty list"):
        MLPRegressor(penalty=[]).fit(X, y)
    with pytest.raises(ValueError, match="per-layer penalties with an L1 part"):
        MLPRegressor((4,), penalty=["l1", "l2"], optimizer="lbfgs").fit(X, y)
    for a, b in zip(before, fitted.coefs_):
        assert_array_equal(a, b)


def test_smooth_per_layer_penalties_work_with_lbfgs_and_linear_models(data):
    X, y = data
    model = _fit(
        MLPClassifier(
            (4,), penalty=["l2", None], optimizer="lbfgs", max_iter=30, random_state=0
        ),
        X,
        y > 0,
    )
    assert model.n_iter_ > 1
    linear = LinearRegressor(penalty=["l1"], alpha=0.1).fit(X, y)
    assert_array_equal(
        linear.coef_, LinearRegressor(penalty="l1", alpha=0.1).fit(X, y).coef_
    )


def test_regularization_path_of_a_per_layer_penalty(data):
    """The grid follows the layer with an L1 part; zeros grow with alpha there only."""
    from skweights.inspection import regularization_path

    X, y = data
    model = MLPRegressor((6,), penalty=["l1", None], max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        path = regularization_path(model, X, y, n_alphas=3)
    first_layer_zeros = [int((ws[0] == 0).sum()) for ws in path.weights]
    assert first_layer_zeros == sorted(first_layer_zeros, reverse=True)
    assert first_layer_zeros[0] > X.shape[1] * 6 / 2 > first_layer_zeros[-1]
    assert all(np.count_nonzero(ws[1]) == 6 for ws in path.weights)
