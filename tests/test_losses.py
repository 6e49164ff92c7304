"""Tests of skweights.losses, driven by one table over the registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, logsumexp, softmax
from sklearn.base import clone

from skweights import losses
from skweights.losses import (
    REGISTRY,
    BinaryLogLoss,
    Loss,
    MultinomialLogLoss,
    SquaredError,
    get,
)


@dataclass(frozen=True)
class Case:
    """One loss, how to draw its targets, and reference formulas in float64."""

    name: str
    cls: type
    k: int
    targets: Callable[[np.random.Generator, int], np.ndarray]
    pointwise: Callable[[np.ndarray, np.ndarray], np.ndarray]
    predict: Callable[[np.ndarray], np.ndarray]
    link: str


def _one_hot(rng, n, k):
    return np.eye(k)[rng.integers(0, k, size=n)]


CASES = [
    Case(
        "squared_error",
        SquaredError,
        3,
        lambda rng, n: rng.normal(size=(n, 3)),
        lambda y, r: 0.5 * np.sum((y - r) ** 2, axis=1),
        lambda r: r,
        "identity",
    ),
    Case(
        "log_loss",
        BinaryLogLoss,
        1,
        lambda rng, n: rng.integers(0, 2, size=(n, 1)).astype(float),
        lambda y, r: np.sum(np.logaddexp(0, r) - y * r, axis=1),
        expit,
        "logistic",
    ),
    Case(
        "multinomial_log_loss",
        MultinomialLogLoss,
        4,
        lambda rng, n: _one_hot(rng, n, 4),
        lambda y, r: logsumexp(r, axis=1) - np.sum(y * r, axis=1),
        lambda r: softmax(r, axis=1),
        "softmax",
    ),
]
IDS = [case.name for case in CASES]


def _problem(case, rng, n=7, dtype=np.float64):
    y = case.targets(rng, n)
    raw = rng.normal(scale=2.0, size=(n, case.k)).astype(dtype)
    w = rng.uniform(0.1, 3.0, size=n)
    return y, raw, w


def _numeric_gradient(loss, y, raw64, w, eps=1e-6):
    """Central differences of ``value`` w.r.t. every raw entry, in float64."""
    numeric = np.zeros_like(raw64)
    for idx in np.ndindex(raw64.shape):
        up, down = raw64.copy(), raw64.copy()
        up[idx] += eps
        down[idx] -= eps
        numeric[idx] = (loss.value(y, up, w) - loss.value(y, down, w)) / (2 * eps)
    return numeric


def _max_rel_err(actual, expected):
    return np.abs(actual - expected).max() / max(np.abs(expected).max(), 1e-12)


def test_cases_cover_the_registry():
    # The regression losses, whose gradient is not predict - y, have their own
    # table in test_regression_losses.py; Tweedie's powers have TWEEDIE_POWERS.
    regression = {"poisson", "gamma", "huber", "absolute_error", "quantile"}
    names = {case.name for case in CASES} | regression | {"tweedie"}
    assert names == set(REGISTRY.entries)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_pointwise_value_and_predict_match_reference_formulas(case):
    rng = np.random.default_rng(0)
    y, raw, w = _problem(case, rng)
    loss = get(case.name)
    assert type(loss) is case.cls
    expected = case.pointwise(y, raw)
    assert_allclose(loss.pointwise(y, raw), expected, rtol=1e-12)
    assert loss.value(y, raw) == pytest.approx(expected.mean(), rel=1e-12)
    weighted = np.sum(w * expected) / np.sum(w)
    assert loss.value(y, raw, sample_weight=w) == pytest.approx(weighted, rel=1e-12)
    assert isinstance(loss.value(y, raw, w), float)
    assert_allclose(loss.predict(raw), case.predict(raw), rtol=1e-12)
    assert loss.output_activation == case.link


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradient_is_predict_minus_y(case):
    rng = np.random.default_rng(1)
    y, raw, _ = _problem(case, rng)
    loss = get(case.name)
    assert_allclose(loss.gradient(y, raw), case.predict(raw) - y, rtol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("weighted", [False, True])
def test_weighted_gradient_matches_finite_differences_float64(case, weighted):
    rng = np.random.default_rng(2)
    y, raw, w = _problem(case, rng)
    w = w if weighted else None
    loss = get(case.name)
    analytic = loss.weighted_gradient(y, raw, w)
    numeric = _numeric_gradient(loss, y, raw, w)
    assert _max_rel_err(analytic, numeric) < 1e-6


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_weighted_gradient_matches_finite_differences_float32(case):
    rng = np.random.default_rng(3)
    y, raw32, w = _problem(case, rng, dtype=np.float32)
    loss = get(case.name)
    analytic = loss.weighted_gradient(y, raw32, w)
    assert analytic.dtype == np.float32
    numeric = _numeric_gradient(loss, y, raw32.astype(np.float64), w)
    assert _max_rel_err(analytic.astype(np.float64), numeric) < 1e-3


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_weighted_gradient_is_scaled_per_sample_gradient(case):
    rng = np.random.default_rng(4)
    y, raw, w = _problem(case, rng)
    loss = get(case.name)
    expected = loss.gradient(y, raw) * (w / w.sum())[:, None]
    assert_allclose(loss.weighted_gradient(y, raw, w), expected, rtol=1e-12)
    assert_allclose(
        loss.weighted_gradient(y, raw), loss.gradient(y, raw) / len(raw), rtol=1e-12
    )


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_float32_stays_float32(case):
    rng = np.random.default_rng(5)
    y, raw, w = _problem(case, rng, dtype=np.float32)  # y and w stay float64
    loss = get(case.name)
    assert loss.pointwise(y, raw).dtype == np.float32
    assert loss.gradient(y, raw).dtype == np.float32
    assert loss.weighted_gradient(y, raw, w).dtype == np.float32
    assert loss.weighted_gradient(y, raw).dtype == np.float32
    assert loss.predict(raw).dtype == np.float32
    assert isinstance(loss.value(y, raw, w), float)
    assert loss.value(y, raw, w) == pytest.approx(
        loss.value(y, raw.astype(np.float64), w), rel=1e-5
    )


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_finite_and_exact_at_huge_margins(case, dtype):
    rng = np.random.default_rng(6)
    n = 6
    y = case.targets(rng, n)
    raw = np.where(rng.random((n, case.k)) < 0.5, -1000.0, 1000.0).astype(dtype)
    raw[0] = 1000.0
    raw[1] = -1000.0
    loss = get(case.name)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        pointwise = loss.pointwise(y, raw)
        grad = loss.weighted_gradient(y, raw)
        pred = loss.predict(raw)
        value = loss.value(y, raw)
    assert np.all(np.isfinite(pointwise)) and np.isfinite(value)
    assert np.all(np.isfinite(grad)) and np.all(np.isfinite(pred))
    if case.name != "squared_error":
        assert np.all((pred >= 0) & (pred <= 1))
    raw64 = raw.astype(np.float64)
    if case.name == "multinomial_log_loss":
        # the reference log-sum-exp is exact at these margins
        assert_allclose(pointwise, case.pointwise(y, raw64), rtol=1e-6, atol=1e-6)
    elif case.name == "log_loss":
        # 0 when the margin agrees with the label, 1000 when it does not
        expected = np.where((y == 1) == (raw64 > 0), 0.0, 1000.0)[:, 0]
        assert_allclose(pointwise, expected, atol=1e-6)


def test_log_losses_keep_precision_for_confident_correct_predictions():
    # exp(-30) is far below float64 resolution of 30, so a naive
    # logaddexp(0, r) - y * r would return 0 here.
    raw = np.array([[30.0]])
    assert BinaryLogLoss().pointwise([[1.0]], raw)[0] == pytest.approx(
        np.exp(-30.0), rel=1e-10
    )
    raw = np.array([[30.0, 0.0]])
    assert MultinomialLogLoss().pointwise([[1.0, 0.0]], raw)[0] == pytest.approx(
        np.log1p(np.exp(-30.0)), rel=1e-10
    )


def test_softmax_rows_sum_to_one_and_gradient_rows_sum_to_zero():
    rng = np.random.default_rng(7)
    raw = rng.normal(scale=50.0, size=(10, 5))
    y = _one_hot(rng, 10, 5)
    loss = MultinomialLogLoss()
    assert_allclose(loss.predict(raw).sum(axis=1), 1.0, rtol=1e-12)
    assert_allclose(loss.gradient(y, raw).sum(axis=1), 0.0, atol=1e-12)


def test_inputs_are_not_modified():
    rng = np.random.default_rng(8)
    for case in CASES:
        y, raw, w = _problem(case, rng)
        y0, raw0, w0 = y.copy(), raw.copy(), w.copy()
        loss = get(case.name)
        loss.weighted_gradient(y, raw, w)
        loss.value(y, raw, w)
        pred = loss.predict(raw)
        pred += 1.0  # predict returns a new array
        assert_array_equal(y, y0)
        assert_array_equal(raw, raw0)
        assert_array_equal(w, w0)


@pytest.mark.parametrize(
    "y_shape, raw_shape", [((5,), (5,)), ((5, 1), (5, 2)), ((4, 1), (5, 1))]
)
def test_shape_mismatch_raises(y_shape, raw_shape):
    with pytest.raises(ValueError, match="2-D"):
        SquaredError().pointwise(np.zeros(y_shape), np.zeros(raw_shape))


@pytest.mark.parametrize("w", [np.zeros(3), np.ones(4), -np.ones(3)])
def test_bad_sample_weight_raises(w):
    y = raw = np.zeros((3, 1))
    with pytest.raises(ValueError, match="sample_weight"):
        SquaredError().value(y, raw, w)
    with pytest.raises(ValueError, match="sample_weight"):
        SquaredError().weighted_gradient(y, raw, w)


@pytest.mark.parametrize("name", REGISTRY.names)
def test_every_name_and_alias_resolves(name):
    loss = get(name)
    assert isinstance(loss, Loss)
    assert type(get(name.upper())) is type(loss)


@pytest.mark.parametrize(
    "alias, cls",
    [
        ("binary_log_loss", BinaryLogLoss),
        ("categorical_crossentropy", MultinomialLogLoss),
        ("Squared_Error", SquaredError),
    ],
)
def test_aliases(alias, cls):
    assert type(get(alias)) is cls


def test_instances_and_classes_pass():
    loss = MultinomialLogLoss()
    assert get(loss) is loss
    assert type(get(SquaredError)) is SquaredError


@pytest.mark.parametrize("bad", ["log-loss", "mse", "", None])
def test_unknown_names_raise_listing_valid_names(bad):
    with pytest.raises(ValueError) as excinfo:
        get(bad)
    for name in REGISTRY.names:
        assert name in str(excinfo.value)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_clone(case):
    loss = get(case.name)
    cloned = clone(loss)
    assert cloned is not loss and cloned == loss
    assert cloned.get_params() == {}


@pytest.mark.parametrize("name", [case.name for case in CASES])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pointwise_and_gradient_equals_the_separate_methods(name, dtype):
    rng = np.random.default_rng(7)
    loss = losses.get(name)
    k = 1 if name == "log_loss" else 4
    raw = (rng.normal(size=(11, k)) * 30).astype(dtype)
    if name == "squared_error":
        y = rng.normal(size=(11, k)).astype(dtype)
    elif name == "log_loss":
        y = rng.integers(0, 2, size=(11, 1)).astype(dtype)
    else:
        y = np.eye(k, dtype=dtype)[rng.integers(0, k, size=11)]
    values, grads = loss.pointwise_and_gradient(y, raw)
    assert values.dtype == grads.dtype == dtype
    np.testing.assert_allclose(values, loss.pointwise(y, raw), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(grads, loss.gradient(y, raw), rtol=1e-6, atol=1e-7)


# -- Tweedie: one loss per power, against the half deviance in float64 ------------

TWEEDIE_POWERS = [0, 1, 1.2, 1.5, 2, 2.5, 3]


def _tweedie_reference(y, r, p):
    mu = np.exp(r)
    if p == 0:
        d = 0.5 * (y - mu) ** 2
    elif p == 1:
        d = mu - y * r + np.where(y > 0, y * np.log(np.where(y > 0, y, 1)), 0) - y
    elif p == 2:
        d = r + y / mu - np.log(y) - 1
    else:
        d = (
            y ** (2 - p) / ((1 - p) * (2 - p))
            - y * mu ** (1 - p) / (1 - p)
            + mu ** (2 - p) / (2 - p)
        )
    return d.sum(axis=1)


def _tweedie_problem(seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    y = rng.gamma(2.0, size=(7, 2))
    y[0, 0] = 0.0  # the exact zeros of 1 <= p < 2
    raw = rng.normal(size=(7, 2)).astype(dtype)
    return y, raw, rng.uniform(0.1, 3.0, size=7)


@pytest.mark.parametrize("power", TWEEDIE_POWERS)
def test_tweedie_matches_the_half_deviance(power):
    y, raw, w = _tweedie_problem(0)
    if power >= 2:
        y[0, 0] = 0.5
    loss = get("tweedie", power=power)
    expected = _tweedie_reference(y, raw, power)
    assert_allclose(loss.pointwise(y, raw), expected, rtol=1e-12, atol=1e-14)
    weighted = np.sum(w * expected) / np.sum(w)
    assert loss.value(y, raw, w) == pytest.approx(weighted, rel=1e-12)
    assert_allclose(loss.predict(raw), np.exp(raw), rtol=1e-15)
    assert loss.output_activation == "exp" and loss.smooth


@pytest.mark.parametrize("power", TWEEDIE_POWERS)
@pytest.mark.parametrize("weighted", [False, True])
def test_tweedie_gradient_matches_finite_differences(power, weighted):
    y, raw, w = _tweedie_problem(1)
    if power >= 2:
        y[0, 0] = 0.5
    loss = get("tweedie", power=power)
    w = w if weighted else None
    analytic = loss.weighted_gradient(y, raw, w)
    assert _max_rel_err(analytic, _numeric_gradient(loss, y, raw, w)) < 1e-6
    values, grads = loss.pointwise_and_gradient(y, raw)
    assert_allclose(grads, loss.gradient(y, raw), rtol=1e-15)


@pytest.mark.parametrize("power", TWEEDIE_POWERS)
def test_tweedie_float32_stays_float32(power):
    y, raw32, w = _tweedie_problem(2, dtype=np.float32)
    y += 0.1
    loss = get("tweedie", power=power)
    assert loss.pointwise(y, raw32).dtype == np.float32
    assert loss.weighted_gradient(y, raw32, w).dtype == np.float32
    assert loss.predict(raw32).dtype == np.float32
    numeric = _numeric_gradient(loss, y, raw32.astype(np.float64), w)
    analytic = loss.weighted_gradient(y, raw32, w).astype(np.float64)
    assert _max_rel_err(analytic, numeric) < 1e-3


# -- the multinomial loss's shift, weights summing below one ---------------------------
def test_multinomial_loss_for_targets_that_do_not_sum_to_one():
    # MultinomialLogLoss _pointwise mutants 30 and 33: the loss is
    # logsumexp(raw) - y . raw for any target row (the max-shift must cancel), not
    # only for one-hot rows. The shift here is 3, so a wrong sign or a division
    # moves the loss by at least 1.5; the tolerance sees 1e-12.
    raw = np.array([[3.0, 1.0, -2.0], [0.5, 2.5, 1.0]])
    y = np.array([[0.5, 0.0, 0.0], [0.2, 0.3, 0.1]])
    expected = logsumexp(raw, axis=1) - (y * raw).sum(axis=1)
    multinomial = losses.MultinomialLogLoss()
    np.testing.assert_allclose(multinomial.pointwise(y, raw), expected, rtol=1e-12)
    both, _ = multinomial.pointwise_and_gradient(y, raw)
    np.testing.assert_allclose(both, expected, rtol=1e-12)


@pytest.mark.parametrize("n_classes", [3, 40])
def test_multinomial_loss_is_stable_row_by_row(n_classes):
    # _row_max mutant 4 (one shift for the whole batch instead of each row's max):
    # rows whose logits are 1000 apart each keep a finite, exact loss.
    rng = np.random.default_rng(0)
    raw = rng.normal(size=(2, n_classes))
    raw[0] += 1000.0
    y = np.eye(n_classes)[[0, n_classes - 1]]
    expected = logsumexp(raw, axis=1) - (y * raw).sum(axis=1)
    loss = losses.MultinomialLogLoss()
    np.testing.assert_allclose(loss.pointwise(y, raw), expected, rtol=1e-12)
    both, grad = loss.pointwise_and_gradient(y, raw)
    np.testing.assert_allclose(both, expected, rtol=1e-12)
    np.testing.assert_allclose(grad, softmax(raw, axis=1) - y, atol=1e-15)


def test_sample_weights_with_a_sum_below_one_are_valid():
    # _normalized_weights mutant 11: any positive sum is valid, 0.5 included.
    y, raw = np.array([[1.0], [2.0]]), np.array([[0.0], [0.0]])
    loss = losses.SquaredError()
    # 0.5 * (0.2 * 1 + 0.3 * 4) / 0.5 = 1.4
    assert loss.value(y, raw, sample_weight=[0.2, 0.3]) == pytest.approx(1.4, rel=1e-12)
