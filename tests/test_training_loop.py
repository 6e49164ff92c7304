"""The minibatch and full-batch training loop: stopping rules, early stopping's best
weights, the epoch records (loss, gradient norms), sample weights over batches and
warm starts that continue exactly.

``standard_data`` and ``sgd_linear`` are shared by the tests of other subjects that
check a fit against a hand-written SGD run (they import them from here).
"""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_regression

import skweights
from skweights import LinearRegressor, MLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def standard_data(n=60, n_features=3, seed=0):
    """Standardized features and y = X w + 0.3 noise (w = 1.5, -2, 0.5)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    w = np.array([1.5, -2.0, 0.5])[:n_features]
    y = X @ w + 0.3 * rng.normal(size=n)
    return X, y


def sgd_linear(**params):
    """Plain full-batch SGD from zero weights, no penalty, no early stop."""
    defaults = dict(
        optimizer="sgd",
        penalty="none",
        initializer="zeros",
        shuffle=False,
        tol=0.0,
        n_iter_no_change=10_000,
    )
    return LinearRegressor(**{**defaults, **params})


def _frozen_in_place(**params):
    """A linear fit whose weights move by ~1e-300 an epoch: every epoch's loss and
    validation score are the same float."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.1 * rng.normal(size=60)
    model = LinearRegressor(
        optimizer="sgd",
        learning_rate=1e-300,
        penalty="none",
        max_iter=10,
        n_iter_no_change=2,
        random_state=0,
        **params,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(X, y), X, y


@pytest.mark.parametrize("early_stopping", [False, True])
def test_an_equal_loss_or_score_is_an_improvement_when_tol_is_zero(early_stopping):
    # end_epoch mutants 15, 21: as in scikit-learn, an epoch improves when its loss
    # is at most best - tol (its score at least best + tol); with tol=0 an equal
    # value improves, so a flat run goes to max_iter instead of stopping at 4.
    model, _, _ = _frozen_in_place(tol=0.0, early_stopping=early_stopping)
    assert model.n_iter_ == 10


@pytest.mark.parametrize("early_stopping", [False, True])
def test_a_flat_run_stops_after_n_iter_no_change_with_a_positive_tol(early_stopping):
    # end_epoch mutants 16, 22 (best + tol / best - tol swapped): with tol=0.1 the
    # equal values do not improve: epoch 1 improves on infinity, epochs 2-4 do not,
    # and more than n_iter_no_change=2 such epochs stop the fit.
    model, _, _ = _frozen_in_place(tol=0.1, early_stopping=early_stopping)
    assert model.n_iter_ == 4


def test_early_stopping_keeps_the_first_of_equal_best_scores():
    # end_epoch mutant 17: the best weights are replaced only by a strictly better
    # score, so with equal scores the first epoch's weights are kept (they differ
    # from the last epoch's by ~1e-300, which array_equal sees).
    model, X, y = _frozen_in_place(tol=0.0, early_stopping=True)
    one_epoch = clone(model).set_params(max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one_epoch.fit(X, y)
    assert len(set(model.validation_scores_)) == 1
    np.testing.assert_array_equal(model.coef_, one_epoch.coef_)
    assert not np.array_equal(model.coef_, np.zeros(3))


def test_early_stopping_keeps_the_weights_of_the_best_epoch():
    # Stored by reference, the "best" weights follow the training and the model
    # keeps the last epoch's. The best epoch is found from the end of
    # validation_scores_ (it is n_iter_ - epochs after it), so an extra initial
    # entry does not matter; a fit stopped at that epoch has the same split and
    # shuffles, hence bitwise the same weights.
    X, y = make_regression(n_samples=120, n_features=6, noise=30.0, random_state=0)
    y = y / y.std()
    model = MLPRegressor(
        (32,),
        optimizer="adam",
        learning_rate=0.05,
        batch_size=16,
        early_stopping=True,
        validation_fraction=0.3,
        n_iter_no_change=8,
        tol=0.0,
        max_iter=300,
        random_state=0,
    ).fit(X, y)
    scores = np.asarray(model.validation_scores_)
    best = int(np.argmax(scores))  # first maximum: where the weights were stored
    best_epoch = model.n_iter_ - (len(scores) - 1 - best)
    assert 1 <= best_epoch < model.n_iter_ - 1  # the last epoch is not the best
    assert model.best_validation_score_ == scores[best]
    stopped = clone(model).set_params(max_iter=best_epoch).fit(X, y)
    assert stopped.n_iter_ == best_epoch
    for ours, reference in zip(model.coefs_, stopped.coefs_):
        np.testing.assert_array_equal(ours, reference)
    for ours, reference in zip(model.intercepts_, stopped.intercepts_):
        np.testing.assert_array_equal(ours, reference)
    # The last epoch's weights are really different from the best ones.
    longer = clone(model).set_params(early_stopping=False, max_iter=model.n_iter_)
    assert not np.array_equal(longer.fit(X, y).predict(X), model.predict(X))


def test_a_full_batch_refit_that_converges_at_once_with_early_stopping():
    # _restore_best mutant 1 ("and" -> "or"): a warm-started L-BFGS fit from
    # weights that already solve the problem stops before its first iteration, so
    # no validation score has chosen best weights yet; nothing must be restored
    # (the mutant put back None and raised TypeError).
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = X @ [1.0, 2.0, -1.0]
    model = LinearRegressor(
        optimizer="lbfgs", early_stopping=True, warm_start=True, penalty=None
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # whatever is said of lbfgs + early stopping
        model.fit(X, y)
        before = model.coef_.copy()
        model.fit(X, y)
    assert model.n_iter_ <= 1
    np.testing.assert_allclose(model.coef_, before, atol=1e-6)
    np.testing.assert_allclose(model.predict(X), y, atol=1e-3)


def test_training_norm_of_huge_infinite_and_nan_arrays():
    # _training._norm mutants 11, 16, 17, 19, 21, 23 (the function is now
    # optimizers._norm, which the training loop imports): past 1e154 the dot product
    # overflows and the norm is rescaled by the largest entry; inf and NaN pass.
    from skweights._training import _norm

    with np.errstate(over="ignore"):
        assert _norm(np.array([1e200, -1e200])) == pytest.approx(2**0.5 * 1e200)
        assert _norm(np.array([[3e200], [4e200]])) == pytest.approx(5e200)
        assert _norm(np.array([np.inf, 1.0])) == np.inf
        assert np.isnan(_norm(np.array([np.nan, 1e200])))
    assert _norm(np.zeros((2, 0))) == 0.0


@pytest.mark.parametrize("n_batches", [1, 2])
def test_epoch_gradient_norm_is_the_mean_over_its_batches(n_batches):
    # run_epoch mutants 16, 75, 77, 78, 79, 126, 131: the recorded norm is the mean
    # of the batches' gradient norms. Two identical halves of the data (batches in
    # order, a rate too small to move the weights) each have the full data's
    # gradient, which the epoch-0 record measures: any other count, sum or last
    # batch alone differs by a factor of 2.
    rng = np.random.default_rng(0)
    A = rng.normal(size=(30, 3))
    X, y = np.vstack([A, A]), np.tile(A[:, 0] - A[:, 1], 2)
    model = MLPRegressor(
        (4,),
        optimizer="sgd",
        learning_rate=1e-30,
        batch_size=60 // n_batches,
        shuffle=False,
        max_iter=1,
        random_state=0,
    ).fit(X, y)
    initial, first = model.history_[0], model.history_[1]
    np.testing.assert_allclose(first["grad_norms"], initial["grad_norms"], rtol=1e-9)


@pytest.mark.parametrize("batch_size", [40, 8, 1])
def test_epoch_loss_is_the_mean_over_samples(batch_size):
    # A learning rate of 1e-12 leaves the weights at zero to 1e-11, so every epoch's
    # loss is 0.5 * mean(y^2). Summing batch means instead of samples is off by the
    # batch size (a factor 8 or 40 here); the tolerance sees 1e-9 relative.
    X, y = standard_data(n=40)
    model = sgd_linear(batch_size=batch_size, learning_rate=1e-12, max_iter=3)
    model.fit(X, y)
    expected = 0.5 * np.mean(y**2)
    np.testing.assert_allclose(model.loss_curve_, expected, rtol=1e-9)
    np.testing.assert_allclose(model.best_loss_, expected, rtol=1e-9)


def test_sample_weights_count_with_batches_of_one():
    # One epoch of SGD with batch_size=1 in data order, by hand: the step of sample
    # i is lr * w_i / mean(w) * gradient_i. Normalising per batch makes every
    # w_i / w_i = 1 and ignores the weights (the result moves by > 0.1; the
    # tolerance sees 1e-12).
    X, y = standard_data(n=12, n_features=2)
    weights = np.where(np.arange(12) % 3 == 0, 4.0, 0.5)
    lr = 0.05
    model = sgd_linear(batch_size=1, learning_rate=lr, max_iter=1)
    model.fit(X, y, sample_weight=weights)
    w, b = np.zeros(2), 0.0
    unweighted_w, unweighted_b = np.zeros(2), 0.0
    for x_i, y_i, s_i in zip(X, y, weights / weights.mean()):
        residual = x_i @ w + b - y_i
        w, b = w - lr * s_i * residual * x_i, b - lr * s_i * residual
        residual = x_i @ unweighted_w + unweighted_b - y_i
        unweighted_w = unweighted_w - lr * residual * x_i
        unweighted_b = unweighted_b - lr * residual
    np.testing.assert_allclose(model.coef_, w, rtol=0, atol=1e-12)
    np.testing.assert_allclose(model.intercept_, b, rtol=0, atol=1e-12)
    assert np.abs(unweighted_w - w).max() > 0.1


def test_zero_sample_weight_rows_have_no_effect_in_minibatches():
    # Rows of weight 0 change nothing but the normalisation: dropping them and
    # scaling the learning rate by n / n_kept gives the same SGD path (to rounding).
    X, y = standard_data(n=30, n_features=2)
    keep = np.arange(30) % 4 != 0
    weights = keep.astype(float)
    lr, factor = 0.02, len(X) / keep.sum()
    weighted = sgd_linear(batch_size=1, learning_rate=lr, max_iter=3)
    weighted.fit(X, y, sample_weight=weights)
    dropped = sgd_linear(batch_size=1, learning_rate=lr * factor, max_iter=3)
    dropped.fit(X[keep], y[keep])
    np.testing.assert_allclose(weighted.coef_, dropped.coef_, rtol=1e-12)
    np.testing.assert_allclose(weighted.intercept_, dropped.intercept_, rtol=1e-12)


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop", "adagrad"])
def test_warm_start_continues_exactly(optimizer):
    # 20 epochs then 5 warm-started epochs equal 25 epochs, bitwise: moments,
    # momentum, accumulators and the shuffling generator all carry over.
    X, y = standard_data(n=80)
    params = dict(
        optimizer=optimizer,
        learning_rate=0.01,
        batch_size=16,
        tol=0.0,
        n_iter_no_change=1000,
        random_state=0,
    )
    if optimizer == "sgd":
        params["optimizer"] = skweights.optimizers.sgd(momentum=0.9)
    straight = MLPRegressor((5,), max_iter=25, **params).fit(X, y)
    warm = MLPRegressor((5,), max_iter=20, **params).fit(X, y)
    warm.set_params(warm_start=True, max_iter=5).fit(X, y)
    ours_all = warm.coefs_ + warm.intercepts_
    for ours, reference in zip(ours_all, straight.coefs_ + straight.intercepts_):
        np.testing.assert_array_equal(ours, reference)
    # Without the state the path differs (so the test can see a dropped state).
    fresh = MLPRegressor((5,), max_iter=20, **params).fit(X, y)
    restarted = clone(fresh).set_params(
        warm_start=False,
        max_iter=5,
        initializer=skweights.initializers.Pretrained(fresh.coefs_, fresh.intercepts_),
    )
    assert not np.array_equal(restarted.fit(X, y).predict(X), warm.predict(X))


# -- epoch 0 on a sample of the rows ---------------------------------------------------
def _epoch0_data(n_rows=6000):
    from sklearn.datasets import make_classification

    return make_classification(n_rows, 12, n_informative=6, n_classes=3, random_state=0)


def _one_epoch(**params):
    return skweights.MLPClassifier((16,), max_iter=1, random_state=0, **params)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_epoch_zero_of_a_large_minibatch_fit_reads_evenly_spaced_rows(monkeypatch):
    from skweights import _training

    X, y = _epoch0_data()
    rows = np.linspace(0, len(y) - 1, _training.EPOCH0_ROWS).round().astype(int)
    assert f"{_training.EPOCH0_ROWS:,}" in skweights.MLPClassifier.__doc__
    sampled = _one_epoch().fit(X, y)
    # The same network (the initial weights depend on the shapes and the seed
    # only) fitted on exactly those rows records the same epoch 0.
    on_rows = _one_epoch().fit(X[rows], y[rows])
    assert sampled.history_[0]["loss"] == on_rows.history_[0]["loss"]
    assert sampled.history_[0]["grad_norms"] == on_rows.history_[0]["grad_norms"]
    monkeypatch.setattr(_training, "EPOCH0_ROWS", 10**9)
    every_row = _one_epoch().fit(X, y)
    # ... an estimate of the whole objective, close to it, while the weights a
    # fit returns do not depend on which rows epoch 0 read.
    full, estimate = every_row.history_[0]["loss"], sampled.history_[0]["loss"]
    assert full != estimate and estimate == pytest.approx(full, rel=0.02)
    for W_sampled, W_full in zip(sampled.coefs_, every_row.coefs_):
        np.testing.assert_array_equal(W_sampled, W_full)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_epoch_zero_reads_every_row_of_small_and_full_batch_fits(monkeypatch):
    from skweights import _training

    X, y = _epoch0_data(600)
    small = _one_epoch().fit(X, y).history_[0]["loss"]
    lbfgs = _one_epoch(optimizer="lbfgs").fit(X, y).history_[0]["loss"]
    monkeypatch.setattr(_training, "EPOCH0_ROWS", 100)
    assert _one_epoch(optimizer="lbfgs").fit(X, y).history_[0]["loss"] == lbfgs
    assert _one_epoch().fit(X, y).history_[0]["loss"] != small  # now sampled
