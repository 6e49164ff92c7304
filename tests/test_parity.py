"""Equality with scikit-learn where the objective is the same (see the linear docs)."""

import inspect

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.linear_model import ElasticNet, Lasso, LogisticRegression, Ridge
from sklearn.preprocessing import StandardScaler
from test_training_loop import sgd_linear, standard_data

from skweights import LinearClassifier, LinearRegressor

TIGHT = dict(tol=1e-10, max_iter=100_000)


def _relative_error(ours, theirs):
    return np.linalg.norm(np.ravel(ours) - np.ravel(theirs)) / np.linalg.norm(theirs)


def _logistic_l1(C):
    """scikit-learn's L1 logistic regression across the 1.8 `penalty` deprecation."""
    params = dict(C=C, solver="saga", tol=1e-12, max_iter=200_000)
    if inspect.signature(LogisticRegression).parameters["penalty"].default == "l2":
        params["penalty"] = "l1"
    else:
        params["l1_ratio"] = 1.0
    return LogisticRegression(**params)


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True)


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (dict(penalty="l2", alpha=0.01), lambda n: Ridge(alpha=0.01 * n)),
        (dict(penalty="l2", alpha=1.0), lambda n: Ridge(alpha=1.0 * n)),
        (dict(penalty="l1", alpha=0.1), lambda n: Lasso(alpha=0.1, tol=1e-12)),
        (dict(penalty="l1", alpha=1.0), lambda n: Lasso(alpha=1.0, tol=1e-12)),
        (
            dict(penalty="elasticnet", alpha=0.01, l1_ratio=0.7),
            lambda n: ElasticNet(alpha=0.01, l1_ratio=0.7, tol=1e-12),
        ),
    ],
    ids=["ridge-weak", "ridge-strong", "lasso", "lasso-strong", "elasticnet"],
)
def test_linear_regressor_matches_sklearn(diabetes, ours, theirs):
    X, y = diabetes
    reference = theirs(len(y)).set_params(max_iter=100_000).fit(X, y)
    model = LinearRegressor(**ours, **TIGHT).fit(X, y)
    assert _relative_error(model.coef_, reference.coef_) < 1e-4
    assert model.intercept_ == pytest.approx(reference.intercept_, rel=1e-4)
    if ours["penalty"] != "l2":
        np.testing.assert_array_equal(model.coef_ == 0, reference.coef_ == 0)


def test_multi_output_ridge_matches_sklearn(diabetes):
    X, y = diabetes
    Y = np.column_stack([y, -2 * y + 5, np.sqrt(y)])
    reference = Ridge(alpha=0.05 * len(y)).fit(X, Y)
    model = LinearRegressor(alpha=0.05, **TIGHT).fit(X, Y)
    assert model.coef_.shape == reference.coef_.shape == (3, X.shape[1])
    assert _relative_error(model.coef_, reference.coef_) < 1e-4
    np.testing.assert_allclose(model.intercept_, reference.intercept_, rtol=1e-4)


def _standardized(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("alpha", [1e-3, 1e-1])
@pytest.mark.parametrize(
    "loader", [load_breast_cancer, load_wine], ids=["binary", "multinomial"]
)
def test_logistic_l2_matches_sklearn(loader, alpha):
    X, y = _standardized(loader)
    C = 1 / (alpha * len(y))
    reference = LogisticRegression(C=C, tol=1e-12, max_iter=100_000).fit(X, y)
    model = LinearClassifier(penalty="l2", alpha=alpha, **TIGHT).fit(X, y)
    assert model.coef_.shape == reference.coef_.shape
    assert _relative_error(model.coef_, reference.coef_) < 1e-4
    assert _relative_error(model.intercept_, reference.intercept_) < 1e-4
    np.testing.assert_allclose(
        model.predict_proba(X), reference.predict_proba(X), atol=1e-5
    )


@pytest.mark.slow
def test_logistic_l1_matches_sklearn():
    X, y = _standardized(load_breast_cancer)
    alpha = 0.01
    reference = _logistic_l1(C=1 / (alpha * len(y))).fit(X, y)
    model = LinearClassifier(penalty="l1", alpha=alpha, **TIGHT).fit(X, y)
    assert _relative_error(model.coef_, reference.coef_) < 1e-4
    np.testing.assert_array_equal(model.coef_ == 0, reference.coef_ == 0)
    assert (model.coef_ == 0).sum() > 5


# -- full-batch SGD with L2 is Ridge ---------------------------------------------------
@pytest.mark.parametrize("n_features", [1, 3])
def test_full_batch_sgd_with_l2_equals_ridge(n_features):
    # J = mean(0.5 r^2) + alpha/2 ||w||^2, so 2 n J is Ridge's objective with
    # alpha_ridge = alpha * n. A halved (or doubled) L2 gradient is Ridge with
    # alpha * n / 2: its coefficients differ by more than 0.1 here, the tolerance
    # sees 1e-8.
    X, y = standard_data(n=50, n_features=n_features)
    alpha = 1.0
    model = sgd_linear(
        penalty="l2",
        alpha=alpha,
        batch_size=len(X),
        learning_rate=0.3,
        max_iter=400,
    ).fit(X, y)
    ridge = Ridge(alpha=alpha * len(X)).fit(X, y)
    np.testing.assert_allclose(model.coef_, ridge.coef_, rtol=0, atol=1e-8)
    np.testing.assert_allclose(model.intercept_, ridge.intercept_, rtol=0, atol=1e-8)
    halved = Ridge(alpha=alpha * len(X) / 2).fit(X, y)
    assert np.abs(halved.coef_ - ridge.coef_).max() > 0.1
