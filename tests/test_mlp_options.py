"""scikit-learn MLP options a migrating user reaches for: n_iter_no_change=np.inf,
L-BFGS's max_fun, and the fitted attributes with scikit-learn's meaning."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor
from sklearn.preprocessing import StandardScaler

from skweights import LinearRegressor, MLPClassifier, MLPRegressor, optimizers

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X_IRIS = StandardScaler().fit_transform(X_IRIS)


def _quiet(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_n_iter_no_change_inf_never_stops_early(early_stopping):
    # A huge tol makes every epoch "no progress": with 1 epoch of patience the fit
    # stops at once, with np.inf it runs all max_iter epochs.
    kwargs = dict(tol=1e6, max_iter=25, random_state=0, early_stopping=early_stopping)
    stopped = MLPClassifier((8,), n_iter_no_change=1, **kwargs).fit(X_IRIS, Y_IRIS)
    assert stopped.n_iter_ <= 3
    with pytest.warns(ConvergenceWarning, match="maximum iterations"):
        model = MLPClassifier((8,), n_iter_no_change=np.inf, **kwargs)
        model.fit(X_IRIS, Y_IRIS)
    assert model.n_iter_ == 25
    assert len(model.loss_curve_) == 25


def test_n_iter_no_change_inf_with_an_exhausted_schedule_still_stops():
    # np.inf disables only the patience rule; an adaptive schedule that runs out
    # of rate stops the fit as before.
    model = MLPClassifier(
        (8,),
        n_iter_no_change=np.inf,
        schedule="adaptive",
        learning_rate=1e-5,
        tol=1e6,
        max_iter=500,
        random_state=0,
    ).fit(X_IRIS, Y_IRIS)
    assert model.n_iter_ < 500


@pytest.mark.parametrize("bad", [0, -np.inf, np.nan, 2.5, "inf", True])
def test_bad_n_iter_no_change_raises(bad):
    with pytest.raises(ValueError, match="n_iter_no_change"):
        MLPClassifier((4,), n_iter_no_change=bad).fit(X_IRIS, Y_IRIS)


def test_max_fun_stops_lbfgs_with_a_convergence_warning():
    model = MLPClassifier(
        (8,), optimizer=optimizers.lbfgs(max_fun=10), max_iter=500, random_state=0
    )
    with pytest.warns(ConvergenceWarning, match="max_fun=10") as record:
        model.fit(X_IRIS, Y_IRIS)
    assert not any("maximum iterations" in str(w.message) for w in record)
    assert model.n_iter_ <= 10
    # As scikit-learn's MLP with the same cap.
    with pytest.warns(ConvergenceWarning):
        reference = SkMLPClassifier(
            (8,), solver="lbfgs", max_fun=10, max_iter=500, random_state=0
        ).fit(X_IRIS, Y_IRIS)
    assert reference.n_iter_ <= 10


def test_max_fun_large_enough_changes_nothing():
    X, y = make_regression(n_samples=100, n_features=5, random_state=0)
    a = LinearRegressor(optimizer=optimizers.lbfgs()).fit(X, y)
    b = LinearRegressor(optimizer=optimizers.lbfgs(max_fun=10**6)).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)


@pytest.mark.parametrize("bad", [0, -1, 1.5])
def test_bad_max_fun_raises(bad):
    with pytest.raises(ValueError, match="max_fun"):
        MLPClassifier((4,), optimizer=optimizers.lbfgs(max_fun=bad)).fit(X_IRIS, Y_IRIS)


def _pairs():
    X, y = make_regression(n_samples=120, n_features=4, random_state=0)
    y = y / y.std()
    return [
        (MLPClassifier, SkMLPClassifier, X_IRIS, Y_IRIS, "softmax"),
        (MLPClassifier, SkMLPClassifier, X_IRIS, Y_IRIS == 1, "logistic"),
        (MLPRegressor, SkMLPRegressor, X, y, "identity"),
        (MLPRegressor, SkMLPRegressor, X, np.column_stack([y, -y]), "identity"),
    ]


@pytest.mark.parametrize("ours_cls, sk_cls, X, y, out", _pairs())
@pytest.mark.parametrize("early_stopping", [False, True])
def test_fitted_attributes_have_scikit_learn_meaning(
    ours_cls, sk_cls, X, y, out, early_stopping
):
    kwargs = dict(
        max_iter=15,
        random_state=0,
        early_stopping=early_stopping,
        n_iter_no_change=np.inf,  # both run all 15 epochs
    )
    ours = _quiet(ours_cls(hidden_layer_sizes=(7, 5), **kwargs), X, y)
    sk = _quiet(sk_cls(hidden_layer_sizes=(7, 5), **kwargs), X, y)
    for name in ("n_layers_", "n_outputs_", "out_activation_"):
        assert getattr(ours, name) == getattr(sk, name), name
    assert ours.out_activation_ == out
    assert ours.n_iter_ == sk.n_iter_ == 15
    assert len(ours.loss_curve_) == len(sk.loss_curve_) == 15
    n_train = len(X) - (round(0.1 * len(X)) if early_stopping else 0)
    assert ours.t_ == 15 * n_train
    assert sk.t_ == 15 * n_train
    if early_stopping:
        assert ours.best_loss_ is None and sk.best_loss_ is None
        assert len(ours.validation_scores_) == len(sk.validation_scores_)
        assert ours.best_validation_score_ == max(ours.validation_scores_)
    else:
        assert ours.best_loss_ == min(ours.loss_curve_)
        assert ours.validation_scores_ is None and sk.validation_scores_ is None
        assert ours.best_validation_score_ is None


def test_t_accumulates_over_partial_fit_and_warm_start():
    model = MLPClassifier((4,), random_state=0)
    model.partial_fit(X_IRIS, Y_IRIS, classes=[0, 1, 2])
    model.partial_fit(X_IRIS[:50], Y_IRIS[:50])
    assert model.t_ == 150 + 50
    warm = _quiet(MLPClassifier((4,), max_iter=3, warm_start=True), X_IRIS, Y_IRIS)
    _quiet(warm, X_IRIS, Y_IRIS)
    assert warm.t_ == 2 * 3 * 150
    cold = _quiet(MLPClassifier((4,), max_iter=3), X_IRIS, Y_IRIS)
    _quiet(cold, X_IRIS, Y_IRIS)
    assert cold.t_ == 3 * 150


def test_full_batch_t_counts_one_pass_per_iteration():
    # Documented difference: scikit-learn leaves t_ at 0 for lbfgs.
    model = _quiet(
        MLPClassifier((4,), optimizer="lbfgs", max_iter=5, random_state=0),
        X_IRIS,
        Y_IRIS,
    )
    assert model.t_ == model.n_iter_ * 150


def test_poisson_mlp_out_activation_is_exp_as_scikit_learn():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = rng.poisson(np.exp(X[:, 0] * 0.5))
    ours = _quiet(MLPRegressor((5,), loss="poisson", max_iter=5), X, y)
    sk = _quiet(
        SkMLPRegressor(hidden_layer_sizes=(5,), loss="poisson", max_iter=5), X, y
    )
    assert ours.out_activation_ == sk.out_activation_ == "exp"


def test_migration_guide_examples_run():
    import doctest
    from pathlib import Path

    page = Path(__file__).parents[1] / "docs" / "user_guide" / "from_scikit_learn.rst"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = doctest.testfile(
            str(page),
            module_relative=False,
            optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS,
        )
    assert result.attempted > 10 and result.failed == 0


def test_migration_guide_maps_every_scikit_learn_mlp_parameter():
    from pathlib import Path

    page = Path(__file__).parents[1] / "docs" / "user_guide" / "from_scikit_learn.rst"
    text = page.read_text()
    params = set(SkMLPClassifier().get_params()) | set(SkMLPRegressor().get_params())
    missing = [name for name in sorted(params) if f"``{name}``" not in text]
    assert not missing


@pytest.mark.parametrize("early_stopping", [False, True])
def test_warm_starts_extend_loss_curve_as_scikit_learn(early_stopping):
    """scikit-learn appends to loss_curve_ (and validation_scores_) at each
    warm-started fit; skweights restarted them (5, 5, 5 instead of 5, 10, 15)."""
    kwargs = dict(
        hidden_layer_sizes=(6,),
        max_iter=5,
        warm_start=True,
        random_state=0,
        early_stopping=early_stopping,
        n_iter_no_change=np.inf,
    )
    ours, sk = MLPClassifier(**kwargs), SkMLPClassifier(**kwargs)
    lengths = {"ours": [], "sk": []}
    for _ in range(3):
        for key, model in (("ours", ours), ("sk", sk)):
            _quiet(model, X_IRIS, Y_IRIS)
            lengths[key].append(len(model.loss_curve_))
            if early_stopping:
                assert len(model.validation_scores_) == len(model.loss_curve_)
    assert lengths["ours"] == lengths["sk"] == [5, 10, 15]
    assert ours.n_iter_ == sk.n_iter_ == 5  # the last fit's epochs, as scikit-learn
    # the last five are the last fit's history; earlier ones are kept as they were
    np.testing.assert_array_equal(ours.loss_curve_[10:], ours.history_["loss"][1:])
    if early_stopping:
        assert ours.best_validation_score_ == max(ours.validation_scores_)
    else:
        assert ours.best_loss_ == min(ours.loss_curve_)
    cold = _quiet(MLPClassifier(**{**kwargs, "warm_start": False}), X_IRIS, Y_IRIS)
    _quiet(cold, X_IRIS, Y_IRIS)
    assert len(cold.loss_curve_) == 5


def test_partial_fit_extends_loss_curve_as_scikit_learn():
    ours = MLPClassifier((6,), random_state=0)
    sk = SkMLPClassifier((6,), random_state=0)
    for n in (1, 2, 3):
        ours.partial_fit(X_IRIS, Y_IRIS, classes=[0, 1, 2])
        sk.partial_fit(X_IRIS, Y_IRIS, classes=[0, 1, 2])
        assert len(ours.loss_curve_) == len(sk.loss_curve_) == n
    # a warm-started fit after partial_fit keeps extending it
    _quiet(ours.set_params(warm_start=True, max_iter=4), X_IRIS, Y_IRIS)
    _quiet(sk.set_params(warm_start=True, max_iter=4), X_IRIS, Y_IRIS)
    assert len(ours.loss_curve_) == len(sk.loss_curve_) == 7
