"""The group lasso over rows (penalties.GroupL1): its prox, gradient and solvers."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.optimize import minimize
from sklearn.datasets import make_regression
from sklearn.linear_model import Lasso, MultiTaskLasso

from skweights import LinearRegressor, MLPRegressor
from skweights.penalties import GroupL1, NonNegative, block_soft_threshold, get


def _rows(rng, shape, dtype=np.float64):
    return rng.normal(size=shape).astype(dtype)


def _prox_objective(X, W, step, alpha):
    """``sum_i (X_i - W_i)^2 / (2 s_i) + alpha * sum_rows ||X_j||``."""
    step = np.broadcast_to(step, W.shape)
    return float(
        np.sum((X - W) ** 2 / (2 * step)) + alpha * np.linalg.norm(X, axis=1).sum()
    )


def test_registry_name_and_capabilities():
    pen = get("group_l1", alpha=0.3, l1_ratio=0.2)
    assert pen == GroupL1(alpha=0.3)
    assert type(get("Group_Lasso")) is GroupL1
    assert not pen.smooth and not pen.separable
    assert pen.l1_strength == 0.3 and pen.l2_strength == 0.0
    assert pen.linear_grad_scale() is None
    assert NonNegative(pen).separable is False
    assert get("l1").separable and NonNegative(get("l1")).separable


def test_value_is_alpha_times_the_sum_of_row_norms():
    W = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, 0.0]])
    assert GroupL1(alpha=0.5).value(W) == pytest.approx(0.5 * (5.0 + 0.0 + 1.0))
    assert GroupL1(alpha=0.0).value(W) == 0.0
    # a 1-D array is one row; a column (one output) is the lasso
    assert GroupL1(2.0).value(np.array([3.0, 4.0])) == pytest.approx(10.0)
    col = np.array([[1.0], [-2.0], [0.5]])
    assert GroupL1(0.7).value(col) == pytest.approx(get("l1", alpha=0.7).value(col))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_grad_matches_finite_differences_on_nonzero_rows(dtype):
    rng = np.random.default_rng(0)
    pen = GroupL1(alpha=0.8)
    W = _rows(rng, (5, 3), dtype)
    analytic = pen.grad(W)
    assert analytic.dtype == dtype
    W64, eps = W.astype(np.float64), 1e-6
    numeric = np.zeros_like(W64)
    for idx in np.ndindex(W64.shape):
        up, down = W64.copy(), W64.copy()
        up[idx] += eps
        down[idx] -= eps
        numeric[idx] = (pen.value(up) - pen.value(down)) / (2 * eps)
    rtol = 1e-3 if dtype == np.float32 else 1e-7
    assert_allclose(analytic, numeric, rtol=rtol, atol=rtol)


def test_grad_is_zero_on_a_zero_row_and_has_norm_alpha_elsewhere():
    W = np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 2.0]])
    g = GroupL1(alpha=1.5).grad(W)
    assert_array_equal(g[0], 0.0)
    assert np.linalg.norm(g[1]) == pytest.approx(1.5)
    assert_allclose(g[1], 1.5 * W[1] / 3.0)


def test_scalar_prox_is_block_soft_thresholding_on_a_hand_example():
    W = np.array([[3.0, 4.0], [0.3, -0.4], [0.0, 0.0], [-6.0, 8.0]])
    x = GroupL1(alpha=2.0).prox(W, step=0.5)  # threshold 1
    expected = np.array([[2.4, 3.2], [0.0, 0.0], [0.0, 0.0], [-5.4, 7.2]])
    assert_allclose(x, expected)
    assert np.all(np.signbit(x[1:3]) == 0)  # exact +0.0, not -0.0
    assert_array_equal(W[0], [3.0, 4.0])  # not modified
    # the boundary: a row of norm exactly the threshold is zeroed
    assert_array_equal(block_soft_threshold(np.array([[0.6, 0.8]]), 1.0), 0.0)


@pytest.mark.parametrize("per_coordinate", [False, True])
def test_prox_minimizes_the_proximal_objective(per_coordinate):
    # The exact prox, in the metric of the steps for per-coordinate steps: no
    # other point has a lower proximal objective (checked against scipy, from the
    # prox and from many starts), and zero rows are where they should be.
    rng = np.random.default_rng(1)
    alpha = 0.9
    W = rng.normal(size=(5, 3)) * rng.uniform(0.2, 2.0, size=(5, 1))
    step = rng.uniform(0.05, 1.5, size=W.shape) if per_coordinate else 0.7
    x = GroupL1(alpha).prox(W, step)
    best = _prox_objective(x, W, step, alpha)
    for start in [x, W, np.zeros_like(W), rng.normal(size=W.shape)]:
        res = minimize(
            lambda v: _prox_objective(v.reshape(W.shape), W, step, alpha),
            start.ravel(),
            method="Powell",
            options={"xtol": 1e-10, "ftol": 1e-14, "maxfev": 200_000},
        )
        assert best <= res.fun + 1e-9
    assert 0 < np.sum(np.all(x == 0, axis=1)) < W.shape[0]  # both kinds on this draw


@pytest.mark.parametrize("per_coordinate", [False, True])
def test_prox_satisfies_the_optimality_condition(per_coordinate):
    # 0 in (X - W) / s + alpha * d||X_j||: on a non-zero row (W - X) / s equals
    # alpha X_j / ||X_j||; on a zero row ||(W - X) / s|| = ||W_j / s_j|| <= alpha.
    rng = np.random.default_rng(2)
    alpha = 1.3
    W = rng.normal(size=(40, 5)) * rng.uniform(0.1, 3.0, size=(40, 1))
    step = rng.uniform(0.01, 2.0, size=W.shape) if per_coordinate else 0.6
    x = GroupL1(alpha).prox(W, step)
    r = (W - x) / np.broadcast_to(step, W.shape)
    norms = np.linalg.norm(x, axis=1)
    alive = norms > 0
    assert alive.any() and not alive.all()
    assert_allclose(r[alive], alpha * x[alive] / norms[alive, None], rtol=1e-10)
    assert np.all(np.linalg.norm(r[~alive], axis=1) <= alpha * (1 + 1e-12))


def test_equal_steps_in_a_row_give_the_closed_form():
    # Per-coordinate steps that are equal within each row are the scalar rule row
    # by row (the secular equation's one-step case).
    rng = np.random.default_rng(3)
    W = rng.normal(size=(8, 3))
    row_steps = rng.uniform(0.1, 2.0, size=(8, 1))
    x = GroupL1(0.8).prox(W, np.broadcast_to(row_steps, W.shape))
    for j in range(W.shape[0]):
        assert_allclose(x[j], GroupL1(0.8).prox(W[j], float(row_steps[j, 0])))
    # a step along the rows only, broadcast (one per output column)
    cols = rng.uniform(0.1, 2.0, size=W.shape[1])
    assert_allclose(
        GroupL1(0.8).prox(W, cols),
        GroupL1(0.8).prox(W, np.broadcast_to(cols, W.shape).copy()),
    )


def test_zero_step_coordinates_do_not_move():
    W = np.array([[0.1, 0.1], [0.0, 0.1]])
    step = np.array([[0.0, 10.0], [0.0, 10.0]])
    x = GroupL1(1.0).prox(W, step)
    assert x[0, 0] == 0.1  # cannot move, so its row survives
    assert x[1, 0] == 0.0 and x[1, 1] == 0.0  # the zero weight lets its row die


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_prox_out_in_place_and_dtype(dtype):
    rng = np.random.default_rng(4)
    pen = GroupL1(0.5)
    W = rng.normal(size=(5, 3)).astype(dtype)
    for step in (0.4, rng.uniform(0.1, 1.0, size=W.shape)):
        expected = pen.prox(W, step)
        assert expected.dtype == dtype and expected is not W
        out = np.empty_like(W)
        assert pen.prox(W, step, out=out) is out
        assert_array_equal(out, expected)
        W2 = W.copy()
        assert pen.prox(W2, step, out=W2) is W2
        assert_array_equal(W2, expected)


@pytest.mark.parametrize(
    "call",
    [
        lambda: GroupL1(1.0).prox(np.ones((2, 2)), -0.1),
        lambda: GroupL1(1.0).prox(np.ones((2, 2)), np.array([0.1, -0.1])),
        lambda: block_soft_threshold(np.ones(2), -1.0),
        lambda: GroupL1(-1.0).value(np.ones(2)),
        lambda: GroupL1(float("nan")).prox(np.ones(2), 0.1),
    ],
)
def test_invalid_steps_and_alpha_raise(call):
    with pytest.raises(ValueError, match="step|threshold|alpha"):
        call()


def test_nonnegative_group_prox_is_exact():
    # positive=True: the prox of group lasso + (W >= 0) projects, then shrinks.
    rng = np.random.default_rng(5)
    W = rng.normal(size=(4, 3))
    pen = NonNegative(GroupL1(0.4))
    x = pen.prox(W, 0.5)
    assert np.all(x >= 0)
    best = _prox_objective(x, W, 0.5, 0.4)
    res = minimize(
        lambda v: _prox_objective(v.reshape(W.shape), W, 0.5, 0.4),
        np.maximum(W, 0).ravel(),
        bounds=[(0, None)] * W.size,
        method="L-BFGS-B",
        options={"ftol": 1e-15, "gtol": 1e-12},
    )
    assert best <= res.fun + 1e-9


# -- solvers -----------------------------------------------------------------------


def test_multi_output_linear_regressor_is_multitask_lasso():
    X, Y = make_regression(
        n_samples=150, n_features=10, n_targets=3, n_informative=4, noise=5.0,
        random_state=0,
    )  # fmt: skip
    for alpha in (0.5, 20.0):
        ref = MultiTaskLasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(X, Y)
        ours = LinearRegressor(penalty="group_l1", alpha=alpha, tol=1e-10).fit(X, Y)
        assert type(ours._resolve()["optimizer"]).__name__ == "FISTA"  # auto
        assert_allclose(ours.coef_, ref.coef_, atol=1e-7)
        assert_allclose(ours.intercept_, ref.intercept_, atol=1e-7)
        dropped = np.all(ref.coef_ == 0, axis=0)
        assert dropped.any()
        assert_array_equal(np.all(ours.coef_ == 0, axis=0), dropped)


def test_single_output_group_lasso_is_the_lasso():
    X, y = make_regression(n_samples=120, n_features=8, noise=3.0, random_state=1)
    ref = Lasso(alpha=2.0, tol=1e-12, max_iter=100_000).fit(X, y)
    ours = LinearRegressor(penalty="group_l1", alpha=2.0, tol=1e-10).fit(X, y)
    assert_allclose(ours.coef_, ref.coef_, atol=1e-7)


@pytest.mark.parametrize("alpha, bound", [(0.5, 220), (0.05, 250)])
def test_fistas_adaptive_restart_converges_in_few_iterations(alpha, bound):
    # Correlated columns (condition number 32) make momentum overshoot; the
    # gradient-scheme restart resets it when the step turns back. Measured at
    # alpha 0.5 and 0.05: 143 and 163 iterations with the restart, 340 and 413
    # with its test's sign flipped, 468 and over 1000 without restart.
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(200, 10))
    X = Z.copy()
    X[:, 1:] = 0.95 * X[:, :1] + 0.3 * Z[:, 1:]
    B = np.zeros((10, 3))
    B[:4] = rng.normal(size=(4, 3))
    Y = X @ B + 0.1 * rng.normal(size=(200, 3))
    ours = LinearRegressor(penalty="group_l1", alpha=alpha, tol=1e-10).fit(X, Y)
    assert type(ours._resolve()["optimizer"]).__name__ == "FISTA"  # auto
    assert ours.n_iter_ <= bound
    ref = MultiTaskLasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(X, Y)
    assert_allclose(ours.coef_, ref.coef_, atol=1e-6)


@pytest.mark.parametrize("optimizer", ["cd", "direct", "lbfgs"])
def test_coordinatewise_solvers_refuse_the_group_penalty(optimizer):
    X, Y = make_regression(n_samples=40, n_features=4, n_targets=2, random_state=0)
    model = LinearRegressor(penalty="group_l1", optimizer=optimizer)
    with pytest.raises(ValueError, match="fista"):
        model.fit(X, Y)
    assert not hasattr(model, "coef_")  # a failed fit changes nothing
    mlp = MLPRegressor((4,), penalty="group_l1", optimizer="lbfgs", max_iter=3)
    with pytest.raises(ValueError, match="not separable"):
        mlp.fit(X, Y)


# -- fitted attributes and feature selection ----------------------------------------


def _friedman(n_samples=400, n_features=10, seed=0):
    from sklearn.datasets import make_friedman1
    from sklearn.preprocessing import StandardScaler

    X, y = make_friedman1(n_samples=n_samples, n_features=n_features, random_state=seed)
    return StandardScaler().fit_transform(X), y


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_support_and_norms_follow_the_zero_rows_of_the_first_layer():
    X, y = _friedman()
    model = MLPRegressor(
        (16,), penalty=["group_l1", None], alpha=1.0, learning_rate=1e-2,
        max_iter=100, tol=0.0, random_state=0,
    ).fit(X, y)  # fmt: skip
    zero_rows = np.all(model.coefs_[0] == 0, axis=1)
    assert zero_rows.any() and not zero_rows.all()
    assert_array_equal(model.support_, ~zero_rows)
    assert model.n_features_selected_ == int((~zero_rows).sum())
    assert_allclose(model.input_weight_norms_, np.linalg.norm(model.coefs_[0], axis=1))
    assert np.all(model.input_weight_norms_[zero_rows] == 0)
    # Friedman's informative features are the first five: the dropped are noise
    assert not zero_rows[:2].any() and zero_rows[5:].sum() >= 3
    # the attributes follow the weights (a row zeroed by hand is dropped)
    model.coefs_[0][0] = 0.0
    assert not model.support_[0]


def test_linear_support_is_the_features_with_a_nonzero_coefficient():
    X, Y = make_regression(
        n_samples=100, n_features=8, n_targets=2, n_informative=3, random_state=2
    )
    model = LinearRegressor(penalty="group_l1", alpha=30.0).fit(X, Y)
    assert_array_equal(model.support_, np.any(model.coef_ != 0, axis=0))
    assert 0 < model.n_features_selected_ < 8
    unfitted = LinearRegressor()
    assert not hasattr(unfitted, "support_")  # NotFittedError is an AttributeError


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_select_from_model_in_a_pipeline_keeps_the_surviving_features():
    from sklearn.feature_selection import SelectFromModel
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline

    X, y = _friedman()
    selector = SelectFromModel(
        MLPRegressor(
            (16,), penalty=["group_l1", None], alpha=1.0, learning_rate=1e-2,
            max_iter=100, tol=0.0, random_state=0,
        ),
        importance_getter="input_weight_norms_",
        threshold=1e-12,
    )  # fmt: skip
    pipe = make_pipeline(selector, Ridge()).fit(X, y)
    fitted = pipe[0].estimator_
    assert_array_equal(pipe[0].get_support(), fitted.support_)
    assert pipe[0].transform(X).shape == (X.shape[0], fitted.n_features_selected_)
    assert pipe[-1].coef_.shape == (fitted.n_features_selected_,)
    assert 2 <= fitted.n_features_selected_ < X.shape[1]


# -- regularization path -------------------------------------------------------------


def test_linear_group_path_starts_empty_at_alpha_max_and_ends_full():
    from skweights.inspection import regularization_path

    X, Y = make_regression(
        n_samples=120, n_features=6, n_targets=2, n_informative=6, noise=1.0,
        random_state=3,
    )  # fmt: skip
    model = LinearRegressor(penalty="group_l1", tol=1e-10, max_iter=5000)
    path = regularization_path(model, X, Y, n_alphas=8, eps=1e-4)
    # alpha_max: the largest row norm of X^T R / n (MultiTaskLasso's grid)
    Xc, Yc = X - X.mean(axis=0), Y - Y.mean(axis=0)
    alpha_max = np.linalg.norm(Xc.T @ Yc, axis=1).max() / X.shape[0]
    assert path.alphas[0] == pytest.approx(alpha_max, rel=1e-8)
    assert path.n_features_selected[0] == 0
    assert path.n_features_selected[-1] == 6
    assert np.all(np.diff(path.n_features_selected) >= 0)  # features enter
    # tight: just under alpha_max a feature enters
    below = LinearRegressor(penalty="group_l1", alpha=0.99 * alpha_max, tol=1e-10)
    assert below.fit(X, Y).n_features_selected_ >= 1
    # each point is the independent fit's solution
    k = 4
    single = clone_fit(model, path.alphas[k], X, Y)
    assert_allclose(path.coefs[:, :, k], single.coef_, atol=1e-6)
    assert len(path.layer_intercepts[k]) == 1


def clone_fit(model, alpha, X, Y):
    from sklearn.base import clone

    return clone(model).set_params(alpha=alpha).fit(X, Y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_friedman_path_keeps_exactly_the_informative_features_with_high_r2():
    # The check: make_friedman1(2000, 20 features, noise 1), standardized,
    # 75/25 split; features 0-4 are informative. Somewhere on the path the network
    # keeps exactly those five with held-out R^2 >= 0.86 (LassoNet: 0.867; LassoCV:
    # 0.700 with 8 features). The path starts with no feature and ends with all.
    from sklearn.datasets import make_friedman1
    from sklearn.metrics import r2_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    from skweights._network import forward
    from skweights.activations import get as get_activation
    from skweights.inspection import regularization_path
    from skweights.penalties import L2

    X, y = make_friedman1(n_samples=2000, n_features=20, noise=1.0, random_state=0)
    X = StandardScaler().fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0
    )
    model = MLPRegressor(
        (32,), penalty=["group_l1", L2(1e-2)], learning_rate=1e-2, max_iter=100,
        tol=1e-5, random_state=0,
    )  # fmt: skip
    path = regularization_path(model, X_train, y_train, n_alphas=20)
    selected = path.n_features_selected
    assert selected[0] == 0 and selected[-1] == 20
    assert path.alphas.size > 20  # fitted past the linear grid's top
    relu = get_activation("relu")
    best = 0.0
    for coefs, intercepts in zip(path.weights, path.layer_intercepts):
        support = np.any(coefs[0] != 0, axis=1)
        if support[:5].all() and not support[5:].any():
            pred = forward(coefs, intercepts, X_test, relu)[-1][:, 0]
            best = max(best, r2_score(y_test, pred))
    assert best >= 0.86


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_feature_path_plot_passes_the_figure_check():
    import matplotlib

    matplotlib.use("Agg")
    from figure_check import assert_figure_ok

    from skweights.inspection import regularization_path
    from skweights.plotting import plot_regularization_path

    X, y = _friedman(n_samples=200, n_features=8)
    model = MLPRegressor(
        (8,), penalty=["group_l1", None], learning_rate=1e-2, max_iter=30,
        random_state=0,
    )  # fmt: skip
    path = regularization_path(model, X, y, n_alphas=6)
    ax = plot_regularization_path(path, features=True)
    assert len(ax.get_lines()) == 8  # one per input feature
    top = [t.get_text() for t in ax.child_axes[0].get_xticklabels()]
    assert top[0] == "0" and top[-1] == str(path.n_features_selected[-1])
    assert_figure_ok(ax.figure, "feature-selection path")
    linear = plot_regularization_path(
        LinearRegressor(penalty="group_l1"), X, y, n_alphas=5, features=True
    )
    assert_figure_ok(linear.figure, "linear feature-selection path")
