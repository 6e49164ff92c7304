"""DeepSHAP's fused rescale kernel against its numpy reference (skweights._jit)."""

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skweights import MLPClassifier, MLPRegressor, _jit, activations, explain
from skweights._deepshap import (
    _SMOOTH_STEP,
    _rescale_numpy,
    _softmax_multipliers,
    deep_shap,
    rescale,
    rescale_multipliers,
    softmax_link_multipliers,
)

ACTIVATIONS = sorted(activations.REGISTRY.entries)
LINKS = ("identity", "logistic", "exp", "softmax")

pytestmark = pytest.mark.skipif(not _jit.enabled(), reason="numba is not usable")


def _pre_activations(n_rows, n_background, n_units, seed):
    """z of rows and background, with exact ties and near-ties between them."""
    rng = np.random.default_rng(seed)
    z_x = rng.normal(scale=2.0, size=(n_rows, n_units))
    z_b = rng.normal(scale=2.0, size=(n_background, n_units))
    z_x[0] = z_b[1]  # a row equal to a background row: every step is zero
    z_x[1, :2] = z_b[2, :2] * (1 + 1e-9)  # steps far below _SMOOTH_STEP
    z_x[2, 0] = z_b[0, 0] + 1e-3  # a small step that keeps its secant
    return z_x, z_b


def _both_paths(function, *arguments, **keywords):
    fused = function(*arguments, **keywords)
    with _jit.disabled():
        reference = function(*arguments, **keywords)
    return fused, reference


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_fused_rescale_equals_the_reference(name):
    activation = activations.get(name)
    z_x, z_b = _pre_activations(7, 5, 6, seed=0)
    a_x, a_b = activation.forward(z_x), activation.forward(z_b)
    fused, reference = _both_paths(rescale, activation, z_x, a_x, z_b, a_b)
    assert fused.shape == (7, 5, 6)
    np.testing.assert_allclose(fused, reference, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("rows, background", [(1, 1), (1, 5), (7, 5)])
def test_fused_multipliers_equal_the_reference(name, rows, background):
    """Multipliers shared by every pair (broadcast) or one set per pair."""
    activation = activations.get(name)
    z_x, z_b = _pre_activations(7, 5, 6, seed=1)
    a_x, a_b = activation.forward(z_x), activation.forward(z_b)
    rng = np.random.default_rng(2)
    multipliers = rng.normal(size=(rows, background, 3, 6))
    before = multipliers.copy()
    arguments = (activation, multipliers, z_x, a_x, z_b, a_b)
    fused, reference = _both_paths(rescale_multipliers, *arguments)
    assert fused.shape == (7, 5, 3, 6)
    np.testing.assert_allclose(fused, reference, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(multipliers, before)  # no out=: input untouched


def test_out_may_be_the_multipliers_themselves():
    activation = activations.get("tanh")
    z_x, z_b = _pre_activations(4, 3, 5, seed=3)
    a_x, a_b = activation.forward(z_x), activation.forward(z_b)
    multipliers = np.random.default_rng(4).normal(size=(4, 3, 2, 5))
    expected = (
        multipliers * _rescale_numpy(activation, z_x, a_x, z_b, a_b)[:, :, None, :]
    )
    result = rescale_multipliers(
        activation, multipliers, z_x, a_x, z_b, a_b, out=multipliers
    )
    assert result is multipliers
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_near_equal_pairs_get_the_average_end_derivative(name):
    """Where the secant would cancel, both paths use (f'(z_x) + f'(z_b)) / 2."""
    activation = activations.get(name)
    z_x, z_b = _pre_activations(3, 3, 4, seed=5)
    a_x, a_b = activation.forward(z_x), activation.forward(z_b)
    d_x, d_b = activation.derivative(a_x, z_x), activation.derivative(a_b, z_b)
    trapezoid = (d_x[:, None, :] + d_b[None, :, :]) / 2
    dz = z_x[:, None, :] - z_b[None, :, :]
    if activation.piecewise_linear:
        small = dz == 0
    else:
        scale = 1 + np.abs(z_x)[:, None, :] + np.abs(z_b)[None, :, :]
        small = np.abs(dz) < _SMOOTH_STEP * scale
    # Ties always take the trapezoid; near-ties only for smooth activations (a
    # piecewise-linear secant loses no digits); a 1e-3 step keeps its secant.
    assert small[0, 1].all() and not small[2, 0, 0]
    assert small[1, 2, :2].all() != activation.piecewise_linear
    fused, reference = _both_paths(rescale, activation, z_x, a_x, z_b, a_b)
    for result in (fused, reference):
        np.testing.assert_array_equal(result[small], trapezoid[small])
        secant = (a_x[:, None, :] - a_b[None, :, :])[~small] / dz[~small]
        np.testing.assert_array_equal(result[~small], secant)


@pytest.mark.parametrize("n_classes", [2, 3, 11])
def test_fused_softmax_multipliers_equal_the_reference(n_classes):
    """Pairs with equal, nearly equal and distinct logits."""
    rng = np.random.default_rng(9)
    raw_b = rng.normal(scale=3.0, size=(4, n_classes))
    near = raw_b[1:2] + rng.normal(scale=1e-6, size=(1, n_classes))
    raw_x = np.vstack([raw_b[:1], near, rng.normal(size=(3, n_classes))])
    W_out = rng.normal(size=(n_classes, 6))
    fused, reference = _both_paths(softmax_link_multipliers, raw_x, raw_b, W_out)
    assert fused.shape == (5, 4, n_classes, 6)
    np.testing.assert_allclose(fused, reference, rtol=1e-12, atol=1e-14)
    C = softmax_link_multipliers(raw_x, raw_b, np.eye(n_classes))
    np.testing.assert_allclose(
        C, _softmax_multipliers(raw_x, raw_b), rtol=1e-12, atol=1e-15
    )
    # exact: C (z_x - z_b) = softmax(z_x) - softmax(z_b)
    dz = raw_x[:, None, :] - raw_b[None, :, :]
    p_x = np.exp(raw_x) / np.exp(raw_x).sum(axis=1, keepdims=True)
    p_b = np.exp(raw_b) / np.exp(raw_b).sum(axis=1, keepdims=True)
    dp = p_x[:, None, :] - p_b[None, :, :]
    np.testing.assert_allclose(np.einsum("cbkj,cbj->cbk", C, dz), dp, atol=1e-15)


def _network(name, n_outputs, seed):
    rng = np.random.default_rng(seed)
    sizes = [5, 7, 4, n_outputs]
    coefs = [rng.normal(size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    intercepts = [rng.normal(scale=0.3, size=b) for b in sizes[1:]]
    return coefs, intercepts, activations.get(name)


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("link", LINKS)
def test_fused_deep_shap_equals_the_reference_and_adds_up(name, link):
    n_outputs = 3 if link in ("softmax", "identity") else 2
    coefs, intercepts, activation = _network(name, n_outputs, seed=6)
    rng = np.random.default_rng(7)
    background = rng.normal(size=(9, 5))
    X = np.vstack([background[:2], rng.normal(size=(6, 5))])  # ties included
    arguments = (coefs, intercepts, activation, X, background)
    (fused, base), (reference, base_ref) = _both_paths(
        deep_shap, *arguments, link=link, budget=40
    )
    np.testing.assert_allclose(fused, reference, rtol=1e-12, atol=1e-13)
    np.testing.assert_array_equal(base, base_ref)
    hidden = X
    for W, c in zip(coefs[:-1], intercepts[:-1]):
        hidden = activation.forward(hidden @ W + c)
    raw = hidden @ coefs[-1] + intercepts[-1]
    if link == "softmax":
        output = np.exp(raw - raw.max(axis=1, keepdims=True))
        output /= output.sum(axis=1, keepdims=True)
    else:
        output = {"identity": raw, "logistic": 1 / (1 + np.exp(-raw))}.get(
            link, np.exp(raw)
        )
    np.testing.assert_allclose(fused.sum(axis=1) + base, output, atol=1e-10)


@pytest.mark.parametrize(
    "estimator, output",
    [
        (MLPRegressor((8, 6), "gelu", max_iter=15, random_state=0), "raw"),
        (MLPClassifier((8, 6), "tanh", max_iter=15, random_state=0), "probability"),
        (MLPClassifier((8, 6), "relu", max_iter=15, random_state=0), "raw"),
    ],
)
def test_float32_models_explain_alike_on_both_paths(estimator, output):
    rng = np.random.default_rng(8)
    X = rng.normal(size=(80, 4)).astype(np.float32)
    y = X[:, 0] * X[:, 1] + np.sin(X[:, 2])
    if isinstance(estimator, MLPClassifier):
        y = np.digitize(y, [-0.5, 0.5])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = estimator.fit(X, y)
    assert model.coefs_[0].dtype == np.float32
    fused, reference = _both_paths(
        explain, model, X[:10], X[40:60], output=output, method="deep"
    )
    np.testing.assert_allclose(fused.values, reference.values, rtol=1e-12, atol=1e-13)
    if output == "probability":
        predicted = model.predict_proba(X[:10])
    elif isinstance(model, MLPClassifier):
        predicted = model.decision_function(X[:10])
        predicted = np.column_stack([predicted]) if predicted.ndim == 1 else predicted
    else:
        predicted = model.predict(X[:10])
    total = fused.values.sum(axis=1) + fused.base_values
    np.testing.assert_allclose(total, predicted, atol=1e-5)


def test_numba_disable_jit_runs_the_numpy_path():
    """Under NUMBA_DISABLE_JIT=1 no kernel runs (as slow Python) and values add up."""
    code = """
import numpy as np
from skweights import activations
from skweights import _deepshap as d
rng = np.random.default_rng(0)
coefs = [rng.normal(size=(3, 5)), rng.normal(size=(5, 2))]
intercepts = [np.zeros(5), np.zeros(2)]
X, background = rng.normal(size=(4, 3)), rng.normal(size=(6, 3))
values, base = d.deep_shap(coefs, intercepts, activations.get("tanh"), X,
                           background, link="softmax")
raw = np.tanh(X @ coefs[0]) @ coefs[1]
p = np.exp(raw) / np.exp(raw).sum(axis=1, keepdims=True)
assert np.allclose(values.sum(axis=1) + base, p, rtol=0, atol=1e-12)
print(d._rescale_kernel._compiled is None, d._softmax_kernel._compiled is None)
"""
    environment = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    environment.pop("SKWEIGHTS_DISABLE_NUMBA", None)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]
