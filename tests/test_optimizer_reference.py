"""Every minibatch optimizer step against a textbook reference, several steps long.

Each reference is the published formula written plainly in numpy; the optimizers are
run on gradients of two scales (1e-6, where epsilon's placement matters, and 1), with
and without a proximal L1 step, on a weight array (penalized) next to a bias array
(not penalized). The tolerance, rtol 1e-10, sees any change of a coefficient, a
bias correction or the epsilon placement (the smallest such change here moves the
parameters by more than 1e-6 relative).
"""

import numpy as np
import pytest
from test_training_loop import standard_data

import skweights
from skweights import LinearRegressor, optimizers, penalties
from skweights.optimizers import adam

N_STEPS = 5
L1 = 0.3


def _soft_threshold(p, threshold):
    return np.sign(p) * np.maximum(np.abs(p) - threshold, 0.0)


def _gradients(scale, seed=0):
    rng = np.random.default_rng(seed)
    return [
        [scale * rng.normal(size=(3, 2)), scale * rng.normal(size=2)]
        for _ in range(N_STEPS)
    ]


def _start():
    return [
        np.array([[0.5, -0.2], [0.05, -0.7], [1e-3, 0.3]]),
        np.array([0.4, -0.01]),
    ]


def _sgd(grads, lr, l1, momentum=0.0, nesterov=False):
    params, velocity = _start(), [np.zeros((3, 2)), np.zeros(2)]
    for step in grads:
        for i, g in enumerate(step):
            velocity[i] = momentum * velocity[i] + g
            direction = momentum * velocity[i] + g if nesterov else velocity[i]
            params[i] = params[i] - lr * direction
        if l1:
            params[0] = _soft_threshold(params[0], l1 * lr / (1 - momentum))
    return params


def _adam(grads, lr, l1, beta_1=0.9, beta_2=0.999, epsilon=1e-8, decay=0.0):
    params = _start()
    m, v = [np.zeros((3, 2)), np.zeros(2)], [np.zeros((3, 2)), np.zeros(2)]
    for t, step in enumerate(grads, start=1):
        for i, g in enumerate(step):
            m[i] = beta_1 * m[i] + (1 - beta_1) * g
            v[i] = beta_2 * v[i] + (1 - beta_2) * g**2
            m_hat, v_hat = m[i] / (1 - beta_1**t), v[i] / (1 - beta_2**t)
            size = lr / (np.sqrt(v_hat) + epsilon)
            if i == 0:
                params[i] = params[i] - lr * decay * params[i]
            params[i] = params[i] - size * m_hat
            if l1 and i == 0:
                params[i] = _soft_threshold(params[i], l1 * size)
    return params


def _rmsprop(grads, lr, l1, rho=0.9, epsilon=1e-8, momentum=0.0):
    params = _start()
    v, b = [np.zeros((3, 2)), np.zeros(2)], [np.zeros((3, 2)), np.zeros(2)]
    for step in grads:
        for i, g in enumerate(step):
            v[i] = rho * v[i] + (1 - rho) * g**2
            denominator = np.sqrt(v[i]) + epsilon
            b[i] = momentum * b[i] + g / denominator
            params[i] = params[i] - lr * b[i]
            if l1 and i == 0:
                size = lr / ((1 - momentum) * denominator)
                params[i] = _soft_threshold(params[i], l1 * size)
    return params


def _adagrad(grads, lr, l1, epsilon=1e-8, initial_accumulator=0.0):
    params = _start()
    acc = [np.full((3, 2), initial_accumulator), np.full(2, initial_accumulator)]
    for step in grads:
        for i, g in enumerate(step):
            acc[i] = acc[i] + g**2
            size = lr / (np.sqrt(acc[i]) + epsilon)
            params[i] = params[i] - size * g
            if l1 and i == 0:
                params[i] = _soft_threshold(params[i], l1 * size)
    return params


CASES = {
    "sgd": (lambda: optimizers.sgd(), _sgd),
    "sgd-momentum": (
        lambda: optimizers.sgd(momentum=0.8),
        lambda g, lr, l1: _sgd(g, lr, l1, momentum=0.8),
    ),
    "sgd-nesterov": (
        lambda: optimizers.sgd(momentum=0.8, nesterov=True),
        lambda g, lr, l1: _sgd(g, lr, l1, momentum=0.8, nesterov=True),
    ),
    "adam": (lambda: optimizers.adam(), _adam),
    "adam-betas": (
        lambda: optimizers.adam(beta_1=0.5, beta_2=0.7, epsilon=1e-7),
        lambda g, lr, l1: _adam(g, lr, l1, beta_1=0.5, beta_2=0.7, epsilon=1e-7),
    ),
    "adamw": (
        lambda: optimizers.adamw(weight_decay=0.3),
        lambda g, lr, l1: _adam(g, lr, l1, decay=0.3),
    ),
    "rmsprop": (lambda: optimizers.rmsprop(), _rmsprop),
    "rmsprop-momentum": (
        lambda: optimizers.rmsprop(rho=0.7, epsilon=1e-7, momentum=0.6),
        lambda g, lr, l1: _rmsprop(g, lr, l1, rho=0.7, epsilon=1e-7, momentum=0.6),
    ),
    "adagrad": (lambda: optimizers.adagrad(), _adagrad),
    "adagrad-accumulator": (
        lambda: optimizers.adagrad(epsilon=1e-7, initial_accumulator=1e-11),
        lambda g, lr, l1: _adagrad(g, lr, l1, epsilon=1e-7, initial_accumulator=1e-11),
    ),
}


@pytest.mark.parametrize("prox", [False, True], ids=["smooth", "prox"])
@pytest.mark.parametrize("scale", [1e-6, 1.0])
@pytest.mark.parametrize("case", sorted(CASES))
def test_steps_match_the_reference(case, scale, prox):
    make, reference = CASES[case]
    opt = make()
    grads = _gradients(scale)
    # Steps comparable to the parameters whatever the gradients' scale: SGD's step
    # is lr * g, the others' about lr. The L1 threshold is then about 0.3 * 0.05.
    lr = 0.05 / scale if case.startswith("sgd") else 0.05
    l1 = L1 * scale if prox else 0.0
    params = _start()
    state = opt.init(params)
    penalty = penalties.l1(alpha=l1) if prox else None
    for step in grads:
        state = opt.update(
            params,
            [g.copy() for g in step],
            state,
            lr,
            penalty=penalty,
            penalized=[True, False],
        )
    assert state.count == N_STEPS
    expected = reference(grads, lr, l1)
    for ours, theirs in zip(params, expected):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-15)
    # The steps moved the parameters by more than the tolerance can miss.
    moved = max(np.abs(e - s).max() for e, s in zip(expected, _start()))
    assert moved > 1e-4


@pytest.mark.parametrize("case", sorted(CASES))
def test_one_flat_array_steps_like_the_separate_arrays(case):
    # The training loop fuses the network into one flat array for element-wise
    # optimizers: the same step, array by array, as on the separate arrays.
    make, _ = CASES[case]
    grads = _gradients(1.0, seed=3)
    separate, fused = _start(), np.concatenate([p.ravel() for p in _start()])
    opt_a, opt_b = make(), make()
    state_a, state_b = opt_a.init(separate), opt_b.init([fused])
    for step in grads:
        state_a = opt_a.update(separate, [g.copy() for g in step], state_a, 0.05)
        flat = np.concatenate([g.ravel() for g in step])
        state_b = opt_b.update([fused], [flat], state_b, 0.05)
    np.testing.assert_allclose(
        fused, np.concatenate([p.ravel() for p in separate]), rtol=1e-13
    )


# -- Adam's epsilon after the square root ----------------------------------------------
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
    X, y = standard_data(n=40)
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
