"""Tests of skweights.optimizers: convergence, exact formulas, prox, dtype, registry."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.linear_model import ElasticNet, Lasso
from test_training_loop import standard_data

from skweights import LinearRegressor, optimizers, penalties
from skweights.optimizers import (
    FISTA,
    LBFGS,
    AdagradState,
    AdamState,
    LionState,
    MinimizeResult,
    RMSpropState,
    SGDState,
    adamw,
)


class ElasticNetPenalty:
    """Stand-in for skweights.penalties: alpha * (r ||W||_1 + (1 - r) / 2 ||W||^2)."""

    # One term per weight, with l1_strength and l2_strength: it says so (a
    # duck-typed penalty is not taken for a separable one unless it does).
    separable = True

    def __init__(self, alpha, l1_ratio=1.0):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.smooth = l1_ratio == 0.0

    @property
    def l1_strength(self):
        return self.alpha * self.l1_ratio

    @property
    def l2_strength(self):
        return self.alpha * (1.0 - self.l1_ratio)

    def value(self, W):
        return float(
            self.l1_strength * np.abs(W).sum() + 0.5 * self.l2_strength * np.sum(W * W)
        )

    def grad(self, W):
        return self.l1_strength * np.sign(W) + self.l2_strength * W

    def prox(self, W, step):
        shrunk = np.sign(W) * np.maximum(np.abs(W) - step * self.l1_strength, 0.0)
        return shrunk / (1.0 + step * self.l2_strength)


def exponential_decay(gamma):
    return lambda k: gamma**k


def constant_rate(k):
    return 1.0


# ----------------------------------------------------------------------------------
# A badly conditioned quadratic: f(x) = 0.5 x'Ax - b'x, eigenvalues 1..100.
# ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def quadratic():
    rng = np.random.default_rng(0)
    d = 10
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    A = Q @ np.diag(np.linspace(1.0, 100.0, d)) @ Q.T
    b = rng.standard_normal(d)
    return A, b, np.linalg.solve(A, b)


kappa = 100.0
MINIBATCH_CASES = [
    # (id, optimizer, learning rate, iterations, decay of the rate per step)
    ("sgd", optimizers.sgd(), 2 / (1 + kappa), 1200, constant_rate),
    ("momentum", optimizers.sgd(momentum=(9 / 11) ** 2), 4 / 121, 300, constant_rate),
    (
        "nesterov",
        optimizers.sgd(momentum=9 / 11, nesterov=True),
        1 / kappa,
        300,
        constant_rate,
    ),
    ("adam", optimizers.adam(), 0.1, 3000, exponential_decay(0.995)),
    ("adamw", optimizers.adamw(weight_decay=0.0), 0.1, 3000, exponential_decay(0.995)),
    ("rmsprop", optimizers.rmsprop(), 0.1, 3000, exponential_decay(0.99)),
    (
        "rmsprop_momentum",
        optimizers.rmsprop(momentum=0.5),
        0.1,
        3000,
        exponential_decay(0.99),
    ),
    ("adagrad", optimizers.adagrad(), 1.0, 1000, constant_rate),
    ("lion", optimizers.Lion(), 0.02, 6000, exponential_decay(0.997)),
]


@pytest.mark.parametrize(
    "optimizer, learning_rate, n_steps, decay",
    [case[1:] for case in MINIBATCH_CASES],
    ids=[case[0] for case in MINIBATCH_CASES],
)
def test_minibatch_optimizers_solve_ill_conditioned_quadratic(
    quadratic, optimizer, learning_rate, n_steps, decay
):
    A, b, x_star = quadratic
    x = np.zeros_like(b)
    params = [x]
    state = optimizer.init(params)
    for k in range(n_steps):
        state = optimizer.update(params, [A @ x - b], state, learning_rate * decay(k))
    assert params[0] is x
    assert state.count == n_steps
    assert np.linalg.norm(x - x_star) < 1e-6


@pytest.mark.parametrize("solver", [optimizers.lbfgs(), optimizers.fista()])
def test_full_batch_solvers_solve_ill_conditioned_quadratic(quadratic, solver):
    A, b, x_star = quadratic
    start = np.zeros_like(b)

    def fun(params):
        x = params[0]
        return 0.5 * x @ A @ x - b @ x, [A @ x - b]

    result = solver.minimize(fun, [start], tol=1e-9, max_iter=1000)
    assert isinstance(result, MinimizeResult)
    assert result.converged
    assert 0 < result.n_iter < 1000
    assert np.linalg.norm(result.params[0] - x_star) < 1e-6
    assert_allclose(result.value, -0.5 * b @ x_star, rtol=1e-10)
    assert not start.any()  # the starting point is not modified


# ----------------------------------------------------------------------------------
# Exact formulas
# ----------------------------------------------------------------------------------


def test_adam_first_three_steps_match_hand_computation():
    # beta_1 = 0.9, beta_2 = 0.999, eps = 1e-8, lr = 0.1; gradients 1, 2, -1 on the
    # first coordinate and 0.5, 0.5, 0.5 on the second; step = lr m_hat / (sqrt(v_hat)
    # + eps).
    # t=1: m = [0.1, 0.05],   v = [0.001, 0.00025],
    #      m_hat = [1, 0.5],  v_hat = [1, 0.25],  step = [0.099999999, 0.099999998]
    # t=2: m = [0.29, 0.095], v = [0.004999, 0.00049975],
    #      m_hat = [1.5263157895, 0.5], v_hat = [2.5007503752, 0.25],
    #      step = [0.0965182020, 0.099999998]
    # t=3: m = [0.161, 0.1355], v = [0.005994001, 0.00074925025],
    #      m_hat = [0.5940959410, 0.5], v_hat = [1.9999996663, 0.25],
    #      step = [0.0420089301, 0.099999998]
    grads = [[1.0, 0.5], [2.0, 0.5], [-1.0, 0.5]]
    expected = [
        [0.9000000010, -1.0999999980],
        [0.8034817990, -1.1999999960],
        [0.7614728690, -1.2999999940],
    ]
    opt = optimizers.adam()
    w = np.array([1.0, -1.0])
    state = opt.init([w])
    for t, (g, want) in enumerate(zip(grads, expected, strict=True), start=1):
        state = opt.update([w], [np.array(g)], state, 0.1)
        assert state.count == t
        assert_allclose(w, want, rtol=1e-9, atol=1e-9)
    assert_allclose(state.mu[0], [0.161, 0.1355], rtol=1e-12)
    assert_allclose(state.nu[0], [0.005994001, 0.00074925025], rtol=1e-12)


def test_adamw_decays_penalized_arrays_only():
    opt = optimizers.adamw(weight_decay=0.1)
    weight, bias = np.array([2.0, -4.0]), np.array([2.0, -4.0])
    params = [weight, bias]
    state = opt.init(params)
    zeros = [np.zeros(2), np.zeros(2)]
    state = opt.update(params, zeros, state, 0.5, penalized=[True, False])
    assert_allclose(weight, [2.0 * 0.95, -4.0 * 0.95])
    assert_allclose(bias, [2.0, -4.0])
    # with a gradient, AdamW = Adam step plus the decay of the pre-step weights
    adam_w = np.array([1.0, 1.0])
    adamw_w = np.array([1.0, 1.0])
    s1, s2 = optimizers.adam().init([adam_w]), opt.init([adamw_w])
    g = [np.array([0.3, -0.7])]
    optimizers.adam().update([adam_w], g, s1, 0.01)
    opt.update([adamw_w], g, s2, 0.01)
    assert_allclose(adamw_w, adam_w - 0.01 * 0.1 * 1.0, rtol=1e-12)


def test_sgd_nesterov_matches_pytorch_formula():
    rng = np.random.default_rng(1)
    mu, lr = 0.9, 0.05
    grads = rng.standard_normal((4, 3))
    p, v = np.zeros(3), np.zeros(3)
    for g in grads:
        v = mu * v + g
        p = p - lr * (g + mu * v)
    w = np.zeros(3)
    opt = optimizers.sgd(momentum=mu, nesterov=True)
    state = opt.init([w])
    for g in grads:
        state = opt.update([w], [g], state, lr)
    assert_allclose(w, p, rtol=1e-12)


def test_rmsprop_and_adagrad_match_formulas():
    rng = np.random.default_rng(2)
    grads = rng.standard_normal((3, 4))
    lr, rho, mu, eps = 0.01, 0.9, 0.5, 1e-8
    p, v, buf, p_ada, acc = np.zeros(4), np.zeros(4), np.zeros(4), np.zeros(4), 0.1
    for g in grads:
        v = rho * v + (1 - rho) * g**2
        buf = mu * buf + g / (np.sqrt(v) + eps)
        p = p - lr * buf
        acc = acc + g**2
        p_ada = p_ada - lr * g / (np.sqrt(acc) + eps)
    w, w_ada = np.zeros(4), np.zeros(4)
    rms, ada = optimizers.rmsprop(rho, eps, mu), optimizers.adagrad(eps, 0.1)
    s_rms, s_ada = rms.init([w]), ada.init([w_ada])
    for g in grads:
        s_rms = rms.update([w], [g], s_rms, lr)
        s_ada = ada.update([w_ada], [g], s_ada, lr)
    assert_allclose(w, p, rtol=1e-12)
    assert_allclose(w_ada, p_ada, rtol=1e-12)


# ----------------------------------------------------------------------------------
# Proximal path: lasso and elastic net
# ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lasso_problem():
    rng = np.random.default_rng(3)
    n, p = 60, 12
    X = rng.standard_normal((n, p))
    w_true = np.zeros(p)
    w_true[:4] = [2.0, -3.0, 1.5, 0.5]
    y = X @ w_true + 0.5 * rng.standard_normal(n)

    def fun(params):
        residual = X @ params[0] - y
        return 0.5 * residual @ residual / n, [X.T @ residual / n]

    lipschitz = np.linalg.eigvalsh(X.T @ X / n).max()
    return X, y, fun, lipschitz


def _reference(X, y, alpha, l1_ratio):
    if l1_ratio == 1.0:
        model = Lasso(alpha=alpha, fit_intercept=False, tol=1e-14, max_iter=100_000)
    else:
        model = ElasticNet(
            alpha=alpha,
            l1_ratio=l1_ratio,
            fit_intercept=False,
            tol=1e-14,
            max_iter=100_000,
        )
    return model.fit(X, y).coef_


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("solver", [optimizers.fista(), optimizers.lbfgs()])
def test_full_batch_solvers_match_sklearn_lasso(lasso_problem, solver, l1_ratio):
    X, y, fun, _ = lasso_problem
    alpha = 0.2
    penalty = ElasticNetPenalty(alpha, l1_ratio)
    reference = _reference(X, y, alpha, l1_ratio)
    result = solver.minimize(
        fun, [np.zeros(X.shape[1])], penalty=penalty, tol=1e-10, max_iter=2000
    )
    w = result.params[0]
    assert result.converged
    assert_allclose(w, reference, atol=1e-5)
    assert np.array_equal(w == 0.0, reference == 0.0)  # exact zeros
    assert (w == 0.0).sum() >= 4
    expected = fun([w])[0] + penalty.value(w)
    assert_allclose(result.value, expected, rtol=1e-12)


PROX_CASES = [
    # (id, optimizer, learning rate as a multiple of 1/L or absolute, steps, decay)
    ("sgd", optimizers.sgd(), "1/L", 1500, constant_rate),
    ("momentum", optimizers.sgd(momentum=0.9), "0.1/L", 1500, constant_rate),
    (
        "nesterov",
        optimizers.sgd(momentum=0.9, nesterov=True),
        "0.1/L",
        1500,
        constant_rate,
    ),
    ("adam", optimizers.adam(), 0.05, 4000, exponential_decay(0.998)),
    ("rmsprop", optimizers.rmsprop(momentum=0.5), 0.02, 4000, exponential_decay(0.998)),
    ("adagrad", optimizers.adagrad(), 0.5, 4000, constant_rate),
    ("lion", optimizers.Lion(), 0.02, 10000, exponential_decay(0.999)),
]


@pytest.mark.parametrize(
    "optimizer, learning_rate, n_steps, decay",
    [case[1:] for case in PROX_CASES],
    ids=[case[0] for case in PROX_CASES],
)
def test_minibatch_prox_gives_exact_zeros_and_lasso_solution(
    lasso_problem, optimizer, learning_rate, n_steps, decay
):
    X, y, fun, lipschitz = lasso_problem
    if isinstance(learning_rate, str):
        learning_rate = float(learning_rate.split("/")[0]) / lipschitz
    penalty = ElasticNetPenalty(0.2)
    reference = _reference(X, y, 0.2, 1.0)
    w, bias = np.zeros(X.shape[1]), np.zeros(X.shape[1])
    params = [w, bias]
    state = optimizer.init(params)
    for k in range(n_steps):
        grads = [fun([w])[1][0], fun([bias])[1][0]]
        state = optimizer.update(
            params,
            grads,
            state,
            learning_rate * decay(k),
            penalty=penalty,
            penalized=[True, False],
        )
    assert np.array_equal(w == 0.0, reference == 0.0)
    assert_allclose(w, reference, atol=1e-6)
    # the unpenalized copy solves least squares: no zeros
    assert np.all(bias != 0.0)


def test_smooth_penalty_is_left_to_the_caller():
    penalty = ElasticNetPenalty(10.0, l1_ratio=0.0)  # smooth: the caller adds grad
    w = np.ones(3)
    opt = optimizers.sgd()
    opt.update([w], [np.zeros(3)], opt.init([w]), 0.1, penalty=penalty)
    assert_allclose(w, 1.0)


def test_fista_rejects_non_finite_values_and_lbfgs_backtracks():
    # f is +inf / nan outside |w| < 1; the minimizer is inside.
    c = np.array([30.0, -50.0, 5.0])
    w_star = (np.sqrt(1 + c**2) - 1) / c

    def fun(params):
        w = params[0]
        if np.any(np.abs(w) >= 1):
            return np.nan, [np.full_like(w, np.nan)]
        return -np.log(1 - w**2).sum() - c @ w, [2 * w / (1 - w**2) - c]

    for solver in (optimizers.lbfgs(), optimizers.fista()):
        result = solver.minimize(fun, [np.zeros(3)], tol=1e-8, max_iter=2000)
        assert np.all(np.isfinite(result.params[0]))
        assert np.isfinite(result.value)
        assert_allclose(result.params[0], w_star, atol=1e-6)


def test_full_batch_callback_and_max_iter(lasso_problem):
    X, y, fun, _ = lasso_problem
    for solver in (optimizers.lbfgs(), optimizers.fista(restart=False)):
        calls = []

        def callback(n_iter, params, value, calls=calls):
            calls.append((n_iter, value))
            assert isinstance(params, list) and params[0].shape == (X.shape[1],)
            return n_iter == 3

        result = solver.minimize(
            fun,
            [np.zeros(X.shape[1])],
            penalty=ElasticNetPenalty(0.2),
            callback=callback,
            tol=0.0,
        )
        assert [n for n, _ in calls] == [1, 2, 3]
        assert result.n_iter == 3 and not result.converged
        assert_allclose(result.value, calls[-1][1], rtol=1e-12)

        result = solver.minimize(fun, [np.zeros(X.shape[1])], max_iter=2, tol=0.0)
        assert result.n_iter <= 2 and not result.converged


# ----------------------------------------------------------------------------------
# dtype and in-place updates
# ----------------------------------------------------------------------------------

ALL_MINIBATCH = [
    optimizers.sgd(),
    optimizers.sgd(momentum=0.9, nesterov=True),
    optimizers.adam(),
    optimizers.adamw(),
    optimizers.rmsprop(momentum=0.9),
    optimizers.adagrad(initial_accumulator=0.1),
    optimizers.Lion(),
]
STATE_TYPES = {
    "SGD": SGDState,
    "Adam": AdamState,
    "AdamW": AdamState,
    "RMSprop": RMSpropState,
    "Adagrad": AdagradState,
    "Lion": LionState,
}


@pytest.mark.parametrize("optimizer", ALL_MINIBATCH, ids=repr)
@pytest.mark.parametrize("penalty", [None, ElasticNetPenalty(0.1, 0.5)])
def test_float32_stays_float32_and_in_place(optimizer, penalty):
    rng = np.random.default_rng(4)
    params = [
        rng.standard_normal((3, 2)).astype(np.float32),
        np.zeros(2, dtype=np.float32),
    ]
    ids = [id(p) for p in params]
    state = optimizer.init(params)
    assert isinstance(state, STATE_TYPES[type(optimizer).__name__])
    assert state.count == 0
    for _ in range(3):
        grads = [rng.standard_normal(p.shape).astype(np.float32) for p in params]
        state = optimizer.update(
            params, grads, state, 0.01, penalty=penalty, penalized=[True, False]
        )
    assert [id(p) for p in params] == ids
    assert all(p.dtype == np.float32 for p in params)
    slots = [a for field in state[1:] for a in field]
    assert slots and all(a.dtype == np.float32 for a in slots)
    assert state.count == 3


@pytest.mark.parametrize("solver", [optimizers.lbfgs(), optimizers.fista()])
def test_full_batch_keeps_dtype(solver):
    target = np.array([1.0, -2.0], dtype=np.float32)

    def fun(params):
        assert params[0].dtype == np.float32
        d = params[0] - target
        return float(0.5 * d @ d), [d]

    result = solver.minimize(fun, [np.zeros(2, dtype=np.float32)], tol=1e-6)
    assert result.params[0].dtype == np.float32
    assert_allclose(result.params[0], target, atol=1e-5)


# ----------------------------------------------------------------------------------
# Registry, cloning, validation
# ----------------------------------------------------------------------------------


def _registered():
    """Every registered optimizer class, from the registry itself."""
    return {type(optimizers.get(name)) for name in optimizers.REGISTRY.names}


def test_every_registered_optimizer_is_in_the_test_tables():
    """A new optimizer is covered everywhere by adding it to the registry and here."""
    minibatch = {cls for cls in _registered() if not cls.full_batch}
    assert minibatch == {type(case[1]) for case in MINIBATCH_CASES}
    assert minibatch == {type(case[1]) for case in PROX_CASES} | {optimizers.AdamW}
    assert minibatch == {type(opt) for opt in ALL_MINIBATCH}
    assert {cls.__name__ for cls in minibatch} == set(STATE_TYPES)
    assert all(issubclass(cls, optimizers.Optimizer) for cls in minibatch)


@pytest.mark.parametrize("name", optimizers.REGISTRY.names)
def test_registry_names_resolve(name):
    optimizer = optimizers.get(name)
    assert isinstance(optimizer, optimizers.Optimizer) != optimizer.full_batch
    assert optimizers.get(optimizer) is optimizer
    assert clone(optimizer) == optimizer
    assert type(optimizers.get(name.upper())) is type(optimizer)
    # A class is built with the keyword arguments, as a name is.
    assert optimizers.get(type(optimizer)) == optimizer
    assert optimizers.get("L-BFGS") == LBFGS() and optimizers.get("FISTA") == FISTA()


def test_elementwise_capability():
    """Only rules that treat weights and biases alike may run on one flat array."""
    for cls in _registered():
        assert cls().elementwise is (not cls.full_batch and cls is not optimizers.AdamW)
    assert optimizers.AdamW(weight_decay=0.0).elementwise


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="Unknown optimizer 'adma'") as info:
        optimizers.get("adma")
    assert ", ".join(optimizers.REGISTRY.names) in str(info.value)


def test_clone_keeps_params_and_set_params():
    opt = optimizers.sgd(momentum=0.9, nesterov=True)
    cloned = clone(opt)
    assert cloned is not opt
    assert cloned.get_params() == {
        "momentum": 0.9,
        "nesterov": True,
        "clipnorm": None,
        "global_clipnorm": None,
    }
    assert optimizers.get("sgd", momentum=0.5).momentum == 0.5
    assert cloned.set_params(momentum=0.1).momentum == 0.1


INVALID_CASES = [
    (optimizers.adam(beta_1=1.5), "beta_1"),
    (optimizers.adam(beta_2=-0.1), "beta_2"),
    (optimizers.adam(epsilon=0.0), "epsilon"),
    (optimizers.adamw(weight_decay=-1.0), "weight_decay"),
    (optimizers.sgd(momentum=-0.1), "momentum"),
    (optimizers.sgd(momentum=1.0), "momentum"),
    (optimizers.sgd(nesterov="yes"), "nesterov"),
    (optimizers.rmsprop(rho=1.0), "rho"),
    (optimizers.rmsprop(momentum=2.0), "momentum"),
    (optimizers.adagrad(initial_accumulator=-1.0), "initial_accumulator"),
    (optimizers.adagrad(epsilon=-1e-8), "epsilon"),
    (optimizers.Lion(beta_1=1.0), "beta_1"),
    (optimizers.Lion(beta_2=-0.5), "beta_2"),
]


@pytest.mark.parametrize("optimizer, name", INVALID_CASES, ids=repr)
def test_invalid_hyper_parameters_raise_when_used(optimizer, name):
    params = [np.zeros(2)]
    with pytest.raises(ValueError, match=rf"{name} must be"):
        state = optimizer.init(params)
        optimizer.update(params, [np.ones(2)], state, 0.1)


@pytest.mark.parametrize(
    "solver, kwargs, name",
    [
        (optimizers.lbfgs(memory=0), {}, "memory"),
        (optimizers.fista(restart=1), {}, "restart"),
        (optimizers.lbfgs(), {"max_iter": 0}, "max_iter"),
        (optimizers.fista(), {"tol": -1.0}, "tol"),
        (optimizers.lbfgs(), {"penalized": [True, False]}, "penalized has 2"),
        (optimizers.fista(), {"penalized": [True, False]}, "penalized has 2"),
        (optimizers.lbfgs(), {"callback": 3}, "callback must be callable"),
        (optimizers.fista(), {"callback": 3}, "callback must be callable"),
    ],
)
def test_invalid_solver_arguments_raise(solver, kwargs, name):
    def fun(params):
        return 0.0, [np.zeros_like(params[0])]

    with pytest.raises(ValueError, match=name):
        solver.minimize(fun, [np.zeros(2)], **kwargs)


def test_invalid_update_arguments_raise():
    opt = optimizers.sgd()
    params = [np.zeros(2)]
    state = opt.init(params)
    with pytest.raises(ValueError, match="learning_rate"):
        opt.update(params, [np.ones(2)], state, -0.1)
    with pytest.raises(ValueError, match="gradient arrays"):
        opt.update(params, [np.ones(2), np.ones(2)], state, 0.1)
    with pytest.raises(ValueError, match="penalized"):
        opt.update(params, [np.ones(2)], state, 0.1, penalized=[True, False])


def test_lion_matches_its_formula():
    """Two steps by hand: c = b1 m + (1 - b1) g, p -= lr sign(c), m = b2 m + ..."""
    opt = optimizers.Lion(beta_1=0.8, beta_2=0.5)
    p = np.array([1.0, 1.0, 1.0])
    state = opt.init([p])
    g1, g2 = np.array([2.0, -1.0, 0.5]), np.array([-1.0, -1.0, -3.0])
    state = opt.update([p], [g1], state, 0.1)
    assert_allclose(p, [0.9, 1.1, 0.9], rtol=0, atol=1e-15)
    assert_allclose(state.mu[0], 0.5 * g1, rtol=0, atol=1e-15)
    # c = 0.8 * [1, -0.5, 0.25] + 0.2 * [-1, -1, -3] = [0.6, -0.6, -0.4]
    state = opt.update([p], [g2], state, 0.1)
    assert_allclose(p, [0.8, 1.2, 1.0], rtol=0, atol=1e-15)
    assert state.count == 2


# ---------------------------------------- the full-batch module and files saved before
def test_full_batch_solvers_live_in_their_module_and_keep_their_import_path():
    from skweights import _full_batch

    for name in ("LBFGS", "FISTA", "MinimizeResult"):
        assert getattr(optimizers, name) is getattr(_full_batch, name)
        assert name in optimizers.__all__
        assert getattr(optimizers, name).__module__ == "skweights._full_batch"
    assert optimizers.get("lbfgs") == LBFGS() and optimizers.get("fista") == FISTA()
    assert optimizers.lbfgs is LBFGS and optimizers.fista is FISTA


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_file_saved_with_lbfgs_under_its_old_path_still_loads():
    """The file was saved when LBFGS was defined in skweights.optimizers."""
    import zipfile
    from pathlib import Path

    import skweights
    from skweights._persistence import _is_own_type

    path = Path(__file__).parent / "data" / "lbfgs_0.1.skops"
    with zipfile.ZipFile(path) as archive:
        assert "skweights.optimizers" in archive.read("schema.json").decode()
    model = skweights.load(path)
    assert type(model.optimizer) is LBFGS
    assert model.optimizer.get_params() == {"memory": 7, "max_fun": 500}
    X = np.random.default_rng(0).normal(size=(20, 4))
    assert_allclose(
        model.predict_proba(X),
        np.load(path.with_name("lbfgs_0.1_predict_proba.npy")),
        rtol=0,
        atol=1e-15,
    )
    assert _is_own_type("skweights.optimizers.LBFGS")
    assert _is_own_type("skweights._full_batch.LBFGS")
    # It keeps training: a warm start continues from the loaded weights.
    y = (X[:, 0] > 0).astype(int)
    model.set_params(warm_start=True, max_iter=5).fit(X, y)
    assert model.n_iter_ >= 1


# -- update's checks, L-BFGS's elastic-net forms, AdamW's decay, Lion ------------------
MINIBATCH = ["sgd", "adam", "adamw", "rmsprop", "adagrad"]
OWNER = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop"}


@pytest.mark.parametrize("name", MINIBATCH)
def test_update_errors_name_the_optimizer(name):
    # AdamW.update mutants 2, 24-26 (and the other owners): the message names the
    # optimizer the user configured.
    opt = optimizers.get(name)
    params = [np.zeros(2), np.zeros(1)]
    state = opt.init(params)
    owner = OWNER.get(name, "Adagrad")
    with pytest.raises(ValueError, match=f"^{owner}: got 1 gradient arrays for 2"):
        opt.update(params, [np.zeros(2)], state, 0.1)
    with pytest.raises(ValueError, match=f"^{owner}: penalized has 1 entries"):
        opt.update(params, [np.zeros(2), np.zeros(1)], state, 0.1, penalized=[True])


@pytest.mark.parametrize("name", MINIBATCH)
def test_update_refuses_a_state_of_other_arrays(name):
    # Adagrad.update mutants 8, 13, 14 (zip without strict=True): a state built for
    # fewer arrays must not silently leave the extra arrays untrained.
    opt = optimizers.get(name)
    state = opt.init([np.zeros(2)])
    params = [np.zeros(2), np.zeros(1)]
    with pytest.raises(ValueError, match="zip"):
        opt.update(params, [np.ones(2), np.ones(1)], state, 0.1)


class _StrengthsOnly:
    """A non-smooth penalty that gives only l1_strength and l2_strength."""

    smooth = False
    l1_strength, l2_strength = 0.1, 0.05

    def value(self, W):
        return float(0.1 * np.abs(W).sum() + 0.025 * np.sum(W * W))

    def prox(self, W, step):
        shrunk = np.sign(W) * np.maximum(np.abs(W) - 0.1 * step, 0.0)
        return shrunk / (1.0 + 0.05 * step)


class _AlphaOnly(_StrengthsOnly):
    """The same penalty, given as alpha and l1_ratio only."""

    l1_strength = l2_strength = None
    alpha, l1_ratio = 0.15, 2.0 / 3.0


class _L1AlphaOnly:
    """A lasso penalty given by alpha alone: l1_ratio defaults to 1."""

    smooth = False
    alpha = 0.1

    def value(self, W):
        return float(0.1 * np.abs(W).sum())

    def prox(self, W, step):
        return np.sign(W) * np.maximum(np.abs(W) - 0.1 * step, 0.0)


def test_lbfgs_reads_either_form_of_an_elastic_net_penalty():
    # _l1_l2_strengths mutants 1-33: a penalty may give its strengths
    # (l1_strength, l2_strength) or alpha and l1_ratio, which defaults to 1
    # (LBFGS.minimize's docstring); all give skweights' solution.
    rng = np.random.default_rng(0)
    A, b = rng.normal(size=(30, 6)), rng.normal(size=30)

    def fun(params):
        residual = A @ params[0] - b
        return 0.5 * residual @ residual / 30, [A.T @ residual / 30]

    results = [
        optimizers.lbfgs()
        .minimize(fun, [np.zeros(6)], penalty=penalty, tol=1e-12, max_iter=500)
        .params[0]
        for penalty in (
            _StrengthsOnly(),
            _AlphaOnly(),
            penalties.elasticnet(alpha=0.15, l1_ratio=2.0 / 3.0),
            _L1AlphaOnly(),
            penalties.l1(alpha=0.1),
        )
    ]
    assert (results[2] == 0).sum() >= 1 and np.abs(results[2]).max() > 0.05
    np.testing.assert_allclose(results[0], results[2], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(results[1], results[2], rtol=1e-9, atol=1e-12)
    # The lasso solution differs from the elastic net one by more than 1e-3.
    assert np.abs(results[4] - results[2]).max() > 1e-3
    np.testing.assert_allclose(results[3], results[4], rtol=1e-9, atol=1e-12)


def test_adamw_decay_rate_of_one_is_not_special():
    # _adam_update mutant 61: weight_decay=1 decays like any other rate,
    # p <- p (1 - lr * 1) with a zero gradient.
    opt = optimizers.adamw(weight_decay=1.0)
    params = [np.array([2.0])]
    state = opt.init(params)
    opt.update(params, [np.array([0.0])], state, 0.1)
    np.testing.assert_allclose(params[0], [1.8], rtol=1e-15)


def test_adamw_weight_decay_leaves_the_intercept_alone():
    # y = 20 + X w: decaying the intercept too (the fused flat-parameter path, which
    # cannot tell weights from biases) pulls it to about 9.75 instead of 20.
    X, _ = standard_data(n=200)
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


def test_lion_with_l1_leaves_a_weight_with_no_gradient_and_no_momentum_alone():
    # Lion._step mutant 28: a zero update direction (|c| = 0) gave an infinite
    # proximal step, which zeroed the weight; its step is 0: it does not move.
    optimizer = optimizers.lion()
    params = [np.array([0.7, -0.4])]
    state = optimizer.init(params)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizer.update(
            params, [np.array([0.0, 1.0])], state, 0.1, penalties.l1(alpha=1.0)
        )
    # the second weight moves by -lr and its step lr / |c| = 1 thresholds it to 0
    np.testing.assert_array_equal(params[0], [0.7, 0.0])
