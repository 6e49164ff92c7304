"""The training state and the per-fit settings: files saved before
``record_weights`` moved from ``TrainingState`` to ``TrainingConfig`` still load
and keep training; the loop clips in a step of its own; lists of optimizers in
messages come from the registry."""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import skweights
from skweights import MLPRegressor, optimizers
from skweights._base import frozen_layers, minibatch_optimizer_names
from skweights._training import TrainingConfig, TrainingState
from skweights.inspection import learning_rate_range

DATA = Path(__file__).parent / "data"


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    return X, X @ [1.0, -2.0, 0.5]


def _load(kind: str):
    path = DATA / f"record_weights_state.{kind}"
    if kind == "pkl":
        with open(path, "rb") as f:
            return pickle.load(f)
    return skweights.load(path)


@pytest.mark.parametrize("kind", ["pkl", "skops"])
def test_a_file_whose_state_holds_record_weights_loads_and_keeps_training(kind):
    """Saved by 78d3315, whose TrainingState held the fit's ``record_weights``."""
    X, y = _data()
    model = _load(kind)
    assert_array_equal(
        model.predict(X), np.load(DATA / "record_weights_state_predict.npy")
    )
    state = model._training_state
    assert not hasattr(state, "record_weights")  # a per-fit setting now
    assert "record_weights" not in state.__getstate__()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.set_params(warm_start=True, max_iter=2).fit(X, y)
        model.partial_fit(X, y)
    assert model.n_iter_ == 3
    # record_weights=True (from the estimator's parameter) still records.
    assert "weight_counts" in model.history_[-1]


def test_record_weights_is_a_setting_of_the_fit():
    assert "record_weights" in {
        f.name for f in TrainingConfig.__dataclass_fields__.values()
    }
    assert "record_weights" not in TrainingState.__dataclass_fields__
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MLPRegressor((4,), max_iter=2, record_weights=True, random_state=0)
        model.fit(X, y)
        assert "weight_counts" in model.history_[-1]
        model.set_params(record_weights=False, warm_start=True).fit(X, y)
    assert "weight_counts" not in model.history_[-1]


class _Uncopyable(optimizers.SGD):
    """An SGD the loop may not copy (it used to, to strip the clipping)."""

    def __copy__(self):
        raise AssertionError("the training loop copied the optimizer")


@pytest.mark.parametrize("kind", ["clipnorm", "global_clipnorm"])
def test_the_loop_clips_in_its_own_step_without_copying_the_optimizer(kind):
    X, y = _data()

    def fit(optimizer):
        model = MLPRegressor(
            (4,), optimizer=optimizer, batch_size=10, max_iter=3, random_state=0
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return model.fit(X, y)

    ours = fit(_Uncopyable(**{kind: 0.05}))
    plain = fit(optimizers.SGD(**{kind: 0.05}))
    assert [r["clipped"] for r in ours.history_][1:] == [3, 3, 3]  # 3 batches
    for W, V in zip(ours.coefs_ + ours.intercepts_, plain.coefs_ + plain.intercepts_):
        assert_array_equal(W, V)


@pytest.mark.parametrize("name", ["sgd", "adam", "rmsprop", "adagrad", "lion"])
@pytest.mark.parametrize("clip", [{}, {"clipnorm": 0.1}, {"global_clipnorm": 0.1}])
def test_update_is_clip_gradients_then_apply(name, clip):
    rng = np.random.default_rng(1)
    params = [rng.normal(size=(3, 2)), rng.normal(size=2)]
    grads = [rng.normal(size=(3, 2)), rng.normal(size=2)]
    optimizer = optimizers.get(name, **clip)
    a, b = [p.copy() for p in params], [p.copy() for p in params]
    state_a, state_b = optimizer.init(a), optimizer.init(b)
    for _ in range(3):
        state_a = optimizer.update(a, [g.copy() for g in grads], state_a, 0.1)
        clipped = optimizers.clip_gradients(grads, **clip)[0]
        state_b = optimizer.apply(b, clipped, state_b, 0.1)
    for p, q in zip(a, b):
        assert_array_equal(p, q)
    assert state_a.count == state_b.count == 3


def test_optimizer_lists_in_messages_come_from_the_registry():
    names = minibatch_optimizer_names()
    assert names == ["sgd", "adam", "adamw", "rmsprop", "adagrad", "lion"]
    X, y = _data()
    model = MLPRegressor(optimizer="lbfgs")
    with pytest.raises(ValueError, match="adagrad, lion"):
        model.partial_fit(X, y)
    with pytest.raises(ValueError, match="'adagrad', 'lion'"):
        learning_rate_range(model, X, y)


def test_frozen_layers_counts_negative_indices_from_the_output():
    model = MLPRegressor((4, 3), frozen_layers=(0, -1))
    assert frozen_layers(model, 3) == {0, 2}
    with pytest.raises(ValueError, match=r"frozen_layers \[3\] do not exist"):
        frozen_layers(MLPRegressor(frozen_layers=(3,)), 3)
