"""Gradient clipping: ``clipnorm`` and ``global_clipnorm`` of minibatch optimizers."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_diabetes
from sklearn.preprocessing import StandardScaler

import skweights._training as training
from skweights import MLPRegressor, optimizers
from skweights.optimizers import clip_gradients, sgd

MINIBATCH = ["sgd", "adam", "adamw", "rmsprop", "adagrad"]


def test_clipnorm_rescales_each_array_on_its_own():
    grads = [np.array([3.0, 4.0]), np.array([0.3, 0.4]), np.zeros(2)]
    clipped, hit = clip_gradients(grads, clipnorm=1.0)
    assert hit
    np.testing.assert_allclose(clipped[0], [0.6, 0.8])
    assert clipped[1] is grads[1] and clipped[2] is grads[2]  # within the bound
    np.testing.assert_array_equal(grads[0], [3.0, 4.0])  # the input is untouched


def test_global_clipnorm_keeps_the_direction_of_the_whole_update():
    grads = [np.array([3.0, 0.0]), np.array([0.0, 4.0])]
    clipped, hit = clip_gradients(grads, global_clipnorm=1.0)
    assert hit
    np.testing.assert_allclose(clipped[0], [0.6, 0.0])
    np.testing.assert_allclose(clipped[1], [0.0, 0.8])
    total = np.sqrt(sum(float(np.sum(g**2)) for g in clipped))
    assert total == pytest.approx(1.0)


def test_clipping_below_the_bound_is_a_no_op_and_inplace_writes_the_input():
    grads = [np.array([0.1, 0.2], dtype=np.float32)]
    assert clip_gradients(grads, clipnorm=1.0) == (grads, False)
    clipped, hit = clip_gradients(grads, global_clipnorm=0.1, inplace=True)
    assert hit and clipped[0] is grads[0]
    assert grads[0].dtype == np.float32
    assert float(np.linalg.norm(grads[0])) == pytest.approx(0.1, rel=1e-6)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(clipnorm=0.0), "clipnorm"),
        (dict(global_clipnorm=-1.0), "global_clipnorm"),
        (dict(clipnorm="1"), "clipnorm"),
        (dict(clipnorm=1.0, global_clipnorm=1.0), "not both"),
    ],
)
def test_invalid_clipping_raises(kwargs, match):
    with pytest.raises(ValueError, match=match):
        clip_gradients([np.ones(2)], **kwargs)
    with pytest.raises(ValueError, match=match):
        optimizers.sgd(**kwargs).init([np.ones(2)])


@pytest.mark.parametrize("name", MINIBATCH)
@pytest.mark.parametrize("kind", ["clipnorm", "global_clipnorm"])
def test_every_minibatch_optimizer_steps_with_the_clipped_gradients(name, kind):
    rng = np.random.default_rng(0)
    params = [rng.normal(size=(3, 2)), rng.normal(size=2)]
    grads = [100 * rng.normal(size=(3, 2)), rng.normal(size=2)]
    clipping = {kind: 0.5}
    clipped = clip_gradients(grads, **clipping)[0]
    opt = optimizers.get(name, **clipping)
    reference = optimizers.get(name)
    a, b = [p.copy() for p in params], [p.copy() for p in params]
    state_a, state_b = opt.init(a), reference.init(b)
    for _ in range(3):
        state_a = opt.update(a, grads, state_a, 0.1)
        state_b = reference.update(b, clipped, state_b, 0.1)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=1e-12)
    assert grads[0].max() > 1  # update() did not clip the caller's arrays


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("kind", ["clipnorm", "global_clipnorm"])
def test_clipping_makes_the_diverging_setting_converge(diabetes, kind):
    """MLPRegressor((64,), optimizer="sgd", learning_rate=5.0) blows up in epoch 1
    on these data (see test_divergence.py); with clipped gradients it converges."""
    X, y = diabetes
    model = MLPRegressor(
        (64,), optimizer=sgd(**{kind: 0.1}), learning_rate=5.0, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither diverged nor stopped at max_iter
        model.fit(X, y)
    assert model.n_iter_ < model.max_iter
    assert model.score(X, y) > 0.5
    clipped = model.history_["clipped"]
    assert clipped[0] == 0 and (clipped[1:] > 0).all()  # recorded when it triggers
    n_batches = int(np.ceil(len(X) / 200))
    assert clipped.max() <= n_batches


def test_no_clipping_records_zero(diabetes):
    X, y = diabetes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MLPRegressor((4,), max_iter=3, random_state=0).fit(X, y)
    assert (model.history_["clipped"] == 0).all()


@pytest.mark.parametrize("kind", ["clipnorm", "global_clipnorm"])
def test_fused_fast_path_clips_each_array_like_the_separate_path(
    diabetes, kind, monkeypatch
):
    """With one flat parameter array, clipnorm still uses the norm of each array
    (views of the flat gradient), so both paths train the same network."""
    X, y = diabetes
    calls = []
    original = training._flattenable

    def spy(*args):
        calls.append(original(*args))
        return calls[-1]

    def fit():
        # 0.1: at 0.5 the clipnorm fit kills every ReLU of the second layer, a
        # divergence that raises; the clipping still triggers here.
        model = MLPRegressor(
            (8, 4), optimizer=sgd(**{kind: 0.5}), learning_rate=0.1, max_iter=5
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return model.set_params(random_state=0).fit(X, y)

    monkeypatch.setattr(training, "_flattenable", spy)
    fused = fit()
    assert calls == [True]
    monkeypatch.setattr(training, "_flattenable", lambda *args: False)
    separate = fit()
    for W, V in zip(
        fused.coefs_ + fused.intercepts_, separate.coefs_ + separate.intercepts_
    ):
        np.testing.assert_allclose(W, V, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(
        fused.history_["clipped"], separate.history_["clipped"]
    )
    assert fused.history_["clipped"][1:].sum() > 0


# -- norms below one, no scaling up, zero and huge gradients ---------------------------
def test_clipnorm_applies_to_norms_below_one():
    # clip_gradients mutant 23: only norms above 1 were clipped.
    clipped, hit = optimizers.clip_gradients([np.array([0.3, 0.4])], clipnorm=0.1)
    assert hit
    np.testing.assert_allclose(clipped[0], [0.06, 0.08], rtol=1e-12)


def test_global_clipnorm_never_scales_gradients_up_and_accepts_zero_gradients():
    # clip_gradients mutants 43 (factor capped at 2, not 1), 38/45 (a zero total
    # divided by), 50 (no clipping asked reported as clipped).
    small = [np.array([0.3, 0.0]), np.array([0.0, 0.4])]
    assert optimizers.clip_gradients(small, global_clipnorm=10.0) == (small, False)
    zeros = [np.zeros(2), np.zeros(3)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert optimizers.clip_gradients(zeros, global_clipnorm=1.0) == (zeros, False)
    assert optimizers.clip_gradients(small) == (small, False)


@pytest.mark.parametrize("kind", ["clipnorm", "global_clipnorm"])
def test_clipping_huge_finite_gradients_keeps_their_direction(kind):
    # optimizers._norm mutants 3, 5, 19, 20: past 1e154 a plain dot product (and
    # np.linalg.norm of a vector) overflows to inf, and clipping by an infinite norm
    # zeroed the gradient; the norm is rescaled instead, without a warning.
    grads = [np.array([1e200, -1e200]), np.array([3.0, 4.0])]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clipped, hit = optimizers.clip_gradients(grads, **{kind: 1.0})
    assert hit
    np.testing.assert_allclose(clipped[0], [2**-0.5, -(2**-0.5)], rtol=1e-12)
    if kind == "clipnorm":  # each array on its own: the second one is clipped too
        np.testing.assert_allclose(clipped[1], [0.6, 0.8], rtol=1e-12)
    else:  # one factor for all: the second array becomes negligible, not NaN
        np.testing.assert_allclose(clipped[1], np.array([3.0, 4.0]) / (2**0.5 * 1e200))
