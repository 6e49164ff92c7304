"""The pipeline column map (skweights/_column_map.py) on the cases users hit.

A model linear in the transformed columns behind column-local steps is additive in
the input columns, so its interventional Shapley values are exact and simple:
``phi_j(x) = mean_b f(b with column j set to x_j) - mean_b f(b)``, computed here
from the pipeline's own ``predict`` (no column map involved). explain must give
them to 1e-8 whatever the steps are chained or folded.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import (
    MinMaxScaler,
    OneHotEncoder,
    SplineTransformer,
    StandardScaler,
)

from skweights import LinearRegressor, MLPClassifier, MLPRegressor, explain


def _additive_shapley(predict, X, background):
    """Exact interventional Shapley values of a model additive in X's columns."""
    base = predict(background).mean(axis=0)
    values = np.zeros(X.shape)
    for i in range(len(X)):
        for j in range(X.shape[1]):
            rows = background.copy()
            rows.iloc[:, j] = X.iloc[i, j]
            values[i, j] = predict(rows).mean(axis=0) - base
    return values


def _shop(n=300, seed=0):
    """Categories with different numbers of levels, listed out of column order."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "size": rng.choice(["S", "M", "L", "XL"], n),
            "age": rng.uniform(20, 70, n),
            "plan": rng.choice(["basic", "pro"], n),
            "city": rng.choice(["north", "south", "east"], n),
            "income": rng.lognormal(10, 0.4, n),
        }
    )
    y = (
        3.0 * (X["city"] == "north")
        - 2.0 * (X["size"] == "XL")
        + 1.5 * (X["plan"] == "pro")
        + X["age"] / 10
        + np.log(X["income"])
    ).to_numpy()
    # Missing sizes, for the imputer that comes before the encoder.
    X.loc[rng.random(n) < 0.1, "size"] = np.nan
    return X, y


def _chained():
    # An imputer, one encoder over three categorical columns, then a scaler over
    # its nine one-hot columns (a chain of three); splines after an imputer on a
    # numeric column.
    categorical = make_pipeline(
        SimpleImputer(strategy="most_frequent"),
        OneHotEncoder(sparse_output=False),
        StandardScaler(),
    )
    return ColumnTransformer(
        [
            ("cat", categorical, ["city", "plan", "size"]),
            ("age", make_pipeline(SimpleImputer(), SplineTransformer(n_knots=4)),
             ["age"]),
            ("income", make_pipeline(StandardScaler(), MinMaxScaler()), ["income"]),
        ]
    )  # fmt: skip


def test_chained_one_hot_and_scaler_keep_each_category_in_its_column():
    X, y = _shop()
    pipe = make_pipeline(_chained(), LinearRegressor(penalty=None)).fit(X, y)
    rows, background = X.iloc[:6], X.iloc[200:260]
    explanation = explain(pipe, rows, background)
    exact = _additive_shapley(pipe.predict, rows, background)
    assert explanation.feature_names == list(X.columns)
    assert_allclose(explanation.values, exact, rtol=0, atol=1e-8)
    assert_allclose(explanation.base_values, pipe.predict(background).mean(), atol=1e-8)
    # What a user reads: changing only the city moves only the city's value.
    moved = rows.copy()
    moved["city"] = np.where(rows["city"] == "north", "south", "north")
    changed = explain(pipe, moved, background).values - explanation.values
    others = [j for j, name in enumerate(X.columns) if name != "city"]
    assert_allclose(changed[:, others], 0.0, atol=1e-10)
    assert np.abs(changed[:, X.columns.get_loc("city")]).min() > 2.0


def test_chained_steps_add_up_for_an_mlp():
    X, y = _shop(seed=1)
    labels = np.digitize(y, np.quantile(y, [0.3, 0.7]))
    model = MLPClassifier((8,), max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe = make_pipeline(_chained(), model).fit(X, labels)
    rows = X.iloc[:20]
    explanation = explain(pipe, rows, X.iloc[200:], output="probability")
    total = explanation.values.sum(axis=1) + explanation.base_values
    assert_allclose(total, pipe.predict_proba(rows), rtol=0, atol=1e-8)


# -- an affine step's offset, on data far from 0 ---------------------------------
def _uncentred(n=300, seed=2):
    rng = np.random.default_rng(seed)
    mixing = np.eye(4) + 0.5 * rng.normal(size=(4, 4))
    X = rng.normal(size=(n, 4)) @ mixing + [50.0, -30.0, 20.0, 80.0]
    return X, X @ [1.0, -2.0, 0.5, 3.0] + np.sin(X[:, 0])


PCA_PIPELINES = {
    "PCA alone": lambda: [PCA(3)],
    "PCA then a scaler": lambda: [PCA(3), StandardScaler()],
    "PCA in a ColumnTransformer": lambda: [
        ColumnTransformer([("pca", PCA(2), [0, 1, 2]), ("scaled", MinMaxScaler(), [3])])
    ],
    "PCA in a weighted FeatureUnion": lambda: [
        FeatureUnion(
            [("pca", PCA(2)), ("scaled", MinMaxScaler())],
            transformer_weights={"pca": 0.5, "scaled": 2.0},
        )
    ],
}


@pytest.mark.parametrize("steps", list(PCA_PIPELINES.values()), ids=list(PCA_PIPELINES))
def test_pca_on_uncentred_data_is_exact_and_adds_up(steps):
    X, y = _uncentred()
    pipe = make_pipeline(*steps(), LinearRegressor(penalty=None)).fit(X, y)
    offset = pipe[:-1].transform(np.zeros((1, 4)))
    assert np.abs(offset).max() > 10.0  # the offset is far from 0 here
    rows, background = X[:5], X[200:260]
    explanation = explain(pipe, rows, background)
    exact = _additive_shapley(
        lambda frame: pipe.predict(frame.to_numpy()),
        pd.DataFrame(rows),
        pd.DataFrame(background),
    )
    assert_allclose(explanation.values, exact, rtol=0, atol=1e-8)
    assert_allclose(explanation.base_values, pipe.predict(background).mean(), atol=1e-8)
    total = explanation.values.sum(axis=1) + explanation.base_values
    assert_allclose(total, pipe.predict(rows), rtol=0, atol=1e-8)


@pytest.mark.parametrize("steps", list(PCA_PIPELINES.values()), ids=list(PCA_PIPELINES))
def test_an_mlp_behind_pca_on_uncentred_data_adds_up(steps):
    X, y = _uncentred(seed=3)
    model = MLPRegressor((8,), "tanh", max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe = make_pipeline(*steps(), model).fit(X, y)
    explanation = explain(pipe, X[:20], X[200:])
    total = explanation.values.sum(axis=1) + explanation.base_values
    assert_allclose(total, pipe.predict(X[:20]), rtol=0, atol=1e-8)
