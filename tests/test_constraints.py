"""skweights.constraints: each projection against its definition (and Keras'
formulas), the registry, validation; then constraint= on the estimators."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from skweights import (
    LinearClassifier,
    LinearRegressor,
    MLPClassifier,
    MLPRegressor,
    _jit,
    constraints,
)
from skweights.constraints import REGISTRY, MaxNorm, MinMaxNorm, NonNeg, UnitNorm, get
from skweights.initializers import Pretrained

ALL = [
    MaxNorm(1.5),
    UnitNorm(),
    NonNeg(),
    MinMaxNorm(0.5, 1.5),
    MinMaxNorm(0.5, 1.5, 0.5),
]


def _weights(seed=0, dtype=np.float64, shape=(6, 4)):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=shape) * rng.uniform(0.1, 1.5, size=shape[1])
    return W.astype(dtype)


def _keras(name, W, eps=1e-7, **kw):
    """Keras' formulas (keras.constraints), with their epsilon, axis 0."""
    norms = np.sqrt(np.sum(W**2, axis=0, keepdims=True))
    if name == "max_norm":
        return W * np.clip(norms, 0, kw["max_value"]) / (eps + norms)
    if name == "unit_norm":
        return W / (eps + norms)
    if name == "min_max_norm":
        desired = kw["rate"] * np.clip(norms, kw["min_value"], kw["max_value"])
        desired += (1 - kw["rate"]) * norms
        return W * desired / (eps + norms)
    return W * (W >= 0)


@pytest.mark.parametrize(
    "name, kw",
    [
        ("max_norm", {"max_value": 1.0}),
        ("unit_norm", {}),
        ("non_neg", {}),
        ("min_max_norm", {"min_value": 0.8, "max_value": 1.2, "rate": 1.0}),
        ("min_max_norm", {"min_value": 0.8, "max_value": 1.2, "rate": 0.3}),
    ],
)
def test_equal_to_keras_up_to_its_epsilon(name, kw):
    W = _weights(1)
    assert_allclose(get(name, **kw)(W), _keras(name, W, **kw), rtol=1e-6, atol=1e-12)


def test_max_norm_is_the_projection_onto_the_ball():
    W = _weights(2)
    X = MaxNorm(1.0)(W)
    norms = np.linalg.norm(X, axis=0)
    assert np.all(norms <= 1.0)
    inside = np.linalg.norm(W, axis=0) <= 1.0
    assert inside.any() and not inside.all()
    assert_array_equal(X[:, inside], W[:, inside])  # no epsilon shrink
    assert_allclose(norms[~inside], 1.0, rtol=1e-15)
    # nearest point of the set: no feasible point is closer
    rng = np.random.default_rng(2)
    for _ in range(200):
        Z = MaxNorm(1.0)(X + rng.normal(scale=0.3, size=X.shape))
        assert np.all(
            np.linalg.norm(W - Z, axis=0) >= np.linalg.norm(W - X, axis=0) - 1e-12
        )


def test_axis_one_and_several_axes():
    W = _weights(3)
    assert_allclose(MaxNorm(0.5, axis=1)(W), MaxNorm(0.5)(W.T).T, rtol=1e-15)
    X = UnitNorm(axis=[0, 1])(W)
    assert np.linalg.norm(X) == pytest.approx(1.0, rel=1e-14)


def test_unit_and_min_max_norms_and_zero_columns():
    W = _weights(4)
    W[:, 1] = 0.0
    assert_allclose(np.linalg.norm(UnitNorm()(W), axis=0), [1, 0, 1, 1], rtol=1e-14)
    X = MinMaxNorm(0.9, 1.1)(W)
    norms = np.linalg.norm(X, axis=0)
    assert np.all(X[:, 1] == 0.0)
    assert np.all((norms[[0, 2, 3]] >= 0.9 - 1e-15) & (norms[[0, 2, 3]] <= 1.1 + 1e-15))
    # rate 0.5 moves each norm half way to the interval
    before = np.linalg.norm(W, axis=0)
    half = np.linalg.norm(MinMaxNorm(0.9, 1.1, rate=0.5)(W), axis=0)
    assert_allclose(half, 0.5 * np.clip(before, 0.9, 1.1) * (before > 0) + 0.5 * before)


def test_non_neg():
    W = _weights(5)
    X = NonNeg()(W)
    assert_array_equal(X, np.where(W > 0, W, 0.0))
    assert not np.signbit(X).any()


@pytest.mark.parametrize("constraint", ALL, ids=repr)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_in_place_and_idempotent(constraint, dtype):
    W = _weights(6, dtype)
    X = constraint(W)
    assert X.dtype == dtype and X is not W
    if not (isinstance(constraint, MinMaxNorm) and constraint.rate != 1.0):
        assert_allclose(constraint(X), X, rtol=1e-6 if dtype == np.float32 else 1e-14)
    out = W.copy()
    assert constraint.project(out, out=out) is out
    assert_array_equal(out, X)


@pytest.mark.parametrize(
    "constraint, match",
    [
        (MaxNorm(0), "max_value"),
        (MaxNorm(-1.0), "max_value"),
        (MaxNorm(axis=2), "axis"),
        (MaxNorm(axis="0"), "axis"),
        (UnitNorm(axis=True), "axis"),
        (MinMaxNorm(2.0, 1.0), "max_value"),
        (MinMaxNorm(rate=0.0), "rate"),
        (MinMaxNorm(min_value=-1.0), "min_value"),
    ],
)
def test_invalid_parameters_raise_when_used(constraint, match):
    with pytest.raises(ValueError, match=match):
        constraint(_weights(7))


@pytest.mark.parametrize("name", REGISTRY.names)
def test_every_name_resolves(name):
    constraint = get(name)
    assert isinstance(constraint, constraints.Constraint)
    assert clone(constraint) == constraint
    assert type(get(name.upper())) is type(constraint)


def test_registry_instances_callables_and_unknown_names():
    c = MaxNorm(3.0)
    assert get(c) is c and type(get(MaxNorm, max_value=1.0)) is MaxNorm
    assert get("MaxNorm", max_value=3.0) == c
    with pytest.raises(ValueError) as info:
        get("max-norm")
    for name in REGISTRY.names:
        assert name in str(info.value)
    assert set(REGISTRY.entries) == {"max_norm", "unit_norm", "non_neg", "min_max_norm"}


# -- constraint= on the estimators ---------------------------------------------------


def _regression(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    y = 3.0 * X[:, 0] - 2.0 * X[:, 1] + np.sin(2 * X[:, 2]) + rng.normal(0, 0.1, n)
    return X, y


def _quiet_fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def _column_norms(W):
    return np.linalg.norm(W, axis=0)


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop", "adagrad"])
def test_max_norm_holds_after_fit(optimizer):
    X, y = _regression()
    kw = dict(optimizer=optimizer, learning_rate=0.01, max_iter=30, random_state=0)
    free = _quiet_fit(MLPRegressor((16,), **kw), X, y)
    assert max(_column_norms(W).max() for W in free.coefs_) > 1.0  # it binds
    model = _quiet_fit(MLPRegressor((16,), constraint=MaxNorm(0.8), **kw), X, y)
    for W in model.coefs_:
        assert _column_norms(W).max() <= 0.8 + 1e-9
    assert np.isclose(_column_norms(model.coefs_[0]).max(), 0.8, rtol=1e-9)


def test_one_constraint_per_layer_and_names():
    X, y = _regression()
    model = MLPRegressor(
        (16,),
        constraint=["max_norm", None],
        learning_rate=0.02,
        max_iter=30,
        random_state=0,
    )
    _quiet_fit(model, X, y)
    assert _column_norms(model.coefs_[0]).max() <= 2.0 + 1e-9  # Keras' default 2
    assert _column_norms(model.coefs_[1]).max() > 2.0  # the output layer is free
    with pytest.raises(ValueError, match="constraint has 3 entries.*2 layers"):
        MLPRegressor((4,), constraint=[None, None, "max_norm"]).fit(X, y)
    with pytest.raises(ValueError, match="Unknown constraint 'max-norm'.*max_norm"):
        MLPRegressor((4,), constraint="max-norm").fit(X, y)


def test_non_neg_linear_model_reaches_the_positive_solution():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 4))
    y = X @ np.array([1.0, -1.0, 0.5, 2.0]) + rng.normal(0, 0.1, 300)
    model = LinearRegressor(
        constraint=NonNeg(),
        penalty="none",
        optimizer="sgd",  # full-batch projected gradient descent: convex, exact
        learning_rate=0.2,
        batch_size=300,
        max_iter=500,
        tol=0.0,
        n_iter_no_change=np.inf,
        random_state=0,
    )
    _quiet_fit(model, X, y)
    reference = LinearRegressor(positive=True, penalty="none").fit(X, y)  # NNLS
    assert np.all(model.coef_ >= 0) and model.coef_[1] == 0.0
    assert_allclose(model.coef_, reference.coef_, atol=1e-8)


def test_the_projection_follows_the_proximal_step():
    # One full-batch SGD step from known weights: W1 = C(prox(W0 - lr g)). With an
    # L1 prox and a max-norm ball, projecting first would leave a norm below c.
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(40, 3)), rng.normal(size=40)
    W0, b0 = np.array([[2.0], [-1.5], [0.05]]), np.array([0.1])
    lr, alpha, c = 0.1, 0.5, 1.0
    model = LinearRegressor(
        penalty="l1",
        alpha=alpha,
        constraint=MaxNorm(c),
        optimizer="sgd",
        learning_rate=lr,
        batch_size=40,
        shuffle=False,
        max_iter=1,
        initializer=Pretrained(coefs=[W0], intercepts=[b0]),
    )
    _quiet_fit(model, X, y)
    residual = X @ W0[:, 0] + b0[0] - y
    step = W0[:, 0] - lr * X.T @ residual / len(y)
    prox = np.sign(step) * np.maximum(np.abs(step) - lr * alpha, 0)
    expected = prox * min(1.0, c / np.linalg.norm(prox))
    assert_allclose(model.coef_, expected, rtol=1e-12)
    assert model.intercept_ == pytest.approx(b0[0] - lr * residual.mean(), rel=1e-12)
    # the other order would differ: projecting first leaves a norm below c
    ball = step * min(1.0, c / np.linalg.norm(step))
    other = np.sign(ball) * np.maximum(np.abs(ball) - lr * alpha, 0)
    assert np.linalg.norm(expected) == pytest.approx(c, rel=1e-12)
    assert np.linalg.norm(other) < c - 0.01


@pytest.mark.parametrize("optimizer", ["lbfgs", "fista", "cd", "direct"])
def test_full_batch_solvers_refuse_a_constraint(optimizer):
    X, y = _regression()
    model = LinearRegressor(constraint=MaxNorm(1.0), optimizer=optimizer)
    with pytest.raises(ValueError, match="constraint.*minibatch optimizer"):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")


@pytest.mark.parametrize("cls", [LinearRegressor, MLPRegressor])
def test_auto_picks_a_minibatch_optimizer_with_a_constraint(cls):
    X, y = _regression()
    model = _quiet_fit(cls(constraint=MaxNorm(1.0), max_iter=20, random_state=0), X, y)
    assert model.history_[-1]["learning_rate"] is not None  # a minibatch run
    assert _column_norms(model.coefs_[0]).max() <= 1.0 + 1e-9


def test_fused_path_partial_fit_and_classifier():
    X, y = _regression()
    kw = dict(constraint=UnitNorm(), learning_rate=0.01, max_iter=5, random_state=0)
    fused = _quiet_fit(MLPRegressor((8,), **kw), X, y)
    with _jit.disabled():
        reference = _quiet_fit(MLPRegressor((8,), **kw), X, y)
    for a, b in zip(fused.coefs_, reference.coefs_, strict=True):
        assert_allclose(a, b, rtol=1e-10, atol=1e-12)
        assert_allclose(_column_norms(a), 1.0, rtol=1e-12)
    streaming = MLPRegressor((8,), constraint=MaxNorm(0.3), random_state=0)
    for _ in range(3):
        streaming.partial_fit(X, y)
    assert _column_norms(streaming.coefs_[0]).max() <= 0.3 + 1e-9
    labels = (y > 0).astype(int)
    clf = _quiet_fit(
        MLPClassifier((8,), constraint=MaxNorm(0.5), max_iter=20, random_state=0),
        X,
        labels,
    )
    assert max(_column_norms(W).max() for W in clf.coefs_) <= 0.5 + 1e-9
    lin = _quiet_fit(
        LinearClassifier(constraint=NonNeg(), max_iter=20, random_state=0), X, labels
    )
    assert np.all(lin.coef_ >= 0)


def test_float32_and_frozen_layers():
    X, y = _regression()
    model = MLPRegressor(
        (8,), constraint=MaxNorm(0.5), max_iter=10, random_state=0, frozen_layers=(1,)
    )
    _quiet_fit(model, X.astype(np.float32), y.astype(np.float32))
    assert model.coefs_[0].dtype == np.float32
    assert _column_norms(model.coefs_[0]).max() <= 0.5 * (1 + 1e-6)
