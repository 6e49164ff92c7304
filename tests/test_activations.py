"""Tests of skweights.activations, driven by one table over the registry."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import ndtr
from sklearn.base import clone

from skweights import activations
from skweights.activations import (
    GELU,
    REGISTRY,
    Activation,
    Identity,
    LeakyReLU,
    Logistic,
    ReLU,
    SiLU,
    Softplus,
    Tanh,
    get,
)

# (registry name, constructor kwargs, class, reference f(z) in float64)
CASES = [
    ("identity", {}, Identity, lambda z: z),
    ("relu", {}, ReLU, lambda z: np.maximum(z, 0.0)),
    ("leaky_relu", {}, LeakyReLU, lambda z: np.where(z > 0, z, 0.01 * z)),
    (
        "leaky_relu",
        {"negative_slope": 0.3},
        LeakyReLU,
        lambda z: np.where(z > 0, z, 0.3 * z),
    ),
    ("tanh", {}, Tanh, np.tanh),
    ("logistic", {}, Logistic, lambda z: 1.0 / (1.0 + np.exp(-z))),
    ("softplus", {}, Softplus, lambda z: np.log1p(np.exp(z))),
    ("gelu", {}, GELU, lambda z: z * ndtr(z)),
    ("silu", {}, SiLU, lambda z: z / (1.0 + np.exp(-z))),
]
IDS = [f"{name}{kwargs or ''}" for name, kwargs, _, _ in CASES]


def _inputs(rng, shape=(12, 5), dtype=np.float64):
    """Values in +-[0.1, 3]: away from the kink of relu and leaky_relu at 0."""
    z = rng.uniform(0.1, 3.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    return z.astype(dtype)


def _numeric_derivative(act, z64, eps=1e-6):
    """Central differences of the element-wise forward, in float64."""
    return (act.forward(z64 + eps) - act.forward(z64 - eps)) / (2 * eps)


def _max_rel_err(actual, expected):
    return np.abs(actual - expected).max() / max(np.abs(expected).max(), 1e-12)


def test_cases_cover_the_registry():
    assert {name for name, *_ in CASES} == set(REGISTRY.entries)


@pytest.mark.parametrize("name, kwargs, cls, reference", CASES, ids=IDS)
def test_forward_matches_reference(name, kwargs, cls, reference):
    rng = np.random.default_rng(0)
    z = rng.normal(scale=3.0, size=(10, 4))
    act = get(name, **kwargs)
    assert type(act) is cls
    assert_allclose(act.forward(z), reference(z), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name, kwargs, cls, reference", CASES, ids=IDS)
def test_derivative_matches_finite_differences_float64(name, kwargs, cls, reference):
    rng = np.random.default_rng(1)
    act = get(name, **kwargs)
    z = _inputs(rng)
    analytic = act.derivative(act.forward(z), z)
    numeric = _numeric_derivative(act, z)
    assert _max_rel_err(analytic, numeric) < 1e-6


@pytest.mark.parametrize("name, kwargs, cls, reference", CASES, ids=IDS)
def test_derivative_matches_finite_differences_float32(name, kwargs, cls, reference):
    rng = np.random.default_rng(2)
    act = get(name, **kwargs)
    z32 = _inputs(rng, dtype=np.float32)
    analytic = act.derivative(act.forward(z32), z32)
    assert analytic.dtype == np.float32
    numeric = _numeric_derivative(act, z32.astype(np.float64))
    assert _max_rel_err(analytic.astype(np.float64), numeric) < 1e-3


@pytest.mark.parametrize("name, kwargs, cls, reference", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backprop_multiplies_delta_in_place(name, kwargs, cls, reference, dtype):
    rng = np.random.default_rng(3)
    act = get(name, **kwargs)
    z = _inputs(rng, dtype=dtype)
    a = act.forward(z)
    delta = rng.normal(size=a.shape).astype(dtype)
    expected = delta * act.derivative(a, z)
    result = act.backprop(delta, a, z)
    assert result is delta
    assert result.dtype == dtype
    assert_allclose(result, expected, rtol=1e-6 if dtype == np.float32 else 1e-14)


@pytest.mark.parametrize("name, kwargs, cls, reference", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_in_place_and_dtype(name, kwargs, cls, reference, dtype):
    rng = np.random.default_rng(4)
    act = get(name, **kwargs)
    z = rng.normal(size=(6, 3)).astype(dtype)
    expected = act.forward(z.copy())
    assert expected.dtype == dtype
    assert act.derivative(expected, z).dtype == dtype
    out = np.empty_like(z)
    assert act.forward(z, out=out) is out
    assert_array_equal(out, expected)
    original = z.copy()
    fresh = act.forward(z)
    assert fresh is not z
    assert_array_equal(z, original)  # out=None never touches the input
    assert act.forward(z, out=z) is z
    assert_array_equal(z, expected)


@pytest.mark.parametrize("name, kwargs, cls, reference", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_finite_at_extreme_inputs(name, kwargs, cls, reference, dtype):
    act = get(name, **kwargs)
    z = np.array([[-1000.0, -100.0, 0.0, 100.0, 1000.0]], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = act.forward(z)
        d = act.derivative(a, z)
    assert a.dtype == dtype and d.dtype == dtype
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(d))


def test_logistic_and_softplus_limits():
    z = np.array([-1000.0, 1000.0])
    assert_array_equal(Logistic().forward(z), [0.0, 1.0])
    assert_array_equal(Softplus().forward(z), [0.0, 1000.0])
    assert_array_equal(Softplus().derivative(Softplus().forward(z)), [0.0, 1.0])


def test_relu_derivative_is_zero_at_the_kink():
    a = ReLU().forward(np.array([0.0, -0.0, 1e-300]))
    assert_array_equal(ReLU().derivative(a), [0.0, 0.0, 1.0])
    assert_array_equal(LeakyReLU(0.2).derivative(np.array([0.0, 2.0])), [0.2, 1.0])


def test_integer_input_becomes_float():
    a = Tanh().forward(np.array([0, 1]))
    assert a.dtype == np.float64
    assert_allclose(a, np.tanh([0.0, 1.0]))


@pytest.mark.parametrize("name", REGISTRY.names)
def test_every_name_and_alias_resolves(name):
    act = get(name)
    assert isinstance(act, Activation)
    assert type(get(name.upper())) is type(act)


@pytest.mark.parametrize(
    "alias, cls", [("sigmoid", Logistic), ("linear", Identity), ("ReLU", ReLU)]
)
def test_aliases(alias, cls):
    assert type(get(alias)) is cls


def test_instances_and_classes():
    act = LeakyReLU(0.2)
    assert get(act) is act
    assert get(LeakyReLU, negative_slope=0.5) == LeakyReLU(0.5)
    assert activations.get("leaky_relu", negative_slope=0.5).negative_slope == 0.5


@pytest.mark.parametrize("bad", ["rleu", "softmax", "", None])
def test_unknown_names_raise_listing_valid_names(bad):
    with pytest.raises(ValueError) as excinfo:
        get(bad)
    for name in REGISTRY.names:
        assert name in str(excinfo.value)


@pytest.mark.parametrize("slope", [-0.1, float("nan"), "0.1", True])
def test_invalid_negative_slope_raises_when_used(slope):
    act = LeakyReLU(negative_slope=slope)  # stored unchanged
    assert act.negative_slope is slope
    with pytest.raises(ValueError, match="negative_slope"):
        act.forward(np.ones(3))
    with pytest.raises(ValueError, match="negative_slope"):
        act.derivative(np.ones(3))
    with pytest.raises(ValueError, match="negative_slope"):
        act.backprop(np.ones(3), np.ones(3))


@pytest.mark.parametrize("name, kwargs, cls, reference", CASES, ids=IDS)
def test_clone_keeps_params(name, kwargs, cls, reference):
    act = get(name, **kwargs)
    cloned = clone(act)
    assert cloned is not act
    assert cloned == act
    assert cloned.get_params() == act.get_params()


def test_set_params_changes_slope():
    act = LeakyReLU().set_params(negative_slope=0.5)
    assert_array_equal(act.forward(np.array([-2.0])), [-1.0])


@pytest.mark.parametrize("name", REGISTRY.entries)
def test_capabilities_are_declared_and_true(name):
    """``piecewise_linear`` and ``derivative_from`` tell the truth about ``f``."""
    act = get(name)
    assert act.derivative_from in ("output", "input")
    z = np.linspace(-4.0, 4.0, 4001)
    a = act.forward(z)
    if act.derivative_from == "output":
        # The output must determine the derivative: f is monotone.
        steps = np.diff(a)
        assert np.all(steps >= 0) or np.all(steps <= 0)
        assert_array_equal(act.derivative(a), act.derivative(a, z))
    # Piecewise linear: the second difference vanishes away from the kink at 0.
    curvature = np.abs(np.diff(a, 2))[np.abs(z[1:-1]) > 0.01].max()
    assert (curvature < 1e-12) == act.piecewise_linear


@pytest.mark.parametrize("cls", [GELU, SiLU])
def test_non_monotone_activations_need_the_input(cls):
    act = cls()
    z = np.array([-3.0, -0.5])  # two inputs with the same output would be ambiguous
    with pytest.raises(ValueError, match="pre-activation z"):
        act.derivative(act.forward(z))
    with pytest.raises(ValueError, match="pre-activation z"):
        act.backprop(np.ones(2), act.forward(z))


def test_gelu_and_silu_known_values():
    # f'(0) = 1/2 for both; GELU's minimum near z = -0.7518, SiLU's near -1.2785.
    for act in (GELU(), SiLU()):
        assert_allclose(act.derivative(act.forward(np.zeros(1)), np.zeros(1)), 0.5)
    assert_allclose(
        GELU().derivative(None, np.array([-0.751791524693564])), 0.0, atol=1e-12
    )
    assert_allclose(
        SiLU().derivative(None, np.array([-1.278464542761074])), 0.0, atol=1e-12
    )


# -- backprop at zero, leaky ReLU's zero slope -----------------------------------------
@pytest.mark.parametrize(
    "name", ["identity", "relu", "leaky_relu", "tanh", "logistic", "softplus"]
)
def test_backprop_is_delta_times_the_derivative_at_zero_too(name):
    # LeakyReLU._backprop mutant 10: backprop multiplies by the same derivative as
    # derivative(), also where the output is exactly 0.
    act = activations.get(name)
    z = np.array([[-2.0, 0.0, 1.5], [0.0, -0.5, 3.0]])
    a = act.forward(z)
    delta = np.array([[1.0, 2.0, -3.0], [4.0, -5.0, 6.0]])
    expected = delta * act.derivative(a)
    np.testing.assert_allclose(act.backprop(delta.copy(), a), expected, rtol=1e-15)


def test_leaky_relu_with_slope_zero_is_relu():
    # LeakyReLU._slope mutant 8: negative_slope >= 0, 0 included.
    z = np.array([-2.0, 0.0, 3.0])
    leaky = activations.get("leaky_relu", negative_slope=0.0)
    np.testing.assert_array_equal(leaky.forward(z), [0.0, 0.0, 3.0])
