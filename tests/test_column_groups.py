"""GroupL1 over explicit groups of rows, and skweights.column_groups.

The grouped penalty against its formula, finite differences and the prox's
optimality conditions (scalar and per-coordinate steps); column_groups on fitted
preprocessors; and a model behind a one-hot encoder that keeps or drops each
categorical whole.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.compose import ColumnTransformer, make_column_transformer
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import SelectFromModel
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, SplineTransformer, StandardScaler

from skweights import LinearRegressor, MLPRegressor, column_groups, penalties
from skweights.penalties import GroupL1

GROUPS = [[0, 3], [1, 4, 5]]  # rows 2 and 6 alone


def _label(n_rows=7):
    label = np.arange(n_rows) + 100
    for g, rows in enumerate(GROUPS):
        label[rows] = g
    return label


def _reference_value(W, alpha):
    label = _label(W.shape[0])
    return alpha * sum(
        np.sqrt(np.sum(label == g)) * np.linalg.norm(W[label == g])
        for g in np.unique(label)
    )


def _weights(seed, dtype=np.float64):
    return np.random.default_rng(seed).normal(size=(7, 3)).astype(dtype)


def test_value_is_the_weighted_sum_of_group_norms():
    W = _weights(0)
    pen = GroupL1(alpha=0.7, groups=GROUPS)
    assert pen.value(W) == pytest.approx(_reference_value(W, 0.7), rel=1e-14)
    W[[1, 4, 5]] = 0.0
    assert pen.value(W) == pytest.approx(_reference_value(W, 0.7), rel=1e-14)


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-7), (np.float32, 1e-3)])
def test_grad_matches_finite_differences(dtype, tol):
    W = _weights(1, dtype)
    pen = GroupL1(alpha=0.7, groups=GROUPS)
    grad = pen.grad(W)
    assert grad.dtype == dtype
    W64, h = W.astype(np.float64), 1e-6
    numeric = np.zeros_like(W64)
    for idx in np.ndindex(W.shape):
        up, down = W64.copy(), W64.copy()
        up[idx] += h
        down[idx] -= h
        numeric[idx] = (pen.value(up) - pen.value(down)) / (2 * h)
    assert_allclose(grad, numeric, rtol=tol, atol=tol)


def test_singleton_groups_are_the_row_penalty():
    W = _weights(2)
    step = np.random.default_rng(2).uniform(0.1, 1.0, size=W.shape)
    rows, grouped = GroupL1(0.4), GroupL1(0.4, groups=[[j] for j in range(7)])
    assert grouped.value(W) == pytest.approx(rows.value(W), rel=1e-14)
    assert_allclose(grouped.grad(W), rows.grad(W), rtol=1e-14)
    assert_allclose(grouped.prox(W, 0.5), rows.prox(W, 0.5), rtol=1e-14)
    assert_allclose(grouped.prox(W, step), rows.prox(W, step), rtol=1e-12)


def _assert_prox_optimal(W, X, a, alpha_weights):
    """0 in (X - W) / a + c_g d||X_g||: the prox in the metric of the steps a."""
    label = _label(W.shape[0])
    for g in np.unique(label):
        rows = label == g
        c = alpha_weights * np.sqrt(rows.sum())
        norm = np.linalg.norm(X[rows])
        if norm == 0:
            assert np.linalg.norm(W[rows] / a[rows]) <= c * (1 + 1e-12)
        else:
            assert_allclose(
                (W[rows] - X[rows]) / a[rows], c * X[rows] / norm, rtol=1e-9, atol=1e-12
            )


@pytest.mark.parametrize("per_coordinate", [False, True])
def test_prox_satisfies_the_optimality_conditions(per_coordinate):
    rng = np.random.default_rng(3)
    W = _weights(3)
    W[2] *= 0.05  # a row that the prox zeroes
    step = rng.uniform(0.05, 0.6, size=W.shape) if per_coordinate else 0.3
    alpha = 1.2
    X = GroupL1(alpha, groups=GROUPS).prox(W, step)
    _assert_prox_optimal(W, X, np.broadcast_to(step, W.shape), alpha)
    assert np.all(X[2] == 0.0)
    zero_group = W.copy()
    zero_group[[0, 3]] *= 0.01
    X = GroupL1(alpha, groups=GROUPS).prox(zero_group, step)
    assert np.all(X[[0, 3]] == 0.0) and not np.signbit(X[[0, 3]]).any()


def test_prox_minimizes_the_proximal_objective():
    rng = np.random.default_rng(4)
    W, a = _weights(4), rng.uniform(0.1, 0.8, size=(7, 3))
    pen = GroupL1(0.9, groups=GROUPS)
    X = pen.prox(W, a)

    def objective(Z):
        return 0.5 * np.sum((Z - W) ** 2 / a) + pen.value(Z)

    best = objective(X)
    for _ in range(200):
        assert objective(X + rng.normal(scale=1e-3, size=X.shape)) >= best - 1e-12


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_prox_out_in_place_and_dtype(dtype):
    W = _weights(5, dtype)
    expected = GroupL1(0.5, groups=GROUPS).prox(W, 0.4)
    assert expected.dtype == dtype
    GroupL1(0.5, groups=GROUPS).prox(W, np.full(W.shape, 0.4, dtype), out=W)
    assert_allclose(W, expected, rtol=1e-6 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize(
    "groups, match",
    [
        ([[0, 9]], "outside the 7 rows"),
        ([[0, 1], [1, 2]], "appears twice"),
        ([[0, 0]], "appears twice"),
        ([[]], "non-empty list of integer"),
        ([[0.5]], "non-empty list of integer"),
        ("abc", "list of lists"),
    ],
)
def test_malformed_groups_raise(groups, match):
    with pytest.raises(ValueError, match=match):
        GroupL1(groups=groups).value(_weights(6))


def test_registry_and_clone_keep_groups():
    from sklearn.base import clone

    pen = penalties.group_l1(0.2, groups=GROUPS)
    assert clone(pen) == pen and clone(pen).groups == GROUPS
    with pytest.raises(ValueError, match="2-D weight matrix"):
        pen.value(np.ones(7))


# -- column_groups ------------------------------------------------------------------


def _frame(n=400, seed=0):
    """Two numeric columns, a relevant and an irrelevant categorical."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "shop": rng.choice(["a", "b", "c", "d"], size=n),
            "noise": rng.normal(size=n),
            "color": rng.choice(["red", "green", "blue", "grey", "pink"], size=n),
        }
    )
    effect = X["shop"].map({"a": 1.0, "b": -1.0, "c": 0.5, "d": 0.0})
    y = 2.0 * X["x"] + effect + rng.normal(scale=0.3, size=n)
    return X, y.to_numpy()


def _encoder():
    return make_column_transformer(
        (StandardScaler(), ["x", "noise"]),
        (OneHotEncoder(), ["shop", "color"]),
    )


def test_column_groups_of_a_column_transformer():
    X, _ = _frame()
    ct = _encoder().fit(X)
    # outputs: x, noise, shop_a..d, color_blue..red: in input-column order
    assert column_groups(ct) == [[0], [2, 3, 4, 5], [1], [6, 7, 8, 9, 10]]


def test_column_groups_through_pipelines_and_splines():
    X, y = _frame()
    pipe = make_pipeline(
        ColumnTransformer(
            [
                ("spline", SplineTransformer(n_knots=4), ["x"]),
                ("onehot", OneHotEncoder(), ["shop"]),
            ]
        ),
        StandardScaler(),
        LinearRegressor(),
    ).fit(X, y)
    expected = [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9]]  # "noise", "color" dropped
    assert column_groups(pipe) == expected
    assert column_groups(pipe[:-1]) == expected


def test_column_groups_refuses_a_mixing_map():
    X = np.random.default_rng(0).normal(size=(30, 3))
    with pytest.raises(ValueError, match="mixes input columns|cannot trace"):
        column_groups(make_pipeline(StandardScaler(), PCA(2)).fit(X))


def _group_of_each_column(ct):
    owner = np.empty(ct.transform(_frame(5)[0]).shape[1], dtype=int)
    for j, group in enumerate(column_groups(ct)):
        owner[group] = j
    return owner


@pytest.mark.parametrize("model_kind", ["linear", "mlp"])
def test_a_categorical_is_kept_or_dropped_whole(model_kind):
    X, y = _frame()
    ct = _encoder().fit(X)
    groups = column_groups(ct)
    if model_kind == "linear":
        model = LinearRegressor(penalty=GroupL1(0.05, groups=groups), tol=1e-8)
    else:
        model = MLPRegressor(
            (8,),
            penalty=[GroupL1(0.03, groups=groups), "l2"],
            alpha=1e-4,
            learning_rate=0.01,
            max_iter=150,
            random_state=0,
        )
    pipe = make_pipeline(ct, model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe.fit(X, y)
    support = pipe[-1].support_
    owner = _group_of_each_column(ct)
    for j in range(len(groups)):
        assert len(set(support[owner == j])) == 1  # every dummy or none
    kept = {name for j, name in enumerate(X.columns) if support[owner == j].all()}
    assert kept == {"x", "shop"}  # the irrelevant categorical goes whole
    # SelectFromModel on the norms keeps or drops the same whole groups.
    selector = SelectFromModel(
        pipe[-1], prefit=True, importance_getter="input_weight_norms_", threshold=1e-12
    )
    assert_array_equal(selector.get_support(), support)


def test_ungrouped_row_penalty_splits_a_categorical():
    # What the groups fix: the per-row group lasso selects dummy by dummy.
    X, y = _frame()
    ct = _encoder().fit(X)
    shop = _group_of_each_column(ct) == 1
    model = LinearRegressor(penalty=GroupL1(0.1), tol=1e-8)
    make_pipeline(ct, model).fit(X, y)
    assert model.support_[shop].any() and not model.support_[shop].all()
    grouped = LinearRegressor(penalty=GroupL1(0.1, groups=column_groups(ct)))
    make_pipeline(ct, grouped).fit(X, y)
    assert grouped.support_[shop].all()
