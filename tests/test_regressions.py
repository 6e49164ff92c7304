"""Behaviours a mutation audit found unpinned (issue 20), each tested directly.

Every test asserts an exact quantity on data where the plausible wrong version of the
code gives a visibly different number; the comments say which wrong version and the
smallest difference the tolerance can see. None depends on the length or indexing of
``history_`` or on a diverging fit being silent.
"""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge

import skweights
from skweights import LinearRegressor, MLPRegressor, explain
from skweights.optimizers import adam, adamw
from skweights.schedules import step


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _standard_data(n=60, n_features=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    w = np.array([1.5, -2.0, 0.5])[:n_features]
    y = X @ w + 0.3 * rng.normal(size=n)
    return X, y


def _sgd_linear(**params):
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


# -- 1. AdamW never decays intercepts ------------------------------------------------
def test_adamw_weight_decay_leaves_the_intercept_alone():
    # y = 20 + X w: decaying the intercept too (the fused flat-parameter path, which
    # cannot tell weights from biases) pulls it to about 9.75 instead of 20.
    X, _ = _standard_data(n=200)
    y = 20.0 + X @ np.array([1.0, -1.0, 0.5])
    model = LinearRegressor(
        optimizer=adamw(weight_decay=0.1),
        penalty="none",
        learning_rate=0.05,
        batch_size=20,
        max_iter=150,
        tol=0.0,
        n_iter_no_change=1000,
        random_state=0,
    ).fit(X, y)
    # Smallest difference seen: 0.05 (the wrong intercept is 10 away).
    assert abs(model.intercept_ - 20.0) < 0.05
    # The weights do decay: their norm is below the least-squares one.
    assert np.linalg.norm(model.coef_) < np.linalg.norm([1.0, -1.0, 0.5])


# -- 2. the minibatch L2 gradient ----------------------------------------------------
@pytest.mark.parametrize("n_features", [1, 3])
def test_full_batch_sgd_with_l2_equals_ridge(n_features):
    # J = mean(0.5 r^2) + alpha/2 ||w||^2, so 2 n J is Ridge's objective with
    # alpha_ridge = alpha * n. A halved (or doubled) L2 gradient is Ridge with
    # alpha * n / 2: its coefficients differ by more than 0.1 here, the tolerance
    # sees 1e-8.
    X, y = _standard_data(n=50, n_features=n_features)
    alpha = 1.0
    model = _sgd_linear(
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


# -- 3. early stopping restores the best weights -------------------------------------
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


# -- 4. the load trust check ---------------------------------------------------------


@pytest.mark.parametrize(
    "module, name",
    [
        # foreign classes and functions that skweights modules import: resolving
        # them through skweights must not make them skweights' own
        ("skweights._base", "train_test_split"),
        ("skweights._training", "ConvergenceWarning"),
        ("skweights._training", "dataclass"),
        # a skweights class under another module's name: a re-export
        ("skweights", "LinearRegressor"),
        ("skweights._base", "Objective"),
    ],
)
def test_load_refuses_foreign_types_reached_through_skweights(
    tamper, tmp_path, module, name
):
    pytest.importorskip("skops")
    X, y = _standard_data(n=20)
    path = skweights.save(LinearRegressor(max_iter=2).fit(X, y), tmp_path / "m.skops")
    tamper(path, b'"skweights._training"', f'"{module}"'.encode())
    tamper(path, b'"TrainingState"', f'"{name}"'.encode())
    with pytest.raises(ValueError, match=f"{module}.{name}"):
        skweights.load(path)


def test_load_trusts_skweights_own_types_without_a_list(tmp_path):
    pytest.importorskip("skops")
    X, y = _standard_data(n=20)
    model = MLPRegressor((3,), optimizer=adam(epsilon=1e-7), max_iter=2).fit(X, y)
    restored = skweights.load(skweights.save(model, tmp_path / "m.skops"))
    assert restored.optimizer.epsilon == 1e-7
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))


# -- 5. sample weights are normalised over the data set, not per batch --------------
def test_sample_weights_count_with_batches_of_one():
    # One epoch of SGD with batch_size=1 in data order, by hand: the step of sample
    # i is lr * w_i / mean(w) * gradient_i. Normalising per batch makes every
    # w_i / w_i = 1 and ignores the weights (the result moves by > 0.1; the
    # tolerance sees 1e-12).
    X, y = _standard_data(n=12, n_features=2)
    weights = np.where(np.arange(12) % 3 == 0, 4.0, 0.5)
    lr = 0.05
    model = _sgd_linear(batch_size=1, learning_rate=lr, max_iter=1)
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
    X, y = _standard_data(n=30, n_features=2)
    keep = np.arange(30) % 4 != 0
    weights = keep.astype(float)
    lr, factor = 0.02, len(X) / keep.sum()
    weighted = _sgd_linear(batch_size=1, learning_rate=lr, max_iter=3)
    weighted.fit(X, y, sample_weight=weights)
    dropped = _sgd_linear(batch_size=1, learning_rate=lr * factor, max_iter=3)
    dropped.fit(X[keep], y[keep])
    np.testing.assert_allclose(weighted.coef_, dropped.coef_, rtol=1e-12)
    np.testing.assert_allclose(weighted.intercept_, dropped.intercept_, rtol=1e-12)


# -- 6. warm_start keeps the optimizer's state ---------------------------------------
@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop", "adagrad"])
def test_warm_start_continues_exactly(optimizer):
    # 20 epochs then 5 warm-started epochs equal 25 epochs, bitwise: moments,
    # momentum, accumulators and the shuffling generator all carry over.
    X, y = _standard_data(n=80)
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


# -- 7. Adam's epsilon placement -----------------------------------------------------
def _adam_reference(grads, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    """Kingma & Ba's Adam, step by step: lr * m_hat / (sqrt(v_hat) + epsilon)."""
    p, m, v = np.zeros_like(grads[0]), np.zeros_like(grads[0]), np.zeros_like(grads[0])
    for t, g in enumerate(grads, start=1):
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g * g
        m_hat, v_hat = m / (1 - beta_1**t), v / (1 - beta_2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + epsilon)
    return p


@pytest.mark.parametrize("penalty", [None, "l1"])
def test_adam_epsilon_is_added_after_the_square_root(penalty):
    # With gradients ~1e-6, sqrt(v_hat) + eps = 1.01e-6 but sqrt(v_hat + eps) = 1e-4:
    # the wrong placement takes steps 100 times smaller. The tolerance (rtol 1e-9)
    # also sees eps moved inside the bias correction (a 1e-5 relative change here).
    rng = np.random.default_rng(0)
    grads = [1e-6 * rng.normal(size=5) for _ in range(6)]
    opt, params = adam(), [np.zeros(5)]
    pen = None if penalty is None else skweights.penalties.l1(alpha=0.0)
    state = opt.init(params)
    for g in grads:
        state = opt.update(params, [g.copy()], state, 0.01, penalty=pen)
    expected = _adam_reference(grads, 0.01)
    np.testing.assert_allclose(params[0], expected, rtol=1e-9, atol=0)
    assert np.abs(expected).min() > 1e-3  # steps of ~lr each, not ~lr / 100


def test_adam_trains_on_tiny_gradients():
    # Targets of size 1e-6 make every gradient ~1e-6: Adam's steps are still about
    # lr each, so 1000 of 1e-8 fit them to 5%; sqrt(v_hat + eps) would take steps
    # of lr / 100 and get no further than 1e-7 (less than a tenth of the way).
    X, y = _standard_data(n=40)
    y = 1e-6 * y
    model = LinearRegressor(
        optimizer="adam",
        penalty="none",
        learning_rate=1e-8,
        batch_size=40,
        max_iter=1000,
        tol=0.0,
        n_iter_no_change=1000,
        random_state=0,
    ).fit(X, y)
    least_squares = np.linalg.lstsq(np.c_[X, np.ones(40)], y, rcond=None)[0]
    np.testing.assert_allclose(model.coef_, least_squares[:3], rtol=0.05)


# -- 8. the schedule's first epoch ---------------------------------------------------
def test_first_epoch_uses_the_configured_rate():
    # From zero weights, one full-batch SGD epoch on 0.5 * mean(r^2) moves the
    # weights to lr * mean(y x) and the intercept to lr * mean(y); the second epoch
    # uses lr * drop. Off by one epoch, the first step is lr * drop (half of it).
    X, y = _standard_data(n=40)
    lr = 0.1
    halving = step(drop=0.5, every=1)
    one = _sgd_linear(
        batch_size=len(X), learning_rate=lr, schedule=halving, max_iter=1
    ).fit(X, y)
    w1 = lr * (X * y[:, None]).mean(axis=0)
    b1 = lr * y.mean()
    np.testing.assert_allclose(one.coef_, w1, rtol=1e-12)
    np.testing.assert_allclose(one.intercept_, b1, rtol=1e-12)
    two = clone(one).set_params(max_iter=2).fit(X, y)
    residual = X @ w1 + b1 - y
    w2 = w1 - lr * 0.5 * (X * residual[:, None]).mean(axis=0)
    b2 = b1 - lr * 0.5 * residual.mean()
    np.testing.assert_allclose(two.coef_, w2, rtol=1e-12)
    np.testing.assert_allclose(two.intercept_, b2, rtol=1e-12)


# -- 9. DeepSHAP's near-equal fallback -----------------------------------------------
def test_deepshap_adds_up_when_a_row_is_within_rounding_of_the_background():
    # When a unit's input barely differs between x and the background (|dz| below
    # 1e-6 of its size), the multiplier (tanh(z_x) - tanh(z_b)) / dz is taken as the
    # mean of the two derivatives (error ~ dz^3). One derivative alone is off by
    # tanh''(z) dz / 2 ~ 1e-6 per unit, so the values miss f(x) - f(b) by ~1e-12;
    # the tolerance, 1e-14, sees that with a margin of 100.
    X, y = _standard_data(n=30)
    model = MLPRegressor((4,), "tanh", max_iter=2, random_state=0).fit(X, y)
    model.coefs_ = [
        np.array([[0.9, -0.8, 0.7, 0.6], [0.5, 0.4, -0.9, 0.3], [0.2, 0.6, 0.1, -0.7]]),
        np.array([[1.0], [-2.0], [1.5], [0.8]]),
    ]
    model.intercepts_ = [np.array([0.8, -0.9, 1.0, 0.7]), np.array([0.1])]
    background = np.array([[0.4, 0.3, 0.2]])
    rows = background + np.array([[1e-6, 1e-6, 1e-6], [2e-6, -1e-6, 1.5e-6]])
    explanation = explain(model, rows, background)
    gap = model.predict(rows) - model.predict(background)
    assert np.abs(gap).min() > 1e-7
    np.testing.assert_allclose(explanation.values.sum(axis=1), gap, rtol=0, atol=1e-14)


# -- indirect catches ----------------------------------------------------------------
@pytest.mark.parametrize("batch_size", [40, 8, 1])
def test_epoch_loss_is_the_mean_over_samples(batch_size):
    # A learning rate of 1e-12 leaves the weights at zero to 1e-11, so every epoch's
    # loss is 0.5 * mean(y^2). Summing batch means instead of samples is off by the
    # batch size (a factor 8 or 40 here); the tolerance sees 1e-9 relative.
    X, y = _standard_data(n=40)
    model = _sgd_linear(batch_size=batch_size, learning_rate=1e-12, max_iter=3)
    model.fit(X, y)
    expected = 0.5 * np.mean(y**2)
    np.testing.assert_allclose(model.loss_curve_, expected, rtol=1e-9)
    np.testing.assert_allclose(model.best_loss_, expected, rtol=1e-9)


def _fit_allowing_divergence(model, X, y):
    """Fit a model that diverges, whatever the divergence policy of this version."""
    if "on_divergence" in model.get_params():
        model.set_params(on_divergence="keep_best")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(X, y)


@pytest.mark.parametrize(
    "batch_size, learning_rate", [(4, 1e30), (60, 1e308), (60, 3.0)]
)
def test_a_diverging_fit_keeps_the_weights_of_a_finite_epoch(batch_size, learning_rate):
    # Batches whose loss overflows mid-epoch (1e30), a step that overflows the
    # weights while every batch loss was finite (1e308), or losses that grow by
    # orders of magnitude epoch after epoch (3.0): the weights kept must be finite
    # and be exactly those after some completed epoch, as a fit stopped there shows.
    X, y = _standard_data(n=60)
    X = 10 * X
    model = _sgd_linear(batch_size=batch_size, learning_rate=learning_rate, max_iter=50)
    model = _fit_allowing_divergence(model, X, y)
    assert np.isfinite(model.coef_).all() and np.isfinite(model.intercept_)
    assert model.n_iter_ < 50  # it did diverge
    candidates = [np.zeros(3)]  # epoch 0: the zero initial weights
    for epochs in range(1, model.n_iter_ + 1):
        stopped = clone(model).set_params(max_iter=epochs)
        candidates.append(_fit_allowing_divergence(stopped, X, y).coef_)
    assert any(np.array_equal(model.coef_, c) for c in candidates)
