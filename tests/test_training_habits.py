"""Schedules inside a fit (horizon, warm starts, adaptive) and scikit-learn habits."""

import math
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_diabetes, make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler
from test_training_loop import sgd_linear, standard_data

from skweights import (
    LinearClassifier,
    LinearRegressor,
    MLPClassifier,
    MLPRegressor,
    schedules,
)
from skweights.optimizers import SGD
from skweights.schedules import step


@pytest.fixture(autouse=True)
def _quiet_convergence():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="module")
def data():
    X, y = make_regression(n_samples=120, n_features=5, noise=1.0, random_state=0)
    return StandardScaler().fit_transform(X), y / y.std()


# Run exactly max_iter epochs: the tol rule never stops these fits.
ALL_EPOCHS = dict(tol=0.0, n_iter_no_change=10_000, random_state=0)


def _rates(model):
    return [r["learning_rate"] for r in model.history_[1:]]


# -- horizon ------------------------------------------------------------------------


def test_cosine_reaches_its_minimum_exactly_at_the_horizon():
    schedule = schedules.cosine(min_lr=0.01)
    state = schedule.init(0.1, horizon=40)
    rates = [schedule.value(state, t) for t in range(42)]
    assert rates[0] == 0.1
    assert all(a > b for a, b in zip(rates[:40], rates[1:41]))  # annealing...
    assert rates[39] > 0.01
    assert rates[40] == 0.01 == rates[41]  # ...to exactly min_lr at t = 40


def test_cosine_without_a_horizon_or_t_max_says_what_to_pass():
    schedule = schedules.cosine()
    with pytest.raises(ValueError, match="horizon"):
        schedule.value(schedule.init(0.1), 0)
    assert schedules.cosine(t_max=10).value(schedules.cosine(10).init(1.0), 10) == 0


@pytest.mark.parametrize("max_iter", [10, 40])
def test_cosine_in_a_fit_anneals_over_max_iter(data, max_iter):
    X, y = data
    model = MLPRegressor(
        (4,), schedule="cosine", learning_rate=0.01, max_iter=max_iter, **ALL_EPOCHS
    ).fit(X, y)
    rates = _rates(model)
    assert len(rates) == max_iter
    expected = [0.005 * (1 + math.cos(math.pi * t / max_iter)) for t in range(max_iter)]
    np.testing.assert_allclose(rates, expected, rtol=1e-12)
    # The minimum (0) is reached exactly at max_iter. A warm-started fit starts the
    # schedule again (it used to continue at rate 0, so the weights never moved):
    # it anneals anew over its own max_iter.
    before = [W.copy() for W in model.coefs_]
    model.set_params(warm_start=True, max_iter=4).fit(X, y)
    expected = [0.005 * (1 + math.cos(math.pi * t / 4)) for t in range(4)]
    np.testing.assert_allclose(_rates(model), expected, rtol=1e-12)
    assert all(not np.array_equal(W, V) for W, V in zip(model.coefs_, before))


# -- warm starts --------------------------------------------------------------------


def test_warm_start_continues_invscaling_like_one_long_fit(data):
    X, y = data
    params = dict(optimizer="sgd", schedule="invscaling", learning_rate=0.05)
    one = MLPRegressor((4,), max_iter=10, **params, **ALL_EPOCHS).fit(X, y)
    two = MLPRegressor((4,), max_iter=5, **params, **ALL_EPOCHS).fit(X, y)
    first = _rates(two)
    two.set_params(warm_start=True).fit(X, y)
    assert first + _rates(two) == _rates(one)
    np.testing.assert_allclose(
        _rates(one), [0.05 / math.sqrt(t + 1) for t in range(10)]
    )
    for W, V in zip(one.coefs_, two.coefs_):
        np.testing.assert_allclose(W, V, rtol=1e-10)


def test_the_issues_cosine_warm_start_trains_in_the_second_fit():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X / 16
    model = MLPClassifier(
        (16,),
        optimizer="sgd",
        schedule="cosine",
        learning_rate=0.05,
        max_iter=20,
        warm_start=True,
        random_state=0,
    ).fit(X, y)
    before = [W.copy() for W in model.coefs_]
    model.set_params(max_iter=10).fit(X, y)
    rates = _rates(model)
    assert rates[0] == 0.05 and all(r > 0 for r in rates)
    assert all(np.abs(W - V).max() > 1e-3 for W, V in zip(model.coefs_, before))


def test_partial_fit_after_fit_continues_the_fits_schedule(data):
    X, y = data
    model = MLPRegressor(
        (4,), schedule="invscaling", learning_rate=0.04, max_iter=3, **ALL_EPOCHS
    ).fit(X, y)
    model.partial_fit(X, y)
    assert _rates(model)[-1] == pytest.approx(0.04 / math.sqrt(4))


def test_warm_start_restarts_the_schedule_when_it_or_the_rate_changed(data):
    X, y = data
    model = MLPRegressor(
        (4,), schedule="invscaling", learning_rate=0.05, max_iter=4, **ALL_EPOCHS
    ).fit(X, y)
    model.set_params(warm_start=True, learning_rate=0.02).fit(X, y)
    np.testing.assert_allclose(
        _rates(model), [0.02 / math.sqrt(t + 1) for t in range(4)]
    )
    model.set_params(schedule="constant").fit(X, y)
    assert _rates(model) == [0.02] * 4


def test_partial_fit_continues_the_schedule(data):
    X, y = data
    model = MLPRegressor(
        (4,), schedule="invscaling", learning_rate=0.04, random_state=0
    )
    for _ in range(4):
        model.partial_fit(X, y)
    np.testing.assert_allclose(
        _rates(model), [0.04 / math.sqrt(t + 1) for t in range(4)]
    )


# -- adaptive -----------------------------------------------------------------------


@pytest.mark.parametrize("early_stopping", [False, True])
def test_adaptive_cuts_the_rate_until_it_runs_out_before_the_tol_rule_stops(
    early_stopping,
):
    """scikit-learn's habit: on a plateau (of the training loss, or of the
    validation score with early stopping) the rate is divided by 5, and training
    stops once it is tiny, not at the first plateaus."""
    X, y = load_diabetes(return_X_y=True)
    X, y = StandardScaler().fit_transform(X), (y - y.mean()) / y.std()
    model = MLPRegressor(
        (16,),
        optimizer="sgd",
        schedule="adaptive",
        learning_rate=0.3 if not early_stopping else 0.1,
        early_stopping=early_stopping,
        max_iter=1000,
        random_state=0,
    ).fit(X, y)
    rates = _rates(model)
    cuts = sum(b < a for a, b in zip(rates, rates[1:]))
    assert cuts >= 5
    for a, b in zip(rates, rates[1:]):
        assert b == a or b == pytest.approx(a * 0.2)
    # training ended because the rate ran out (1e-6), not by the tol rule
    assert model._training_state.schedule_state.learning_rate < 1e-6
    assert model.n_iter_ < 1000


# -- scikit-learn habits ------------------------------------------------------------


@pytest.mark.parametrize("name", ["adaptive", "invscaling", "constant", "cosine"])
def test_a_schedule_name_as_learning_rate_points_to_schedule(data, name):
    X, y = data
    with pytest.raises(ValueError, match=f"pass schedule='{name}'"):
        MLPRegressor(learning_rate=name).fit(X, y)
    with pytest.raises(ValueError, match="learning_rate.*real number"):
        LinearRegressor(learning_rate="fast").fit(X, y)


def test_loss_is_the_last_epochs_objective(data):
    X, y = data
    model = MLPRegressor((4,), max_iter=7, **ALL_EPOCHS).fit(X, y)
    assert model.loss_ == model.loss_curve_[-1] == model.history_[-1]["loss"]
    assert len(model.loss_curve_) == model.n_iter_ == 7


def test_mlp_regressor_ravels_a_column_vector_y_like_scikit_learn(data):
    X, y = data
    model = MLPRegressor((4,), max_iter=5, random_state=0)
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        model.fit(X, y.reshape(-1, 1))
    assert model.predict(X).shape == (len(X),)
    flat = clone(model).fit(X, y)
    np.testing.assert_array_equal(model.predict(X), flat.predict(X))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataConversionWarning)
        linear = LinearRegressor().fit(X, y.reshape(-1, 1))  # keeps the column
    assert linear.predict(X).shape == (len(X), 1)
    two = MLPRegressor((4,), max_iter=2).fit(X, np.c_[y, y])
    assert two.predict(X).shape == (len(X), 2)


@pytest.mark.parametrize(
    "estimator",
    [
        MLPClassifier((4,), optimizer="sgd", max_iter=20, random_state=0),
        LinearClassifier(optimizer="sgd", max_iter=20),
    ],
)
def test_grid_search_over_optimizer_momentum_with_a_string_optimizer(estimator):
    X, y = make_classification(n_samples=90, random_state=0)
    search = GridSearchCV(estimator, {"optimizer__momentum": [0.0, 0.9]}, cv=2)
    search.fit(X, y)
    assert estimator.optimizer == "sgd"  # the original is untouched
    assert search.best_params_["optimizer__momentum"] in (0.0, 0.9)
    best = search.best_estimator_.optimizer
    assert (
        isinstance(best, SGD)
        and best.momentum == search.best_params_["optimizer__momentum"]
    )
    momenta = [
        type(p).__name__ for p in search.cv_results_["param_optimizer__momentum"]
    ]
    assert len(momenta) == 2


def test_nested_keys_resolve_every_named_component():
    model = MLPRegressor(activation="leaky_relu", schedule="invscaling").set_params(
        schedule__power_t=0.25, optimizer__beta_1=0.8, activation__negative_slope=0.1
    )
    assert model.schedule.power_t == 0.25
    assert model.optimizer.beta_1 == 0.8
    assert model.activation.negative_slope == 0.1
    params = model.get_params()
    assert params["schedule__power_t"] == 0.25 and params["optimizer__beta_1"] == 0.8
    assert clone(model).get_params()["optimizer__beta_1"] == 0.8


def test_nested_optimizer_key_with_auto_says_to_name_the_optimizer():
    X, y = make_classification(n_samples=60, random_state=0)
    model = LinearClassifier()  # optimizer="auto"
    with pytest.raises(ValueError, match="optimizer='auto'.*optimizer='sgd'"):
        model.set_params(optimizer__momentum=0.9)
    assert model.optimizer == "auto"
    grid = {"optimizer": ["sgd"], "optimizer__momentum": [0.5, 0.9]}
    search = GridSearchCV(model.set_params(max_iter=10), grid, cv=2).fit(X, y)
    assert search.best_estimator_.optimizer.momentum in (0.5, 0.9)


def test_penalty_is_not_resolved_by_a_nested_key():
    with pytest.raises(AttributeError):
        MLPRegressor().set_params(penalty__alpha=1.0)


# -- the schedule's first epoch inside a fit -------------------------------------------
def test_first_epoch_uses_the_configured_rate():
    # From zero weights, one full-batch SGD epoch on 0.5 * mean(r^2) moves the
    # weights to lr * mean(y x) and the intercept to lr * mean(y); the second epoch
    # uses lr * drop. Off by one epoch, the first step is lr * drop (half of it).
    X, y = standard_data(n=40)
    lr = 0.1
    halving = step(drop=0.5, every=1)
    one = sgd_linear(
        batch_size=len(X), learning_rate=lr, schedule=halving, max_iter=1
    ).fit(X, y)
    w1 = lr * (X * y[:, None]).mean(axis=0)
    b1 = lr * y.mean()
    np.testing.assert_allclose(one.coef_, w1, rtol=1e-12)
    np.testing.assert_allclose(one.intercept_, b1, rtol=1e-12)
    two = clone(one).set_params(max_iter=2).fit(X, y)
    residual = X @ w1 + b1 - y
    w2 = w1 - lr * 0.5 * (X * residual[:, None]).mean(axis=0)
    b2 = b1 - lr * 0.5 * residual.mean()
    np.testing.assert_allclose(two.coef_, w2, rtol=1e-12)
    np.testing.assert_allclose(two.intercept_, b2, rtol=1e-12)
