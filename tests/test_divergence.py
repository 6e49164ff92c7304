"""Diverging fits, the epoch-0 history record and what ``verbose`` says at the end."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

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
