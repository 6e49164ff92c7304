"""TweedieLoss: scikit-learn's TweedieRegressor, its integer limits, L1, partial_fit,
the fused kernel and explain (the loss's gradient check is in test_losses.py)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import TweedieRegressor
from test_regression_losses import assert_log_link_explanations_add_up

from skweights import LinearRegressor, MLPRegressor, _jit, losses
from skweights.losses import GammaLoss, PoissonLoss, SquaredError, TweedieLoss

POWERS = [0, 1.5, 2, 3]


def _data(power, n=300, seed=0):
    """Features and targets in the power's domain (exact zeros for 1 <= p < 2)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    mu = np.exp(X @ np.array([0.4, -0.3, 0.2, 0.0]) + 0.3)
    if power == 0:
        return X, mu + rng.normal(scale=0.5, size=n)
    if power < 2:  # compound Poisson-Gamma
        return X, rng.poisson(mu).astype(float) * rng.gamma(2.0, 0.5, size=n)
    return X, rng.gamma(2.0, mu / 2.0)


@pytest.mark.parametrize("alpha", [1e-3, 0.1])
@pytest.mark.parametrize("power", POWERS)
def test_linear_tweedie_equals_tweedie_regressor(power, alpha):
    # Both minimize the mean half deviance + alpha / 2 ||w||^2.
    X, y = _data(power)
    ref = TweedieRegressor(
        power=power, alpha=alpha, link="log", solver="lbfgs", tol=1e-12, max_iter=10**4
    ).fit(X, y)
    ours = LinearRegressor(loss=TweedieLoss(power=power), alpha=alpha, tol=1e-10)
    ours.fit(X, y)
    assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    assert ours.intercept_ == pytest.approx(ref.intercept_, abs=1e-6)
    assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-6)
    assert ours.out_activation_ == "exp"


def test_weighted_tweedie_equals_tweedie_regressor():
    X, y = _data(1.5, seed=1)
    w = np.random.default_rng(1).uniform(0.2, 2.0, size=len(y))
    ref = TweedieRegressor(power=1.5, alpha=0.01, link="log", tol=1e-12, max_iter=10**4)
    ours = LinearRegressor(loss=TweedieLoss(power=1.5), alpha=0.01, tol=1e-10)
    ours.fit(X, y, sample_weight=w)
    ref.fit(X, y, sample_weight=w)
    assert_allclose(ours.coef_, ref.coef_, atol=1e-6)


@pytest.mark.parametrize(
    "power, limit", [(0, None), (1, PoissonLoss()), (2, GammaLoss())]
)
def test_integer_powers_are_the_named_losses(power, limit):
    rng = np.random.default_rng(0)
    y = rng.gamma(2.0, size=(6, 2))
    raw = rng.normal(size=(6, 2))
    ours = TweedieLoss(power=power)
    if limit is None:  # half the squared error of the mean
        expected = SquaredError().pointwise(y, np.exp(raw))
    else:
        expected = limit.pointwise(y, raw)
        assert_allclose(ours.gradient(y, raw), limit.gradient(y, raw), rtol=1e-14)
    assert_allclose(ours.pointwise(y, raw), expected, rtol=1e-13)
    # and non-integer powers approach them continuously (the constants included)
    near = TweedieLoss(power=power + 1e-7 if power else 1 + 1e-7)
    if power:
        assert_allclose(near.pointwise(y, raw), expected, rtol=1e-5)


@pytest.mark.parametrize("power", [0, 1, 1.5, 2, 3])
def test_half_deviance_is_zero_at_a_perfect_fit(power):
    y = np.array([[0.5, 2.0], [3.0, 1.0]])
    assert_allclose(TweedieLoss(power=power).pointwise(y, np.log(y)), 0.0, atol=1e-14)


@pytest.mark.parametrize("power", [-1, 0.5, np.inf, np.nan, "1.5", True])
def test_bad_power_raises_before_fitting(power):
    X, y = _data(1.5)
    model = LinearRegressor(loss=TweedieLoss(power=power))
    with pytest.raises(ValueError, match="power must be 0 or a real number >= 1"):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")


@pytest.mark.parametrize(
    "power, y, match", [(1.5, -1.0, ">= 0"), (2, 0.0, "> 0"), (3, 0.0, "> 0")]
)
def test_targets_out_of_domain_raise(power, y, match):
    X, targets = _data(3)
    targets[0] = y
    model = LinearRegressor(loss=TweedieLoss(power=power))
    with pytest.raises(ValueError, match=match):
        model.fit(X, targets)
    assert not hasattr(model, "coefs_")
    # power 0 takes any real target
    LinearRegressor(loss=TweedieLoss(power=0)).fit(X, targets - 5.0)


@pytest.mark.parametrize("penalty, l1_ratio", [("l1", 1.0), ("elasticnet", 0.5)])
def test_l1_and_elastic_net_reach_their_optimality_conditions(penalty, l1_ratio):
    # At the minimum of mean loss + alpha (r |w|_1 + (1 - r) / 2 |w|^2), the
    # smooth part's gradient g satisfies |g_j| <= alpha r where w_j = 0 and
    # g_j = -alpha r sign(w_j) elsewhere; the irrelevant feature is dropped.
    X, y = _data(1.5, seed=3)
    alpha = 0.2
    loss = TweedieLoss(power=1.5)
    model = LinearRegressor(
        loss=loss,
        penalty=penalty,
        alpha=alpha,
        l1_ratio=l1_ratio,
        tol=1e-10,
        max_iter=5000,
    ).fit(X, y)
    w = model.coef_
    raw = (X @ w + model.intercept_)[:, None]
    g = X.T @ loss.weighted_gradient(y[:, None], raw)[:, 0]
    g += alpha * (1 - l1_ratio) * w
    assert w[3] == 0.0
    nonzero = w != 0
    assert_allclose(g[nonzero], -alpha * l1_ratio * np.sign(w[nonzero]), atol=1e-5)
    assert np.all(np.abs(g[~nonzero]) <= alpha * l1_ratio + 1e-7)


def test_partial_fit_approaches_the_optimum():
    X, y = _data(1.5, seed=4)
    ref = TweedieRegressor(power=1.5, alpha=1e-3, link="log", tol=1e-12).fit(X, y)
    model = LinearRegressor(
        loss=TweedieLoss(power=1.5),
        alpha=1e-3,
        learning_rate=0.02,
        random_state=0,
    )
    for _ in range(300):
        model.partial_fit(X, y)
    assert model.t_ == 300 * len(y)
    assert_allclose(model.coef_, ref.coef_, atol=0.02)


@pytest.mark.parametrize("power", [0, 1, 1.5, 2, 3])
def test_fused_kernel_matches_the_numpy_reference(power):
    X, y = _data(max(power, 1) if power else 0, n=64)
    y = y if power != 1 else np.round(y)

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return MLPRegressor(
                (5,),
                loss=TweedieLoss(power=power),
                optimizer="adam",
                learning_rate=0.01,
                batch_size=16,
                max_iter=4,
                tol=0,
                random_state=0,
            ).fit(X, y)

    fused = fit()
    with _jit.disabled():
        reference = fit()
    for a, b in zip(
        fused.coefs_ + fused.intercepts_,
        reference.coefs_ + reference.intercepts_,
        strict=True,
    ):
        assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert_allclose(fused.loss_curve_, reference.loss_curve_, rtol=1e-12)


def test_float32_stays_float32():
    X, y = _data(1.5)
    model = LinearRegressor(loss=TweedieLoss(power=1.5)).fit(
        X.astype(np.float32), y.astype(np.float32)
    )
    assert model.coef_.dtype == np.float32
    assert model.predict(X.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("power", [1.5, 3])
@pytest.mark.parametrize("hidden", [False, True])
def test_explain_is_additive_in_margin_and_response_space(power, hidden):
    X, y = _data(power)
    loss = TweedieLoss(power=power)
    if hidden:  # DeepSHAP
        model = MLPRegressor(
            (6,), activation="tanh", loss=loss, optimizer="lbfgs", random_state=0
        )
    else:
        model = LinearRegressor(loss=loss)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert_log_link_explanations_add_up(model, X)


def test_registry_name_and_power_parameter():
    loss = losses.get("tweedie", power=1.5)
    assert type(loss) is TweedieLoss and loss.power == 1.5
    assert loss.scalar_parameter() == 1.5
    assert losses.get("tweedie").power == 0.0  # scikit-learn's default
