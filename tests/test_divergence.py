"""Diverging fits, the epoch-0 history record and what ``verbose`` says at the end."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_diabetes, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from test_training_loop import sgd_linear, standard_data

from skweights import LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor
from skweights.exceptions import DivergenceWarning


@pytest.fixture(scope="module")
def diabetes():
    """Scaled features, raw targets: SGD at learning_rate=5 blows up in epoch 1."""
    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), y


DIVERGING = dict(hidden_layer_sizes=(64,), optimizer="sgd", learning_rate=5.0)


def _snapshot(model) -> bytes:
    """Every attribute, bitwise (arrays, random generator, optimizer state...)."""
    return pickle.dumps(model.__dict__)


def test_divergence_raises_a_value_error_saying_what_to_change(diabetes):
    X, y = diabetes
    model = MLPRegressor(**DIVERGING, random_state=0)
    with pytest.raises(ValueError, match="diverged in epoch 1") as info:
        model.fit(X, y)
    message = str(info.value)
    for hint in ("learning_rate", "scale the features", "clipnorm", "keep_best"):
        assert hint in message
    assert not hasattr(model, "coefs_")  # an unfitted estimator stays unfitted


@pytest.mark.parametrize("how", ["refit", "warm_start", "partial_fit"])
def test_divergence_leaves_a_fitted_estimator_bitwise_unchanged(diabetes, how):
    X, y = diabetes
    model = MLPRegressor(**{**DIVERGING, "learning_rate": 1e-3}, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if how == "partial_fit":
            model.partial_fit(X, y).partial_fit(X, y)
        else:
            model.set_params(max_iter=5).fit(X, y)
    model.set_params(learning_rate=5.0, warm_start=how == "warm_start")
    before = _snapshot(model)
    predictions = model.predict(X)
    with pytest.raises(ValueError, match="diverged"):
        if how == "partial_fit":
            model.partial_fit(X, y)
        else:
            model.fit(X, y)
    assert _snapshot(model) == before
    np.testing.assert_array_equal(model.predict(X), predictions)


def test_keep_best_restores_finite_weights_no_worse_than_the_initial_ones(diabetes):
    X, y = diabetes
    model = MLPRegressor(
        **DIVERGING, alpha=0.0, random_state=0, on_divergence="keep_best"
    )
    with pytest.warns(DivergenceWarning, match="weights of epoch 0") as caught:
        model.fit(X, y)
    assert not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    assert all(np.isfinite(W).all() for W in model.coefs_ + model.intercepts_)
    initial = model.history_[0]
    assert initial["epoch"] == 0 and np.isfinite(initial["loss"])
    # alpha=0: the objective is half the mean squared error
    kept = 0.5 * np.mean((y - model.predict(X)) ** 2)
    assert kept <= initial["loss"] * (1 + 1e-12)
    # the blow-up is in the history, with the loss it reached
    last = model.history_[-1]
    assert last["event"] == "diverged" and last["epoch"] == 1
    # the rule: above L0 + 1000 S, S = max(L0, half the variance of y)
    scale = max(initial["loss"], 0.5 * y.var())
    assert not np.isfinite(last["loss"]) or last["loss"] > (
        initial["loss"] + 1e3 * scale
    )
    assert model.n_iter_ == 0 and model.loss_curve_ == []


def test_keep_best_keeps_the_best_epoch_not_the_last_finite_one():
    """Training improves, then explodes: the best epoch's weights come back."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    y = X @ np.array([1.0, -2.0, 0.5, 3.0])
    model = LinearRegressor(
        optimizer="sgd",
        schedule=_Growing(),
        learning_rate=0.01,
        max_iter=200,
        batch_size=200,
        shuffle=False,
        on_divergence="keep_best",
    )
    with pytest.warns(DivergenceWarning):
        model.fit(X, y)
    losses = [r["loss"] for r in model.history_[:-1]]
    best = int(np.argmin(losses))
    assert 0 < best < len(losses) - 1  # improved, then got worse before blowing up
    norms = [float(np.linalg.norm(W)) for W in model.coefs_]
    np.testing.assert_allclose(norms, model.history_[best]["weight_norms"])


class _Growing:
    """A schedule whose rate doubles every epoch (a way to make SGD explode)."""

    def init(self, learning_rate, horizon=None):
        return learning_rate

    def value(self, state, epoch):
        return state * 2.0**epoch

    def observe(self, state, loss):
        return state

    def exhausted(self, state):
        return False


def test_divergence_warning_is_not_a_convergence_warning():
    assert issubclass(DivergenceWarning, UserWarning)
    assert not issubclass(DivergenceWarning, ConvergenceWarning)


def test_on_divergence_is_validated(diabetes):
    X, y = diabetes
    with pytest.raises(ValueError, match="on_divergence.*'raise'.*'keep_best'"):
        MLPRegressor(on_divergence="ignore").fit(X, y)


def test_full_batch_divergence_raises_too(diabetes, monkeypatch):
    from skweights.optimizers import LBFGS

    X, y = diabetes
    model = LinearRegressor(optimizer="lbfgs")
    monkeypatch.setattr(LBFGS, "minimize", _nan_solver)
    with pytest.raises(ValueError, match="diverged"):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")
    with pytest.warns(DivergenceWarning):
        model.set_params(on_divergence="keep_best").fit(X, y)
    assert all(np.isfinite(W).all() for W in model.coefs_)
    assert model.history_[-1]["event"] == "diverged"


def _nan_solver(self, fun, params, **kwargs):
    """A solver that returns non-finite weights."""
    from skweights.optimizers import MinimizeResult

    return MinimizeResult([np.full_like(p, np.nan) for p in params], 1, False, np.nan)


# -- epoch 0 ------------------------------------------------------------------------


def test_epoch_zero_records_the_state_at_initialization(diabetes):
    X, y = diabetes
    y = (y - y.mean()) / y.std()
    model = MLPRegressor((8,), alpha=0.0, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
        weights = [float(np.linalg.norm(W)) for W in model.coefs_]
        loss = 0.5 * np.mean((y - model.predict(X)) ** 2)
        model.set_params(warm_start=True).fit(X, y)
    first = model.history_[0]
    assert first["epoch"] == 0 and first["learning_rate"] is None
    assert first["event"] is None
    np.testing.assert_allclose(first["loss"], loss, rtol=1e-10)
    np.testing.assert_allclose(first["weight_norms"], weights, rtol=1e-12)
    assert all(g > 0 for g in first["grad_norms"])
    assert [r["epoch"] for r in model.history_] == list(range(model.n_iter_ + 1))
    # history_ restarts at each fit; loss_curve_ goes on, as scikit-learn's
    assert len(model.loss_curve_) == 2 * model.n_iter_ == 10
    assert model.loss_curve_[5:] == list(model.history_["loss"][1:])
    assert model.loss_ == model.loss_curve_[-1]


def test_partial_fit_records_epoch_zero_once():
    X, y = make_classification(n_samples=60, random_state=0)
    model = MLPClassifier((4,), random_state=0)
    for _ in range(3):
        model.partial_fit(X, y, classes=[0, 1])
    assert [r["epoch"] for r in model.history_] == [0, 1, 2, 3]


def test_frozen_network_records_only_epoch_zero(diabetes):
    X, y = diabetes
    model = LinearRegressor(frozen_layers=(0,), fit_intercept=False)
    with pytest.warns(UserWarning, match="every layer is frozen.*n_iter_ = 0"):
        model.fit(X, y)
    assert [r["epoch"] for r in model.history_] == [0]
    assert model.n_iter_ == 0 and np.isfinite(model.loss_)


# -- verbose ------------------------------------------------------------------------


def _stop_line(capsys) -> str:
    captured = capsys.readouterr()
    lines = [line for line in captured.out.splitlines() if ": stopped: " in line]
    assert len(lines) == 1, captured.out
    return lines[0]


def _quiet(fit):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit()


@pytest.fixture(scope="module")
def small():
    X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    return StandardScaler().fit_transform(X), y


def test_verbose_says_training_converged(small, capsys):
    X, y = small
    model = MLPClassifier((4,), max_iter=500, tol=1e-2, n_iter_no_change=3)
    _quiet(lambda: model.set_params(verbose=1, random_state=0).fit(X, y))
    line = _stop_line(capsys)
    assert model.n_iter_ < 500
    assert "converged: the training loss did not improve by more than tol=0.01" in line
    assert "for 3 consecutive epochs" in line


def test_verbose_says_max_iter_was_reached(small, capsys):
    X, y = small
    _quiet(lambda: MLPClassifier((4,), max_iter=3, verbose=1).fit(X, y))
    assert "max_iter reached (3 epochs)" in _stop_line(capsys)


def test_verbose_says_which_epoch_early_stopping_restored(small, capsys):
    X, y = small
    model = MLPClassifier(
        (4,), early_stopping=True, n_iter_no_change=2, max_iter=300, verbose=1
    )
    _quiet(lambda: model.set_params(random_state=0).fit(X, y))
    line = _stop_line(capsys)
    scores = model.validation_scores_
    best_epoch = int(np.argmax(scores)) + 1
    assert "early stopping" in line
    assert f"restored the weights of epoch {best_epoch} " in line


def test_verbose_says_training_diverged(diabetes, capsys):
    X, y = diabetes
    with pytest.raises(ValueError):
        MLPRegressor(**DIVERGING, verbose=1, random_state=0).fit(X, y)
    assert "diverged in epoch 1; raising ValueError" in _stop_line(capsys)
    model = MLPRegressor(**DIVERGING, verbose=1, on_divergence="keep_best")
    _quiet(lambda: model.set_params(random_state=0).fit(X, y))
    assert "diverged in epoch 1; restored the weights of epoch 0" in _stop_line(capsys)


def test_verbose_says_the_full_batch_solver_converged(diabetes, capsys):
    X, y = diabetes
    LinearRegressor(optimizer="lbfgs", verbose=1).fit(X, y)
    assert "converged: the solver met its tolerance" in _stop_line(capsys)


def test_verbose_says_the_adaptive_rate_ran_out(small, capsys):
    from skweights.schedules import adaptive

    X, y = small
    model = LinearClassifier(
        optimizer="sgd",
        schedule=adaptive(patience=1, min_lr=1e-3, threshold=1.0),
        learning_rate=0.1,
        verbose=1,
    )
    _quiet(lambda: model.fit(X, y))
    assert "adaptive learning rate fell below its min_lr" in _stop_line(capsys)


def test_verbose_2_prints_one_plain_line_per_epoch(small, capsys):
    X, y = small
    model = MLPClassifier(
        (4,), max_iter=4, early_stopping=True, n_iter_no_change=50, verbose=2
    )
    _quiet(lambda: model.set_params(random_state=0).fit(X, y))
    captured = capsys.readouterr()
    assert "\r" not in captured.out + captured.err  # no progress bar: log-friendly
    lines = captured.out.splitlines()
    epochs = [line for line in lines if " epoch " in line]
    assert len(epochs) == 5  # epoch 0 and four epochs
    for line in epochs[1:]:
        for field in ("loss=", "val_score=", "learning_rate=", "seconds="):
            assert field in line
    assert "stopped: max_iter reached" in lines[-1]


def test_verbose_1_keeps_the_progress_bar(small, capsys):
    pytest.importorskip("tqdm")
    X, y = small
    _quiet(lambda: MLPClassifier((4,), max_iter=3, verbose=1).fit(X, y))
    captured = capsys.readouterr()
    assert "3/3" in captured.err  # tqdm's bar
    assert "stopped: max_iter reached" in captured.out


# -- the divergence rule (issue 30) ---------------------------------------------------


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X / 16, y


def _dead_units(model, X) -> int:
    hidden = np.maximum(X @ model.coefs_[0] + model.intercepts_[0], 0)
    return int((hidden.max(axis=0) == 0).sum())


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(optimizer="sgd", learning_rate=50.0), "diverged in epoch 1 with"),
        (dict(optimizer="adam", learning_rate=10.0), "diverged in epoch 1 with"),
        # the loss only ends 1.3x above its start, but every ReLU is dead
        (
            dict(optimizer="adam", learning_rate=1.0),
            r"every unit of hidden layer 0 .*all 64 output 0",
        ),
    ],
)
def test_a_blow_up_to_chance_level_raises(digits, params, match):
    """Each of these ended at 10% training accuracy with every ReLU dead and only
    a ConvergenceWarning advising to raise the learning rate."""
    X, y = digits
    model = MLPClassifier((64,), max_iter=30, random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # no advice to raise it
        with pytest.raises(ValueError, match=match) as info:
            model.fit(X, y)
    assert "Lower learning_rate" in str(info.value)
    assert not hasattr(model, "coefs_")


def test_keep_best_never_returns_a_network_whose_layer_the_fit_killed(digits):
    X, y = digits
    model = MLPClassifier(
        (64,),
        optimizer="adam",
        learning_rate=1.0,
        max_iter=30,
        random_state=0,
        on_divergence="keep_best",
    )
    with pytest.warns(DivergenceWarning, match="every unit of hidden layer 0"):
        model.fit(X, y)
    assert _dead_units(model, X) < 64
    last = clone_unfitted(model).set_params(on_divergence="raise")
    with pytest.raises(ValueError):
        last.fit(X, y)


def clone_unfitted(model):
    from sklearn.base import clone

    return clone(model)


def _near_optimal_regression():
    from skweights.transfer import Pretrained

    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 5))
    W0, W1 = rng.normal(size=(5, 6)), rng.normal(size=(6, 1))
    y = (np.tanh(X @ W0) @ W1)[:, 0] + 1e-6 * rng.normal(size=50)
    model = MLPRegressor(
        (6,),
        activation="tanh",
        initializer=Pretrained([W0, W1]),
        alpha=0.0,
        learning_rate=1e-3,
        max_iter=5,
    )
    return model, X, y


def test_fine_tuning_from_weights_that_fit_is_no_divergence():
    """The loss goes 4e-13 -> 2e-5 (Adam's first step): a 5e7-fold rise, tiny
    against the data's scale. It used to raise 'training diverged'."""
    model, X, y = _near_optimal_regression()
    with pytest.warns(ConvergenceWarning) as caught:
        model.fit(X, y)
    assert model.history_[0]["loss"] < 1e-11
    assert max(model.loss_curve_) > 1e6 * model.history_[0]["loss"]
    message = str(caught[0].message)
    # the loss rose: the advice is to lower the rate, never to raise it
    assert "Lower learning_rate" in message and "raise learning_rate" not in message


def _guard(start_loss, y, loss="squared_error"):
    from types import SimpleNamespace

    from skweights import losses
    from skweights._training import History, TrainData, TrainingState, _Guard

    Y = np.asarray(y, dtype=float).reshape(len(y), -1)
    data = TrainData(np.zeros((len(Y), 1)), Y, np.ones(len(Y)))
    state = TrainingState(rng=None, history=History([{"epoch": 0, "loss": start_loss}]))
    objective = SimpleNamespace(loss=losses.get(loss), activation=None)
    return _Guard(objective, [np.zeros((1, Y.shape[1]))], [np.zeros(1)], data, state)


@pytest.mark.parametrize("start", [1e-13, 1.0, 10.0])
def test_the_end_rule_is_start_plus_the_larger_of_start_and_the_constant_loss(start):
    from types import SimpleNamespace

    y = np.array([0.0, 2.0, 4.0, 6.0])
    guard = _guard(start, y)
    assert guard.constant_loss == pytest.approx(0.5 * y.var())  # 2.5
    scale = max(start, 2.5)
    data = SimpleNamespace(X=np.zeros((4, 1)))
    args = (None, [np.zeros((1, 1))], [np.zeros(1)], data)  # no hidden layer
    assert guard.end_check(*args, start + scale * (1 + 1e-9)).startswith("its loss")
    assert guard.end_check(*args, start + scale * (1 - 1e-9)) == ""
    assert guard.blown_up(start + 1e3 * scale * (1 + 1e-9))
    assert not guard.blown_up(start + 1e3 * scale * (1 - 1e-9))
    assert guard.blown_up(np.inf) and guard.blown_up(np.nan)


@pytest.mark.parametrize(
    "loss, y",
    [
        ("squared_error", [0.0, 1.0, 5.0, 2.0]),
        ("poisson", [0.0, 1.0, 5.0, 2.0]),
        ("log_loss", [0.0, 1.0, 1.0, 1.0]),
        ("huber", [0.0, 1.0, 5.0, 2.0]),
    ],
)
def test_the_scale_is_the_loss_of_the_best_constant_prediction(loss, y):
    """Brute force over constant raw outputs (the huber loss: an upper bound)."""
    from scipy.optimize import minimize_scalar

    from skweights import losses

    guard = _guard(1.0, y, loss)
    Y = np.asarray(y).reshape(-1, 1)
    best = minimize_scalar(
        lambda c: losses.get(loss).value(Y, np.full_like(Y, c)),
        bounds=(-20, 20),
        method="bounded",
        options={"xatol": 1e-10},
    ).fun
    if loss == "huber":
        assert best <= guard.constant_loss <= 2 * best
    else:
        assert guard.constant_loss == pytest.approx(best, rel=1e-8)


def test_the_multinomial_scale_is_the_class_entropy():
    Y = np.eye(3)[[0, 0, 1, 2]]
    guard = _guard(1.0, Y, "multinomial_log_loss")
    p = np.array([0.5, 0.25, 0.25])
    assert guard.constant_loss == pytest.approx(-(p * np.log(p)).sum())


def test_a_layer_dead_from_the_start_is_not_the_fits_doing():
    """Only a layer the fit killed counts: pretrained dead units stay allowed."""
    from skweights.transfer import Pretrained

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 3)), rng.normal(size=60)
    dead = Pretrained(
        [rng.normal(size=(3, 4)), rng.normal(size=(4, 1))],
        [np.full(4, -100.0), np.zeros(1)],
    )
    model = MLPRegressor((4,), initializer=dead, max_iter=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert _dead_units(model, X) == 4


def _dead_solver(self, fun, params, **kwargs):
    """A solver that returns finite weights whose hidden ReLUs are all dead."""
    from skweights.optimizers import MinimizeResult

    out = [p.copy() for p in params]
    out[1][...] = -1e3  # the first hidden layer's biases
    return MinimizeResult(out, 1, True, 0.0)


def test_full_batch_fit_that_kills_a_layer_raises_without_a_learning_rate(
    diabetes, monkeypatch
):
    from skweights.optimizers import LBFGS

    X, y = diabetes
    model = MLPRegressor((5,), optimizer="lbfgs", random_state=0)
    monkeypatch.setattr(LBFGS, "minimize", _dead_solver)
    with pytest.raises(ValueError, match="every unit of hidden layer 0") as info:
        model.fit(X, y)
    assert "learning_rate" not in str(info.value)  # L-BFGS has none
    assert "Scale the features" in str(info.value)
    with pytest.warns(DivergenceWarning, match="weights of epoch 0"):
        model.set_params(on_divergence="keep_best").fit(X, y)
    initial = MLPRegressor((5,), optimizer="lbfgs", random_state=0, max_iter=1)
    monkeypatch.undo()
    initial.set_params(frozen_layers=(0, 1))
    with pytest.warns(UserWarning, match="every layer is frozen"):
        initial.fit(X, y)
    for W, V in zip(model.coefs_, initial.coefs_):
        np.testing.assert_array_equal(W, V)


def test_full_batch_divergence_message_names_no_learning_rate(diabetes, monkeypatch):
    from skweights.optimizers import LBFGS

    X, y = diabetes
    monkeypatch.setattr(LBFGS, "minimize", _nan_solver)
    with pytest.raises(ValueError, match="diverged") as info:
        LinearRegressor(optimizer="lbfgs").fit(X, y)
    assert "learning_rate" not in str(info.value).replace("learning_rate=", "")
    assert "Lower learning_rate" not in str(info.value)


@pytest.mark.parametrize(
    "model",
    [
        LinearClassifier(optimizer="lbfgs", max_iter=2),
        MLPClassifier((4,), optimizer="lbfgs", max_iter=2, random_state=0),
        LinearClassifier(optimizer="fista", penalty="l1", max_iter=2),
    ],
    ids=["linear-lbfgs", "mlp-lbfgs", "fista"],
)
def test_a_full_batch_convergence_warning_mentions_no_learning_rate(small, model):
    X, y = small
    with pytest.warns(ConvergenceWarning, match="maximum iterations") as caught:
        model.fit(X, y)
    message = str(caught[0].message)
    assert "learning" not in message and "Increase max_iter" in message


def test_a_minibatch_convergence_warning_after_the_loss_fell_may_raise_the_rate(
    small,
):
    X, y = small
    with pytest.warns(ConvergenceWarning) as caught:
        MLPClassifier((4,), max_iter=3, random_state=0).fit(X, y)
    message = str(caught[0].message)
    assert "raise learning_rate" in message and "the loss went from" in message


def test_layers_made_constant_by_their_inputs_are_not_flattened(diabetes):
    """A strong L1 penalty zeroes every weight (each layer then outputs its
    biases), and a deep stack of tiny logistic weights passes on a signal that
    differs only in its last digits: neither is the activation's doing."""
    from skweights.initializers import random_normal

    X, y = diabetes
    y = (y - y.mean()) / y.std()
    sparse = MLPRegressor((4,), penalty="l1", alpha=10.0, max_iter=50, random_state=0)
    vanishing = MLPRegressor(
        (32,) * 8,
        activation="logistic",
        initializer=random_normal(stddev=0.01),
        max_iter=30,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sparse.fit(X, y)
        vanishing.fit(X, y)
    assert not sparse.coefs_[0].any()  # every input weight is exactly 0
    hidden = 1 / (1 + np.exp(-(X @ vanishing.coefs_[0] + vanishing.intercepts_[0])))
    for W, b in zip(vanishing.coefs_[1:-1], vanishing.intercepts_[1:-1]):
        hidden = 1 / (1 + np.exp(-(hidden @ W + b)))
    assert np.ptp(hidden, axis=0).max() < 1e-12  # constant to rounding


# -- the weights a diverging fit keeps -------------------------------------------------
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
    X, y = standard_data(n=60)
    X = 10 * X
    model = sgd_linear(batch_size=batch_size, learning_rate=learning_rate, max_iter=50)
    model = _fit_allowing_divergence(model, X, y)
    assert np.isfinite(model.coef_).all() and np.isfinite(model.intercept_)
    assert model.n_iter_ < 50  # it did diverge
    candidates = [np.zeros(3)]  # epoch 0: the zero initial weights
    for epochs in range(1, model.n_iter_ + 1):
        stopped = clone(model).set_params(max_iter=epochs)
        candidates.append(_fit_allowing_divergence(stopped, X, y).coef_)
    assert any(np.array_equal(model.coef_, c) for c in candidates)
