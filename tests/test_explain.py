"""SHAP values from skweights.explain: additivity, parity with shap, shapes, errors."""

import warnings

import matplotlib

matplotlib.use("Agg")  # before pyplot: the plot tests draw off-screen

import contextlib

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shap
from scipy.special import softmax
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from test_training_loop import standard_data

from skweights import (
    LinearClassifier,
    LinearRegressor,
    MLPClassifier,
    MLPRegressor,
    activations,
    explain,
)
from skweights._deepshap import deep_shap

ACTIVATIONS = sorted(activations.REGISTRY.entries)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _data(n=120, n_features=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    y = np.sin(2 * X[:, 0]) + X[:, 1] * X[:, 2] + np.abs(X[:, -1])
    return X, y


def _targets(problem, y):
    return {
        "regression": y,
        "multi_output": np.column_stack([y, -2 * y, y**2]),
        "binary": y > np.median(y),
        "multiclass": np.digitize(y, np.quantile(y, [0.25, 0.5, 0.75])),
    }[problem]


def _randomize(model, rng, scale):
    """Random weights with large pre-activations, so links and units saturate."""
    model.coefs_ = [rng.normal(scale=scale, size=W.shape) for W in model.coefs_]
    model.intercepts_ = [
        rng.normal(scale=scale, size=b.shape) for b in model.intercepts_
    ]
    return model


def _model_output(model, X, output):
    if output == "probability":
        return model.predict_proba(X)
    if hasattr(model, "decision_function"):
        return model.decision_function(X)
    return model.predict(X)


def _total(explanation):
    return explanation.values.sum(axis=1) + explanation.base_values


# (problem, output)
CASES = [
    ("regression", "raw"),
    ("multi_output", "raw"),
    ("binary", "raw"),
    ("binary", "probability"),
    ("multiclass", "raw"),
    ("multiclass", "probability"),
]


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize(("problem", "output"), CASES)
@pytest.mark.parametrize("scale", [0.5, 3.0])
def test_values_plus_base_equal_the_output_of_every_row(
    activation, problem, output, scale
):
    X, y = _data()
    is_classifier = problem in ("binary", "multiclass")
    estimator = MLPClassifier if is_classifier else MLPRegressor
    model = estimator((6, 5), activation, max_iter=2, random_state=0)
    model.fit(X, _targets(problem, y))
    _randomize(model, np.random.default_rng(1), scale)
    explanation = explain(model, X[:50], X[60:90], output=output, method="deep")
    expected = _model_output(model, X[:50], output)
    assert explanation.values.shape[:2] == (50, 4)
    assert explanation.base_values.shape == expected.shape
    np.testing.assert_allclose(_total(explanation), expected, rtol=0, atol=1e-8)


@pytest.mark.parametrize(("problem", "output"), CASES)
def test_linear_models_add_up_too(problem, output):
    X, y = _data(seed=3)
    is_classifier = problem in ("binary", "multiclass")
    model = (LinearClassifier() if is_classifier else LinearRegressor()).fit(
        X, _targets(problem, y)
    )
    explanation = explain(model, X[:30], X[30:], output=output)
    np.testing.assert_allclose(
        _total(explanation), _model_output(model, X[:30], output), rtol=0, atol=1e-8
    )


@pytest.mark.parametrize(
    "problem", ["regression", "multi_output", "binary", "multiclass"]
)
def test_linear_values_equal_shap_linear_explainer(problem):
    X, y = _data(seed=4)
    is_classifier = problem in ("binary", "multiclass")
    model = (LinearClassifier() if is_classifier else LinearRegressor()).fit(
        X, _targets(problem, y)
    )
    background = X[:40]
    # shap's LinearExplainer reads coef_/intercept_ of skweights' models directly.
    reference = shap.LinearExplainer(model, shap.maskers.Independent(background))(
        X[50:70]
    )
    ours = explain(model, X[50:70], background)
    assert ours.values.shape == reference.values.shape
    np.testing.assert_allclose(ours.values, reference.values, rtol=0, atol=1e-10)
    np.testing.assert_allclose(
        ours.base_values, reference.base_values, rtol=0, atol=1e-10
    )
    coef = np.atleast_2d(model.coef_).T  # (n_features, n_outputs)
    shift = X[50:70] - background.mean(axis=0)
    np.testing.assert_allclose(
        ours.values.reshape(20, 4, -1), shift[:, :, None] * coef, atol=1e-12
    )


def _exact(function, X, background):
    masker = shap.maskers.Independent(background, max_samples=len(background))
    return shap.ExactExplainer(function, masker)(X)


@pytest.mark.parametrize("n_outputs", [1, 3])
def test_identity_network_gives_exact_linear_shap_values(n_outputs):
    X, y = _data(n=80, n_features=5, seed=5)
    targets = y if n_outputs == 1 else _targets("multi_output", y)
    model = MLPRegressor((7, 3), "identity", max_iter=2, random_state=0).fit(X, targets)
    _randomize(model, np.random.default_rng(2), 1.0)
    background = X[:20]
    ours = explain(model, X[30:45], background, method="deep")
    W = np.linalg.multi_dot(model.coefs_)  # the network is x @ W + c
    expected = (X[30:45] - background.mean(axis=0))[:, :, None] * W
    np.testing.assert_allclose(
        ours.values.reshape(expected.shape), expected, rtol=0, atol=1e-10
    )
    exact = _exact(model.predict, X[30:45], background)
    np.testing.assert_allclose(ours.values, exact.values, rtol=0, atol=1e-10)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_additive_network_gives_exact_shapley_values(activation):
    # Every path from the input meets one feature only (layer-1 unit u and layer-2
    # unit v see feature u % 5 and v), so f(x) = sum_j g_j(x_j): DeepLIFT's split
    # of f(x) - f(b) is g_j(x_j) - g_j(b_j), the exact Shapley values.
    X, y = _data(n=80, n_features=5, seed=6)
    model = MLPRegressor((10, 5), activation, max_iter=2, random_state=0).fit(X, y)
    _randomize(model, np.random.default_rng(3), 1.5)
    feature_of_unit = np.arange(10) % 5
    model.coefs_[0] *= feature_of_unit[None, :] == np.arange(5)[:, None]
    model.coefs_[1] *= feature_of_unit[:, None] == np.arange(5)[None, :]
    background = X[:20]
    ours = explain(model, X[30:50], background, method="deep")
    exact = _exact(model.predict, X[30:50], background)
    assert np.abs(exact.values).max() > 0.1
    np.testing.assert_allclose(ours.values, exact.values, rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.base_values, exact.base_values, atol=1e-12)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_nonlinear_network_agrees_with_exact_shapley_values(activation):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(300, 6))
    y = np.sin(2 * X[:, 0]) + X[:, 1] * X[:, 2] + np.abs(X[:, 3]) + 0.5 * X[:, 4]
    model = MLPRegressor(
        (16,), activation, learning_rate=1e-2, max_iter=200, random_state=0
    ).fit(X, y)
    background = X[:20]
    ours = explain(model, X[100:160], background, method="deep")
    exact = _exact(model.predict, X[100:160], background)
    correlation = np.corrcoef(ours.values.ravel(), exact.values.ravel())[0, 1]
    assert correlation >= 0.95
    np.testing.assert_allclose(ours.base_values, exact.base_values, atol=1e-12)


def test_binary_probability_has_two_opposite_columns():
    X, y = _data(seed=8)
    model = MLPClassifier((8,), max_iter=20, random_state=0).fit(X, y > 0)
    explanation = explain(model, X[:10], X[20:60], output="probability")
    assert explanation.values.shape == (10, 4, 2)
    assert explanation.output_names == ["False", "True"]
    np.testing.assert_allclose(
        explanation.values[..., 0], -explanation.values[..., 1], atol=1e-15
    )
    np.testing.assert_allclose(explanation.base_values.sum(axis=1), 1, atol=1e-12)
    margin = explain(model, X[:10], X[20:60])
    assert margin.values.shape == (10, 4) and margin.output_names is None


def test_metadata_feature_names_output_names_and_data():
    X, y = _data(seed=9)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    labels = np.array(["low", "mid", "high"])[np.digitize(y, [-0.5, 0.8])]
    model = MLPClassifier((8,), max_iter=20, random_state=0).fit(frame, labels)
    explanation = explain(model, frame.iloc[:7], frame.iloc[10:30])
    assert explanation.feature_names == ["a", "b", "c", "d"]
    assert explanation.output_names == list(model.classes_)
    assert explanation.values.shape == (7, 4, 3)
    assert explanation.base_values.shape == (7, 3)
    assert explanation.data.dtype == np.float64
    np.testing.assert_array_equal(explanation.data, X[:7])
    renamed = explain(model, frame.iloc[:7], frame.iloc[10:30], feature_names="pqrs")
    assert renamed.feature_names == ["p", "q", "r", "s"]
    np.testing.assert_array_equal(renamed.values, explanation.values)
    plain = explain(MLPRegressor((3,), max_iter=5).fit(X, y), X[:3], X[:10])
    assert plain.feature_names == ["x0", "x1", "x2", "x3"]


@pytest.mark.parametrize("n_rows", [30, 250])
def test_default_background_is_the_stored_training_sample(n_rows):
    X, y = _data(n=n_rows, seed=10)
    model = MLPRegressor((8,), "tanh", max_iter=20, random_state=0).fit(X, y)
    stored = model.background_
    assert stored.shape == (min(n_rows, 100), 4)
    # Real training rows, distinct, drawn with the model's random_state.
    rows = [int(np.flatnonzero((X == row).all(axis=1))[0]) for row in stored]
    assert len(set(rows)) == len(rows)
    refit = MLPRegressor((8,), "tanh", max_iter=20, random_state=0).fit(X, y)
    np.testing.assert_array_equal(refit.background_, stored)
    explanation = explain(model, X[7:8])
    np.testing.assert_allclose(
        explanation.base_values, model.predict(stored).mean(), atol=1e-12
    )
    same = explain(model, X[7:8], stored)
    np.testing.assert_array_equal(explanation.values, same.values)
    # One row: the values are not zero and the base value is not f(x).
    assert np.abs(explanation.values).max() > 1e-3
    assert abs(explanation.base_values[0] - model.predict(X[7:8])[0]) > 1e-3


def test_one_row_and_several_rows_share_the_base_value():
    X, y = _data(seed=10)
    model = LinearRegressor().fit(X, y)
    one = explain(model, X[[7]])
    many = explain(model, X[:50])
    np.testing.assert_allclose(one.base_values[0], many.base_values[0], atol=1e-12)
    np.testing.assert_allclose(one.values[0], many.values[7], atol=1e-12)


def test_no_stored_background_needs_an_explicit_one():
    X, y = _data(seed=10)
    model = MLPRegressor((4,), max_iter=5, random_state=0).fit(X, y)
    model.background_ = None  # the documented privacy opt-out
    with pytest.raises(ValueError, match="background="):
        explain(model, X[:3])
    del model.background_  # a model saved by an older skweights
    with pytest.raises(ValueError, match="keeps no background"):
        explain(model, X[:3])
    assert explain(model, X[:3], X[20:40]).values.shape == (3, 4)


def test_a_tiny_explicit_background_warns():
    X, y = _data(seed=10)
    model = MLPRegressor((4,), max_iter=5, random_state=0).fit(X, y)
    with pytest.warns(UserWarning, match="only 3 row"):
        explain(model, X[:2], X[20:23])
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        explain(model, X[:2], X[20:30])


def test_partial_fit_keeps_the_first_batch_sample():
    X, y = _data(n=300, seed=10)
    model = MLPRegressor((4,), random_state=0)
    model.partial_fit(X[:150], y[:150])
    first = model.background_.copy()
    model.partial_fit(X[150:], y[150:])
    np.testing.assert_array_equal(model.background_, first)
    assert all((X[:150] == row).all(axis=1).any() for row in first)


def test_chunked_computation_matches_one_chunk():
    X, y = _data(n=60, seed=11)
    model = MLPClassifier((9, 5), "softplus", max_iter=10, random_state=0)
    model.fit(X, np.digitize(y, [-0.5, 0.8]))
    arguments = (model.coefs_, model.intercepts_, model._activation_for_predict())
    for link in ("identity", "softmax"):
        whole, base = deep_shap(*arguments, X, X[:25], link=link, budget=2**30)
        chunked, base2 = deep_shap(*arguments, X, X[:25], link=link, budget=1)
        np.testing.assert_allclose(chunked, whole, rtol=1e-12, atol=1e-14)
        np.testing.assert_array_equal(base, base2)


def test_sparse_and_float32_inputs_give_the_same_values():
    X, y = _data(seed=12)
    X[X < 0] = 0
    model = MLPRegressor((8,), max_iter=20, random_state=0).fit(X, y)
    dense = explain(model, X[:10], X[20:40])
    sparse = explain(model, sp.csr_matrix(X[:10]), sp.csr_matrix(X[20:40]))
    np.testing.assert_allclose(sparse.values, dense.values, atol=1e-12)
    single = explain(model, X[:10].astype(np.float32), X[20:40])
    assert single.values.dtype == np.float64
    np.testing.assert_allclose(single.values, dense.values, atol=1e-5)


def test_a_float32_model_adds_up_in_float64():
    X, y = _data(seed=13)
    model = MLPRegressor((8,), "tanh", max_iter=20, random_state=0)
    model.fit(X.astype(np.float32), y)
    explanation = explain(model, X[:10], X[20:40])
    expected = [
        np.asarray(W, dtype=np.float64) for W in model.coefs_
    ]  # the float64 network
    hidden = np.tanh(X[:10] @ expected[0] + model.intercepts_[0].astype(np.float64))
    raw = hidden @ expected[1] + model.intercepts_[1].astype(np.float64)
    np.testing.assert_allclose(_total(explanation), raw[:, 0], rtol=0, atol=1e-10)


ERRORS = [
    # (description, call, error type, message fragment)
    ("not skweights", lambda m, X: explain(Ridge().fit(X, X[:, 0]), X), ValueError,
     "skweights estimator"),
    ("pipeline of another model",
     lambda m, X: explain(make_pipeline(StandardScaler(), Ridge()).fit(X, X[:, 0]), X),
     ValueError, "Pipeline ending in Ridge"),
    ("bad fallback", lambda m, X: explain(m, X, fallback="kernel"), ValueError,
     "fallback"),
    ("unfitted", lambda m, X: explain(MLPRegressor(), X), NotFittedError, "fit"),
    ("bad output", lambda m, X: explain(m, X, output="proba"), ValueError,
     "'raw' or 'probability'"),
    ("probability of a regressor", lambda m, X: explain(m, X, output="probability"),
     ValueError, "classifier"),
    ("wrong number of features", lambda m, X: explain(m, X[:, :3]), ValueError,
     "features"),
    ("NaN", lambda m, X: explain(m, np.where(X > 1, np.nan, X)), ValueError, "NaN"),
    ("background features", lambda m, X: explain(m, X, X[:, :2]), ValueError,
     "background"),
    ("feature_names length", lambda m, X: explain(m, X, feature_names=["a"]),
     ValueError, "feature_names"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [case[1:] for case in ERRORS],
    ids=[case[0] for case in ERRORS],
)
def test_clear_errors_leave_the_model_unchanged(call, error, match):
    X, y = _data(seed=14)
    model = MLPRegressor((5,), max_iter=5, random_state=0).fit(X, y)
    before = {key: repr(value) for key, value in model.__dict__.items()}
    with pytest.raises(error, match=match):
        call(model, X)
    assert {key: repr(value) for key, value in model.__dict__.items()} == before


def test_dataframe_with_other_column_names_is_rejected():
    X, y = _data(seed=15)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    model = MLPRegressor((5,), max_iter=5, random_state=0).fit(frame, y)
    with pytest.raises(ValueError, match="feature names"):
        explain(model, frame.rename(columns={"a": "z"}))


def _plots(explanation):
    return {
        "beeswarm": lambda: shap.plots.beeswarm(explanation, show=False),
        "bar": lambda: shap.plots.bar(explanation, show=False),
        "waterfall": lambda: shap.plots.waterfall(explanation[0], show=False),
        "heatmap": lambda: shap.plots.heatmap(explanation, show=False),
        "scatter": lambda: shap.plots.scatter(explanation[:, 0], show=False),
    }


@pytest.mark.parametrize("plot", ["beeswarm", "bar", "waterfall", "heatmap", "scatter"])
@pytest.mark.parametrize("kind", ["regressor", "multiclass", "binary_probability"])
def test_shap_plots_draw_the_explanation(plot, kind):
    X, y = _data(seed=16)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    if kind == "regressor":
        model = MLPRegressor((8,), max_iter=20, random_state=0).fit(frame, y)
        explanation = explain(model, frame.iloc[:40])
    else:
        problem = "multiclass" if kind == "multiclass" else "binary"
        model = MLPClassifier((8,), max_iter=20, random_state=0)
        model.fit(frame, _targets(problem, y))
        # Single-output plots take one output: select a class by its name.
        explanation = explain(model, frame.iloc[:40], output="probability")
        explanation = explanation[:, :, model.classes_.astype(str)[1]]
    plt.close("all")
    try:
        _plots(explanation)[plot]()
        assert plt.get_fignums(), f"shap.plots.{plot} drew no figure"
        assert plt.gcf().axes
    finally:
        plt.close("all")


# -- DeepSHAP's multipliers: softmax Jacobian, zero steps, near-equal rows -------------
def test_softmax_shap_values_use_the_path_averaged_jacobian():
    # _softmax_multipliers mutants 16, 18-21, 31, 32, 87: for a network that is
    # linear up to the softmax, the probability SHAP value of feature f for class k
    # is sum_j C[k, j] * (x_f - b_f) * W[f, j], with C the softmax Jacobian averaged
    # along the straight path from b's logits to x's. C is integrated here with
    # 200 Gauss-Legendre nodes; 1e-9 is far below any change of the path, the sign
    # or the diagonal (> 1e-3 here), and the residual correction when the logit
    # step is small (norm < 1, about 1e-7 here).
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = np.digitize(X[:, 0] + X[:, 1], [-0.5, 0.5])
    model = MLPClassifier((3,), "identity", max_iter=3, random_state=0).fit(X, y)
    W = model.coefs_[0] @ model.coefs_[1]
    background = X[:1]
    rows = np.vstack([X[1:4], background + [[0.2, -0.3, 0.1]]])
    explanation = explain(model, rows, background, output="probability", method="deep")
    nodes, weights = np.polynomial.legendre.leggauss(200)
    nodes, weights = (nodes + 1) / 2, weights / 2
    (W1, W2), (b1, b2) = model.coefs_, model.intercepts_
    z_b = (background[0] @ W1 + b1) @ W2 + b2
    for i, x in enumerate(rows):
        z_x = (x @ W1 + b1) @ W2 + b2
        C = np.zeros((3, 3))
        for t, w in zip(nodes, weights):
            p = softmax(z_b + t * (z_x - z_b))
            C += w * (np.diag(p) - np.outer(p, p))
        contributions = (x - background[0])[:, None] * W  # (features, classes)
        expected = contributions @ C.T  # (features, classes)
        np.testing.assert_allclose(explanation.values[i], expected, atol=1e-9)


def test_rows_equal_to_background_rows_get_finite_values_that_add_up():
    # _softmax_multipliers mutants 79, 83 (an uninitialised output where the logit
    # step has no component but a shift, e.g. zero): each row is also a background
    # row, so one of its steps is zero; its values must be finite and add up.
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3))
    y = np.digitize(X[:, 0], [-0.5, 0.5])
    model = MLPClassifier((4,), "tanh", max_iter=3, random_state=0).fit(X, y)
    background = X[:2]
    explanation = explain(model, X[:2], background, output="probability", method="deep")
    assert np.isfinite(explanation.values).all()
    expected_sum = model.predict_proba(X[:2]) - model.predict_proba(background).mean(0)
    np.testing.assert_allclose(
        explanation.values.sum(axis=1), expected_sum, rtol=0, atol=1e-12
    )


@pytest.mark.parametrize("numba", [True, False], ids=["fused", "numpy"])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_explaining_the_background_itself_warns_of_nothing(activation, numba):
    # rescale mutant 26 (dividing where the step is zero), and on the numpy path
    # (numba disabled or missing) _rescale_numpy mutant 35 (the secant computed
    # everywhere, then overwritten inside the band): a row equal to the background
    # has zero steps; no 0/0 may reach the user as a RuntimeWarning, and its values
    # are exactly zero.
    from skweights import _jit

    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 3))
    model = MLPRegressor((4,), activation, max_iter=3, random_state=0)
    model.fit(X, X[:, 0])
    with warnings.catch_warnings(), contextlib.ExitStack() as stack:
        if not numba:
            stack.enter_context(_jit.disabled())
        warnings.simplefilter("error", RuntimeWarning)
        explanation = explain(model, X[:1], X[:1], method="deep")
    np.testing.assert_array_equal(explanation.values, 0.0)


def test_deepshap_adds_up_when_a_row_is_within_rounding_of_the_background():
    # When a unit's input barely differs between x and the background (|dz| below
    # 1e-6 of its size), the multiplier (tanh(z_x) - tanh(z_b)) / dz is taken as the
    # mean of the two derivatives (error ~ dz^3). One derivative alone is off by
    # tanh''(z) dz / 2 ~ 1e-6 per unit, so the values miss f(x) - f(b) by ~1e-12;
    # the tolerance, 1e-14, sees that with a margin of 100.
    X, y = standard_data(n=30)
    model = MLPRegressor((4,), "tanh", max_iter=2, random_state=0).fit(X, y)
    model.coefs_ = [
        np.array([[0.9, -0.8, 0.7, 0.6], [0.5, 0.4, -0.9, 0.3], [0.2, 0.6, 0.1, -0.7]]),
        np.array([[1.0], [-2.0], [1.5], [0.8]]),
    ]
    model.intercepts_ = [np.array([0.8, -0.9, 1.0, 0.7]), np.array([0.1])]
    background = np.array([[0.4, 0.3, 0.2]])
    rows = background + np.array([[1e-6, 1e-6, 1e-6], [2e-6, -1e-6, 1.5e-6]])
    explanation = explain(model, rows, background)
    gap = model.predict(rows) - model.predict(background)
    assert np.abs(gap).min() > 1e-7
    np.testing.assert_allclose(explanation.values.sum(axis=1), gap, rtol=0, atol=1e-14)
