"""The exact quadratic program ("qp"): quantile and absolute-error regression with an
L2 or elastic-net penalty (issue 30, finding 2).

Optimality is checked independently of the solver: an optimality certificate
(multipliers satisfying the KKT conditions, found by scipy's linprog) and, on small
problems, scipy's Powell search from many starts finding nothing lower.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog, minimize
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import QuantileRegressor

from skweights import LinearRegressor, MLPRegressor, optimizers
from skweights.inspection import regularization_path
from skweights.losses import QuantileLoss


def _rel(ours, theirs):
    theirs = np.asarray(theirs, dtype=float)
    return np.abs(np.asarray(ours) - theirs).max() / max(np.abs(theirs).max(), 1e-300)


def _data(n=80, p=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = 10.0 + X @ rng.normal(size=p) * 3 + rng.standard_exponential(size=n)
    return X, y


def _diabetes():
    X, y = load_diabetes(return_X_y=True)
    return (X - X.mean(axis=0)) / X.std(axis=0), y


def _objective(X, y, coef, intercept, slopes, l1, l2, weights=None):
    """The weighted mean of a r+ + b r- plus l1 |coef|_1 + l2/2 |coef|^2."""
    a, b = slopes
    r = y - X @ coef - intercept
    loss = np.where(r >= 0, a * r, -b * r)
    penalty = l1 * np.abs(coef).sum() + 0.5 * l2 * coef @ coef
    return np.average(loss, weights=weights) + penalty


def _certified(
    X, y, coef, intercept, slopes, l1, l2, weights=None, positive=False, free=True
):
    """Whether KKT multipliers exist for ``(coef, intercept)`` (linprog feasibility).

    Optimality of the convex program: some u with u_i = a w_i where r_i > 0,
    -b w_i where r_i < 0, in [-b w_i, a w_i] where r_i = 0 (to 1e-7), with
    X^T u = s (l2 coef + l1 sign(coef)) on the non-zero weights, |X_j^T u| <= s l1
    on the zeros (X_j^T u <= s l1 with positive weights) and, with a ``free``
    intercept, sum(u) = 0.
    """
    a, b = slopes
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=float)
    s, r = w.sum(), y - X @ coef - intercept
    tol_r, tol_g = 1e-7 * (np.abs(y).max() + 1), 1e-6 * s
    lower = np.where(r > tol_r, a * w, -b * w)
    upper = np.where(r < -tol_r, -b * w, a * w)
    nonzero = coef != 0
    target = s * (l2 * coef + l1 * np.sign(coef))
    A_ub = [X[:, nonzero].T, -X[:, nonzero].T, X[:, ~nonzero].T]
    b_ub = [
        target[nonzero] + tol_g,
        tol_g - target[nonzero],
        np.full((~nonzero).sum(), s * l1 + tol_g),
    ]
    if not positive:
        A_ub.append(-X[:, ~nonzero].T)
        b_ub.append(b_ub[-1])
    result = linprog(
        np.zeros(len(y)),
        A_ub=np.vstack(A_ub),
        b_ub=np.concatenate(b_ub),
        A_eq=np.ones((1, len(y))) if free else None,
        b_eq=[0.0] if free else None,
        bounds=list(zip(lower, upper)),
        method="highs",
    )
    return result.status == 0 and (not positive or (coef >= 0).all())


def _fit(**params):
    """Fit, failing on any ConvergenceWarning."""
    X, y, weights = params.pop("X"), params.pop("y"), params.pop("sample_weight", None)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        return LinearRegressor(**params).fit(X, y, sample_weight=weights)


@pytest.mark.parametrize(
    "loss, slopes",
    [(QuantileLoss(0.8), (0.8, 0.2)), ("absolute_error", (1.0, 1.0))],
    ids=["quantile-0.8", "absolute_error"],
)
@pytest.mark.parametrize("penalty", ["l2", "elasticnet"])
def test_default_fit_on_diabetes_reaches_the_certified_optimum(loss, slopes, penalty):
    # The case: Adam stopped at a pinball loss of 21.4 with a
    # ConvergenceWarning, the optimum is 15.17.
    X, y = _diabetes()
    model = _fit(X=X, y=y, loss=loss, penalty=penalty)
    assert type(model._resolve()["optimizer"]) is optimizers.QuadraticProgram
    l1, l2 = (0.5e-4, 0.5e-4) if penalty == "elasticnet" else (0.0, 1e-4)
    coef, intercept = model.coef_, float(model.intercept_)
    assert _certified(X, y, coef, intercept, slopes, l1, l2)
    value = _objective(X, y, coef, intercept, slopes, l1, l2)
    assert model.history_[-1]["loss"] == pytest.approx(value, rel=1e-12)
    if loss != "absolute_error" and penalty == "l2":
        assert value == pytest.approx(15.1651512, rel=1e-8)


@pytest.mark.parametrize("positive", [False, True], ids=["signed", "positive"])
@pytest.mark.parametrize("l1_ratio", [0.0, 0.5])
@pytest.mark.parametrize("q", [0.2, 0.5, 0.9])
def test_qp_is_no_higher_than_powell_from_many_starts(q, l1_ratio, positive):
    X, y = _data(n=40, p=3, seed=1)
    y = y - 4 * X[:, 0]  # positive=True then binds on the first weight
    alpha = 0.05
    model = _fit(
        X=X,
        y=y,
        loss=QuantileLoss(q),
        penalty="elasticnet",
        alpha=alpha,
        l1_ratio=l1_ratio,
        positive=positive,
    )
    l1, l2 = alpha * l1_ratio, alpha * (1 - l1_ratio)
    slopes = (q, 1 - q)
    ours = _objective(X, y, model.coef_, model.intercept_, slopes, l1, l2)
    assert _certified(
        X, y, model.coef_, model.intercept_, slopes, l1, l2, None, positive
    )
    bounds = [(0, None) if positive else (None, None)] * 3 + [(None, None)]
    rng = np.random.default_rng(2)
    for _ in range(5):
        start = np.abs(rng.normal(size=4) * 3) + [0, 0, 0, 10]
        found = minimize(
            lambda th: _objective(X, y, th[:3], th[3], slopes, l1, l2),
            start,
            method="Powell",
            bounds=bounds,
            options={"xtol": 1e-10, "ftol": 1e-14, "maxfev": 50_000},
        )
        assert ours <= found.fun + 1e-12


@pytest.mark.parametrize("q", [0.3, 0.5, 0.8])
def test_vanishing_l2_is_quantile_regressor_without_penalty(q):
    # An L2 part too small to move the linear program's vertex.
    X, y = _data(seed=3)
    ours = _fit(X=X, y=y, loss=QuantileLoss(q), penalty="l2", alpha=1e-10)
    assert type(ours._resolve()["optimizer"]) is optimizers.QuadraticProgram
    ref = QuantileRegressor(quantile=q, alpha=0.0).fit(X, y)
    assert _rel(ours.coef_, ref.coef_) < 1e-8
    assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-8)


@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "origin"])
def test_weights_sparse_and_no_intercept_are_certified(fit_intercept):
    X, y = _data(seed=4)
    weights = np.random.default_rng(5).uniform(0.2, 3.0, len(y))
    params = dict(loss=QuantileLoss(0.7), alpha=0.02, fit_intercept=fit_intercept)
    dense = _fit(X=X, y=y, sample_weight=weights, **params)
    sparse = _fit(X=sp.csr_matrix(X), y=y, sample_weight=weights, **params)
    intercept = float(dense.intercept_)
    assert fit_intercept or intercept == 0.0
    slopes = (0.7, 0.3)
    args = (X, y, dense.coef_, intercept, slopes, 0, 0.02, weights)
    assert _certified(*args, free=fit_intercept)
    assert _rel(sparse.coef_, dense.coef_) < 1e-9
    value = _objective(X, y, dense.coef_, intercept, (0.7, 0.3), 0, 0.02, weights)
    assert dense.history_[-1]["loss"] == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("related", [True, False], ids=["related", "noise"])
@pytest.mark.parametrize("penalty", ["l2", "elasticnet"])
@pytest.mark.parametrize(
    "loss, slopes",
    [(QuantileLoss(0.25), (0.25, 0.75)), ("absolute_error", (1.0, 1.0))],
    ids=["quantile-0.25", "absolute_error"],
)
def test_ties_and_repeated_rows_are_certified(loss, slopes, penalty, related):
    # Integer X and y: many rows repeat and interpolate together; with y
    # unrelated to X the optimal weights are zeros (their rounding-level signs
    # must not fail the check).
    rng = np.random.default_rng(12)
    X = rng.integers(0, 3, size=(300, 4)).astype(float)
    y = rng.integers(0, 3, size=300) + (X @ [1.0, -1.0, 2.0, 0.0] if related else 0)
    model = _fit(X=X, y=y, loss=loss, penalty=penalty, alpha=0.01)
    l1, l2 = (0.005, 0.005) if penalty == "elasticnet" else (0.0, 0.01)
    intercept = float(model.intercept_)
    assert _certified(X, y, model.coef_, intercept, slopes, l1, l2)
    assert related or np.all(model.coef_ == 0)


def test_zero_and_integer_weights_are_repeated_rows():
    X, y = _data(n=40, seed=6)
    weights = np.tile([0, 1, 2, 3], 10)
    rows = np.repeat(np.arange(len(y)), weights)
    weighted = _fit(X=X, y=y, sample_weight=weights, loss=QuantileLoss(0.6), alpha=0.1)
    repeated = _fit(X=X[rows], y=y[rows], loss=QuantileLoss(0.6), alpha=0.1)
    assert _rel(weighted.coef_, repeated.coef_) < 1e-9
    assert weighted.intercept_ == pytest.approx(repeated.intercept_, rel=1e-9)


def test_multi_output_solves_each_target_and_float32_stays_float32():
    X, y = _data(seed=7)
    Y = np.column_stack([y, -2 * y + X[:, 0]])
    both = _fit(X=X, y=Y, loss=QuantileLoss(0.3), alpha=0.05)
    for k in range(2):
        one = _fit(X=X, y=Y[:, k], loss=QuantileLoss(0.3), alpha=0.05)
        assert _rel(both.coef_[k], one.coef_) < 1e-9
        assert both.intercept_[k] == pytest.approx(one.intercept_, rel=1e-9)
    single = _fit(X=X.astype(np.float32), y=Y.astype(np.float32), loss="quantile")
    assert (
        single.coef_.dtype == np.float32 and single.intercepts_[0].dtype == np.float32
    )
    ref = _fit(X=X, y=Y, loss="quantile")
    assert _rel(single.coef_, ref.coef_) < 1e-5


def test_frozen_weights_fit_the_intercept_at_the_quantile():
    X, y = _data(n=61, seed=8)
    model = _fit(X=X, y=y, loss=QuantileLoss(0.8), frozen_layers=(0,))
    np.testing.assert_array_equal(model.coef_, 0.0)
    assert model.intercept_ == np.sort(y)[48]


def test_regularization_path_is_each_alphas_fit():
    X, y = _data(seed=9)
    alphas = [1.0, 0.1, 0.01]
    model = LinearRegressor(loss=QuantileLoss(0.8), penalty="elasticnet")
    path = regularization_path(model, X, y, alphas)
    for i, alpha in enumerate(alphas):
        one = _fit(X=X, y=y, loss=QuantileLoss(0.8), penalty="elasticnet", alpha=alpha)
        assert _rel(path.coefs[:, i], one.coef_) < 1e-9
    assert path.converged.all()


def test_an_unproven_optimum_warns_and_keeps_the_smoothed_solution(monkeypatch):
    import skweights._linear_solvers as solvers

    X, y = _data(seed=10)
    exact = _fit(X=X, y=y, loss=QuantileLoss(0.8))
    monkeypatch.setattr(solvers, "_face", lambda *args: None)
    model = LinearRegressor(loss=QuantileLoss(0.8), optimizer="qp")
    with pytest.warns(ConvergenceWarning, match="could not be polished"):
        model.fit(X, y)
    # The last smoothing width is 1e-12 of the targets' spread.
    assert _rel(model.coef_, exact.coef_) < 1e-6
    assert model.history_[-1]["loss"] == pytest.approx(
        exact.history_[-1]["loss"], rel=1e-8
    )


def test_refusals_say_what_to_use_and_leave_the_model_unchanged():
    X, y = _data(seed=11)
    with pytest.raises(ValueError, match="piecewise-linear loss"):
        LinearRegressor(optimizer="qp").fit(X, y)
    with pytest.raises(ValueError, match="piecewise-linear loss"):
        MLPRegressor((3,), loss="quantile", optimizer="qp").fit(X, y)
    fitted = LinearRegressor(loss="quantile").fit(X, y)
    before = fitted.coef_.copy()
    with pytest.raises(ValueError, match="couples weights"):
        fitted.set_params(penalty="group_l1", optimizer="qp").fit(X, y)
    np.testing.assert_array_equal(fitted.coef_, before)
    solver = optimizers.get("qp")
    assert type(solver) is optimizers.QuadraticProgram
    assert solver.solves_linear and solver.full_batch and not solver.needs_smooth_loss


def test_a_diverged_solve_raises_and_leaves_the_model_unchanged(monkeypatch):
    import skweights._linear_solvers as solvers

    X, y = _data(seed=13)
    model = _fit(X=X, y=y, loss=QuantileLoss(0.8))
    before = model.coef_.copy(), model.intercept_.copy()
    monkeypatch.setattr(
        solvers, "_solve_qp", lambda t, beta, b: (beta * np.nan, b, 1, True)
    )
    with pytest.raises(ValueError, match="non-finite weights"):  # the engine's check
        model.fit(X, y)
    np.testing.assert_array_equal(model.coef_, before[0])
    np.testing.assert_array_equal(model.intercept_, before[1])
