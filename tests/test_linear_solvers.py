"""Direct, coordinate-descent and LP solvers: scikit-learn's numbers at the defaults."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog, nnls
from sklearn.datasets import load_diabetes, load_linnerud, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import (
    ElasticNet,
    Lasso,
    LinearRegression,
    QuantileRegressor,
    Ridge,
    enet_path,
)

from skweights import LinearClassifier, LinearRegressor, MLPRegressor, optimizers
from skweights.inspection import regularization_path
from skweights.losses import QuantileLoss

RTOL = 1e-7


def _rel(ours, theirs):
    theirs = np.asarray(theirs, dtype=float)
    scale = max(np.abs(theirs).max(), 1e-300)
    return np.abs(np.asarray(ours) - theirs).max() / scale


# -- the issue's toy cases, at default settings --------------------------------------
def test_toy_least_squares_without_intercept():
    rng = np.random.RandomState(0)
    y, X = rng.randn(5), rng.randn(5, 4)
    ours = LinearRegressor(alpha=0.0, fit_intercept=False).fit(X, y)
    theirs = LinearRegression(fit_intercept=False).fit(X, y)
    assert _rel(ours.coef_, theirs.coef_) < RTOL


def test_toy_lasso():
    ours = LinearRegressor(penalty="l1", alpha=0.5).fit([[-1], [0], [1]], [-1, 0, 1])
    theirs = Lasso(alpha=0.5).fit([[-1], [0], [1]], [-1, 0, 1])
    assert _rel(ours.coef_, theirs.coef_) < RTOL
    assert ours.coef_[0] == pytest.approx(0.25, rel=1e-12)


def test_toy_ridge_more_features_than_samples():
    rng = np.random.RandomState(0)
    X, y = rng.randn(5, 10), rng.randn(5)
    ours = LinearRegressor(alpha=1 / 5).fit(X, y)
    theirs = Ridge(alpha=1.0).fit(X, y)
    assert _rel(ours.coef_, theirs.coef_) < RTOL
    assert ours.intercept_ == pytest.approx(theirs.intercept_, rel=RTOL)


# -- scikit-learn data sets: every combination --------------------------------------
def _data(name):
    if name == "diabetes":
        return load_diabetes(return_X_y=True)
    if name == "linnerud":  # 3 targets, offset features
        X, Y = load_linnerud(return_X_y=True)
        return X, Y
    X, y = make_regression(30, 50, n_informative=10, noise=1.0, random_state=0)
    return X + 3.0, y  # more features than samples, offset


def _reference(penalty, alpha, fit_intercept, positive, sample_weight, n):
    total = n if sample_weight is None else sample_weight.sum()
    common = dict(fit_intercept=fit_intercept, positive=positive)
    if penalty == "none":
        return LinearRegression(**common)
    if penalty == "l2":
        return Ridge(alpha=alpha * total, **common)
    if penalty == "l1":
        return Lasso(alpha=alpha, **common)
    return ElasticNet(alpha=alpha, l1_ratio=0.3, **common)


def _exact_positive_ridge(X, Y, alpha, fit_intercept, sample_weight):
    """The minimizer of Ridge's objective under coef >= 0: NNLS on the augmented
    system (Ridge(positive=True) is itself only L-BFGS-accurate)."""
    w = np.ones(len(X)) if sample_weight is None else sample_weight
    Y = Y.reshape(len(X), -1)
    mu = np.average(X, axis=0, weights=w) if fit_intercept else np.zeros(X.shape[1])
    ybar = np.average(Y, axis=0, weights=w) if fit_intercept else np.zeros(Y.shape[1])
    d = np.sqrt(w)[:, None]
    A = np.vstack([d * (X - mu), np.sqrt(alpha * w.sum()) * np.eye(X.shape[1])])
    coefs = []
    for k in range(Y.shape[1]):
        target = np.concatenate([d[:, 0] * (Y[:, k] - ybar[k]), np.zeros(X.shape[1])])
        coefs.append(nnls(A, target, maxiter=10_000)[0])
    return np.array(coefs).squeeze(), ybar - mu @ np.array(coefs).T


ALPHAS = {"none": 0.0, "l2": 0.01, "l1": 0.1, "elasticnet": 0.05}


@pytest.mark.parametrize("positive", [False, True], ids=["free", "positive"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "origin"])
@pytest.mark.parametrize("dataset", ["diabetes", "linnerud", "wide"])
@pytest.mark.parametrize("penalty", ["none", "l2", "l1", "elasticnet"])
def test_defaults_match_sklearn(penalty, dataset, fit_intercept, weighted, positive):
    X, Y = _data(dataset)
    if penalty == "none" and dataset == "wide" and positive:
        pytest.skip("NNLS solutions of an underdetermined problem are not unique")
    rng = np.random.default_rng(0)
    sample_weight = rng.uniform(0.2, 3.0, len(X)) if weighted else None
    alpha = ALPHAS[penalty]
    params = dict(penalty=penalty, alpha=alpha, fit_intercept=fit_intercept)
    if penalty == "elasticnet":
        params["l1_ratio"] = 0.3
    params["positive"] = positive
    reference = _reference(
        penalty, alpha, fit_intercept, positive, sample_weight, len(X)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Ridge(positive) solver notes
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference.fit(X, Y, sample_weight=sample_weight)
    coef, intercept = reference.coef_, reference.intercept_
    if penalty == "l2" and positive:
        coef, intercept = _exact_positive_ridge(
            X, Y, alpha, fit_intercept, sample_weight
        )
    dense = LinearRegressor(**params).fit(X, Y, sample_weight=sample_weight)
    sparse = LinearRegressor(**params).fit(
        sp.csr_matrix(X), Y, sample_weight=sample_weight
    )
    assert _rel(dense.coef_, coef) < RTOL
    assert _rel(dense.intercept_, intercept) < RTOL
    assert _rel(sparse.coef_, dense.coef_) < 1e-9
    assert _rel(sparse.intercept_, dense.intercept_) < 1e-9
    if positive:
        assert (dense.coef_ >= 0).all()
    if penalty in ("l1", "elasticnet"):
        np.testing.assert_array_equal(dense.coef_ == 0, coef == 0)


@pytest.mark.parametrize("penalty", ["l2", "l1"])
def test_sparse_with_zeros_and_offset_matches_dense(penalty):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 20)) * (rng.random((300, 20)) < 0.2)
    X[:, :5] += 10.0  # offset columns: implicit centring must not lose digits
    y = X @ rng.normal(size=20) + rng.normal(size=300)
    params = dict(penalty=penalty, alpha=0.01)
    dense = LinearRegressor(**params).fit(X, y)
    sparse = LinearRegressor(**params).fit(sp.csr_matrix(X), y)
    assert _rel(sparse.coef_, dense.coef_) < 1e-9
    assert sparse.intercept_ == pytest.approx(dense.intercept_, rel=1e-9)


@pytest.mark.parametrize("precompute", [True, False])
def test_multi_output_stops_per_target(precompute):
    """Each target's coefficients are those of its own single-target fit."""
    X, y = load_diabetes(return_X_y=True)
    Y = np.column_stack([y, 1e-3 * y + np.sin(np.arange(len(y))), -2 * y])
    optimizer = optimizers.get("cd", precompute=precompute)
    both = LinearRegressor(penalty="l1", alpha=0.3, optimizer=optimizer).fit(X, Y)
    for k in range(Y.shape[1]):
        alone = LinearRegressor(penalty="l1", alpha=0.3, optimizer=optimizer)
        alone.fit(X, Y[:, k])
        assert _rel(both.coef_[k], alone.coef_) < 1e-12
        assert _rel(both.coef_[k], Lasso(alpha=0.3).fit(X, Y[:, k]).coef_) < RTOL


def test_warm_start_continues_coordinate_descent():
    X, y = load_diabetes(return_X_y=True)
    ours = LinearRegressor(penalty="l1", alpha=0.01, max_iter=3, warm_start=True)
    theirs = Lasso(alpha=0.01, max_iter=3, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(4):
            ours.fit(X, y)
            theirs.fit(X, y)
            assert _rel(ours.coef_, theirs.coef_) < RTOL
    first = ours.coef_.copy()
    with pytest.warns(ConvergenceWarning):
        LinearRegressor(penalty="l1", alpha=0.01, max_iter=3).fit(X, y)
    assert ours.n_iter_ <= 3 and not np.allclose(first, 0)


def test_history_records_objective_and_iterations():
    X, y = load_diabetes(return_X_y=True)
    model = LinearRegressor(penalty="l1", alpha=0.1).fit(X, y)
    reference = Lasso(alpha=0.1).fit(X, y)
    residual = y - reference.predict(X)
    objective = 0.5 * np.mean(residual**2) + 0.1 * np.abs(reference.coef_).sum()
    assert model.loss_curve_[-1] == pytest.approx(objective, rel=1e-9)
    assert model.n_iter_ == reference.n_iter_
    assert np.isfinite(model.history_[-1]["grad_norms"]).all()


# -- names, capabilities and refusals ------------------------------------------------
def test_solvers_resolve_by_name_and_capability():
    for name, alias in (("cd", "coordinate_descent"), ("direct", "exact")):
        solver = optimizers.get(name)
        assert solver.solves_linear and solver.full_batch
        assert type(optimizers.get(alias.upper())) is type(solver)
    X, y = load_diabetes(return_X_y=True)
    for penalty, expected in (("l2", "direct"), ("none", "direct"), ("l1", "cd")):
        model = LinearRegressor(penalty=penalty)
        assert type(model._resolve()["optimizer"]) is type(optimizers.get(expected))
    assert not LinearClassifier()._resolve()["optimizer"].__dict__.get("solves_linear")


@pytest.mark.parametrize("optimizer", ["cd", "direct"])
def test_unsupported_combinations_raise(optimizer):
    X, y = load_diabetes(return_X_y=True)
    labels = (y > y.mean()).astype(int)
    with pytest.raises(ValueError, match="squared error only"):
        LinearClassifier(optimizer=optimizer).fit(X, labels)
    with pytest.raises(ValueError, match="squared error only"):
        MLPRegressor((3,), optimizer=optimizer).fit(X, y)
    with pytest.raises(ValueError, match="partial_fit needs a minibatch"):
        LinearRegressor(optimizer=optimizer).partial_fit(X, y)
    model = LinearRegressor(penalty="l1", optimizer="direct")
    with pytest.raises(ValueError, match="optimizer='cd'"):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")  # a failed fit leaves no trace


@pytest.mark.parametrize(
    "optimizer, tolerance",
    [
        ("direct", 1e-12),
        ("cd", 1e-9),
        ("lbfgs", 1e-6),
        ("fista", 1e-6),
        ("sgd", None),
        ("adam", None),
        ("adamw", None),
        ("rmsprop", None),
        ("adagrad", None),
    ],
)
def test_positive_is_honoured_by_every_optimizer(optimizer, tolerance):
    X, y = load_diabetes(return_X_y=True)
    alpha = 0.01
    unconstrained = LinearRegressor(alpha=alpha).fit(X, y).coef_
    assert (unconstrained < 0).any()  # the constraint has something to do
    exact = _exact_positive_ridge(X, y, alpha, True, None)[0]
    full_batch = tolerance is not None
    params = dict(tol=1e-12, max_iter=100_000) if full_batch else dict(max_iter=30)
    model = LinearRegressor(alpha=alpha, positive=True, optimizer=optimizer, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert (model.coef_ >= 0).all()
    if full_batch:
        assert _rel(model.coef_, exact) < tolerance


@pytest.mark.parametrize("penalty, optimizer", [("l2", "lbfgs"), ("l1", "fista")])
def test_positive_classifier(penalty, optimizer):
    X, y = load_diabetes(return_X_y=True)
    labels = (y > np.median(y)).astype(int)
    X = X - X.mean(axis=0)
    free = LinearClassifier(penalty=penalty, alpha=1e-3).fit(X, labels)
    assert (free.coef_ < 0).any()
    model = LinearClassifier(penalty=penalty, alpha=1e-3, positive=True)
    model.set_params(optimizer=optimizer).fit(X, labels)
    assert (model.coef_ >= 0).all() and (model.coef_ > 0).any()


def test_positive_must_be_a_bool():
    with pytest.raises(ValueError, match="'positive'"):
        LinearRegressor(positive="yes").fit([[0.0], [1.0]], [0.0, 1.0])


# -- regularization paths ------------------------------------------------------------
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_linear_path_is_enet_path(l1_ratio):
    X, y = load_diabetes(return_X_y=True)
    penalty = "l1" if l1_ratio == 1.0 else "elasticnet"
    model = LinearRegressor(penalty=penalty, l1_ratio=l1_ratio)
    path = regularization_path(model, X, y, n_alphas=30)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    _, coefs, _ = enet_path(Xc, yc, l1_ratio=l1_ratio, alphas=path.alphas)
    np.testing.assert_array_equal(path.n_nonzero, (coefs != 0).sum(axis=0))
    assert _rel(path.coefs, coefs) < 1e-9
    last = LinearRegressor(penalty=penalty, l1_ratio=l1_ratio, alpha=path.alphas[-1])
    assert _rel(path.intercepts[-1], last.fit(X, y).intercept_) < 1e-6
    assert path.converged.all()


def test_linear_path_multi_output_and_weights():
    X, Y = load_linnerud(return_X_y=True)
    weights = np.linspace(0.5, 2.0, len(X))
    alphas = [10.0, 1.0, 0.1]
    model = LinearRegressor(penalty="l1")
    path = regularization_path(model, X, Y, alphas, sample_weight=weights)
    assert path.coefs.shape == (3, 3, 3)
    warm = Lasso(warm_start=True)  # the same warm starts, fit by fit
    for i, alpha in enumerate(alphas):
        warm.set_params(alpha=alpha).fit(X, Y, sample_weight=weights)
        assert _rel(path.coefs[..., i], warm.coef_) < 1e-9
        assert _rel(path.intercepts[:, i], warm.intercept_) < 1e-9


def test_mlp_path_weights_enter_as_alpha_falls():
    X, y = load_diabetes(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = (y - y.mean()) / y.std()
    model = MLPRegressor(
        (8,), penalty="l1", optimizer="lbfgs", max_iter=300, random_state=0
    )
    path = regularization_path(model, X, y, [1.0, 0.1, 0.01, 0.001])
    counts = path.n_nonzero
    assert counts[0] == 0  # the strongest penalty zeroes the network
    assert (np.diff(counts) >= 0).all() and counts[-1] > counts[1] > 0
    assert counts[-1] > 40


# -- LinearClassifier's default tol --------------------------------------------------
@pytest.mark.parametrize("loader", ["breast_cancer", "iris"])
def test_classifier_default_tol_follows_logistic_regression(loader):
    """At the defaults, LinearClassifier is as close to LogisticRegression's default
    fit as that fit is to the exact optimum (in fact it follows the same iterates)."""
    from sklearn import datasets
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    X, y = getattr(datasets, f"load_{loader}")(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    C = 100.0
    alpha = 1 / (C * len(y))

    def params(model):
        return np.hstack([model.coef_.ravel(), model.intercept_.ravel()])

    default = params(LogisticRegression(C=C).fit(X, y))
    exact = params(LogisticRegression(C=C, tol=1e-12, max_iter=10**5).fit(X, y))
    ours = params(LinearClassifier(alpha=alpha).fit(X, y))
    distance = np.linalg.norm(default - exact) / np.linalg.norm(exact)
    assert distance > 1e-3  # scikit-learn's default stops well short of the optimum
    assert np.linalg.norm(ours - default) / np.linalg.norm(default) < 1e-6 * distance


@pytest.mark.parametrize("weighted", [False, True])
def test_sparse_data_too_large_for_a_square_system_uses_lsqr(monkeypatch, weighted):
    """Past the size of a dense Gram or dual matrix, sparse ridge iterates (LSQR,
    implicitly centred) to Ridge's exact solution."""
    from skweights import _linear_solvers

    monkeypatch.setattr(_linear_solvers, "_GRAM_LIMIT", 5)
    X, y = load_diabetes(return_X_y=True)
    sample_weight = np.linspace(0.5, 2.0, len(y)) if weighted else None
    total = len(y) if sample_weight is None else sample_weight.sum()
    model = LinearRegressor(alpha=0.01).fit(
        sp.csr_matrix(X + 1.0), y, sample_weight=sample_weight
    )
    reference = Ridge(alpha=0.01 * total).fit(X + 1.0, y, sample_weight=sample_weight)
    assert model.n_iter_ > 1  # it did iterate
    assert _rel(model.coef_, reference.coef_) < RTOL
    assert model.intercept_ == pytest.approx(reference.intercept_, rel=RTOL)


@pytest.mark.parametrize("penalty", ["l1", "l2"])
def test_overflowing_targets_raise_and_leave_the_model_unchanged(penalty):
    """y = 1e300 is finite in float64 but inf in float32, the training dtype."""
    X = np.array([[0.0], [1.0]], dtype=np.float32)
    model = LinearRegressor(penalty=penalty).fit(X, [1.0, 2.0])
    before = (model.coef_.copy(), float(model.intercept_))
    with pytest.raises(ValueError, match="overflow"):
        model.fit(X, [1e300, 1.0])
    np.testing.assert_array_equal(model.coef_, before[0])
    assert float(model.intercept_) == before[1]


# -- piecewise-linear losses: the linear program ("lp") -----------------------------
def _pinball_objective(X, y, coef, intercept, q, alpha, weights=None):
    """QuantileRegressor's objective: weighted mean pinball loss + alpha ||coef||_1."""
    r = y - X @ coef - intercept
    loss = np.where(r >= 0, q * r, (q - 1) * r)
    return np.average(loss, weights=weights) + alpha * np.abs(coef).sum()


def _quantile_data(n=80, p=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = 10.0 + X @ rng.normal(size=p) * 3 + rng.standard_exponential(size=n)
    return X, y


def test_issue_quantile_on_standardized_diabetes_reaches_quantile_regressor():
    # The issue's case: Adam at 1e-3 left every coefficient at 0 and the
    # intercept at 3.0 (objective 119); the linear program is QuantileRegressor's.
    X, y = load_diabetes(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    ours = LinearRegressor(loss=QuantileLoss(0.8), penalty="l1", alpha=0.1).fit(X, y)
    ref = QuantileRegressor(quantile=0.8, alpha=0.1).fit(X, y)
    assert type(ours._resolve()["optimizer"]) is optimizers.LinearProgram
    assert _rel(ours.coef_, ref.coef_) < 1e-9
    assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-9)
    value = _pinball_objective(X, y, ref.coef_, ref.intercept_, 0.8, 0.1)
    assert value == pytest.approx(21.781106, rel=1e-6)
    assert ours.history_[-1]["loss"] == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "origin"])
@pytest.mark.parametrize("alpha", [0.0, 0.05])
@pytest.mark.parametrize("q", [0.2, 0.5, 0.8])
def test_lp_equals_quantile_regressor(q, alpha, fit_intercept, weighted, sparse):
    # Continuous data: the program's solution is unique, so coefficients agree.
    X, y = _quantile_data()
    weights = np.random.default_rng(1).uniform(0.2, 3.0, len(y)) if weighted else None
    Xs = sp.csr_matrix(X) if sparse else X
    penalty = "l1" if alpha else "none"
    ours = LinearRegressor(
        loss=QuantileLoss(q), penalty=penalty, alpha=alpha, fit_intercept=fit_intercept
    ).fit(Xs, y, sample_weight=weights)
    ref = QuantileRegressor(quantile=q, alpha=alpha, fit_intercept=fit_intercept)
    ref.fit(Xs, y, sample_weight=weights)
    assert _rel(ours.coef_, ref.coef_) < 1e-9
    assert ours.intercept_ == pytest.approx(ref.intercept_, abs=1e-9)
    value = _pinball_objective(X, y, ref.coef_, ref.intercept_, q, alpha, weights)
    assert ours.history_[-1]["loss"] == pytest.approx(value, rel=1e-12)


def test_absolute_error_is_quantile_regressor_at_the_median_with_half_alpha():
    X, y = _quantile_data(seed=2)
    ours = LinearRegressor(loss="absolute_error", penalty="l1", alpha=0.1).fit(X, y)
    ref = QuantileRegressor(quantile=0.5, alpha=0.05).fit(X, y)
    assert _rel(ours.coef_, ref.coef_) < 1e-9
    assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-9)
    value = 2 * _pinball_objective(X, y, ref.coef_, ref.intercept_, 0.5, 0.05)
    assert ours.history_[-1]["loss"] == pytest.approx(value, rel=1e-12)


def test_lp_zero_and_integer_weights_are_dropped_and_repeated_rows():
    X, y = _quantile_data(n=40)
    weights = np.tile([0, 1, 2, 3], 10)
    weighted = LinearRegressor(loss=QuantileLoss(0.7), penalty="none")
    weighted.fit(X, y, sample_weight=weights)
    rows = np.repeat(np.arange(len(y)), weights)
    repeated = LinearRegressor(loss=QuantileLoss(0.7), penalty="none")
    repeated.fit(X[rows], y[rows])
    assert _rel(weighted.coef_, repeated.coef_) < 1e-9
    assert weighted.intercept_ == pytest.approx(repeated.intercept_, rel=1e-9)


def test_lp_multi_output_solves_each_target():
    X, y = _quantile_data(seed=3)
    Y = np.column_stack([y, -2 * y + X[:, 0]])
    ours = LinearRegressor(loss=QuantileLoss(0.3), penalty="l1", alpha=0.02).fit(X, Y)
    assert ours.coef_.shape == (2, X.shape[1]) and ours.intercept_.shape == (2,)
    for k in range(2):
        ref = QuantileRegressor(quantile=0.3, alpha=0.02).fit(X, Y[:, k])
        assert _rel(ours.coef_[k], ref.coef_) < 1e-9
        assert ours.intercept_[k] == pytest.approx(ref.intercept_, rel=1e-9)


def test_lp_keeps_float32():
    X, y = _quantile_data(seed=4)
    ours = LinearRegressor(loss=QuantileLoss(0.6), penalty="l1", alpha=0.01)
    ours.fit(X.astype(np.float32), y.astype(np.float32))
    assert ours.coef_.dtype == np.float32 and ours.intercepts_[0].dtype == np.float32
    assert ours.predict(X.astype(np.float32)).dtype == np.float32
    ref = QuantileRegressor(quantile=0.6, alpha=0.01).fit(X, y)
    assert _rel(ours.coef_, ref.coef_) < 1e-5


def test_lp_positive_matches_an_independent_program():
    # Reference: W >= 0 and a free intercept as bounds (another formulation).
    X, y = _quantile_data(seed=5)
    y = y - 6 * X[:, 0]  # the free fit has a negative first weight
    q, alpha = 0.4, 0.01
    ours = LinearRegressor(
        loss=QuantileLoss(q), penalty="l1", alpha=alpha, positive=True
    ).fit(X, y)
    n, p = X.shape
    cost = np.concatenate(
        [[0.0], np.full(p, alpha), np.full(n, q / n), [(1 - q) / n] * n]
    )
    A = np.hstack([np.ones((n, 1)), X, np.eye(n), -np.eye(n)])
    bounds = [(None, None)] + [(0, None)] * (p + 2 * n)
    ref = linprog(cost, A_eq=A, b_eq=y, bounds=bounds, method="highs")
    assert ours.coef_[0] == 0.0 and (ours.coef_ >= 0).all()
    assert _rel(ours.coef_, ref.x[1 : p + 1]) < 1e-8
    assert ours.intercept_ == pytest.approx(ref.x[0], rel=1e-8)
    assert ours.history_[-1]["loss"] == pytest.approx(ref.fun, rel=1e-10)


def test_lp_frozen_weights_fit_the_intercept_at_the_quantile():
    # 61 rows, q = 0.8: the 49th smallest residual is the unique solution.
    X, y = _quantile_data(n=61, seed=6)
    ours = LinearRegressor(
        loss=QuantileLoss(0.8), penalty="none", frozen_layers=(0,)
    ).fit(X, y)
    np.testing.assert_array_equal(ours.coef_, 0.0)
    assert ours.intercept_ == np.sort(y)[48]


def test_lp_regularization_path_is_quantile_regressor_at_each_alpha():
    X, y = _quantile_data(seed=7)
    alphas = [0.5, 0.1, 0.01]
    model = LinearRegressor(loss=QuantileLoss(0.8), penalty="l1")
    path = regularization_path(model, X, y, alphas)
    for i, alpha in enumerate(alphas):
        ref = QuantileRegressor(quantile=0.8, alpha=alpha).fit(X, y)
        assert _rel(path.coefs[:, i], ref.coef_) < 1e-9
    assert path.converged.all()


def test_auto_picks_the_program_for_piecewise_linear_losses_with_l1_or_none():
    for loss in ("quantile", "absolute_error", QuantileLoss(0.9)):
        for penalty in ("l1", "none"):
            model = LinearRegressor(loss=loss, penalty=penalty)
            assert type(model._resolve()["optimizer"]) is optimizers.LinearProgram
        # An L2 part makes it a quadratic program ("qp", tests/test_quantile_qp.py).
        for penalty in ("l2", "elasticnet"):
            model = LinearRegressor(loss=loss, penalty=penalty)
            assert type(model._resolve()["optimizer"]) is optimizers.QuadraticProgram
        # A coupling penalty and partial_fit keep a minibatch rule.
        model = LinearRegressor(loss=loss, penalty="group_l1")
        assert not model._resolve()["optimizer"].full_batch
        model = LinearRegressor(loss=loss, penalty="l1")
        assert not model._resolve(incremental=True)["optimizer"].full_batch
    for name in ("lp", "highs", "LP"):
        assert type(optimizers.get(name)) is optimizers.LinearProgram
    solver = optimizers.get("lp")
    assert solver.solves_linear and solver.full_batch and not solver.needs_smooth_loss


class _Cubed(QuantileLoss):
    """Another loss built on QuantileLoss: no longer piecewise linear."""

    def _pointwise(self, y, raw):
        return super()._pointwise(y, raw) ** 3


def test_a_subclass_with_other_math_is_not_a_linear_program():
    assert _Cubed(0.5).linear_slopes() is None
    model = LinearRegressor(loss=_Cubed(0.5), penalty="l1")
    assert not model._resolve()["optimizer"].full_batch


def test_lp_refusals_say_what_to_use_and_leave_the_model_unchanged():
    X, y = _quantile_data()
    with pytest.raises(ValueError, match="piecewise-linear loss"):
        LinearRegressor(optimizer="lp").fit(X, y)
    with pytest.raises(ValueError, match="piecewise-linear loss"):
        MLPRegressor((3,), loss="quantile", optimizer="lp").fit(X, y)
    with pytest.raises(ValueError, match="penalty must be 'l1' or 'none'"):
        LinearRegressor(loss="quantile", optimizer="lp").fit(X, y)
    with pytest.raises(ValueError, match="partial_fit needs a minibatch"):
        LinearRegressor(loss="quantile", optimizer="lp").partial_fit(X, y)
    model = LinearRegressor(
        loss="quantile", penalty="l1", optimizer=optimizers.LinearProgram("simplex")
    )
    with pytest.raises(ValueError, match="method must be one of"):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")
    fitted = LinearRegressor(loss="quantile", penalty="l1").fit(X, y)
    before = fitted.coef_.copy()
    with pytest.raises(ValueError, match="penalty must be 'l1' or 'none'"):
        fitted.set_params(penalty="l2", optimizer="lp").fit(X, y)
    np.testing.assert_array_equal(fitted.coef_, before)


@pytest.mark.parametrize("method", ["highs-ipm", "highs", "highs-ds"])
def test_every_highs_method_reaches_quantile_regressor(method):
    X, y = _quantile_data(seed=8)
    solver = optimizers.LinearProgram(method=method)
    ours = LinearRegressor(
        loss=QuantileLoss(0.3), penalty="l1", alpha=0.02, optimizer=solver
    ).fit(X, y)
    ref = QuantileRegressor(quantile=0.3, alpha=0.02, solver=method).fit(X, y)
    assert _rel(ours.coef_, ref.coef_) < 1e-9
    assert ours.n_iter_ == ref.n_iter_


def test_lp_that_highs_cannot_finish_warns_or_raises(monkeypatch):
    import skweights._linear_solvers as solvers

    real = solvers.scipy.optimize.linprog
    X, y = _quantile_data()

    def stopped(*args, **kwargs):  # an iteration limit, with the iterate
        result = real(*args, **kwargs)
        result.status, result.message = 1, "Iteration limit reached."
        return result

    monkeypatch.setattr(solvers.scipy.optimize, "linprog", stopped)
    model = LinearRegressor(loss="quantile", penalty="l1", alpha=0.01)
    with pytest.warns(ConvergenceWarning, match="status 1: Iteration limit"):
        model.fit(X, y)
    assert model.n_iter_ > 0

    def failed(*args, **kwargs):  # no solution at all
        result = real(*args, **kwargs)
        result.x, result.status, result.message = None, 4, "Numerical difficulties."
        return result

    monkeypatch.setattr(solvers.scipy.optimize, "linprog", failed)
    before = model.coef_.copy()
    with pytest.raises(ValueError, match="HiGHS found no solution"):
        model.fit(X, y)
    np.testing.assert_array_equal(model.coef_, before)


@pytest.mark.parametrize("shape", [(2, 5), (30, 6)])
def test_cd_takes_sparse_input_with_64_bit_indices(shape):
    # scikit-learn's sparse coordinate descent needs int32 indices; a csr_array
    # with int64 ones (fewer rows than columns: no Gram matrix) once crashed with
    # "Buffer dtype mismatch". It must give the dense answer.
    rng = np.random.default_rng(0)
    A = rng.normal(size=shape)
    A[A < 0.3] = 0.0
    X = sp.csr_array(A)
    X.indices, X.indptr = X.indices.astype(np.int64), X.indptr.astype(np.int64)
    y = rng.normal(size=shape[0])
    sparse = LinearRegressor(penalty="l1", alpha=0.01, optimizer="cd").fit(X, y)
    dense = LinearRegressor(penalty="l1", alpha=0.01, optimizer="cd").fit(A, y)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=0, atol=1e-10)
    assert X.indices.dtype == np.int64  # the user's matrix is left alone
