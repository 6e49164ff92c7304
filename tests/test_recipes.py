"""The recipes of ``docs/architecture.md``, followed from outside the package.

Each component (an optimizer, an activation, a loss, a penalty, a plot) is defined
here, in the test module, from the public base class and what the recipe says, and
passed to an estimator as an instance (registering it in a package registry would
leak into every other test). Each one then fits, with its real behaviour checked
(one optimizer step against numpy, an activation against the built-in it
reimplements, a loss's gradient against finite differences, a penalty against
scikit-learn), explains (SHAP values add up to the prediction minus the base value),
saves and loads with ``skweights.save``/``skweights.load`` (the test module's types
named in ``trusted=``) and survives a pickle round trip.
"""

import pickle
import warnings
from typing import NamedTuple

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from figure_check import assert_figure_ok  # noqa: E402
from scipy.optimize import minimize  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import ElasticNet  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import skweights  # noqa: E402
from skweights import LinearRegressor, MLPRegressor, explain  # noqa: E402
from skweights._pipeline import feature_names, fitted_final  # noqa: E402
from skweights.activations import Activation  # noqa: E402
from skweights.losses import Loss  # noqa: E402
from skweights.optimizers import Optimizer  # noqa: E402
from skweights.penalties import Penalty  # noqa: E402


@pytest.fixture(autouse=True)
def _quiet_convergence():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _regression(n=80, n_features=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    y = np.tanh(X[:, 0]) - 0.5 * X[:, 1] + 0.2 * X[:, 2] * X[:, 3]
    return X, y + 0.1 * rng.normal(size=n)


def _trusted_names(*types):
    """The fully qualified names ``skweights.load(..., trusted=)`` takes."""
    return [f"{cls.__module__}.{cls.__qualname__}" for cls in types]


def _assert_adds_up(model, X, background, **kwargs):
    """SHAP values of each row sum to its prediction minus the base value."""
    explanation = explain(model, X, background, **kwargs)
    total = explanation.values.sum(axis=1) + explanation.base_values
    np.testing.assert_allclose(total, model.predict(X), rtol=0, atol=1e-9)


def _assert_clones(model, X, y):
    """A clone (components cloned by their get_params) refits to the same weights."""
    refit = clone(model).fit(X, y)
    np.testing.assert_array_equal(refit.predict(X), model.predict(X))


def _assert_round_trips(model, X, tmp_path, trusted):
    """skops with the test module's types trusted, and pickle: the same predictions."""
    pytest.importorskip("skops")
    path = skweights.save(model, tmp_path / "model.skops")
    with pytest.raises(ValueError, match="trusted="):
        skweights.load(path)  # a type from outside skweights is refused by default
    restored = skweights.load(path, trusted=trusted)
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))
    pickled = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(pickled.predict(X), model.predict(X))
    return restored


# -- Adding an optimizer ---------------------------------------------------------------
class DampedMomentumState(NamedTuple):
    """The count and one velocity per array."""

    count: int
    velocity: list


class DampedMomentum(Optimizer):
    """v <- beta v + (1 - beta) g; p <- p - lr v (an exponential moving average)."""

    State = DampedMomentumState

    def __init__(self, beta=0.5, clipnorm=None, global_clipnorm=None):
        self.beta = beta
        self.clipnorm = clipnorm
        self.global_clipnorm = global_clipnorm

    def _validated(self):
        if not 0.0 <= self.beta < 1.0:
            raise ValueError(
                f"DampedMomentum: beta must be in [0, 1), got {self.beta}."
            )
        return (float(self.beta),)

    def _step(self, param, grad, slots, step):
        (velocity,) = slots
        (beta,) = step.hyper
        velocity *= beta
        velocity += (1.0 - beta) * grad
        param -= step.learning_rate * velocity
        # the step per unit of velocity, for a proximal penalty
        return step.learning_rate if step.prox else None


def test_a_custom_optimizer_steps_like_its_numpy_formula():
    rng = np.random.default_rng(0)
    params = [rng.normal(size=(3, 2)), rng.normal(size=2)]
    grads = [[rng.normal(size=(3, 2)), rng.normal(size=2)] for _ in range(2)]
    expected = [p.copy() for p in params]
    velocity = [np.zeros_like(p) for p in params]
    for g in grads:
        for p, v, gi in zip(expected, velocity, g):
            v[...] = 0.3 * v + 0.7 * gi
            p -= 0.1 * v
    optimizer = DampedMomentum(beta=0.3)
    state = optimizer.init(params)
    for g in grads:
        state = optimizer.update(params, [gi.copy() for gi in g], state, 0.1)
    assert state.count == 2
    for ours, reference in zip(params, expected):
        np.testing.assert_allclose(ours, reference, rtol=1e-15)


def test_a_custom_optimizer_trains_an_estimator_by_its_rule():
    # Two full-batch epochs from zero weights on 0.5 * mean(r^2), by hand: the
    # gradient is mean(r x) (and mean(r) for the intercept), the rule the class's.
    X, y = _regression()
    lr, beta = 0.1, 0.5
    model = LinearRegressor(
        optimizer=DampedMomentum(beta=beta),
        penalty="none",
        learning_rate=lr,
        batch_size=len(X),
        shuffle=False,
        max_iter=2,
        tol=0.0,
        n_iter_no_change=100,
    ).fit(X, y)
    w, b, v_w, v_b = np.zeros(4), 0.0, np.zeros(4), 0.0
    for _ in range(2):
        r = X @ w + b - y
        v_w = beta * v_w + (1 - beta) * (X * r[:, None]).mean(axis=0)
        v_b = beta * v_b + (1 - beta) * r.mean()
        w, b = w - lr * v_w, b - lr * v_b
    np.testing.assert_allclose(model.coef_, w, rtol=1e-12)
    np.testing.assert_allclose(model.intercept_, b, rtol=1e-12)


def test_a_custom_optimizer_fits_explains_saves_and_loads(tmp_path):
    X, y = _regression()
    model = MLPRegressor(
        (6,),
        "tanh",
        optimizer=DampedMomentum(beta=0.8),
        learning_rate=0.05,
        max_iter=30,
        random_state=0,
    ).fit(X, y)
    assert model.loss_curve_[-1] < model.loss_curve_[0] / 2
    _assert_adds_up(model, X[:5], X[:30])
    _assert_clones(model, X, y)
    restored = _assert_round_trips(
        model, X, tmp_path, _trusted_names(DampedMomentum, DampedMomentumState)
    )
    # the optimizer's state was saved: training continues from it alike
    continued = restored.set_params(warm_start=True, max_iter=2).fit(X, y)
    model.set_params(warm_start=True, max_iter=2).fit(X, y)
    np.testing.assert_array_equal(continued.predict(X), model.predict(X))


# -- Adding an activation --------------------------------------------------------------
class Hyperbolic(Activation):
    """tanh again, written from the recipe: f(z) = tanh z, f' = 1 - f^2."""

    derivative_from = "output"
    piecewise_linear = False

    def _forward(self, z, out):
        return np.tanh(z, out=out)

    def _derivative(self, a, z):
        return 1.0 - a * a


def _tanh_pair(activation):
    X, y = _regression()
    return MLPRegressor(
        (5, 3),
        activation,
        optimizer="adam",
        learning_rate=0.01,
        batch_size=16,
        max_iter=20,
        random_state=0,
    ).fit(X, y)


def test_a_custom_activation_trains_like_the_builtin_it_reimplements():
    # The built-in Tanh may run numba kernels, the custom one the numpy path: the
    # same network to rounding.
    ours, builtin = _tanh_pair(Hyperbolic()), _tanh_pair("tanh")
    X, _ = _regression()
    z = np.linspace(-4, 4, 101)
    np.testing.assert_allclose(Hyperbolic().forward(z), np.tanh(z), rtol=1e-15)
    assert ours.n_iter_ == builtin.n_iter_ == 20
    for W, W_builtin in zip(ours.coefs_, builtin.coefs_):
        np.testing.assert_allclose(W, W_builtin, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.predict(X), builtin.predict(X), rtol=1e-9)


@pytest.mark.parametrize("method", ["exact", "deep"])
def test_a_custom_activation_is_explained(method):
    X, _ = _regression()
    model = _tanh_pair(Hyperbolic())
    _assert_adds_up(model, X[:5], X[:30], method=method)
    builtin = explain(_tanh_pair("tanh"), X[:5], X[:30], method=method)
    ours = explain(model, X[:5], X[:30], method=method)
    np.testing.assert_allclose(ours.values, builtin.values, rtol=1e-7, atol=1e-10)


def test_a_custom_activation_clones_saves_and_loads(tmp_path):
    X, y = _regression()
    model = _tanh_pair(Hyperbolic())
    _assert_clones(model, X, y)
    _assert_round_trips(model, X, tmp_path, _trusted_names(Hyperbolic))


# -- Adding a loss ---------------------------------------------------------------------
class LogCosh(Loss):
    """log(cosh(raw - y)) summed over the outputs; gradient tanh(raw - y)."""

    output_activation = "identity"

    def _pointwise(self, y, raw):
        r = np.abs(raw - y)
        # log cosh r = r + log1p(exp(-2 r)) - log 2, without overflow
        return (r + np.log1p(np.exp(-2.0 * r)) - np.log(2.0)).sum(axis=1)

    def _gradient(self, y, raw):
        return np.tanh(raw - y)

    def _predict(self, raw):
        return raw.copy()


def test_a_custom_loss_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    y, raw = rng.normal(size=(7, 2)), 3 * rng.normal(size=(7, 2))
    loss, eps = LogCosh(), 1e-6
    numeric = np.zeros_like(raw)
    for index in np.ndindex(raw.shape):
        up, down = raw.copy(), raw.copy()
        up[index] += eps
        down[index] -= eps
        numeric[index] = (
            loss.pointwise(y, up)[index[0]] - loss.pointwise(y, down)[index[0]]
        ) / (2 * eps)
    np.testing.assert_allclose(loss.gradient(y, raw), numeric, rtol=1e-7, atol=1e-9)
    both = loss.pointwise_and_gradient(y, raw)
    np.testing.assert_array_equal(both[0], loss.pointwise(y, raw))
    np.testing.assert_array_equal(both[1], loss.gradient(y, raw))
    np.testing.assert_allclose(
        loss.pointwise(y, raw), np.log(np.cosh(raw - y)).sum(axis=1), rtol=1e-13
    )


def test_a_custom_loss_gives_the_minimizer_of_its_objective():
    # A linear model with LogCosh minimizes mean(log cosh(X w + b - y)), a smooth
    # convex function: scipy's BFGS on the same function finds the same (w, b).
    X, y = _regression()
    model = LinearRegressor(
        loss=LogCosh(), optimizer="lbfgs", penalty="none", tol=1e-12, max_iter=2000
    ).fit(X, y)

    def objective(theta):
        r = X @ theta[:-1] + theta[-1] - y
        g = np.tanh(r)
        return np.mean(np.log(np.cosh(r))), np.append(X.T @ g, g.sum()) / len(y)

    reference = minimize(objective, np.zeros(5), jac=True, method="BFGS", tol=1e-12)
    np.testing.assert_allclose(model.coef_, reference.x[:-1], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(model.intercept_, reference.x[-1], atol=1e-8)
    assert model.loss_curve_[-1] == pytest.approx(reference.fun, rel=1e-9)


def test_a_custom_loss_fits_explains_saves_and_loads(tmp_path):
    X, y = _regression()
    model = MLPRegressor(
        (6,), "tanh", loss=LogCosh(), learning_rate=0.01, max_iter=40, random_state=0
    ).fit(X, y)
    assert model.loss_curve_[-1] < model.loss_curve_[0] / 2
    _assert_adds_up(model, X[:5], X[:30])
    _assert_clones(model, X, y)
    _assert_round_trips(model, X, tmp_path, _trusted_names(LogCosh))


# -- Adding a penalty ------------------------------------------------------------------
class EvenElasticNet(Penalty):
    """The elastic net with its mix fixed at one half: only alpha is a parameter."""

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    @property
    def l1_ratio(self):
        """Always 0.5."""
        return 0.5


def test_a_custom_penalty_solves_scikit_learns_elastic_net():
    # J = mean(0.5 r^2) + alpha (0.5 |w|_1 + 0.25 |w|^2) is scikit-learn's
    # ElasticNet(alpha, l1_ratio=0.5) objective; coordinate descent solves both.
    X, y = _regression()
    model = LinearRegressor(optimizer="cd", penalty=EvenElasticNet(0.1), tol=1e-12)
    model.fit(X, y)
    reference = ElasticNet(alpha=0.1, l1_ratio=0.5, tol=1e-12).fit(X, y)
    assert (reference.coef_ == 0).any() and (reference.coef_ != 0).any()
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(model.intercept_, reference.intercept_, rtol=1e-7)


def test_a_custom_penalty_trains_like_the_builtin_it_fixes():
    X, y = _regression()

    def fit(penalty):
        return MLPRegressor(
            (5,), "tanh", penalty=penalty, alpha=0.01, max_iter=15, random_state=0
        ).fit(X, y)

    ours, builtin = fit(EvenElasticNet(0.01)), fit("elasticnet")
    for W, W_builtin in zip(ours.coefs_, builtin.coefs_):
        np.testing.assert_array_equal(W, W_builtin)


def test_a_custom_penalty_fits_explains_saves_and_loads(tmp_path):
    X, y = _regression()
    model = MLPRegressor(
        (6,), "tanh", penalty=EvenElasticNet(0.01), max_iter=30, random_state=0
    ).fit(X, y)
    _assert_adds_up(model, X[:5], X[:30])
    _assert_clones(model, X, y)
    _assert_round_trips(model, X, tmp_path, _trusted_names(EvenElasticNet))


class HalfSquaredNorm:
    """A penalty by duck typing (no base class): 0.5 * alpha * ||W||^2."""

    smooth = True

    def __init__(self, alpha=0.1):
        self.alpha = alpha

    def value(self, W):
        return 0.5 * self.alpha * float(np.sum(W * W))

    def grad(self, W):
        return self.alpha * W

    def prox(self, W, step):
        return W / (1 + step * self.alpha)

    def linear_grad_scale(self):
        return None


def test_a_duck_typed_penalty_is_not_taken_for_a_separable_one():
    # The recipe's "any object with smooth, value, grad and prox": without
    # ``separable`` the linear solvers that need it refuse it clearly, and "auto"
    # picks L-BFGS, which reaches ridge's solution. It once crashed with an
    # AttributeError (l1_strength) in "auto", "direct" and "cd".
    X, y = _regression()
    model = LinearRegressor(penalty=HalfSquaredNorm(0.1), tol=1e-10).fit(X, y)
    reference = LinearRegressor(penalty="l2", alpha=0.1, optimizer="direct").fit(X, y)
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-5)
    for solver in ("direct", "cd"):
        with pytest.raises(ValueError, match="couples weights|elastic-net"):
            LinearRegressor(penalty=HalfSquaredNorm(0.1), optimizer=solver).fit(X, y)


# -- Adding a plot ---------------------------------------------------------------------
def plot_input_weight_norms(model, *, ax=None):
    """Bar chart of the norm of each input feature's first-layer weights.

    Parameters
    ----------
    model : fitted estimator or Pipeline
        A fitted skweights estimator, or a pipeline ending in one.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib Axes
        The Axes with one horizontal bar per feature.
    """
    names = feature_names(model)  # a pipeline's, before taking its last step
    final = fitted_final(model)
    norms = np.linalg.norm(final.coefs_[0], axis=1)
    if ax is None:
        _, ax = plt.subplots(figsize=(5.0, 1.0 + 0.3 * len(names)))
    ax.barh(np.arange(len(names)), norms)
    ax.set_yticks(np.arange(len(names)), names)
    ax.invert_yaxis()
    ax.set_xlabel("norm of the feature's weights")
    ax.set_title("Input weight norms")
    ax.figure.tight_layout()
    return ax


def test_a_custom_plot_draws_a_pipeline_with_its_feature_names():
    X, y = _regression()
    frame = pd.DataFrame(X, columns=["age", "income", "height", "weight"])
    pipe = make_pipeline(
        StandardScaler(), MLPRegressor((4,), max_iter=10, random_state=0)
    ).fit(frame, y)
    ax = plot_input_weight_norms(pipe)
    assert_figure_ok(ax.figure, "plot_input_weight_norms")
    assert [t.get_text() for t in ax.get_yticklabels()] == list(frame.columns)
    heights = [patch.get_width() for patch in ax.patches]
    np.testing.assert_allclose(heights, np.linalg.norm(pipe[-1].coefs_[0], axis=1))
    _, given = plt.subplots(figsize=(5, 3))
    assert plot_input_weight_norms(pipe, ax=given) is given
    assert_figure_ok(given.figure, "plot_input_weight_norms on a given ax")
    assert [t.get_text() for t in given.get_yticklabels()] == list(frame.columns)
    # the bare final step saw the scaler's array: default names
    bare = plot_input_weight_norms(pipe[-1])
    assert [t.get_text() for t in bare.get_yticklabels()] == ["x0", "x1", "x2", "x3"]
