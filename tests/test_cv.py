"""The CV estimators: scikit-learn's own *CV estimators' choices, warm-started
fold paths, cv_results_, the refit and plot_cv_path."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from figure_check import assert_figure_ok  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import (  # noqa: E402
    load_diabetes,
    load_iris,
    make_classification,
    make_regression,
)
from sklearn.linear_model import (  # noqa: E402
    ElasticNetCV,
    LassoCV,
    LogisticRegression,
    LogisticRegressionCV,
    RidgeCV,
)
from sklearn.model_selection import KFold, StratifiedKFold  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skweights import (  # noqa: E402
    LinearClassifier,
    LinearClassifierCV,
    LinearRegressor,
    LinearRegressorCV,
    MLPClassifier,
    MLPClassifierCV,
    MLPRegressor,
    MLPRegressorCV,
)
from skweights.plotting import plot_cv_path  # noqa: E402


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _splits(model, n_splits):
    return np.array(
        [model.cv_results_[f"split{k}_test_score"] for k in range(n_splits)]
    )


# -- linear models choose what scikit-learn chooses ---------------------------------
@pytest.mark.parametrize("weighted", [False, True])
def test_l1_matches_lasso_cv(diabetes, weighted):
    X, y = diabetes
    sw = np.random.default_rng(0).uniform(0.5, 2, len(y)) if weighted else None
    ours = LinearRegressorCV(penalty="l1").fit(X, y, sample_weight=sw)
    ref = LassoCV().fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.alphas_, ref.alphas_, rtol=1e-10, atol=0)
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-10)
    # Same folds, same coordinate-descent iterates: the fold MSEs agree.
    np.testing.assert_allclose(_splits(ours, 5).T, -ref.mse_path_, rtol=1e-8)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-8)
    assert ours.best_score_ == pytest.approx(-ref.mse_path_.mean(axis=1).min())


def test_elasticnet_matches_elasticnet_cv(diabetes):
    X, y = diabetes
    ours = LinearRegressorCV(penalty="elasticnet", l1_ratio=0.7, n_alphas=30).fit(X, y)
    ref = ElasticNetCV(l1_ratio=0.7, alphas=30).fit(X, y)
    np.testing.assert_allclose(ours.alphas_, ref.alphas_, rtol=1e-10, atol=0)
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-10)
    np.testing.assert_allclose(_splits(ours, 5).T, -ref.mse_path_, rtol=1e-8)


@pytest.mark.parametrize("weighted", [False, True])
def test_l2_leave_one_out_matches_ridge_cv(diabetes, weighted):
    """skweights' alpha is Ridge's divided by sum(sample_weight)."""
    X, y = diabetes
    sw = np.random.default_rng(1).uniform(0.5, 2, len(y)) if weighted else None
    total = len(y) if sw is None else sw.sum()
    alphas = np.logspace(-6, 0, 25)
    ours = LinearRegressorCV(alphas=alphas).fit(X, y, sample_weight=sw)
    ref = RidgeCV(alphas=alphas * total).fit(X, y, sample_weight=sw)
    assert ours.alpha_ * total == pytest.approx(ref.alpha_, rel=1e-12)
    assert ours.best_score_ == pytest.approx(ref.best_score_, rel=1e-10)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-8)
    # One split per sample: minus its leave-one-out squared error.
    assert f"split{len(y) - 1}_test_score" in ours.cv_results_


def test_l2_leave_one_out_with_a_scorer_matches_ridge_cv(diabetes):
    X, y = diabetes
    alphas = np.logspace(-6, 0, 25)
    ours = LinearRegressorCV(alphas=alphas, scoring="r2").fit(X, y)
    ref = RidgeCV(alphas=alphas * len(y), scoring="r2").fit(X, y)
    assert ours.alpha_ * len(y) == pytest.approx(ref.alpha_, rel=1e-12)
    assert ours.best_score_ == pytest.approx(ref.best_score_, rel=1e-10)


def test_classifier_matches_logistic_regression_cv(iris):
    """alpha = 1 / (C * n_train) on folds of equal size (120 of iris' 150)."""
    X, y = iris
    cv = StratifiedKFold(5)
    Cs = np.logspace(-2, 2, 5)
    ref = LogisticRegressionCV(
        Cs=Cs,
        cv=cv,
        scoring="neg_log_loss",
        tol=1e-8,
        max_iter=1000,
        l1_ratios=(0,),
        use_legacy_attributes=False,
    ).fit(X, y)
    ours = LinearClassifierCV(
        alphas=1 / (Cs * 120), cv=cv, scoring="neg_log_loss", tol=1e-8
    ).fit(X, y)
    assert ours.alpha_ == pytest.approx(1 / (ref.C_ * 120), rel=1e-12)
    # Both solve to a gradient tolerance of 1e-8: the log-losses agree to ~1e-7.
    np.testing.assert_allclose(
        _splits(ours, 5), ref.scores_.reshape(5, -1), rtol=1e-6, atol=1e-8
    )
    refit = LogisticRegression(C=1 / (ours.alpha_ * len(y)), tol=1e-8).fit(X, y)
    np.testing.assert_allclose(ours.coef_, refit.coef_, rtol=1e-4, atol=1e-5)


# -- the group penalty selects features along the CV path ---------------------------
def test_group_penalty_cv_selects_features():
    X, Y, coef = make_regression(
        n_samples=120,
        n_features=10,
        n_informative=3,
        n_targets=3,
        noise=1.0,
        coef=True,
        random_state=0,
    )
    model = LinearRegressorCV(penalty="group_l1", n_alphas=12, cv=3).fit(X, Y)
    informative = np.any(coef != 0, axis=1)
    direct = LinearRegressor(penalty="group_l1", alpha=model.alpha_).fit(X, Y)
    np.testing.assert_array_equal(model.support_, direct.support_)
    assert model.support_[informative].all()
    assert model.n_features_selected_ < X.shape[1]


# -- the fold paths -----------------------------------------------------------------
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("path_max_iter, later", [(None, 30), (7, 7), ("auto", 11)])
def test_mlp_fold_walks_weak_to_strong_warm_started(path_max_iter, later):
    """A fold's scores are those of one warm-started network fitted from the
    weakest alpha to the strongest, each scored with the estimator's score; the
    fits after the first get path_max_iter epochs ("auto": max(n_iter_no_change +
    1, max_iter // 8) = 11 here)."""
    X, y = make_regression(n_samples=90, n_features=4, noise=5.0, random_state=0)
    alphas = [1e-3, 1e-1, 1.0]
    params = dict(hidden_layer_sizes=(8,), max_iter=30, random_state=0)
    cv = KFold(3)
    model = MLPRegressorCV(
        alphas=alphas, cv=cv, path_max_iter=path_max_iter, **params
    ).fit(X, y)
    for k, (train, test) in enumerate(cv.split(X)):
        net = MLPRegressor(warm_start=True, **params)
        expected = []
        for step, alpha in enumerate(sorted(alphas)):
            budget = params["max_iter"] if step == 0 else later
            net.set_params(alpha=alpha, max_iter=budget).fit(X[train], y[train])
            expected.append(net.score(X[test], y[test]))
        np.testing.assert_allclose(
            model.cv_results_[f"split{k}_test_score"], expected[::-1], rtol=1e-10
        )
    np.testing.assert_array_equal(model.alphas_, sorted(alphas, reverse=True))
    # The refit: the base estimator at alpha_ on all the data.
    refit = MLPRegressor(alpha=model.alpha_, **params).fit(X, y)
    for W, V in zip(model.coefs_, refit.coefs_):
        np.testing.assert_array_equal(W, V)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_cv_results_and_ranks_read_like_grid_search():
    X, y = make_classification(n_samples=120, random_state=0)
    model = MLPClassifierCV(
        (8,), alphas=[1e-4, 1e-2, 1.0], cv=3, max_iter=30, random_state=0
    ).fit(X, y)
    frame = pd.DataFrame(model.cv_results_)
    assert list(frame["param_alpha"]) == [1.0, 1e-2, 1e-4]
    splits = frame[[f"split{k}_test_score" for k in range(3)]].to_numpy()
    np.testing.assert_allclose(frame["mean_test_score"], splits.mean(axis=1))
    np.testing.assert_allclose(frame["std_test_score"], splits.std(axis=1))
    best = frame["rank_test_score"].idxmin()
    assert frame["rank_test_score"][best] == 1
    assert model.alpha_ == frame["param_alpha"][best]
    assert model.best_score_ == frame["mean_test_score"].max()
    # The default scoring is the estimator's score: accuracy.
    assert set(np.round(splits.ravel() * 40)) <= set(range(41))
    assert model.predict_proba(X).shape == (120, 2)
    assert model.score(X, y) == pytest.approx(np.mean(model.predict(X) == y))


def test_n_jobs_gives_the_same_results(diabetes):
    X, y = diabetes
    one = LinearRegressorCV(penalty="l1", n_alphas=10, cv=3).fit(X, y)
    two = LinearRegressorCV(penalty="l1", n_alphas=10, cv=3, n_jobs=2).fit(X, y)
    for key in ("mean_test_score", "split2_test_score"):
        np.testing.assert_array_equal(one.cv_results_[key], two.cv_results_[key])


def test_linear_classifier_path_matches_independent_fits(iris):
    """Convex: the warm-started fold path reaches what independent fits reach."""
    X, y = iris
    cv = StratifiedKFold(3)
    model = LinearClassifierCV(
        alphas=[1e-1, 1e-3], cv=cv, scoring="neg_log_loss", tol=1e-9
    ).fit(X, y)
    for k, (train, test) in enumerate(cv.split(X, y)):
        for i, alpha in enumerate(model.alphas_):
            fit = LinearClassifier(alpha=alpha, tol=1e-9).fit(X[train], y[train])
            proba = fit.predict_proba(X[test])
            score = np.mean(np.log(proba[np.arange(len(test)), y[test]]))
            assert model.cv_results_[f"split{k}_test_score"][i] == pytest.approx(
                score, rel=1e-6
            )


# -- the sklearn contract -----------------------------------------------------------
def test_parameters_are_the_base_ones_without_alpha():
    for cv_cls, base_cls in [
        (LinearRegressorCV, LinearRegressor),
        (LinearClassifierCV, LinearClassifier),
        (MLPRegressorCV, MLPRegressor),
        (MLPClassifierCV, MLPClassifier),
    ]:
        # A parameter added to a base estimator must reach its CV form too.
        names = set(cv_cls().get_params())
        base = set(base_cls().get_params()) - {"alpha"}
        own = {"alphas", "n_alphas", "eps", "cv", "scoring", "n_jobs"}
        if "hidden_layer_sizes" in base:
            own.add("path_max_iter")
        assert names == base | own
        assert not hasattr(cv_cls(), "partial_fit")


def test_bad_grid_is_refused_and_changes_nothing(diabetes):
    X, y = diabetes
    model = LinearRegressorCV(penalty="l1", n_alphas=5).fit(X, y)
    before = model.coef_.copy()
    with pytest.raises(ValueError, match="alphas"):
        model.set_params(alphas=[-1.0]).fit(X, y)
    with pytest.raises(ValueError, match="n_alphas"):
        clone(model).set_params(alphas=None, n_alphas=0).fit(X, y)
    np.testing.assert_array_equal(model.coef_, before)
    assert model.alpha == model.alpha_


def test_plot_cv_path(diabetes):
    X, y = diabetes
    model = LinearRegressorCV(penalty="l1", n_alphas=20).fit(X, y)
    ax = plot_cv_path(model)
    assert_figure_ok(ax.figure, "plot_cv_path")
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), model.cv_results_["mean_test_score"])
    assert ax.get_lines()[1].get_xdata()[0] == model.alpha_
    assert "neg_mean_squared_error" in ax.get_ylabel()


def test_l1_path_with_a_scorer_scores_each_lasso(diabetes):
    """A scorer on the coordinate-descent path: the fold's Lasso at each alpha."""
    from sklearn.linear_model import Lasso
    from sklearn.metrics import r2_score

    X, y = diabetes
    cv = KFold(3)
    alphas = [1.0, 0.1, 0.01]
    # Tight tol: a warm-started and a cold coordinate descent stop at different
    # points within the duality-gap tolerance (3e-6 relative in R² at tol=1e-4).
    model = LinearRegressorCV(
        penalty="l1", alphas=alphas, cv=cv, scoring="r2", tol=1e-9, max_iter=100_000
    ).fit(X, y)
    for k, (train, test) in enumerate(cv.split(X)):
        expected = [
            r2_score(
                y[test],
                Lasso(alpha=a, tol=1e-9, max_iter=100_000)
                .fit(X[train], y[train])
                .predict(X[test]),
            )
            for a in alphas
        ]
        np.testing.assert_allclose(
            model.cv_results_[f"split{k}_test_score"], expected, rtol=1e-9
        )
    # The default scoring (minus the MSE, computed from the weights) equals the
    # scorer's.
    default = LinearRegressorCV(penalty="l1", alphas=alphas, cv=cv).fit(X, y)
    scored = clone(default).set_params(scoring="neg_mean_squared_error").fit(X, y)
    np.testing.assert_allclose(
        default.cv_results_["mean_test_score"],
        scored.cv_results_["mean_test_score"],
        rtol=1e-12,
    )


@pytest.mark.parametrize("bad", [0, -3, 2.5, "all"])
def test_a_bad_path_budget_is_refused(bad):
    X, y = make_regression(n_samples=40, n_features=3, random_state=0)
    model = MLPRegressorCV((4,), alphas=[1e-3, 1.0], cv=2, path_max_iter=bad)
    with pytest.raises(ValueError, match="path_max_iter"):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")
