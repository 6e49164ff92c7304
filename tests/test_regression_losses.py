"""Regression losses (poisson, gamma, huber, absolute_error, quantile) and loss=.

Each loss against a float64 reference formula, its gradient against finite
differences, and the estimators against scikit-learn's PoissonRegressor,
GammaRegressor, HuberRegressor and QuantileRegressor where the objectives coincide.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.special import xlogy
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import (
    GammaRegressor,
    HuberRegressor,
    PoissonRegressor,
    QuantileRegressor,
)
from sklearn.metrics import mean_pinball_loss

from skweights import LinearRegressor, MLPRegressor, explain, losses
from skweights.initializers import Pretrained
from skweights.losses import (
    AbsoluteError,
    GammaLoss,
    HuberLoss,
    PoissonLoss,
    QuantileLoss,
)


@dataclass(frozen=True)
class Case:
    """A loss object, its targets, a float64 reference and its smoothness."""

    name: str
    loss: losses.Loss
    targets: Callable[[np.random.Generator, tuple], np.ndarray]
    pointwise: Callable[[np.ndarray, np.ndarray], np.ndarray]
    predict: Callable[[np.ndarray], np.ndarray]
    link: str
    smooth: bool


def _huber(y, r, eps):
    a = np.abs(r - y)
    return np.sum(np.where(a <= eps, 0.5 * a**2, eps * a - 0.5 * eps**2), axis=1)


def _pinball(y, r, q):
    d = y - r
    return np.sum(np.where(d >= 0, q * d, (q - 1) * d), axis=1)


CASES = [
    Case(
        "poisson",
        PoissonLoss(),
        lambda rng, shape: rng.poisson(2.0, size=shape).astype(float),
        lambda y, r: np.sum(np.exp(r) - y * r + xlogy(y, y) - y, axis=1),
        np.exp,
        "exp",
        True,
    ),
    Case(
        "gamma",
        GammaLoss(),
        lambda rng, shape: rng.gamma(2.0, size=shape),
        lambda y, r: np.sum(r + y * np.exp(-r) - np.log(y) - 1, axis=1),
        np.exp,
        "exp",
        True,
    ),
    Case(
        "huber",
        HuberLoss(epsilon=0.7),
        lambda rng, shape: rng.normal(scale=2.0, size=shape),
        lambda y, r: _huber(y, r, 0.7),
        lambda r: r,
        "identity",
        True,
    ),
    Case(
        "absolute_error",
        AbsoluteError(),
        lambda rng, shape: rng.normal(scale=2.0, size=shape),
        lambda y, r: np.sum(np.abs(y - r), axis=1),
        lambda r: r,
        "identity",
        False,
    ),
    Case(
        "quantile",
        QuantileLoss(quantile=0.8),
        lambda rng, shape: rng.normal(scale=2.0, size=shape),
        lambda y, r: _pinball(y, r, 0.8),
        lambda r: r,
        "identity",
        False,
    ),
]
IDS = [case.name for case in CASES]


def _problem(case, seed, n=9, k=2, dtype=np.float64):
    rng = np.random.default_rng(seed)
    y = case.targets(rng, (n, k))
    raw = rng.normal(size=(n, k)).astype(dtype)
    w = rng.uniform(0.1, 3.0, size=n)
    return y, raw, w


def _numeric_gradient(loss, y, raw, w, h=1e-6):
    grad = np.zeros_like(raw)
    for idx in np.ndindex(raw.shape):
        up, down = raw.copy(), raw.copy()
        up[idx] += h
        down[idx] -= h
        grad[idx] = (loss.value(y, up, w) - loss.value(y, down, w)) / (2 * h)
    return grad


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_registry_name_builds_the_loss_with_its_link_and_smoothness(case):
    loss = losses.get(case.name)
    assert type(loss) is type(case.loss)
    assert loss.output_activation == case.link
    assert loss.smooth is case.smooth
    cloned = clone(case.loss)
    assert cloned == case.loss and cloned is not case.loss


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_pointwise_value_and_predict_match_reference(case):
    y, raw, w = _problem(case, 0)
    expected = case.pointwise(y, raw)
    assert_allclose(case.loss.pointwise(y, raw), expected, rtol=1e-12, atol=1e-14)
    assert case.loss.value(y, raw, w) == pytest.approx(
        np.sum(w * expected) / w.sum(), rel=1e-12
    )
    assert_allclose(case.loss.predict(raw), case.predict(raw), rtol=1e-14)
    values, grads = case.loss.pointwise_and_gradient(y, raw)
    assert_allclose(values, expected, rtol=1e-12, atol=1e-14)
    assert_allclose(grads, case.loss.gradient(y, raw), rtol=1e-14)


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("weighted", [False, True])
def test_gradient_matches_finite_differences(case, weighted):
    # Residuals are drawn away from the kinks of huber, absolute and quantile.
    y, raw, w = _problem(case, 1)
    w = w if weighted else None
    analytic = case.loss.weighted_gradient(y, raw, w)
    numeric = _numeric_gradient(case.loss, y, raw, w)
    assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_float32_stays_float32(case):
    y, raw, w = _problem(case, 2, dtype=np.float32)
    assert case.loss.pointwise(y, raw).dtype == np.float32
    assert case.loss.weighted_gradient(y, raw, w).dtype == np.float32
    assert case.loss.predict(raw).dtype == np.float32


def test_half_deviances_are_zero_at_a_perfect_fit():
    y = np.array([[0.0, 1.0], [3.0, 0.5]])
    mu = np.where(y > 0, y, 1.0)  # Poisson's optimum for y = 0 is mu -> 0
    assert_allclose(PoissonLoss().pointwise(y[1:], np.log(y[1:])), 0.0, atol=1e-15)
    assert PoissonLoss().pointwise([[0.0]], [[-50.0]])[0] == pytest.approx(
        np.exp(-50.0)
    )
    assert_allclose(GammaLoss().pointwise(mu, np.log(mu)), 0.0, atol=1e-15)


def test_huber_is_squared_error_inside_epsilon_and_linear_outside():
    y = np.zeros((3, 1))
    raw = np.array([[0.5], [2.0], [-3.0]])
    assert_allclose(
        HuberLoss(epsilon=1.0).pointwise(y, raw), [0.125, 1.5, 2.5], rtol=1e-15
    )
    assert_allclose(
        HuberLoss(epsilon=10.0).pointwise(y, raw),
        losses.SquaredError().pointwise(y, raw),
    )
    assert_allclose(HuberLoss(epsilon=1.0).gradient(y, raw), [[0.5], [1.0], [-1.0]])


def test_quantile_at_one_half_is_half_the_absolute_error():
    y, raw, _ = _problem(CASES[3], 3)
    assert_allclose(
        QuantileLoss(0.5).pointwise(y, raw), 0.5 * AbsoluteError().pointwise(y, raw)
    )


@pytest.mark.parametrize(
    "loss, y, match",
    [
        (PoissonLoss(), [[-1.0]], ">= 0"),
        (GammaLoss(), [[0.0]], "> 0"),
    ],
)
def test_target_domain_is_checked(loss, y, match):
    with pytest.raises(ValueError, match=match):
        loss.check_targets(y)


@pytest.mark.parametrize(
    "loss", [HuberLoss(epsilon=0), HuberLoss(epsilon=-1), QuantileLoss(quantile=1.0)]
)
def test_bad_loss_parameters_raise(loss):
    with pytest.raises(ValueError, match="epsilon|quantile"):
        loss.pointwise([[0.0]], [[1.0]])


# -- estimators -------------------------------------------------------------------


def _count_data(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    mu = np.exp(X @ np.array([0.4, -0.3, 0.2, 0.0]) + 0.3)
    return X, rng.poisson(mu).astype(float), rng.gamma(2.0, mu / 2.0)


@pytest.mark.parametrize("alpha", [1e-3, 0.1])
def test_linear_poisson_equals_poisson_regressor(alpha):
    X, y, _ = _count_data()
    ours = LinearRegressor(loss="poisson", penalty="l2", alpha=alpha, tol=1e-10)
    ours.fit(X, y)
    ref = PoissonRegressor(alpha=alpha, tol=1e-12, max_iter=1000).fit(X, y)
    assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    assert ours.intercept_ == pytest.approx(ref.intercept_, abs=1e-6)
    assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-6)
    assert ours.out_activation_ == "exp"


def test_weighted_linear_poisson_equals_poisson_regressor():
    X, y, _ = _count_data(seed=1)
    w = np.random.default_rng(1).uniform(0.2, 2.0, size=len(y))
    ours = LinearRegressor(loss="poisson", alpha=0.01, tol=1e-10)
    ours.fit(X, y, sample_weight=w)
    ref = PoissonRegressor(alpha=0.01, tol=1e-12, max_iter=1000)
    ref.fit(X, y, sample_weight=w)
    assert_allclose(ours.coef_, ref.coef_, atol=1e-6)


def test_mlp_poisson_without_hidden_layer_equals_poisson_regressor():
    # MLPRegressor always has a hidden layer; an identity activation with a
    # frozen identity first layer leaves the linear Poisson model.
    X, y, _ = _count_data()
    n = X.shape[1]
    ref = PoissonRegressor(alpha=1e-3, tol=1e-12, max_iter=1000).fit(X, y)
    start = Pretrained(
        coefs=[np.eye(n), np.zeros((n, 1))], intercepts=[np.zeros(n), np.zeros(1)]
    )
    mlp = MLPRegressor(
        hidden_layer_sizes=(n,),
        activation="identity",
        loss="poisson",
        initializer=start,
        frozen_layers=(0,),
        optimizer="lbfgs",
        alpha=1e-3,
        tol=1e-10,
        max_iter=1000,
    ).fit(X, y)
    # The frozen identity layer's weights add alpha/2 ||I||^2, a constant.
    assert_allclose(mlp.coefs_[1][:, 0], ref.coef_, atol=1e-6)
    assert_allclose(mlp.predict(X), ref.predict(X), rtol=1e-6)


def test_linear_gamma_equals_gamma_regressor():
    X, _, y = _count_data(seed=2)
    ours = LinearRegressor(loss="gamma", alpha=0.01, tol=1e-10).fit(X, y)
    ref = GammaRegressor(alpha=0.01, tol=1e-12, max_iter=1000).fit(X, y)
    assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-6)


def _outlier_data(seed=0, n=200):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 + rng.normal(scale=0.5, size=n)
    y[:10] += rng.choice([-20.0, 20.0], size=10)
    return X, y


def test_huber_equals_huber_regressor_at_its_estimated_scale():
    # HuberRegressor minimizes sum_i sigma + sigma H(r_i / sigma) + alpha ||w||^2
    # jointly in (w, sigma), with H = 2 h. At its sigma, its w minimizes our
    # mean h_{eps * sigma}(r_i) + (alpha * sigma / n) / 2 ||w||^2: the objectives
    # coincide there (and only there: skweights' epsilon is not scale-free).
    X, y = _outlier_data()
    ref = HuberRegressor(epsilon=1.35, alpha=1e-2, tol=1e-12, max_iter=5000)
    ref.fit(X, y)
    sigma, n = ref.scale_, len(y)
    ours = LinearRegressor(
        loss=HuberLoss(epsilon=1.35 * sigma),
        alpha=1e-2 * sigma / n,
        tol=1e-10,
    ).fit(X, y)
    assert_allclose(ours.coef_, ref.coef_, atol=1e-5)
    assert ours.intercept_ == pytest.approx(ref.intercept_, abs=1e-5)


def test_huber_is_robust_to_outliers_where_squared_error_is_not():
    X, y = _outlier_data(seed=1)
    truth = np.array([1.0, -2.0, 0.5])
    huber = LinearRegressor(loss="huber", alpha=1e-6).fit(X, y)
    squared = LinearRegressor(alpha=1e-6).fit(X, y)
    assert np.abs(huber.coef_ - truth).max() < np.abs(squared.coef_ - truth).max()
    assert np.abs(huber.coef_ - truth).max() < 0.15


@pytest.mark.parametrize("quantile", [0.2, 0.5, 0.9])
def test_quantile_loss_approaches_quantile_regressor(quantile):
    # Subgradient Adam cannot land exactly on the LP solution (what "auto"
    # solves), so compare the objective: within 2% of QuantileRegressor's optimum.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 2))
    y = X @ np.array([1.0, -1.0]) + rng.standard_exponential(size=400)
    ref = QuantileRegressor(quantile=quantile, alpha=0.0).fit(X, y)
    ours = LinearRegressor(
        loss=QuantileLoss(quantile=quantile),
        penalty="none",
        optimizer="adam",
        learning_rate=0.01,
        max_iter=300,
        n_iter_no_change=np.inf,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y)
    best = mean_pinball_loss(y, ref.predict(X), alpha=quantile)
    ours_loss = mean_pinball_loss(y, ours.predict(X), alpha=quantile)
    assert ours_loss <= best * 1.02
    coverage = np.mean(y <= ours.predict(X))
    assert coverage == pytest.approx(quantile, abs=0.05)


@pytest.mark.parametrize("loss", ["absolute_error", "quantile", AbsoluteError()])
@pytest.mark.parametrize("optimizer", ["lbfgs", "fista"])
def test_non_smooth_losses_are_refused_by_line_search_solvers(loss, optimizer):
    X, y = _outlier_data()
    model = LinearRegressor(loss=loss, optimizer=optimizer)
    with pytest.raises(ValueError, match="smooth.*optimizer='adam'"):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")


def test_auto_picks_a_subgradient_optimizer_for_non_smooth_losses():
    X, y = _outlier_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # Linear models with an elastic-net penalty are solved exactly ("lp",
        # "qp"); a coupling penalty keeps the minibatch rule.
        model = LinearRegressor(loss="absolute_error", penalty="group_l1", max_iter=50)
        model.fit(X, y)
    assert model.history_[-1]["learning_rate"] is not None  # a minibatch run
    smooth = LinearRegressor(loss="huber").fit(X, y)
    assert smooth.history_[-1]["learning_rate"] is None  # L-BFGS


@pytest.mark.parametrize("loss", ["poisson", "gamma"])
def test_targets_out_of_domain_raise_and_leave_the_model_unfitted(loss):
    X, y = _outlier_data()
    model = LinearRegressor(loss=loss)
    with pytest.raises(ValueError, match="needs targets"):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")


@pytest.mark.parametrize("loss", ["poisson", "gamma", "huber", "absolute_error"])
def test_multi_output_regression_with_every_loss(loss):
    X, y_count, y_gamma = _count_data()
    Y = np.column_stack([y_gamma, 2 * y_gamma]) if loss != "poisson" else None
    if loss == "poisson":
        Y = np.column_stack([y_count, y_count[::-1]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPRegressor((8,), loss=loss, max_iter=30, random_state=0).fit(X, Y)
    pred = model.predict(X)
    assert pred.shape == Y.shape and np.isfinite(pred).all()
    if loss in ("poisson", "gamma"):
        assert (pred > 0).all()


def test_mlp_poisson_learns_counts_better_than_the_mean():
    X, y, _ = _count_data(n=600)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPRegressor(
            (16,), loss="poisson", max_iter=200, learning_rate=0.01, random_state=0
        ).fit(X, y)
    dev = PoissonLoss().value(y[:, None], np.log(model.predict(X))[:, None])
    base = PoissonLoss().value(y[:, None], np.full((len(y), 1), np.log(y.mean())))
    assert dev < 0.8 * base
    assert model.out_activation_ == "exp"
    assert model.score(X, y) > 0.2


@pytest.mark.parametrize("loss", ["poisson", "gamma"])
@pytest.mark.parametrize("hidden", [False, True])
def test_explain_is_additive_in_margin_and_response_space(loss, hidden):
    X, y_count, y_gamma = _count_data()
    y = y_count if loss == "poisson" else y_gamma
    if hidden:
        model = MLPRegressor(
            (6,), activation="tanh", loss=loss, optimizer="lbfgs", random_state=0
        )
    else:
        model = LinearRegressor(loss=loss)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert_log_link_explanations_add_up(model, X)


def test_explain_response_of_an_identity_link_is_the_raw_output():
    X, y = _outlier_data()
    model = LinearRegressor(loss="huber").fit(X, y)
    raw = explain(model, X[:5], output="raw")
    response = explain(model, X[:5], output="response")
    assert_allclose(raw.values, response.values)
    with pytest.raises(ValueError, match="needs a classifier"):
        explain(model, X[:5], output="probability")


# -- piecewise-linear losses: slopes and the intercept they start from ---------------
@pytest.mark.parametrize("name", losses.REGISTRY.names)
def test_linear_slopes_describe_the_loss_exactly(name):
    loss = losses.get(name)
    slopes = loss.linear_slopes()
    assert (slopes is not None) == (type(loss) in (QuantileLoss, AbsoluteError))
    if slopes is None:
        assert loss.initial_intercept(np.ones((3, 1))) is None
        return
    rng = np.random.default_rng(0)
    y, raw = rng.normal(size=(50, 2)), rng.normal(size=(50, 2))
    r = y - raw
    a, b = slopes
    expected = (a * np.maximum(r, 0) + b * np.maximum(-r, 0)).sum(axis=1)
    assert_allclose(loss.pointwise(y, raw), expected, rtol=1e-14)


@pytest.mark.parametrize(
    "loss", [QuantileLoss(0.8), QuantileLoss(0.1), AbsoluteError()]
)
@pytest.mark.parametrize("weighted", [False, True])
def test_initial_intercept_is_the_best_constant(loss, weighted):
    # Brute force: the best constant is one of the targets.
    rng = np.random.default_rng(1)
    Y = np.column_stack([rng.normal(size=41), 100 + rng.exponential(size=41)])
    w = rng.uniform(0, 3, size=41) if weighted else None
    start = loss.initial_intercept(Y, w)
    assert start.shape == (2,) and start.dtype == Y.dtype
    for k in range(2):
        column = Y[:, k : k + 1]
        values = [loss.value(column, np.full_like(column, c), w) for c in Y[:, k]]
        best = loss.value(column, np.full_like(column, start[k]), w)
        assert best == pytest.approx(min(values), rel=1e-12)
    assert loss.initial_intercept(Y.astype(np.float32)).dtype == np.float32


def _linear_quantile_problem(n_train=1000, n_test=1000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_train + n_test, 4))
    y = 30 + X @ np.array([3.0, -2.0, 1.0, 0.5]) + 2 * rng.normal(size=len(X))
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


@pytest.mark.parametrize(
    "loss, level", [(QuantileLoss(0.8), 0.8), ("absolute_error", 0.5)]
)
def test_default_mlp_reaches_the_linear_optimum_on_a_linear_problem(loss, level):
    # With the intercepts started at zero, the default Adam run ended at held-out
    # losses of 0.93 (quantile, against 0.53) and 0.85 (absolute, against 0.78).
    X, y, X_test, y_test = _linear_quantile_problem()
    exact = LinearRegressor(loss=loss, penalty="none").fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPRegressor(loss=loss, random_state=0).fit(X, y)
    best = mean_pinball_loss(y_test, exact.predict(X_test), alpha=level)
    ours = mean_pinball_loss(y_test, mlp.predict(X_test), alpha=level)
    assert ours <= 1.05 * best
    coverage = np.mean(y_test <= mlp.predict(X_test))
    assert coverage == pytest.approx(level, abs=0.05)


def test_intercept_start_leaves_fixed_and_given_intercepts_alone():
    X, y, _, _ = _linear_quantile_problem(n_train=100, n_test=0)
    origin = LinearRegressor(
        loss="quantile", fit_intercept=False, max_iter=1, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert origin.fit(X, y).intercept_ == 0.0
        given = Pretrained(
            coefs=[np.zeros((4, 2)), np.zeros((2, 1))],
            intercepts=[np.zeros(2), np.array([-7.0])],
        )
        mlp = MLPRegressor(
            (2,), loss="quantile", initializer=given, optimizer="sgd", max_iter=1
        )
        mlp.set_params(learning_rate=1e-12).fit(X, y)
    assert mlp.intercepts_[-1][0] == pytest.approx(-7.0)
    assert mlp.history_[0]["loss"] == pytest.approx(np.mean(0.5 * np.abs(y + 7)))


def assert_log_link_explanations_add_up(model, X):
    """explain adds up to log(predict) in margin space and to predict in response
    space, and the response base value is the background's mean prediction (shared
    by every log-link loss's test)."""
    rows = X[:20]
    margin = explain(model, rows, background=X[:40], output="raw")
    assert_allclose(
        margin.values.sum(axis=1) + margin.base_values,
        np.log(model.predict(rows)),
        rtol=0,
        atol=1e-8,
    )
    response = explain(model, rows, background=X[:40], output="response")
    assert_allclose(
        response.values.sum(axis=1) + response.base_values,
        model.predict(rows),
        rtol=0,
        atol=1e-8,
    )
    assert response.base_values[0] == pytest.approx(model.predict(X[:40]).mean())
