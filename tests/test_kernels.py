"""The numba kernels of the minibatch loop against the numpy reference path.

The kernels are generated from the components' scalar rules (``skweights._kernels``).
In float64 both paths do the same arithmetic but for the order of a few sums (BLAS
versus a kernel's loop), so after several epochs the weights agree to 1e-12; a wrong
rule or kernel (a missing bias, a wrong derivative or slot) differs by far more. Every
registered activation with scalar rules meets every such loss, and every minibatch
optimizer with a scalar rule (with its momentum variants) meets every penalty. A
component without scalar rules needs no kernel: it trains on the reference path.
"""

import contextlib
import os
import shutil
import stat
import subprocess
import sys
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning

from skweights import (
    MLPClassifier,
    _jit,
    _kernels,
    activations,
    losses,
    optimizers,
    penalties,
    schedules,
)
from skweights._network import Objective
from skweights._training import (
    FitPlan,
    TrainData,
    TrainingConfig,
    TrainingState,
    train,
)
from skweights.exceptions import DivergenceWarning

ROOT = Path(__file__).resolve().parents[1]
N_ROWS, N_FEATURES, HIDDEN = 48, 4, (5, 3)


def _targets(name, rng):
    """Targets in each loss's domain, two outputs (three one-hot classes)."""
    n = N_ROWS
    if name == "log_loss":
        return rng.integers(0, 2, (n, 2)).astype(float)
    if name == "multinomial_log_loss":
        return np.eye(3)[rng.integers(0, 3, n)]
    if name == "poisson":  # counts, zeros included (the y log y = 0 branch)
        return rng.poisson(1.0, (n, 2)).astype(float)
    if name == "gamma":
        return rng.gamma(2.0, 1.0, (n, 2))
    return rng.standard_normal((n, 2))


def _has_rules(component):
    """Whether the component's class declares the scalar rules of a kernel."""
    rules = {
        activations.Activation: ("scalar_forward", "scalar_backprop"),
        losses.Loss: ("scalar_loss",),
        optimizers.Optimizer: ("scalar_step", "scalar_coefficients"),
    }
    for base, names in rules.items():
        if isinstance(component, base):
            if base is losses.Loss and component.row_loss is not None:
                return True
            return all(getattr(component, name) is not None for name in names)
    return False


def _with_rules(registry, get):
    return sorted(name for name in registry.entries if _has_rules(get(name)))


LOSSES = _with_rules(losses.REGISTRY, losses.get)
ACTIVATIONS = _with_rules(activations.REGISTRY, activations.get)
MINIBATCH = sorted(
    name
    for name, cls in optimizers.REGISTRY.entries.items()
    if not cls.full_batch
    and not getattr(cls, "solves_linear", False)
    and _has_rules(optimizers.get(name))
)
OPTIMIZERS = [optimizers.get(name) for name in MINIBATCH] + [
    optimizers.SGD(momentum=0.9),
    optimizers.SGD(momentum=0.9, nesterov=True),
    optimizers.RMSprop(momentum=0.5),
    optimizers.Adagrad(initial_accumulator=0.1),
    optimizers.AdamW(weight_decay=0.0),  # element-wise: Adam's scalar rule
    optimizers.Adam(clipnorm=0.05),  # clipping between the kernels
]
PENALTIES = {
    **{name: penalties.get(name, alpha=0.01) for name in penalties.REGISTRY.entries},
    "per_layer": (penalties.get("l1", alpha=0.01), None, penalties.get("l2", 0.05)),
}


def _fit(activation, loss, optimizer, penalty, dtype=np.float64, epochs=3):
    """Train a (4, 5, 3, k) network for ``epochs`` epochs; the arrays and history."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N_ROWS, N_FEATURES)).astype(dtype)
    Y = _targets(loss, rng).astype(dtype)
    sizes = [N_FEATURES, *HIDDEN, Y.shape[1]]
    coefs = [
        (rng.standard_normal((a, b)) / np.sqrt(a)).astype(dtype)
        for a, b in zip(sizes[:-1], sizes[1:])
    ]
    intercepts = [0.1 * rng.standard_normal(b).astype(dtype) for b in sizes[1:]]
    if isinstance(penalty, tuple):
        penalty = tuple(penalties.get(p) for p in penalty)
    else:
        penalty = penalties.get(penalty)
    objective = Objective(
        activations.get(activation),
        losses.get(loss),
        penalty,
        (True,) * 3,
        (True,) * 3,
    )
    config = TrainingConfig(
        optimizer=optimizer,
        schedule=schedules.get("constant"),
        learning_rate=0.02,
        batch_size=16,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=10**6,
        shuffle=True,
        # A pairing that diverges (gamma through identity units with SGD's
        # momentum) must do so the same way on both paths.
        on_divergence="keep_best",
    )
    state = TrainingState(rng=np.random.default_rng(1))
    weights = np.ones(N_ROWS, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", DivergenceWarning)
        data = TrainData(X, Y, weights)
        train(FitPlan(data, objective, coefs, intercepts, config, state))
    return coefs + intercepts, state.history, objective


def _assert_paths_agree(activation, loss, optimizer, penalty):
    fused, fused_history, objective = _fit(activation, loss, optimizer, penalty)
    # The loop really took the kernels (else this test compares numpy to numpy).
    assert _kernels.plan(objective, optimizer, np.float64, flat=False) is not None
    with _jit.disabled():
        reference, history, _ = _fit(activation, loss, optimizer, penalty)
    for a, b in zip(fused, reference, strict=True):
        assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert_allclose(fused_history["loss"], history["loss"], rtol=1e-12)
    assert_allclose(
        np.array(fused_history["grad_norms"], dtype=float),
        np.array(history["grad_norms"], dtype=float),
        rtol=1e-10,
    )


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_and_loss_match_the_reference(activation, loss):
    _assert_paths_agree(activation, loss, optimizers.Adam(), PENALTIES["l2"])


@pytest.mark.parametrize("penalty", sorted(PENALTIES))
@pytest.mark.parametrize("index", range(len(OPTIMIZERS)))
def test_every_optimizer_and_penalty_match_the_reference(index, penalty):
    # Each pair also meets another activation and loss, so that every one of them
    # trains with several optimizers too.
    case = index * len(PENALTIES) + sorted(PENALTIES).index(penalty)
    activation = ACTIVATIONS[case % len(ACTIVATIONS)]
    loss = LOSSES[(case // len(ACTIVATIONS) + case) % len(LOSSES)]
    _assert_paths_agree(activation, loss, OPTIMIZERS[index], PENALTIES[penalty])


# -- components defined here, outside the package ------------------------------------
# Softsign, the log-cosh loss and plain gradient descent without a state slot: first
# with numpy rules only, then with scalar rules of their own (subclasses that add
# them and change no numpy rule).


class _SoftsignNumpy(activations.Activation):
    """``z / (1 + |z|)``; ``f' = 1 / (1 + |z|)^2 = (1 - |a|)^2``."""

    monotone = True

    def _forward(self, z, out):
        return np.divide(z, 1 + np.abs(z), out=out)

    def _derivative(self, a, z):
        d = 1 - np.abs(a)
        d *= d
        return d


class _Softsign(_SoftsignNumpy):
    @staticmethod
    def scalar_forward(v, p):
        return v / (1 + abs(v))

    @staticmethod
    def scalar_backprop(delta, x, p):
        return delta * ((1 - abs(x)) * (1 - abs(x)))


class _LogCoshNumpy(losses.Loss):
    """``log cosh(raw - y)``, whose gradient is ``tanh(raw - y)``."""

    output_activation = "identity"

    def _pointwise(self, y, raw):
        return np.log(np.cosh(raw - y)).sum(axis=1)

    def _gradient(self, y, raw):
        return np.tanh(raw - y)

    def _predict(self, raw):
        return raw.copy()


class _LogCosh(_LogCoshNumpy):
    @staticmethod
    def scalar_loss(v, y, p):
        r = v - y
        return np.log(np.cosh(r)), np.tanh(r)


class _CountOnly(NamedTuple):
    count: int


class _PlainDescentNumpy(optimizers.Optimizer):
    """``p -= lr * g``, with no slot in its state."""

    State = _CountOnly

    def _step(self, p, g, slots, step):
        p -= g * step.learning_rate
        return step.learning_rate


class _PlainDescent(_PlainDescentNumpy):
    @staticmethod
    def scalar_coefficients(hyper, learning_rate, count):
        return (learning_rate,)

    @staticmethod
    def scalar_step(p, g, coefficients):
        (lr,) = coefficients
        return (p - g * lr,)


def test_components_without_scalar_rules_train_on_the_reference_path():
    activation, loss = _SoftsignNumpy(), _LogCoshNumpy()
    optimizer = _PlainDescentNumpy()
    assert not any(_has_rules(c) for c in (activation, loss, optimizer))
    objective = Objective(activation, loss, penalties.get("l2"), (1,), (1,))
    assert _kernels.plan(objective, optimizer, np.float64, flat=True) is None
    plain = Objective(
        activations.ReLU(), losses.SquaredError(), penalties.get(None), (1,), (1,)
    )
    assert _kernels.plan(plain, optimizer, np.float64, flat=True).optimizer is None
    trained, history, _ = _fit(activation, loss, optimizer, PENALTIES["l2"])
    with _jit.disabled():
        reference, _, _ = _fit(activation, loss, optimizer, PENALTIES["l2"])
    for a, b in zip(trained, reference, strict=True):
        assert_array_equal(a, b)  # the very same numpy calls: no kernel ran
    assert history["loss"][-1] < history["loss"][0]


def test_components_with_their_own_scalar_rules_get_kernels_matching_numpy():
    activation, loss, optimizer = _Softsign(), _LogCosh(), _PlainDescent()
    objective = Objective(activation, loss, penalties.get("l2"), (1,), (1,))
    plan = _kernels.plan(objective, optimizer, np.float64, flat=True)
    assert plan is not None and plan.optimizer is not None
    _assert_paths_agree(activation, loss, optimizer, PENALTIES["l2"])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_stays_float32_and_the_flat_step_is_fused(dtype):
    objective = Objective(
        activations.get("relu"), losses.get("log_loss"), penalties.get("l2"), (1,), (1,)
    )
    plan = _kernels.plan(objective, optimizers.Adam(), dtype, flat=True)
    assert plan.optimizer is not None and plan.dtype is np.dtype(dtype).type
    fused, _, _ = _fit("tanh", "multinomial_log_loss", optimizers.Adam(), None, dtype)
    with _jit.disabled():
        reference, _, _ = _fit(
            "tanh", "multinomial_log_loss", optimizers.Adam(), None, dtype
        )
    assert all(a.dtype == dtype for a in fused)
    # float32 rounds differently along another summation order: close, not equal.
    for a, b in zip(fused, reference):
        assert_allclose(a, b, rtol=1e-3, atol=1e-4)


def test_no_plan_when_disabled_or_a_component_has_no_scalar_rule(monkeypatch):
    objective = Objective(
        activations.get("relu"),
        losses.get("squared_error"),
        penalties.get(None),
        (1,),
        (1,),
    )
    adam = optimizers.Adam()
    assert _kernels.plan(objective, adam, np.float64, flat=True) is not None
    assert _kernels.plan(objective, adam, np.float16, flat=True) is None
    assert _kernels.plan(objective, adam, np.float64, flat=False).optimizer is None
    with _jit.disabled():
        assert _kernels.plan(objective, adam, np.float64, flat=True) is None
    monkeypatch.setenv("SKWEIGHTS_DISABLE_NUMBA", "1")
    assert _kernels.plan(objective, adam, np.float64, flat=True) is None


class _ShiftedReLU(activations.ReLU):
    """A subclass that changes the math: it must not inherit ReLU's scalar rules."""

    def _forward(self, z, out):
        return np.maximum(z, 0.1, out=out)


class _TinyStepSGD(optimizers.SGD):
    def _step(self, p, g, slots, step):
        p -= 0.5 * g  # ignores the learning rate


class _HalfSquaredError(losses.SquaredError):
    def _pointwise(self, y, raw):
        return 0.5 * super()._pointwise(y, raw)


def test_a_subclass_that_changes_the_rule_takes_the_reference_path():
    assert _ShiftedReLU.scalar_forward is None and _ShiftedReLU.scalar_backprop is None
    assert _TinyStepSGD.scalar_step is None
    assert _TinyStepSGD.scalar_coefficients is None
    # Not even SquaredError's halving of the row's sum survives: the base's default.
    assert _HalfSquaredError.scalar_loss is None
    assert _HalfSquaredError.scalar_total is losses.Loss.scalar_total
    assert activations.LeakyReLU.scalar_forward is not activations.ReLU.scalar_forward
    assert optimizers.AdamW.scalar_step is optimizers.Adam.scalar_step  # no new rule
    objective = Objective(
        _ShiftedReLU(), losses.get("squared_error"), penalties.get(None), (1,), (1,)
    )
    assert _kernels.plan(objective, optimizers.SGD(), np.float64, flat=True) is None
    X = np.random.default_rng(0).standard_normal((60, 3))
    y = X[:, 0] > 0
    params = dict(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mine = MLPClassifier(optimizer=_TinyStepSGD(), **params).fit(X, y)
        with _jit.disabled():
            reference = MLPClassifier(optimizer=_TinyStepSGD(), **params).fit(X, y)
        plain = MLPClassifier(optimizer="sgd", **params).fit(X, y)
    assert_array_equal(mine.coefs_[0], reference.coefs_[0])  # the subclass's rule
    assert not np.allclose(mine.coefs_[0], plain.coefs_[0])


_FIT = """
import sys, numpy as np
sys.path.insert(0, {path!r})
import skweights
from skweights import MLPClassifier, _jit
assert skweights.__file__.startswith({path!r}), skweights.__file__
X = np.random.default_rng(0).standard_normal((80, 5))
y = (X[:, 0] + X[:, 1] > 0).astype(int)
model = MLPClassifier((6,), max_iter=4, batch_size=16, random_state=0).fit(X, y)
print(_jit.enabled())
np.save({out!r}, np.concatenate([a.ravel() for a in model.coefs_ + model.intercepts_]))
"""


def _reference_weights():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 5))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    with warnings.catch_warnings(), _jit.disabled():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPClassifier((6,), max_iter=4, batch_size=16, random_state=0)
        model.fit(X, y)
    return np.concatenate([a.ravel() for a in model.coefs_ + model.intercepts_])


def _run_fit(path, out, env, prelude=""):
    code = prelude + _FIT.format(path=str(path), out=str(out))
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=out.parent,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_numba_disable_jit_fits_on_the_reference_path(tmp_path):
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    out = tmp_path / "weights.npy"
    assert _run_fit(ROOT, out, env) == "False"
    assert_array_equal(np.load(out), _reference_weights())


# As root, a read-only mode bit does not stop writes: make every file creation in a
# cache directory fail instead, which is what numba meets on a read-only install.
_NO_WRITES = """
import tempfile
def _refuse(*args, **kwargs):
    raise PermissionError("read-only file system")
tempfile.TemporaryFile = _refuse
"""


def test_a_read_only_install_imports_and_fits(tmp_path):
    install = tmp_path / "site"
    shutil.copytree(
        ROOT / "skweights",
        install / "skweights",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    home = tmp_path / "home"
    home.mkdir()
    for path in [install, home, *install.rglob("*")]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("NUMBA_CACHE_DIR", "PYTHONPATH")
    }
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / "cache"))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    prelude = _NO_WRITES if os.geteuid() == 0 else ""
    try:
        enabled = _run_fit(install, out_dir / "weights.npy", env, prelude)
    finally:
        for path in [install, home, *install.rglob("*")]:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
    assert enabled == "True"  # the kernels ran, compiled without a cache
    assert not list(install.rglob("*.nbi"))
    assert_allclose(np.load(out_dir / "weights.npy"), _reference_weights(), 1e-12)


_RULE_MODULE = """
import numpy as np
from skweights import activations


class Scaling(activations.Identity):
    def _forward(self, z, out):
        return np.multiply(z, {factor}, out=out)

    @staticmethod
    def scalar_forward(v, p):
        return v * {factor}

    @staticmethod
    def scalar_backprop(delta, x, p):
        return delta
"""

_RUN_RULE = """
import sys
sys.path[:0] = [{root!r}, {here!r}]
import numpy as np
from skweights import _kernels, losses, penalties
from skweights._network import Objective
import rule_module
objective = Objective(
    rule_module.Scaling(), losses.SquaredError(), penalties.get(None), (1,), (1,)
)
plan = _kernels.plan(objective, None, np.float64, flat=False)
z = np.ones((2, 3))
plan.forward(z, np.zeros(3), np.empty((0, 0)))
print(z[0, 0], sum(plan.activation[0].stats.cache_hits.values()))
"""


def test_the_kernel_cache_follows_the_rules_code(tmp_path):
    """A kernel compiled once is reused by the next process, until its rule changes.

    numba's on-disk cache knows only the file of the kernel's shape
    (``_kernels.py``); the rule's code is in the key through the closure.
    """
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    code = _RUN_RULE.format(root=str(ROOT), here=str(tmp_path))

    def run(factor):
        (tmp_path / "rule_module.py").write_text(_RULE_MODULE.format(factor=factor))
        result = subprocess.run(
            [sys.executable, "-B", "-W", "ignore", "-c", code],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.split()

    assert run(2.0) == ["2.0", "0"]  # compiled
    assert run(2.0) == ["2.0", "1"]  # loaded from the cache
    assert run(3.0) == ["3.0", "0"]  # another rule: compiled anew, not the old one


def _estimator_case(case):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((90, 6))
    y = (X[:, 0] - X[:, 1] > 0).astype(int) + (X[:, 2] > 0.5)
    params = dict(hidden_layer_sizes=(7, 5), max_iter=5, batch_size=20, tol=0.0)
    fit_params = {}
    if case == "frozen_first":
        params["frozen_layers"] = (0,)
    elif case == "frozen_middle":
        params["frozen_layers"] = (1,)
    elif case == "sparse":
        X = sp.csr_matrix(np.where(X > 0.5, X, 0.0))
    elif case == "sample_weight":
        fit_params["sample_weight"] = rng.uniform(0.1, 2.0, len(y))
    elif case == "early_stopping":
        params.update(early_stopping=True, validation_fraction=0.2, max_iter=8)
    elif case == "lbfgs":
        params["optimizer"] = "lbfgs"
    return X, y, params, fit_params


@pytest.mark.parametrize(
    "case",
    ["frozen_first", "frozen_middle", "sparse", "sample_weight", "early_stopping"]
    + ["lbfgs", "partial_fit"],
)
def test_estimator_options_match_the_reference(case):
    """Frozen layers, sparse X, weights, early stopping, full batch, partial_fit."""
    X, y, params, fit_params = _estimator_case(case)
    fitted = []
    for disabled in (False, True):
        model = MLPClassifier(random_state=0, **params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            with _jit.disabled() if disabled else contextlib.nullcontext():
                if case == "partial_fit":
                    for _ in range(3):
                        model.partial_fit(X, y, classes=[0, 1, 2])
                else:
                    model.fit(X, y, **fit_params)
        fitted.append(model)
    fused, reference = fitted
    for a, b in zip(
        fused.coefs_ + fused.intercepts_, reference.coefs_ + reference.intercepts_
    ):
        assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert_allclose(fused.loss_curve_, reference.loss_curve_, rtol=1e-12)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_concurrent_fits_in_threads_match_sequential_fits():
    """The kernels release the GIL and share nothing but compiled code."""
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 6))
    y = (X[:, 0] > 0).astype(int)

    def fit(seed):
        model = MLPClassifier((8,), activation="tanh", max_iter=4, random_state=seed)
        return model.fit(X, y).coefs_  # (catch_warnings is not thread-safe)

    sequential = [fit(seed) for seed in range(4)]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(fit, range(4)))
    for a, b in zip(sequential, threaded):
        for x, z in zip(a, b):
            assert_array_equal(x, z)


# -- the fused optimizer steps, checked directly on the default path -----------------
# The comparison with the numpy reference above catches a kernel that drifts from the
# reference; these catch a kernel and a reference that are wrong together. A linear
# regressor trained full-batch (one step per epoch, rows in order) from zero weights
# takes steps written out here by hand, with the squared error's gradient
# X.T @ (X w + b - y) / n.
_STEP_X = np.random.default_rng(0).standard_normal((40, 3))
_STEP_Y = _STEP_X @ [2.0, -1.0, 0.5] + 3.0


def _gradient(params):
    """Gradient of the mean half squared error at ``params`` = (w, b)."""
    w, b = params[:-1], params[-1]
    residual = _STEP_X @ w + b - _STEP_Y
    return np.append(_STEP_X.T @ residual, residual.sum()) / len(_STEP_Y)


def _fused_steps(monkeypatch, optimizer, learning_rate, steps):
    """(w, b) after ``steps`` full-batch steps, and the generated steps that ran."""
    calls = []
    generate = _kernels._optimizer_step

    def spying(optimizer):
        kernel, coefficients, hyper, owner = generate(optimizer)

        def spy(*args):
            calls.append(owner)
            return kernel(*args)

        return spy, coefficients, hyper, owner

    monkeypatch.setattr(_kernels, "_optimizer_step", spying)
    from skweights import LinearRegressor

    model = LinearRegressor(
        optimizer=optimizer,
        learning_rate=learning_rate,
        penalty=None,
        batch_size=len(_STEP_Y),
        max_iter=steps,
        shuffle=False,
        tol=0.0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(_STEP_X, _STEP_Y)
    return np.append(model.coefs_[0][:, 0], model.intercepts_[0]), calls


def test_adams_first_fused_step_is_the_learning_rate_against_the_gradients_sign(
    monkeypatch,
):
    # Bias-corrected, Adam's first step is lr * g / (|g| + eps): lr * sign(g) to
    # 1e-8 relative. Without the corrections it would be lr * (1 - b1) /
    # sqrt(1 - b2) * sign(g), 3.2 times as long.
    params, calls = _fused_steps(monkeypatch, optimizers.Adam(), 0.01, 1)
    assert calls == ["Adam"]
    assert_allclose(params, -0.01 * np.sign(_gradient(np.zeros(4))), rtol=1e-6)


def test_adams_fused_steps_follow_the_bias_corrected_formula(monkeypatch):
    lr, beta_1, beta_2, eps = 0.05, 0.9, 0.999, 1e-7
    adam = optimizers.Adam(beta_1=beta_1, beta_2=beta_2, epsilon=eps)
    params, calls = _fused_steps(monkeypatch, adam, lr, 3)
    assert calls == ["Adam"] * 3
    p, m, v = np.zeros(4), np.zeros(4), np.zeros(4)
    for t in (1, 2, 3):
        g = _gradient(p)
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g * g
        m_hat, v_hat = m / (1 - beta_1**t), v / (1 - beta_2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    assert_allclose(params, p, rtol=1e-10)


def test_nesterovs_fused_steps_follow_the_hand_computed_formula(monkeypatch):
    # PyTorch's form: v <- m v + g; p <- p - lr (m v + g) with Nesterov, p - lr v
    # without.
    lr, momentum = 0.05, 0.9
    expected = {}
    for nesterov in (True, False):
        p, v = np.zeros(4), np.zeros(4)
        for _ in range(3):
            g = _gradient(p)
            v = momentum * v + g
            p = p - lr * (momentum * v + g if nesterov else v)
        expected[nesterov] = p
        sgd = optimizers.SGD(momentum=momentum, nesterov=nesterov)
        params, calls = _fused_steps(monkeypatch, sgd, lr, 3)
        assert calls == ["SGD"] * 3
        assert_allclose(params, p, rtol=1e-10)
    # The two forms differ here by far more than the tolerance.
    assert not np.allclose(expected[True], expected[False], rtol=1e-3)
