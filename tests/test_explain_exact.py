"""explain(method="exact" | "sampling" | "auto"): Shapley values by enumeration.

Every exact value is checked against a brute-force enumeration that builds the
hybrid rows (x on the coalition, a background row elsewhere) in the model's *raw*
input space and calls the model's own predict function on them, so the
preprocessing's column map, the folding into layer 0 and the links are all
checked end to end.
"""

import itertools
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skweights import (
    LinearClassifier,
    LinearRegressor,
    MLPClassifier,
    MLPRegressor,
    _shapley,
    activations,
    explain,
)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _hybrid(x, background, S):
    """Background rows with the columns in ``S`` taken from the row ``x``."""
    if isinstance(background, pd.DataFrame):
        rows = background.copy()
        for j in S:
            rows.iloc[:, j] = x.iloc[j]
        return rows
    rows = np.array(background, dtype=float, copy=True)
    rows[:, list(S)] = x[list(S)]
    return rows


def _brute_force(function, x, background, weights=None):
    """Shapley values of v(S) = weighted mean of function(x_S, b_notS), (d, k)."""
    n = len(background)
    w = np.ones(n) / n if weights is None else np.asarray(weights) / np.sum(weights)
    d = background.shape[1]
    cache = {}

    def v(S):
        key = tuple(sorted(S))
        if key not in cache:
            out = np.asarray(function(_hybrid(x, background, key)), dtype=float)
            cache[key] = w @ out.reshape(n, -1)
        return cache[key]

    phi = np.zeros((d, v(()).shape[0]))
    for j in range(d):
        others = [i for i in range(d) if i != j]
        for size in range(d):
            weight = math.factorial(size) * math.factorial(d - size - 1)
            weight /= math.factorial(d)
            for S in itertools.combinations(others, size):
                phi[j] += weight * (v((*S, j)) - v(S))
    return phi


def _row(X, i):
    return X.iloc[i] if isinstance(X, pd.DataFrame) else X[i]


def _assert_exact(model, X, background, output, function, weights=None, rows=3):
    explanation = explain(
        model,
        X[:rows] if not isinstance(X, pd.DataFrame) else X.iloc[:rows],
        background,
        output=output,
        method="exact",
        background_weight=weights,
    )
    assert explanation.method == "exact"
    values = explanation.values.reshape(rows, background.shape[1], -1)
    for i in range(rows):
        expected = _brute_force(function, _row(X, i), background, weights)
        if output == "probability" and expected.shape[1] == 1:
            expected = np.concatenate([-expected, expected], axis=1)
        np.testing.assert_allclose(values[i], expected, rtol=0, atol=1e-10)
    return explanation


def _data(n=160, d=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = np.sin(2 * X[:, 0]) + X[:, 1] * X[:, 2] + np.abs(X[:, -1])
    return X, y


def _labels(kind, y):
    if kind == "binary":
        return y > np.median(y)
    if kind == "multiclass":
        return np.digitize(y, np.quantile(y, [0.3, 0.6]))
    if kind == "multilabel":
        return np.column_stack([y > 0, y > 1, y < -0.5]).astype(int)
    return y


CLASSIFIER_CASES = [
    ("binary", "raw"),
    ("binary", "probability"),
    ("multiclass", "raw"),
    ("multiclass", "probability"),
    ("multilabel", "raw"),
    ("multilabel", "probability"),
]


def _function(model, output):
    if output == "probability":
        return model.predict_proba
    if hasattr(model, "decision_function"):
        return model.decision_function
    return model.predict


@pytest.mark.parametrize(("kind", "output"), CLASSIFIER_CASES)
@pytest.mark.parametrize("hidden", [(7, 4), ()])
def test_classifiers_equal_brute_force(kind, output, hidden):
    X, y = _data(seed=1)
    estimator = MLPClassifier(hidden, "tanh", max_iter=30, random_state=0)
    if not hidden:
        estimator = LinearClassifier(max_iter=30, random_state=0)
    model = estimator.fit(X, _labels(kind, y))
    function = _function(model, output)
    if kind == "multilabel" and output == "probability":
        # predict_proba of a multilabel model: one probability per label.
        def function(rows):
            return model.predict_proba(rows)

    _assert_exact(model, X, X[100:130], output, function)


@pytest.mark.parametrize("output", ["raw", "response"])
@pytest.mark.parametrize("n_targets", [1, 3])
def test_regressors_equal_brute_force(output, n_targets):
    X, y = _data(seed=2)
    target = y if n_targets == 1 else np.column_stack([y, -y, y**2])
    model = MLPRegressor((6, 5), "relu", max_iter=40, random_state=0).fit(X, target)
    _assert_exact(model, X, X[100:125], output, model.predict)


def test_a_log_link_response_equals_brute_force():
    X, y = _data(seed=3)
    model = MLPRegressor((6,), loss="poisson", max_iter=40, random_state=0)
    model.fit(X, np.exp(y / 3))
    explanation = _assert_exact(model, X, X[100:125], "response", model.predict)
    total = explanation.values.sum(axis=1) + explanation.base_values
    np.testing.assert_allclose(total, model.predict(X[:3]), rtol=0, atol=1e-10)


def test_a_weighted_background_equals_brute_force():
    X, y = _data(seed=4)
    model = MLPClassifier((8,), max_iter=30, random_state=0).fit(X, y > 0)
    weights = np.random.default_rng(0).uniform(0, 3, size=20)
    weights[3] = 0.0
    exact = _assert_exact(
        model, X, X[100:120], "probability", model.predict_proba, weights=weights
    )
    expected_base = weights @ model.predict_proba(X[100:120]) / weights.sum()
    np.testing.assert_allclose(exact.base_values[0], expected_base, atol=1e-14)
    sampled = explain(
        model,
        X[:3],
        X[100:120],
        output="probability",
        method="sampling",
        background_weight=weights,
        random_state=0,
    )
    total = sampled.values.sum(axis=1) + sampled.base_values
    np.testing.assert_allclose(total, model.predict_proba(X[:3]), rtol=0, atol=1e-8)
    np.testing.assert_allclose(sampled.base_values, exact.base_values, atol=1e-15)


def _frame(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "age": rng.uniform(20, 70, n),
            "income": rng.lognormal(3, 0.5, n),
            "city": rng.choice(["north", "south", "east"], n),
            "score": rng.normal(50, 10, n),
            "plan": rng.choice(["a", "b"], n),
        }
    )
    X.loc[rng.random(n) < 0.1, "score"] = np.nan
    y = (X["age"] / 50 + (X["city"] == "north") - (X["plan"] == "b")) > 1
    return X, y.to_numpy()


def _onehot_pipeline(model):
    return make_pipeline(
        make_column_transformer(
            (StandardScaler(), ["age", "income"]),
            (OneHotEncoder(), ["city", "plan"]),
            (make_pipeline(SimpleImputer(), StandardScaler()), ["score"]),
        ),
        model,
    )


@pytest.mark.parametrize("output", ["raw", "probability"])
@pytest.mark.parametrize("hidden", [(6, 4), ()])
def test_pipelines_with_one_hot_imputer_and_scalers_equal_brute_force(output, hidden):
    X, y = _frame()
    model = (
        MLPClassifier(hidden, max_iter=30, random_state=0)
        if hidden
        else (LinearClassifier(max_iter=30, random_state=0))
    )
    pipe = _onehot_pipeline(model).fit(X, y)
    _assert_exact(pipe, X, X.iloc[150:170], output, _function(pipe, output))


@pytest.mark.parametrize("center", [True, False])
def test_pca_pipelines_equal_brute_force(center):
    X, y = _data(seed=5)
    if not center:
        X = X + 3.0  # uncentred data: the PCA's offset matters
    steps = [PCA(n_components=4)]
    if center:
        steps.insert(0, StandardScaler())
    pipe = make_pipeline(*steps, MLPRegressor((6,), "tanh", max_iter=30))
    pipe.fit(X, y)
    _assert_exact(pipe, X, X[100:125], "raw", pipe.predict)


def test_linear_regressor_closed_form_needs_no_enumeration():
    X, y = _data(n=200, d=30, seed=6)
    model = LinearRegressor().fit(X, y)
    explanation = explain(model, X[:4], X[100:150], method="exact")
    expected = (X[:4] - X[100:150].mean(axis=0)) * model.coef_
    np.testing.assert_allclose(explanation.values, expected, rtol=0, atol=1e-12)


def test_dropped_columns_are_exact_zeros_and_cost_nothing():
    X, y = _frame()
    pipe = make_pipeline(
        make_column_transformer(
            (StandardScaler(), ["age", "income"]), (OneHotEncoder(), ["city"])
        ),
        MLPRegressor((5,), max_iter=20, random_state=0),
    ).fit(X, y.astype(float))
    explanation = explain(pipe, X.iloc[:4], X.iloc[100:130], method="exact")
    assert np.all(explanation.values[:, [3, 4]] == 0)
    expected = _brute_force(pipe.predict, X.iloc[0], X.iloc[100:130])
    np.testing.assert_allclose(explanation.values[0], expected[:, 0], atol=1e-10)


def _sampling_case(seed=7):
    X, y = _data(n=200, d=7, seed=seed)
    model = MLPClassifier((16, 8), "tanh", max_iter=60, random_state=0)
    model.fit(X, _labels("multiclass", y))
    return model, X


def test_sampling_is_within_four_standard_errors_of_exact():
    model, X = _sampling_case()
    common = dict(background=X[100:140], output="probability")
    exact = explain(model, X[:20], **common, method="exact")
    sampled = explain(
        model, X[:20], **common, method="sampling", n_permutations=20, random_state=0
    )
    assert sampled.method == "sampling"
    assert sampled.error_std.shape == sampled.values.shape
    assert np.all(sampled.error_std > 0)
    error = np.abs(sampled.values - exact.values)
    assert np.mean(error <= 4 * sampled.error_std + 1e-12) >= 0.95
    # not the exact values by accident
    assert np.abs(sampled.values - exact.values).max() > 1e-6
    total = sampled.values.sum(axis=1) + sampled.base_values
    np.testing.assert_allclose(total, model.predict_proba(X[:20]), rtol=0, atol=1e-8)


def test_sampling_converges_to_exact():
    model, X = _sampling_case(seed=8)
    common = dict(background=X[100:130], method="sampling", random_state=1)
    exact = explain(model, X[:5], X[100:130], method="exact").values
    errors = [
        np.abs(explain(model, X[:5], **common, n_permutations=n).values - exact).mean()
        for n in (4, 64, 1024)
    ]
    assert errors[2] < errors[1] < errors[0]
    assert errors[2] < 0.1 * errors[0]


def test_sampling_is_reproducible_and_depends_on_the_seed():
    model, X = _sampling_case()
    common = dict(background=X[100:130], method="sampling", n_permutations=6)
    first = explain(model, X[:5], **common, random_state=3).values
    again = explain(model, X[:5], **common, random_state=3).values
    other = explain(model, X[:5], **common, random_state=4).values
    np.testing.assert_array_equal(first, again)
    assert np.abs(first - other).max() > 0


@pytest.mark.parametrize("method", ["exact", "sampling", "deep", "auto"])
def test_a_rows_values_do_not_depend_on_its_batch(method):
    model, X = _sampling_case()
    options = dict(background=X[100:130], method=method, random_state=0)
    batch = explain(model, X[:12], **options)
    for i in (0, 5, 11):
        alone = explain(model, X[[i]], **options)
        np.testing.assert_allclose(alone.values[0], batch.values[i], rtol=0, atol=1e-13)
    reordered = explain(model, X[:12][::-1], **options)
    np.testing.assert_allclose(reordered.values[::-1], batch.values, atol=1e-13)


def test_auto_is_exact_up_to_the_documented_size_then_deep():
    X, y = _data(n=700, d=8, seed=9)
    model = MLPRegressor((8,), max_iter=20, random_state=0).fit(X, y)
    limit = _shapley.AUTO_LIMIT
    small = limit // 2**8  # the largest background for which 8 columns stay exact
    auto = explain(model, X[:3], X[100 : 100 + small])
    exact = explain(model, X[:3], X[100 : 100 + small], method="exact")
    assert auto.method == "exact"
    np.testing.assert_array_equal(auto.values, exact.values)
    larger = explain(model, X[:3], X[100 : 101 + small])
    assert larger.method == "deep"
    deep = explain(model, X[:3], X[100 : 101 + small], method="deep")
    np.testing.assert_array_equal(larger.values, deep.values)


def test_a_linear_model_is_always_exact_under_auto():
    X, y = _data(n=300, d=40, seed=10)
    model = LinearRegressor().fit(X, y)
    assert explain(model, X[:2], X[100:200]).method == "exact"
    model = LinearClassifier(max_iter=30).fit(X, y > 0)
    # a probability is not linear: too many columns for exact, so deep
    assert explain(model, X[:2], X[100:200], output="probability").method == "deep"


def test_method_survives_slicing():
    model, X = _sampling_case()
    explanation = explain(model, X[:4], X[100:130], output="probability")
    assert explanation[0].method == explanation.method == "exact"
    assert explanation[:, :, 1].method == "exact"


def test_exact_refuses_past_its_limit_and_points_to_sampling():
    X, y = _data(n=300, d=20, seed=11)
    model = MLPRegressor((4,), max_iter=5, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match=r"2\*\*20 coalitions x 100.*'sampling'"):
        explain(model, X[:1], X[100:200], method="exact")
    sampled = explain(model, X[:1], X[100:200], method="sampling", random_state=0)
    assert sampled.values.shape == (1, 20)


@pytest.mark.parametrize(
    ("keywords", "match"),
    [
        (dict(method="shapley"), "method must be one of"),
        (dict(method="sampling", n_permutations=5), "even integer"),
        (dict(background_weight=np.ones(3)), "one finite, non-negative weight"),
        (dict(background_weight=-np.ones(30)), "non-negative"),
    ],
)
def test_bad_options_are_refused(keywords, match):
    model, X = _sampling_case()
    with pytest.raises(ValueError, match=match):
        explain(model, X[:2], X[100:130], **keywords)


def test_deep_takes_background_weights_as_a_weighted_mean():
    model, X = _sampling_case()
    background = X[100:110]
    weights = np.arange(1, 11)
    weighted = explain(
        model, X[:3], background, method="deep", background_weight=weights
    )
    repeated = explain(
        model, X[:3], np.repeat(background, weights, axis=0), method="deep"
    )
    np.testing.assert_allclose(weighted.values, repeated.values, atol=1e-13)
    np.testing.assert_allclose(weighted.base_values, repeated.base_values, atol=1e-14)


def test_a_search_is_explained_through_its_best_estimator():
    X, y = _data(seed=12)
    search = GridSearchCV(
        MLPRegressor((4,), max_iter=10, random_state=0), {"alpha": [1e-4, 1e-2]}, cv=2
    ).fit(X, y)
    ours = explain(search, X[:3], X[100:130])
    best = explain(search.best_estimator_, X[:3], X[100:130])
    np.testing.assert_array_equal(ours.values, best.values)


def test_a_series_is_one_row():
    X, y = _frame()
    pipe = _onehot_pipeline(MLPClassifier((4,), max_iter=10, random_state=0))
    pipe.fit(X, y)
    from_series = explain(pipe, X.iloc[3], X.iloc[100:130])
    from_frame = explain(pipe, X.iloc[[3]], X.iloc[100:130])
    np.testing.assert_array_equal(from_series.values, from_frame.values)
    assert from_series.values.shape == (1, 5)
    model, Xn = _sampling_case()
    row = pd.Series(Xn[2])
    np.testing.assert_array_equal(
        explain(model, row, Xn[100:130]).values,
        explain(model, Xn[[2]], Xn[100:130]).values,
    )


def test_an_array_into_a_frame_fitted_pipeline_warns_once():
    X, y = _data(seed=13)
    frame = pd.DataFrame(X, columns=list("abcde"))
    pipe = make_pipeline(StandardScaler(), PCA(3), MLPRegressor((4,), max_iter=5))
    pipe.fit(frame, y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        explain(pipe, X[:3], X[100:130])
    names = [w for w in caught if "valid feature names" in str(w.message)]
    assert len(names) == 1


def test_the_permutation_fallback_says_so():
    X, y = _frame()
    pipe = _onehot_pipeline(MLPClassifier((4,), max_iter=10, random_state=0))
    pipe.fit(X, y)
    explanation = explain(
        pipe, X.iloc[:2], X.iloc[100:120], fallback="permutation", method="deep"
    )
    assert explanation.method == "permutation"
    assert explanation[0].method == "permutation"


def test_columns_a_pair_agrees_on_are_left_out_exactly():
    # Integer-valued columns: many pairs agree on some columns (null players of
    # the pair), and the background holds the explained rows themselves.
    rng = np.random.default_rng(14)
    X = rng.integers(0, 3, size=(200, 6)).astype(float)
    y = X[:, 0] * X[:, 1] - X[:, 2] + (X[:, 3] == 1)
    model = MLPRegressor((8, 4), "tanh", max_iter=30, random_state=0).fit(X, y)
    background = X[:25]
    explanation = _assert_exact(model, X, background, "raw", model.predict, rows=4)
    total = explanation.values.sum(axis=1) + explanation.base_values
    np.testing.assert_allclose(total, model.predict(X[:4]), rtol=0, atol=1e-10)


@pytest.mark.parametrize("activation", sorted(activations.REGISTRY.entries))
def test_every_activation_equals_brute_force(activation):
    X, y = _data(n=120, d=4, seed=15)
    model = MLPClassifier((5, 3), activation, max_iter=10, random_state=0)
    model.fit(X, _labels("multiclass", y))
    _assert_exact(model, X, X[100:115], "probability", model.predict_proba, rows=2)


@pytest.mark.parametrize("method", ["exact", "sampling"])
def test_a_row_equal_to_its_background_gets_exact_zeros(method):
    model, X = _sampling_case()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        background = np.repeat(X[:1], 10, axis=0)
        explanation = explain(model, X[:1], background, method=method, random_state=0)
    np.testing.assert_array_equal(explanation.values, 0.0)


def test_auto_counts_only_the_columns_that_reach_the_network():
    X, y = _data(n=400, d=9, seed=16)
    kept = [f"x{j}" for j in range(8)]
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(9)])
    pipe = make_pipeline(
        make_column_transformer((StandardScaler(), kept)),  # x8 is dropped
        MLPRegressor((4,), max_iter=5, random_state=0),
    ).fit(frame, y)
    n_background = _shapley.AUTO_LIMIT // 2**8
    explanation = explain(pipe, frame.iloc[:2], frame.iloc[-n_background:])
    assert explanation.method == "exact"
    assert np.all(explanation.values[:, 8] == 0)
