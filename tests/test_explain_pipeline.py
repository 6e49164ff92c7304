"""skweights.explain on pipelines: exactness, additivity, background, errors.

The exactness tests compare with interventional Shapley values enumerated by brute
force over every subset of the (few) input columns, on the pipeline's own predict.
"""

import warnings
from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA, TruncatedSVD
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    KBinsDiscretizer,
    MinMaxScaler,
    OneHotEncoder,
    PowerTransformer,
    QuantileTransformer,
    SplineTransformer,
    StandardScaler,
)

from skweights import (
    LinearClassifier,
    LinearRegressor,
    MLPClassifier,
    MLPRegressor,
    explain,
)

NUMERIC = ["age", "income", "score"]
CATEGORICAL = ["city", "plan"]


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _frame(n=200, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "age": rng.integers(18, 80, n).astype(float),
            "city": rng.choice(["north", "south", "east"], n),
            "income": rng.lognormal(10, 0.5, n),
            "plan": rng.choice(["basic", "pro"], n),
            "score": rng.normal(size=n),
        }
    )


def _target(X):
    return (
        X["age"] / 10
        + np.log(X["income"])
        + 2 * (X["city"] == "north")
        - (X["plan"] == "pro")
        + X["score"] ** 2
    ).to_numpy()


def _interventional_shapley(predict, X, background):
    """Exact interventional Shapley values of ``predict`` over X's columns."""
    d = X.shape[1]
    values = []
    for i in range(len(X)):
        value_of = {}
        for size in range(d + 1):
            for subset in combinations(range(d), size):
                rows = background.copy()
                for j in subset:
                    rows.iloc[:, j] = X.iloc[i, j]
                value_of[subset] = np.mean(predict(rows), axis=0)
        phi = np.zeros((d, *np.shape(value_of[()])))
        for j in range(d):
            for subset, value in value_of.items():
                if j in subset:
                    continue
                weight = (
                    factorial(len(subset)) * factorial(d - len(subset) - 1)
                ) / factorial(d)
                with_j = tuple(sorted((*subset, j)))
                phi[j] += weight * (value_of[with_j] - value)
        values.append(phi)
    return np.array(values)


def _column_local():
    return ColumnTransformer(
        [
            ("age", StandardScaler(), ["age"]),
            ("income", QuantileTransformer(n_quantiles=50), ["income"]),
            ("cat", OneHotEncoder(), CATEGORICAL),
        ],
        remainder="passthrough",
    )


def _with_pca():
    return ColumnTransformer(
        [
            ("num", make_pipeline(StandardScaler(), PCA(2)), NUMERIC),
            ("city", OneHotEncoder(), ["city"]),
        ],
        remainder="drop",
    )


def _nested():
    return ColumnTransformer(
        [
            (
                "num",
                make_pipeline(SimpleImputer(), PowerTransformer(), MinMaxScaler()),
                NUMERIC,
            ),
            (
                "cat",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(handle_unknown="ignore", sparse_output=True),
                ),
                CATEGORICAL,
            ),
        ]
    )


def _splines():
    return ColumnTransformer(
        [
            ("age", SplineTransformer(n_knots=4), ["age"]),
            ("income", KBinsDiscretizer(4, quantile_method="averaged_inverted_cdf"),
             ["income"]),
            ("score", FunctionTransformer(np.tanh, feature_names_out="one-to-one"),
             ["score"]),
            ("cat", OneHotEncoder(drop="first"), CATEGORICAL),
        ]
    )  # fmt: skip


PREPROCESSORS = {
    "column-local": _column_local,
    "scaler+pca": _with_pca,
    "nested": _nested,
    "splines": _splines,
}


@pytest.mark.parametrize("name", list(PREPROCESSORS))
def test_linear_pipeline_gets_exact_interventional_shapley_values(name):
    X = _frame()
    pipe = make_pipeline(PREPROCESSORS[name](), LinearRegressor()).fit(X, _target(X))
    background = X.iloc[100:120]
    explanation = explain(pipe, X.iloc[:4], background)
    exact = _interventional_shapley(pipe.predict, X.iloc[:4], background)
    assert explanation.feature_names == list(X.columns)
    np.testing.assert_allclose(explanation.values, exact, rtol=0, atol=1e-8)
    np.testing.assert_allclose(
        explanation.base_values, pipe.predict(background).mean(), rtol=0, atol=1e-8
    )


def test_linear_behind_scaler_and_pca_is_exact_on_arrays():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(150, 4)) @ rng.normal(size=(4, 4))
    y = X @ [1.0, -2.0, 0.5, 3.0]
    pipe = make_pipeline(StandardScaler(), PCA(3), LinearRegressor()).fit(X, y)
    frame, background = pd.DataFrame(X[:5]), pd.DataFrame(X[100:130])
    explanation = explain(pipe, X[:5], X[100:130])
    exact = _interventional_shapley(
        lambda rows: pipe.predict(rows.to_numpy()), frame, background
    )
    assert explanation.feature_names == ["x0", "x1", "x2", "x3"]
    np.testing.assert_allclose(explanation.values, exact, rtol=0, atol=1e-8)


def test_feature_union_and_truncated_svd_are_exact():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(150, 4))
    y = np.tanh(X[:, 0]) + X[:, 1] * 2
    union = FeatureUnion(
        [("scaled", StandardScaler()), ("svd", TruncatedSVD(2, random_state=0))],
        transformer_weights={"svd": 0.5},
    )
    pipe = make_pipeline(union, LinearRegressor()).fit(X, y)
    explanation = explain(pipe, X[:3], X[100:120])
    exact = _interventional_shapley(
        lambda rows: pipe.predict(rows.to_numpy()),
        pd.DataFrame(X[:3]),
        pd.DataFrame(X[100:120]),
    )
    np.testing.assert_allclose(explanation.values, exact, rtol=0, atol=1e-8)


def _output(pipe, X, output):
    if output == "probability":
        return pipe.predict_proba(X)
    if hasattr(pipe, "decision_function"):
        return pipe.decision_function(X)
    return pipe.predict(X)


@pytest.mark.parametrize("method", ["deep", "exact"])
@pytest.mark.parametrize("name", list(PREPROCESSORS))
@pytest.mark.parametrize(
    ("problem", "output"),
    [
        ("regression", "raw"),
        ("binary", "raw"),
        ("binary", "probability"),
        ("multiclass", "raw"),
        ("multiclass", "probability"),
    ],
)
def test_mlp_pipelines_add_up_to_1e_8(name, problem, output, method):
    X = _frame(seed=3)
    y = _target(X)
    if problem == "regression":
        model = MLPRegressor((16, 8), "tanh", max_iter=30, random_state=0)
    else:
        bins = [np.median(y)] if problem == "binary" else np.quantile(y, [0.3, 0.7])
        y = np.digitize(y, bins)
        model = MLPClassifier((16, 8), max_iter=30, random_state=0)
    pipe = make_pipeline(PREPROCESSORS[name](), model).fit(X, y)
    explanation = explain(pipe, X.iloc[:30], X.iloc[150:], output=output, method=method)
    total = explanation.values.sum(axis=1) + explanation.base_values
    np.testing.assert_allclose(
        total, _output(pipe, X.iloc[:30], output), rtol=0, atol=1e-8
    )
    assert explanation.values.shape[:2] == (30, 5)


def test_data_keeps_the_original_values_and_names():
    X = _frame()
    pipe = make_pipeline(_column_local(), MLPRegressor((8,), max_iter=10)).fit(
        X, _target(X)
    )
    explanation = explain(pipe, X.iloc[:6])
    assert explanation.feature_names == list(X.columns)
    assert explanation.data.shape == (6, 5)
    assert explanation.data[0, 1] == X["city"].iloc[0]  # a string
    assert explanation.data[0, 0] == X["age"].iloc[0]  # not scaled
    waterfall_labels = [str(v) for v in explanation[0].data]
    assert X["city"].iloc[0] in waterfall_labels


def test_dropped_columns_get_zero_values():
    X = _frame()
    pipe = make_pipeline(_with_pca(), MLPRegressor((8,), max_iter=10)).fit(
        X, _target(X)
    )
    explanation = explain(pipe, X.iloc[:5], X.iloc[100:140])
    assert np.all(explanation.values[:, X.columns.get_loc("plan")] == 0)


def _stored_raw_rows(pipe, X):
    """The raw training rows whose transform the final step kept."""
    transformed = np.asarray(pipe[:-1].transform(X), dtype=np.float64)
    stored = np.asarray(pipe[-1].background_, dtype=np.float64)
    rows = [int(np.flatnonzero((transformed == s).all(axis=1))[0]) for s in stored]
    return X.iloc[rows]


def test_one_row_with_the_default_background():
    X = _frame(seed=4)
    pipe = make_pipeline(
        _column_local(), MLPClassifier((8,), max_iter=20, random_state=0)
    ).fit(X, _target(X) > np.median(_target(X)))
    row = X.iloc[[7]]
    explanation = explain(pipe, row, output="probability")
    assert np.abs(explanation.values).max() > 1e-4
    assert not np.allclose(explanation.base_values, pipe.predict_proba(row))
    raw_rows = _stored_raw_rows(pipe, X)
    assert len(raw_rows) == 100
    explicit = explain(pipe, row, raw_rows, output="probability")
    np.testing.assert_allclose(explanation.values, explicit.values, atol=1e-12)
    np.testing.assert_allclose(explanation.base_values, explicit.base_values)
    # The base value does not depend on which rows are explained.
    many = explain(pipe, X.iloc[:20], output="probability")
    np.testing.assert_allclose(many.base_values[0], explanation.base_values[0])


def test_a_mixing_pipeline_needs_raw_background_rows():
    X = _frame()
    pipe = make_pipeline(_with_pca(), LinearRegressor()).fit(X, _target(X))
    with pytest.raises(ValueError, match="background= as raw rows"):
        explain(pipe, X.iloc[:3])


class Opaque(TransformerMixin, BaseEstimator):
    """Mixes its columns in a way the rules cannot trace."""

    def fit(self, X, y=None):
        self.n_features_in_ = np.shape(X)[1]
        return self

    def transform(self, X):
        X = np.asarray(X, dtype=np.float64)
        return np.column_stack([X, np.sin(X).sum(axis=1)])


def test_an_opaque_step_is_refused_by_name():
    X = _frame()[NUMERIC]
    pipe = make_pipeline(
        ColumnTransformer([("mystery", Opaque(), NUMERIC)]), LinearRegressor()
    ).fit(X, _target(_frame()))
    with pytest.raises(ValueError, match="mystery.*Opaque") as caught:
        explain(pipe, X.iloc[:3], X.iloc[50:70])
    assert "fallback='permutation'" in str(caught.value)
    assert "OneHotEncoder" in str(caught.value)  # lists what is supported


class PerColumnLooking(TransformerMixin, BaseEstimator):
    """Has a per-column fitted attribute and one-to-one names, but mixes."""

    def fit(self, X, y=None):
        self.n_features_in_ = np.shape(X)[1]
        self.mean_ = np.mean(np.asarray(X, dtype=np.float64), axis=0)
        return self

    def transform(self, X):
        X = np.asarray(X, dtype=np.float64) - self.mean_
        return X + X.mean(axis=1, keepdims=True)

    def get_feature_names_out(self, input_features=None):
        return np.asarray(input_features, dtype=object)


def test_the_data_must_agree_with_per_column_attributes():
    X = _frame()[NUMERIC]
    pipe = make_pipeline(PerColumnLooking(), LinearRegressor()).fit(
        X, _target(_frame())
    )
    with pytest.raises(ValueError, match="PerColumnLooking.*mixes"):
        explain(pipe, X.iloc[:5], X.iloc[50:70])


def test_a_row_wise_function_transformer_is_refused():
    X = _frame()[NUMERIC]
    normalize = FunctionTransformer(
        lambda Z: Z / np.abs(np.asarray(Z)).sum(axis=1, keepdims=True),
        feature_names_out="one-to-one",
    )
    pipe = make_pipeline(normalize, LinearRegressor()).fit(X, _target(_frame()))
    with pytest.raises(ValueError, match="mixes its input columns"):
        explain(pipe, X.iloc[:3], X.iloc[50:70])


def test_permutation_fallback_explains_an_opaque_pipeline():
    X = _frame()[NUMERIC]
    pipe = make_pipeline(Opaque(), MLPRegressor((8,), max_iter=10)).fit(
        X, _target(_frame())
    )
    explanation = explain(pipe, X.iloc[:3], X.iloc[50:70], fallback="permutation")
    total = explanation.values.sum(axis=1) + explanation.base_values
    np.testing.assert_allclose(total, pipe.predict(X.iloc[:3]), rtol=0, atol=1e-8)
    assert explanation.feature_names == NUMERIC
    with pytest.raises(ValueError, match="needs background="):
        explain(pipe, X.iloc[:3], fallback="permutation")


def test_permutation_fallback_agrees_on_an_additive_pipeline():
    X = _frame()
    pipe = make_pipeline(_column_local(), LinearClassifier()).fit(
        X, _target(X) > np.median(_target(X))
    )
    ours = explain(pipe, X.iloc[:3], X.iloc[100:120])
    theirs = explain(pipe, X.iloc[:3], X.iloc[100:120], fallback="permutation")
    assert list(theirs.data[0]) == list(X.iloc[0])
    np.testing.assert_allclose(theirs.values, ours.values, rtol=0, atol=1e-8)
    np.testing.assert_allclose(theirs.base_values, ours.base_values, atol=1e-8)


# -- names through pipelines in inspection and plotting ------------------------------
def _fitted_mixed_pipeline(model):
    X = _frame(seed=5)
    y = _target(X)
    return make_pipeline(_column_local(), model).fit(X, y), X, y


def test_inspection_uses_the_pipelines_feature_names():
    from skweights.inspection import feature_names, weight_importance

    pipe, X, _ = _fitted_mixed_pipeline(MLPRegressor((8,), max_iter=10))
    expected = list(pipe[:-1].get_feature_names_out())
    assert feature_names(pipe) == expected
    assert "cat__city_north" in expected
    importance = weight_importance(pipe, X)
    assert list(importance.index) == expected
    by_input = weight_importance(pipe, X, by="input")
    assert list(by_input.index) == list(X.columns)
    cities = [name for name in expected if name.startswith("cat__city_")]
    np.testing.assert_allclose(by_input["city"], importance[cities].sum())
    np.testing.assert_allclose(by_input.sum(), importance.sum())
    with pytest.raises(ValueError, match="by must be"):
        weight_importance(pipe, X, by="column")


def test_by_input_refuses_a_mixing_pipeline():
    from skweights.inspection import weight_importance

    X = _frame()
    pipe = make_pipeline(_with_pca(), LinearRegressor()).fit(X, _target(X))
    assert len(weight_importance(pipe, X)) == 5  # 2 components + 3 cities
    with pytest.raises(ValueError, match="mixes input columns"):
        weight_importance(pipe, X, by="input")


def test_regularization_path_and_plots_use_the_pipelines_names():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skweights.inspection import regularization_path
    from skweights.plotting import plot_coefficients, plot_weight_heatmap

    pipe, X, y = _fitted_mixed_pipeline(LinearRegressor(penalty="l1"))
    expected = list(pipe[:-1].get_feature_names_out())
    path = regularization_path(pipe, X, y, n_alphas=3)
    assert path.feature_names == expected
    ax = plot_coefficients(pipe)
    labels = {tick.get_text() for tick in ax.get_yticklabels()} | {
        tick.get_text() for tick in ax.get_xticklabels()
    }
    assert "cat__city_north" in labels
    ax = plot_weight_heatmap(pipe)
    assert [t.get_text() for t in ax.get_yticklabels()] == expected
    plt.close("all")


# -- the stored background: persistence, sparse and float32 --------------------------
def test_saved_and_loaded_pipeline_explains_the_same(tmp_path):
    pytest.importorskip("skops")
    from skweights import load, save

    X = _frame(seed=6)
    pipe = make_pipeline(_nested(), MLPRegressor((8,), max_iter=10, random_state=0))
    pipe.fit(X, _target(X))
    path = save(pipe, tmp_path / "pipe.skops")
    # OneHotEncoder's dtype parameter is a numpy.dtype, which load does not trust
    # by default.
    loaded = load(path, trusted=["numpy.dtype"])
    stored, kept = pipe[-1].background_, loaded[-1].background_
    assert type(kept) is type(stored)
    np.testing.assert_array_equal(_dense(kept), _dense(stored))
    before = explain(pipe, X.iloc[:4])
    after = explain(loaded, X.iloc[:4])
    np.testing.assert_array_equal(after.values, before.values)
    np.testing.assert_array_equal(after.base_values, before.base_values)


def _dense(rows):
    return rows.toarray() if hasattr(rows, "toarray") else np.asarray(rows)


def test_the_stored_background_keeps_the_training_layout():
    import scipy.sparse as sp

    rng = np.random.default_rng(7)
    X = rng.normal(size=(300, 5)).astype(np.float32)
    y = X[:, 0] - X[:, 1]
    model = LinearRegressor().fit(X, y)
    assert model.background_.dtype == np.float32
    assert model.background_.shape == (100, 5)
    sparse = LinearRegressor().fit(sp.csr_matrix(np.where(X > 0, X, 0)), y)
    assert sp.issparse(sparse.background_)
    assert sparse.background_.shape == (100, 5)
    assert explain(sparse, X[:3]).values.shape == (3, 5)
