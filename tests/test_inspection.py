"""Tests of skweights.inspection: summaries, gradient diagnosis, importances, paths."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes, load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, lasso_path
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler, scale

from skweights import (
    LinearClassifier,
    LinearRegressor,
    MLPClassifier,
    MLPRegressor,
    penalties,
)
from skweights.initializers import random_normal
from skweights.inspection import (
    diagnose_gradients,
    layer_summary,
    regularization_path,
    weight_importance,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True)


# -- layer_summary -------------------------------------------------------------------
def test_layer_summary_counts_l1_zeros_exactly(diabetes):
    X, y = diabetes
    model = LinearRegressor(penalty="l1", alpha=0.3, tol=1e-8, max_iter=10_000)
    model.fit(X, y)
    summary = layer_summary(model)
    assert summary.loc[0, "n_zeros"] == np.sum(model.coef_ == 0) > 0
    assert summary.loc[0, "zero_fraction"] == np.mean(model.coef_ == 0)


def test_layer_summary_statistics_match_numpy():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 5)), rng.normal(size=60)
    model = MLPRegressor((7, 3), max_iter=5, random_state=0).fit(X, y)
    model.coefs_[1][0, :] = 0.0  # plant exact zeros in a hidden layer
    summary = layer_summary(model)
    assert list(summary.index) == [0, 1, 2]
    for layer, W in enumerate(model.coefs_):
        row = summary.loc[layer]
        assert row["shape"] == W.shape
        assert row["n_params"] == W.size
        assert row["n_zeros"] == np.count_nonzero(W == 0)
        np.testing.assert_allclose(
            [row["mean"], row["std"], row["min"], row["max"]],
            [W.mean(), W.std(), W.min(), W.max()],
        )
        assert row["l1_norm"] == pytest.approx(np.abs(W).sum())
        assert row["frobenius_norm"] == pytest.approx(np.linalg.norm(W))
        assert row["spectral_norm"] == pytest.approx(np.linalg.svd(W)[1][0])
    assert summary.loc[1, "n_zeros"] >= 3


# -- diagnose_gradients --------------------------------------------------------------
def _datasets():
    X, y = load_diabetes(return_X_y=True)
    yield "diabetes", scale(X), scale(y)
    for seed in (1, 2):
        Xr, yr = make_regression(300, 12, noise=5.0, random_state=seed)
        yield f"regression{seed}", scale(Xr), scale(yr)


DATASETS = list(_datasets())

NETWORKS = {
    "vanishing": dict(
        hidden_layer_sizes=(32,) * 8,
        activation="logistic",
        initializer=random_normal(stddev=0.01),
        max_iter=20,
    ),
    "exploding": dict(
        hidden_layer_sizes=(32,) * 4,
        activation="identity",
        initializer=random_normal(stddev=3.0),
        optimizer="sgd",
        learning_rate=0.1,
        max_iter=20,
        on_divergence="keep_best",
    ),
    "healthy": dict(
        hidden_layer_sizes=(32,) * 4,
        activation="relu",
        initializer="he_normal",
        max_iter=40,
    ),
}


@pytest.mark.parametrize("kind", list(NETWORKS))
@pytest.mark.parametrize("data", DATASETS, ids=[d[0] for d in DATASETS])
@pytest.mark.parametrize("seed", [0, 1])
def test_diagnose_gradients_flags(kind, data, seed):
    _, X, y = data
    model = MLPRegressor(random_state=seed, **NETWORKS[kind]).fit(X, y)
    frame = diagnose_gradients(model)
    assert frame.attrs["vanishing"] == (kind == "vanishing")
    assert frame.attrs["exploding"] == (kind == "exploding")
    assert frame.attrs["status"] == kind
    assert kind in frame.attrs["verdict"].lower()
    assert len(frame) == len(model.history_)
    assert [c for c in frame if c.startswith("grad_norm_")] == [
        f"grad_norm_{i}" for i in range(len(model.coefs_))
    ]


def test_diagnose_gradients_flags_divergence_event():
    X, y = DATASETS[0][1:]
    model = MLPRegressor(random_state=0, **NETWORKS["exploding"]).fit(X, y)
    assert model.history_[-1]["event"] == "diverged"
    frame = diagnose_gradients(model)
    assert frame["exploding"].iloc[-1]
    assert "learning rate" in frame.attrs["verdict"]


def test_diagnose_gradients_growth_and_ratio_columns():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(80, 4)), rng.normal(size=80)
    model = MLPRegressor((5,), max_iter=2, random_state=0).fit(X, y)
    assert len(model.history_) == 3  # epochs 0 (initialization), 1 and 2
    # Rewrite the history: layer 0's gradient grows 1e4-fold, then collapses.
    for record, norms in zip(model.history_, ([1.0, 1.0], [1e4, 1.0], [1e-5, 1.0])):
        record["grad_norms"] = norms
    frame = diagnose_gradients(model)
    np.testing.assert_allclose(frame["ratio"], [1.0, 1e4, 1e-5])
    np.testing.assert_allclose(frame["growth"], [1.0, 1e4, 1.0])
    assert frame["exploding"].tolist() == [False, True, False]
    assert frame["vanishing"].tolist() == [False, False, True]
    assert frame.attrs["status"] == "vanishing and exploding"


def test_diagnose_gradients_linear_model_is_healthy(diabetes):
    X, y = diabetes
    frame = diagnose_gradients(LinearRegressor().fit(X, y))
    assert frame.attrs["status"] == "healthy"
    assert not frame["vanishing"].any()


def test_diagnose_gradients_rejects_bad_threshold(diabetes):
    model = LinearRegressor().fit(*diabetes)
    with pytest.raises(ValueError, match="vanishing_ratio"):
        diagnose_gradients(model, vanishing_ratio=0)


# -- weight_importance ---------------------------------------------------------------
@pytest.fixture(scope="module")
def frame_data():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        rng.normal(size=(120, 4)) * [1.0, 10.0, 0.1, 3.0], columns=list("abcd")
    )
    y = X @ [1.0, 0.2, -5.0, 0.0] + rng.normal(scale=0.1, size=120)
    return X, y


def test_olden_of_identity_mlp_is_the_effective_linear_map(frame_data):
    X, y = frame_data
    model = MLPRegressor((6, 5), activation="identity", max_iter=20, random_state=0)
    model.fit(X, y)
    expected = model.coefs_[0] @ model.coefs_[1] @ model.coefs_[2]
    importance = weight_importance(model, method="olden")
    np.testing.assert_allclose(importance.to_numpy(), expected[:, 0])
    # ...which is the slope of the predictions in every feature.
    base = X.iloc[[0, 0, 0, 0]].to_numpy()
    moved = pd.DataFrame(base + np.eye(4), columns=X.columns)
    slope = model.predict(moved) - model.predict(X.iloc[[0]])
    np.testing.assert_allclose(importance.to_numpy(), slope, rtol=1e-6, atol=1e-10)
    assert list(importance.index) == list("abcd")


def test_coef_importance_is_abs_coef_times_std(frame_data):
    X, y = frame_data
    model = LinearRegressor().fit(X, y)
    importance = weight_importance(model, X)
    np.testing.assert_allclose(importance, np.abs(model.coef_) * X.std(ddof=0))
    np.testing.assert_allclose(weight_importance(model), np.abs(model.coef_))
    assert importance.name == "coef"


def test_garson_sums_to_one_per_output():
    X, y = load_iris(return_X_y=True)
    model = MLPClassifier((8, 6), max_iter=30, random_state=0).fit(X, y)
    for label in model.classes_:
        importance = weight_importance(model, method="garson", output=label)
        assert importance.sum() == pytest.approx(1.0)
        assert (importance >= 0).all()
    assert weight_importance(model, method="garson").sum() == pytest.approx(1.0)


def test_garson_matches_the_classic_one_hidden_layer_formula():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(50, 3)), rng.normal(size=50)
    model = MLPRegressor((4,), max_iter=5, random_state=0).fit(X, y)
    W, v = np.abs(model.coefs_[0]), np.abs(model.coefs_[1][:, 0])
    Q = W / W.sum(axis=0) * v
    expected = Q.sum(axis=1) / Q.sum()
    np.testing.assert_allclose(weight_importance(model, method="garson"), expected)


@pytest.mark.parametrize("method", ["coef", "olden", "garson"])
def test_feature_with_zero_weights_has_zero_importance(frame_data, method):
    X, y = frame_data
    model = MLPRegressor((5,), max_iter=10, random_state=0).fit(X, y)
    model.coefs_[0][2, :] = 0.0
    importance = weight_importance(model, X, method=method)
    assert importance["c"] == 0.0
    assert (importance.drop("c") != 0).all()


def test_multi_output_aggregation_and_selection():
    X, y = load_iris(return_X_y=True)
    model = LinearClassifier(alpha=1e-3).fit(X, y)
    per_class = [weight_importance(model, X, output=c) for c in model.classes_]
    total = weight_importance(model, X)
    np.testing.assert_allclose(total, np.sum(per_class, axis=0))
    assert list(total.index) == ["x0", "x1", "x2", "x3"]
    with pytest.raises(ValueError, match="not a class"):
        weight_importance(model, output="setosa")


def test_binary_olden_sign_follows_the_class():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3))
    y = np.where(X[:, 0] > 0, "yes", "no")
    model = MLPClassifier((4,), max_iter=30, random_state=0).fit(X, y)
    yes = weight_importance(model, method="olden", output="yes")
    no = weight_importance(model, method="olden", output="no")
    np.testing.assert_allclose(yes, -no)
    assert yes["x0"] > 0


def test_weight_importance_in_a_pipeline_scales_transformed_data(frame_data):
    X, y = frame_data
    pipe = make_pipeline(StandardScaler(), LinearRegressor()).fit(X, y)
    np.testing.assert_allclose(
        weight_importance(pipe, X), np.abs(pipe[-1].coef_), rtol=1e-12
    )


def test_weight_importance_of_a_one_step_pipeline_is_its_estimators(frame_data):
    X, y = frame_data
    pipe = make_pipeline(LinearRegressor()).fit(X, y)
    expected = weight_importance(pipe[-1], X)
    assert list(expected.index) == list("abcd")
    np.testing.assert_array_equal(weight_importance(pipe, X), expected)


@pytest.mark.parametrize(
    "kwargs, match", [({"method": "shap"}, "unknown method"), ({"output": 3}, "index")]
)
def test_weight_importance_errors(frame_data, kwargs, match):
    X, y = frame_data
    model = LinearRegressor().fit(X, y)
    with pytest.raises(ValueError, match=match):
        weight_importance(model, **kwargs)


# -- regularization_path -------------------------------------------------------------
TIGHT = dict(tol=1e-10, max_iter=100_000)


@pytest.fixture(scope="module")
def lasso_grid(diabetes):
    X, y = diabetes
    return regularization_path(
        LinearRegressor(penalty="l1", **TIGHT), X, y, n_alphas=25
    )


def test_path_matches_independent_fits(diabetes, lasso_grid):
    X, y = diabetes
    path = lasso_grid
    assert path.coefs.shape == (10, 25)
    assert np.all(np.diff(path.alphas) < 0)
    for k in range(0, 25, 3):
        alone = LinearRegressor(penalty="l1", alpha=path.alphas[k], **TIGHT).fit(X, y)
        np.testing.assert_allclose(path.coefs[:, k], alone.coef_, atol=1e-4)
        reference = Lasso(alpha=path.alphas[k], tol=1e-12, max_iter=100_000).fit(X, y)
        np.testing.assert_allclose(path.coefs[:, k], reference.coef_, atol=1e-4)
        assert path.intercepts[k] == pytest.approx(reference.intercept_, abs=1e-4)


def test_path_nonzero_counts_equal_lasso_path(diabetes, lasso_grid):
    X, y = diabetes
    path = lasso_grid
    # lasso_path fits no intercept: centre X and y as Lasso(fit_intercept=True) does.
    _, coefs, _ = lasso_path(
        X - X.mean(axis=0), y - y.mean(), alphas=path.alphas, tol=1e-12, max_iter=10**5
    )
    np.testing.assert_array_equal(path.n_nonzero, (coefs != 0).sum(axis=0))
    assert path.n_nonzero[0] == 0 and path.n_nonzero[-1] == 10


def test_path_counts_are_not_monotone_on_diabetes(diabetes):
    """A feature leaves the active set between alpha ~0.03 and ~0.006."""
    X, y = diabetes
    alphas = np.geomspace(0.03, 0.003, 8)
    path = regularization_path(LinearRegressor(penalty="l1", **TIGHT), X, y, alphas)
    _, coefs, _ = lasso_path(
        X - X.mean(axis=0), y - y.mean(), alphas=path.alphas, tol=1e-12, max_iter=10**5
    )
    expected = (coefs != 0).sum(axis=0)
    np.testing.assert_array_equal(path.n_nonzero, expected)
    assert np.any(np.diff(path.n_nonzero) < 0)


def test_default_grid_starts_where_every_coefficient_is_zero(diabetes):
    X, y = diabetes
    path = regularization_path(
        LinearRegressor(penalty="l1", **TIGHT), X, y, n_alphas=3, eps=0.5
    )
    # lasso_path's alpha_max: max |Xc^T yc| / n on centred data.
    alpha_max = np.abs((X - X.mean(axis=0)).T @ (y - y.mean())).max() / len(y)
    assert path.alphas[0] == pytest.approx(alpha_max, rel=1e-8)
    assert path.alphas[-1] == pytest.approx(0.5 * path.alphas[0])
    assert path.n_nonzero[0] == 0 < path.n_nonzero[1]


@pytest.mark.parametrize("name", penalties.REGISTRY.names)
def test_every_penalty_name_gets_its_canonical_names_grid(diabetes, name):
    X, y = diabetes
    canonical = penalties.REGISTRY.aliases.get(name, name)
    grid = {}
    for penalty in (name, canonical.upper()):
        model = LinearRegressor(penalty=penalty, l1_ratio=0.3, **TIGHT)
        grid[penalty] = regularization_path(model, X, y, n_alphas=2, eps=0.5).alphas
    np.testing.assert_array_equal(grid[name], grid[canonical.upper()])


@pytest.mark.parametrize("name", ["l1l2", "elastic_net", "ElasticNet"])
def test_elastic_net_aliases_get_the_elastic_net_grid(diabetes, name):
    X, y = diabetes
    model = LinearRegressor(penalty=name, l1_ratio=0.25, **TIGHT)
    path = regularization_path(model, X, y, n_alphas=2, eps=0.5)
    # enet_path's alpha_max: max |Xc^T yc| / (n * l1_ratio) on centred data.
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    alpha_max = np.abs(Xc.T @ yc).max() / (len(y) * 0.25)
    assert path.alphas[0] == pytest.approx(alpha_max, rel=1e-8)
    assert path.n_nonzero[0] == 0 < path.n_nonzero[1]


def test_classifier_path_shapes_and_alpha_max():
    X, y = load_iris(return_X_y=True)
    X = scale(X)
    path = regularization_path(
        LinearClassifier(penalty="l1", tol=1e-8, max_iter=20_000), X, y, n_alphas=4
    )
    assert path.coefs.shape == (3, 4, 4)
    assert path.intercepts.shape == (3, 4)
    assert path.n_nonzero[0] == 0 and path.n_nonzero[-1] > 0


def test_path_on_pipeline_mlp_and_penalty_object():
    from skweights.penalties import get

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(80, 3)), rng.normal(size=80)
    pipe = make_pipeline(StandardScaler(), MLPRegressor((4,), max_iter=20))
    path = regularization_path(pipe, X, y, [1e-3, 1e-1, 1e-2])
    assert path.coefs is None
    np.testing.assert_allclose(path.alphas, [1e-1, 1e-2, 1e-3])
    assert len(path.weights) == 3 and len(path.weights[0]) == 2
    model = LinearRegressor(penalty=get("l1", alpha=1.0), **TIGHT)
    path = regularization_path(model, X, y, [0.5, 0.001])
    assert path.n_nonzero[0] < path.n_nonzero[1] == 3


def test_path_warns_once_for_unconverged_fits(diabetes):
    X, y = diabetes
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = regularization_path(
            LinearRegressor(penalty="l1", max_iter=2), X, y, n_alphas=4
        )
    convergence = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert len(convergence) == 1
    assert not path.converged.all()


@pytest.mark.parametrize(
    "kwargs, match",
    [({"n_alphas": 0}, "n_alphas"), ({"eps": 2.0}, "eps"), ({"alphas": [-1]}, "alpha")],
)
def test_path_errors(diabetes, kwargs, match):
    X, y = diabetes
    with pytest.raises(ValueError, match=match):
        regularization_path(LinearRegressor(penalty="l1"), X, y, **kwargs)


# -- the path's repr and table ------------------------------------------------------
def test_path_repr_is_a_short_summary(lasso_grid):
    text = repr(lasso_grid)
    assert text == (
        f"RegularizationPath(25 alphas from {lasso_grid.alphas[0]:.3g} to "
        f"{lasso_grid.alphas[-1]:.3g}, linear: 10 features x 1 output;\n"
        f"  non-zero weights 0 -> 10; all 25 fits converged)"
    )
    assert "array" not in text and len(text.splitlines()) == 2  # no array dump


def test_path_to_frame_one_row_per_alpha(lasso_grid):
    path = lasso_grid
    frame = path.to_frame()
    assert frame.shape == (25, 5 + 1 + 10)
    assert list(frame.columns[:6]) == [
        "alpha", "n_nonzero", "n_features_selected", "n_iter", "converged",
        "intercept",
    ]  # fmt: skip
    np.testing.assert_array_equal(frame["alpha"], path.alphas)
    np.testing.assert_array_equal(frame["n_nonzero"], path.n_nonzero)
    np.testing.assert_array_equal(frame["intercept"], path.intercepts)
    np.testing.assert_array_equal(
        frame[f"coef[{path.feature_names[2]}]"], path.coefs[2]
    )


def test_multiclass_path_names_its_classes_in_repr_and_table():
    X, y = load_iris(return_X_y=True, as_frame=True)
    labels = np.array(["Adelie", "Chinstrap", "Gentoo"])[y]
    path = regularization_path(LinearClassifier(penalty="l1"), X, labels, [0.1, 0.01])
    assert path.output_names == ["Adelie", "Chinstrap", "Gentoo"]
    assert "4 features x 3 outputs (Adelie, Chinstrap, Gentoo)" in repr(path)
    frame = path.to_frame()
    assert frame.shape == (2, 5 + 3 * (1 + 4))
    np.testing.assert_array_equal(
        frame["coef[Gentoo, petal width (cm)]"], path.coefs[2, 3]
    )
    np.testing.assert_array_equal(frame["intercept[Chinstrap]"], path.intercepts[1])
    binary = regularization_path(LinearClassifier(), X, labels == "Gentoo", [0.1])
    assert binary.output_names == ["True (vs False)"]


def test_mlp_path_table_has_layer_norms():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 3)), rng.normal(size=60)
    path = regularization_path(
        MLPRegressor((4,), max_iter=10, random_state=0), X, y, [1e-1, 1e-3]
    )
    assert path.output_names is None
    assert "MLP, 2 layers: 3 features x 1 output" in repr(path)
    frame = path.to_frame()
    assert list(frame.columns[5:]) == ["weight_norm_0", "weight_norm_1"]
    assert frame["weight_norm_1"].tolist() == [
        np.linalg.norm(ws[1]) for ws in path.weights
    ]
