"""Tests of skweights.penalties, driven by one table over the registry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.optimize import minimize_scalar
from sklearn.base import clone

from skweights import penalties
from skweights.penalties import (
    L1,
    L2,
    REGISTRY,
    ElasticNet,
    NoPenalty,
    Penalty,
    get,
    soft_threshold,
)


@dataclass(frozen=True)
class Case:
    """One penalty: how to get it, and the alpha and l1_ratio it must have."""

    name: str
    cls: type
    alpha: float
    l1_ratio: float
    smooth: bool
    kwargs: dict[str, Any] = field(default_factory=dict)

    def build(self) -> Penalty:
        return get(self.name, **self.kwargs)


CASES = [
    Case("none", NoPenalty, 0.0, 0.0, True, {"alpha": 0.7, "l1_ratio": 0.4}),
    Case("l1", L1, 0.7, 1.0, False, {"alpha": 0.7, "l1_ratio": 0.4}),
    Case("l2", L2, 0.7, 0.0, True, {"alpha": 0.7, "l1_ratio": 0.4}),
    Case("elasticnet", ElasticNet, 0.7, 0.4, False, {"alpha": 0.7, "l1_ratio": 0.4}),
    Case("elasticnet", ElasticNet, 0.7, 0.0, True, {"alpha": 0.7, "l1_ratio": 0.0}),
    Case("elasticnet", ElasticNet, 0.7, 1.0, False, {"alpha": 0.7, "l1_ratio": 1.0}),
]
IDS = [f"{c.name}-{c.l1_ratio}" for c in CASES]
SMOOTH_IDS = [i for i, c in zip(IDS, CASES, strict=True) if c.smooth]


def _reference_value(W, alpha, l1_ratio):
    return alpha * (
        l1_ratio * np.sum(np.abs(W)) + (1 - l1_ratio) / 2 * np.sum(W.astype(float) ** 2)
    )


def _away_from_zero(rng, shape, dtype=np.float64):
    W = rng.uniform(0.1, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    return W.astype(dtype)


def _numeric_grad(pen, W64, eps=1e-6):
    numeric = np.zeros_like(W64)
    for idx in np.ndindex(W64.shape):
        up, down = W64.copy(), W64.copy()
        up[idx] += eps
        down[idx] -= eps
        numeric[idx] = (pen.value(up) - pen.value(down)) / (2 * eps)
    return numeric


def _max_rel_err(actual, expected):
    return np.abs(actual - expected).max() / max(np.abs(expected).max(), 1e-12)


def test_cases_cover_the_registry():
    # This table is the elastic-net family (separable penalties); the group lasso
    # has its own tests (tests/test_group_penalty.py).
    separable = {name for name in REGISTRY.entries if get(name).separable}
    assert {c.name for c in CASES} == separable
    assert set(REGISTRY.entries) - separable == {"group_l1"}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_attributes(case):
    pen = case.build()
    assert type(pen) is case.cls
    assert pen.alpha == case.alpha
    assert pen.l1_ratio == case.l1_ratio
    assert pen.smooth is case.smooth
    assert pen.l1_strength == pytest.approx(case.alpha * case.l1_ratio)
    assert pen.l2_strength == pytest.approx(case.alpha * (1 - case.l1_ratio))


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_value_matches_formula(case, dtype):
    rng = np.random.default_rng(0)
    W = rng.normal(size=(5, 4)).astype(dtype)
    value = case.build().value(W)
    assert isinstance(value, float)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    assert value == pytest.approx(
        _reference_value(W.astype(np.float64), case.alpha, case.l1_ratio),
        rel=rtol,
        abs=1e-12,
    )


@pytest.mark.parametrize("case", [c for c in CASES if c.smooth], ids=SMOOTH_IDS)
def test_smooth_penalty_grad_matches_finite_differences_anywhere(case):
    rng = np.random.default_rng(1)
    pen = case.build()
    W = rng.normal(size=(4, 3))
    W[0, 0] = 0.0  # a smooth penalty is differentiable at 0 too
    numeric = _numeric_grad(pen, W)
    assert_allclose(pen.grad(W), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_grad_matches_finite_differences_away_from_zero_float64(case):
    # Away from 0 every penalty is differentiable: this checks the smooth part of
    # the elastic net and the sign of the L1 part.
    rng = np.random.default_rng(2)
    pen = case.build()
    W = _away_from_zero(rng, (4, 3))
    numeric = _numeric_grad(pen, W)
    if case.name == "none":
        assert_array_equal(pen.grad(W), 0.0)
        assert_array_equal(numeric, 0.0)
    else:
        assert _max_rel_err(pen.grad(W), numeric) < 1e-6


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_grad_matches_finite_differences_away_from_zero_float32(case):
    rng = np.random.default_rng(3)
    pen = case.build()
    W32 = _away_from_zero(rng, (4, 3), dtype=np.float32)
    analytic = pen.grad(W32)
    assert analytic.dtype == np.float32
    numeric = _numeric_grad(pen, W32.astype(np.float64))
    if case.name == "none":
        assert_array_equal(analytic, 0.0)
    else:
        assert _max_rel_err(analytic.astype(np.float64), numeric) < 1e-3


def test_l1_subgradient_is_zero_at_zero():
    W = np.array([-2.0, 0.0, 3.0])
    assert_array_equal(L1(alpha=0.5).grad(W), [-0.5, 0.0, 0.5])
    assert_array_equal(ElasticNet(1.0, 0.5).grad(W), [-1.5, 0.0, 2.0])


def test_l1_prox_is_soft_thresholding_on_a_hand_example():
    W = np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.5])
    expected = np.array([-2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.5])
    result = L1(alpha=2.0).prox(W, step=0.5)  # threshold 1
    assert_array_equal(result, expected)
    assert_array_equal(soft_threshold(W, 1.0), expected)
    assert_array_equal(W, [-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.5])  # not modified


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_l1_prox_gives_exact_zeros_below_threshold(dtype):
    rng = np.random.default_rng(4)
    W = rng.normal(size=200).astype(dtype)
    step, alpha = 0.3, 1.7
    threshold = dtype(step) * dtype(alpha)
    W[:5] = threshold  # boundary cases
    W[5:10] = -threshold
    result = L1(alpha=alpha).prox(W, step)
    small = np.abs(W) <= step * alpha
    assert small.sum() > 10
    assert np.all(result[small] == 0.0)
    big = ~small
    assert_allclose(
        result[big], W[big] - np.sign(W[big]) * step * alpha, rtol=1e-6, atol=1e-6
    )


def _assert_prox_optimality(pen, W, step, x):
    """(W - x) / step - l2 * x must lie in l1 * d|x| element-wise."""
    step = np.broadcast_to(step, W.shape)
    l1, l2 = pen.l1_strength, pen.l2_strength
    r = (W - x) / step - l2 * x
    nonzero = x != 0
    assert_allclose(r[nonzero], l1 * np.sign(x[nonzero]), rtol=1e-9, atol=1e-9)
    assert np.all(np.abs(r[~nonzero]) <= l1 * (1 + 1e-12))


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("per_coordinate", [False, True])
def test_prox_satisfies_the_optimality_condition(case, per_coordinate):
    rng = np.random.default_rng(5)
    pen = case.build()
    W = rng.normal(size=(6, 5))
    step = rng.uniform(0.05, 2.0, size=W.shape) if per_coordinate else 0.8
    x = pen.prox(W, step)
    _assert_prox_optimality(pen, W, step, x)
    if case.l1_ratio > 0 and case.alpha > 0:
        assert np.any(x == 0)  # the L1 part gives exact zeros on this draw


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_prox_minimizes_the_proximal_objective(case):
    # The proximal problem separates by coordinate; solve each one numerically.
    rng = np.random.default_rng(6)
    pen = case.build()
    W = rng.normal(size=6)
    steps = rng.uniform(0.1, 1.5, size=6)
    x = pen.prox(W, steps)
    for i in range(W.size):

        def objective(v, i=i):
            return 0.5 * (v - W[i]) ** 2 + steps[i] * pen.value(np.array([v]))

        best = minimize_scalar(
            objective, bounds=(-4, 4), method="bounded", options={"xatol": 1e-10}
        )
        assert x[i] == pytest.approx(best.x, abs=1e-6)
        assert objective(x[i]) <= best.fun + 1e-12


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_per_coordinate_step_equals_scalar_steps(case):
    rng = np.random.default_rng(7)
    pen = case.build()
    W = rng.normal(size=(3, 4))
    steps = rng.uniform(0.01, 3.0, size=W.shape)
    x = pen.prox(W, steps)
    for idx in np.ndindex(W.shape):
        assert x[idx] == pytest.approx(pen.prox(np.array([W[idx]]), steps[idx])[0])
    # a step broadcast along one axis (one step per output column)
    column_steps = rng.uniform(0.1, 2.0, size=W.shape[1])
    assert_allclose(
        pen.prox(W, column_steps), pen.prox(W, np.broadcast_to(column_steps, W.shape))
    )


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_prox_out_in_place_and_dtype(case, dtype):
    rng = np.random.default_rng(8)
    pen = case.build()
    W = rng.normal(size=(5, 3)).astype(dtype)
    steps64 = rng.uniform(0.1, 1.0, size=W.shape)  # float64 steps, float32 weights
    for step in (0.4, np.float64(0.4), steps64):
        expected = pen.prox(W, step)
        assert expected.dtype == dtype
        assert expected is not W
        out = np.empty_like(W)
        assert pen.prox(W, step, out=out) is out
        assert_array_equal(out, expected)
        W2 = W.copy()
        assert pen.prox(W2, step, out=W2) is W2
        assert_array_equal(W2, expected)
    assert pen.grad(W).dtype == dtype


def test_prox_of_elasticnet_closed_form():
    W = np.array([3.0, -0.25, -2.0])
    pen = ElasticNet(alpha=2.0, l1_ratio=0.25)  # l1 = 0.5, l2 = 1.5
    x = pen.prox(W, 2.0)  # threshold 1, divide by 1 + 3
    assert_allclose(x, [0.5, 0.0, -0.25])


def test_soft_threshold_validation_and_out():
    W = np.array([-2.0, 0.5, 2.0])
    with pytest.raises(ValueError, match="threshold"):
        soft_threshold(W, -1.0)
    assert_array_equal(soft_threshold(W, np.array([1.0, 1.0, 3.0])), [-1.0, 0.0, 0.0])
    assert soft_threshold(W, 1.0, out=W) is W
    assert_array_equal(W, [-1.0, 0.0, 1.0])
    assert soft_threshold(np.ones(2, np.float32), np.float64(0.5)).dtype == np.float32


def test_prox_rejects_negative_step():
    with pytest.raises(ValueError, match="step"):
        L2(1.0).prox(np.ones(3), -0.1)


@pytest.mark.parametrize("name", REGISTRY.names)
def test_every_name_and_alias_resolves(name):
    pen = get(name, alpha=0.3, l1_ratio=0.2)
    assert isinstance(pen, Penalty)
    assert type(get(name.upper())) is type(pen)
    if not isinstance(pen, NoPenalty):
        assert pen.alpha == 0.3
    if isinstance(pen, ElasticNet):
        assert pen.l1_ratio == 0.2


@pytest.mark.parametrize(
    "identifier, cls",
    [
        ("l1l2", ElasticNet),
        ("elastic_net", ElasticNet),
        ("ElasticNet", ElasticNet),
        ("None", NoPenalty),
        (None, NoPenalty),
    ],
)
def test_aliases_and_none(identifier, cls):
    assert type(get(identifier)) is cls


def test_get_defaults_and_instances():
    assert get("l1") == L1(alpha=1.0)
    assert get("elasticnet") == ElasticNet(alpha=1.0, l1_ratio=0.5)
    assert get("l2", alpha=0.1, l1_ratio=0.9) == L2(alpha=0.1)
    pen = L1(alpha=5.0)
    assert get(pen, alpha=0.1) is pen  # an instance keeps its own alpha


@pytest.mark.parametrize("bad", ["l3", "lasso", "", 0.5])
def test_unknown_names_raise_listing_valid_names(bad):
    with pytest.raises(ValueError) as excinfo:
        get(bad)
    for name in REGISTRY.names:
        assert name in str(excinfo.value)


@pytest.mark.parametrize(
    "pen, param",
    [
        (L1(alpha=-1.0), "alpha"),
        (L2(alpha=float("nan")), "alpha"),
        (L2(alpha="1"), "alpha"),
        (ElasticNet(alpha=-0.1), "alpha"),
        (ElasticNet(l1_ratio=1.5), "l1_ratio"),
        (ElasticNet(l1_ratio=-0.1), "l1_ratio"),
        (ElasticNet(l1_ratio=None), "l1_ratio"),
    ],
    ids=repr,
)
def test_invalid_parameters_raise_when_used(pen, param):
    W = np.ones(3)
    for use in (
        lambda: pen.value(W),
        lambda: pen.grad(W),
        lambda: pen.prox(W, 0.1),
        lambda: pen.l1_strength,
        lambda: pen.l2_strength,
    ):
        with pytest.raises(ValueError, match=param):
            use()
    if param == "l1_ratio":
        with pytest.raises(ValueError, match=param):
            _ = pen.smooth


@pytest.mark.parametrize("cls", [L1, L2, NoPenalty])
def test_fixed_l1_ratio_is_read_only(cls):
    with pytest.raises(AttributeError):
        cls().l1_ratio = 0.5


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_clone_keeps_params(case):
    pen = case.build()
    cloned = clone(pen)
    assert cloned is not pen
    assert cloned == pen
    assert cloned.get_params() == pen.get_params()


def test_set_params_changes_strength():
    pen = ElasticNet().set_params(alpha=2.0, l1_ratio=0.0)
    assert pen.smooth
    assert pen.l2_strength == 2.0
    assert get("elasticnet").get_params() == {"alpha": 1.0, "l1_ratio": 0.5}


# -- zero thresholds and steps, float32, unit strengths --------------------------------
def test_a_zero_threshold_or_step_changes_nothing():
    # soft_threshold mutant 9, Penalty.prox mutant 10: 0 is a valid
    # ("non-negative") threshold and step.
    W = np.array([-1.5, 0.0, 0.25])
    np.testing.assert_array_equal(penalties.soft_threshold(W, 0.0), W)
    np.testing.assert_array_equal(penalties.elasticnet(alpha=1.0).prox(W, 0.0), W)


def test_array_thresholds_and_steps_keep_a_float32_array_float32():
    # soft_threshold mutant 5, Penalty.prox mutant 5: an array-like threshold or
    # step is taken in W's dtype, so the result keeps it.
    W = np.array([-1.5, 0.0, 0.25], dtype=np.float32)
    assert penalties.soft_threshold(W, [0.1, 0.2, 0.3]).dtype == np.float32
    step = np.array([0.1, 0.2, 0.3])
    assert penalties.elasticnet(alpha=1.0).prox(W, step).dtype == np.float32


def test_elastic_net_with_unit_strengths():
    # Penalty.grad mutants 5, 15 and Penalty.prox mutant 31: strengths of exactly
    # 1 (alpha=2, l1_ratio=0.5) are not special: grad = sign(W) + W and
    # prox_s(W) = S_s(W) / (1 + s).
    W = np.array([-1.5, 0.0, 0.25, 2.0])
    penalty = penalties.elasticnet(alpha=2.0, l1_ratio=0.5)
    np.testing.assert_allclose(penalty.grad(W), np.sign(W) + W, rtol=1e-15)
    np.testing.assert_allclose(
        penalty.prox(W, 0.5), penalties.soft_threshold(W, 0.5) / 1.5, rtol=1e-15
    )
    np.testing.assert_allclose(penalties.l1(alpha=1.0).grad(W), np.sign(W))


@pytest.mark.parametrize("name", ["l1", "l2"])
def test_penalty_value_with_unit_strength(name):
    # Penalty.value mutants 7, 14: a strength of exactly 1 was skipped.
    W = np.array([[1.0, -2.0], [3.0, 0.5]])
    expected = np.abs(W).sum() if name == "l1" else 0.5 * np.sum(W**2)
    assert penalties.get(name, alpha=1.0).value(W) == expected
