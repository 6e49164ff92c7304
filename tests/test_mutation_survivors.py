"""Tests written for mutants that survived ``make mutation`` (issue 20).

Each test pins a documented behaviour that the surviving mutant broke; the mutant is
named in a comment (``tools/mutation.py`` prints the names, ``mutmut show NAME`` the
diff). Mutants that cannot change behaviour are listed with the reason in
``tools/mutation_survivors.md``.
"""

import warnings

import numpy as np
import pytest
from scipy.special import logsumexp, softmax
from sklearn.base import clone

from skweights import (
    LinearRegressor,
    MLPClassifier,
    MLPRegressor,
    activations,
    explain,
    initializers,
    losses,
    optimizers,
    penalties,
    schedules,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


# -- initializers ----------------------------------------------------------------
def test_zero_spread_draws_are_allowed_and_constant():
    # RandomNormal/RandomUniform __call__ mutant 3: stddev/limit 0 ("non-negative")
    # would be refused.
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(
        initializers.random_normal(stddev=0.0, mean=0.5)((2, 3), rng), 0.5
    )
    np.testing.assert_array_equal(
        initializers.random_uniform(limit=0.0)((2, 3), rng), 0.0
    )


@pytest.mark.parametrize("shape", [(3, 0), (2, 3, 0)])
def test_orthogonal_of_an_empty_shape(shape):
    # Orthogonal __call__ mutants 13 and 16: a last dimension of 0 must not divide
    # by zero or fail; the result is an empty array of that shape.
    W = initializers.orthogonal()(shape, np.random.default_rng(0))
    assert W.shape == shape


# -- losses ------------------------------------------------------------------------
def test_multinomial_loss_for_targets_that_do_not_sum_to_one():
    # MultinomialLogLoss _pointwise mutants 30 and 33: the loss is
    # logsumexp(raw) - y . raw for any target row (the max-shift must cancel), not
    # only for one-hot rows. The shift here is 3, so a wrong sign or a division
    # moves the loss by at least 1.5; the tolerance sees 1e-12.
    raw = np.array([[3.0, 1.0, -2.0], [0.5, 2.5, 1.0]])
    y = np.array([[0.5, 0.0, 0.0], [0.2, 0.3, 0.1]])
    expected = logsumexp(raw, axis=1) - (y * raw).sum(axis=1)
    multinomial = losses.MultinomialLogLoss()
    np.testing.assert_allclose(multinomial.pointwise(y, raw), expected, rtol=1e-12)
    both, _ = multinomial.pointwise_and_gradient(y, raw)
    np.testing.assert_allclose(both, expected, rtol=1e-12)


def test_sample_weights_with_a_sum_below_one_are_valid():
    # _normalized_weights mutant 11: any positive sum is valid, 0.5 included.
    y, raw = np.array([[1.0], [2.0]]), np.array([[0.0], [0.0]])
    loss = losses.SquaredError()
    # 0.5 * (0.2 * 1 + 0.3 * 4) / 0.5 = 1.4
    assert loss.value(y, raw, sample_weight=[0.2, 0.3]) == pytest.approx(1.4, rel=1e-12)


# -- schedules ---------------------------------------------------------------------
def test_adaptive_loss_exactly_threshold_below_the_best_is_an_improvement():
    # Adaptive.observe mutant 9: bad iff loss > best - threshold, so a loss of
    # exactly best - threshold (0.75 = 1 - 0.25, exact in binary) is good and the
    # rate stays.
    schedule = schedules.adaptive(factor=0.5, patience=1, threshold=0.25)
    state = schedule.observe(schedule.init(0.1), 1.0)
    state = schedule.observe(state, 0.75)
    assert schedule.value(state, 2) == 0.1
    state = schedule.observe(state, 0.6)  # not 0.25 below 0.75: bad, halved
    assert schedule.value(state, 3) == 0.05


def test_adaptive_is_exhausted_only_below_min_lr():
    # Adaptive.exhausted mutant 3: a rate equal to min_lr is not exhausted.
    schedule = schedules.adaptive(factor=0.5, patience=1, min_lr=0.25)
    state = schedule.init(1.0)
    for _ in range(3):  # the first loss improves on infinity; then two halvings
        state = schedule.observe(state, 1.0)
    assert schedule.value(state, 3) == 0.25
    assert not schedule.exhausted(state)
    state = schedule.observe(state, 1.0)
    assert schedule.exhausted(state)


def test_cosine_min_lr_may_equal_the_learning_rate():
    # Cosine.init mutant 4: min_lr in [0, learning_rate], bounds included; the
    # rate is then constant.
    schedule = schedules.cosine(t_max=4, min_lr=0.1)
    state = schedule.init(0.1)
    assert [schedule.value(state, e) for e in range(6)] == [0.1] * 6


# -- optimizers --------------------------------------------------------------------
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


# -- persistence -------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, own",
    [
        ("skweights._training.History", True),
        # functions are never trusted (a file could hand skweights.save to a
        # FunctionTransformer); test_names_resolve_to_what_they_denote resolves them
        ("skweights._network.forward", False),
        ("skweights._training.History.to_frame", False),  # a nested qualified name
        ("skweights.linear.LinearRegressor", True),
        ("skweights", False),  # a package, no object
        ("skweights.nowhere.Thing", False),
        ("skweights._training.History.nothing", False),
        ("skweights._network.np", False),  # a foreign module
        ("skweights._base.Objective", False),  # defined in _network, not _base
        # a classmethod resolves to a bound method (neither class nor function):
        # _is_own_type mutant 10 ("and" -> "or") would trust any resolved object
        ("skweights._training.History.from_columns", False),
    ],
)
def test_own_types_are_the_classes_defined_in_skweights(name, own):
    # _is_own_type mutants 17, 23, 26, 37, 40: the name is resolved (module, then
    # attributes) and must be a class defined under exactly that name.
    from skweights._persistence import _is_own_type

    assert _is_own_type(name) is own


def test_names_resolve_to_what_they_denote():
    # _resolve: a module, then attributes, nested qualified names included.
    from skweights._network import forward
    from skweights._persistence import _resolve
    from skweights._training import History

    assert _resolve("skweights._network.forward", "skweights") is forward
    assert _resolve("skweights._training.History.to_frame", "skweights") is (
        History.to_frame
    )


# -- activations -------------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["identity", "relu", "leaky_relu", "tanh", "logistic", "softplus"]
)
def test_backprop_is_delta_times_the_derivative_at_zero_too(name):
    # LeakyReLU._backprop mutant 10: backprop multiplies by the same derivative as
    # derivative(), also where the output is exactly 0.
    act = activations.get(name)
    z = np.array([[-2.0, 0.0, 1.5], [0.0, -0.5, 3.0]])
    a = act.forward(z)
    delta = np.array([[1.0, 2.0, -3.0], [4.0, -5.0, 6.0]])
    expected = delta * act.derivative(a)
    np.testing.assert_allclose(act.backprop(delta.copy(), a), expected, rtol=1e-15)


def test_leaky_relu_with_slope_zero_is_relu():
    # LeakyReLU._slope mutant 8: negative_slope >= 0, 0 included.
    z = np.array([-2.0, 0.0, 3.0])
    leaky = activations.get("leaky_relu", negative_slope=0.0)
    np.testing.assert_array_equal(leaky.forward(z), [0.0, 0.0, 3.0])


# -- DeepSHAP ----------------------------------------------------------------------
def test_softmax_shap_values_use_the_path_averaged_jacobian():
    # _softmax_multipliers mutants 16, 18-21, 31, 32, 87: for a network that is
    # linear up to the softmax, the probability SHAP value of feature f for class k
    # is sum_j C[k, j] * (x_f - b_f) * W[f, j], with C the softmax Jacobian averaged
    # along the straight path from b's logits to x's. C is integrated here with
    # 200 Gauss-Legendre nodes; 1e-9 is far below any change of the path, the sign
    # or the diagonal (> 1e-3 here), and the residual correction when the logit
    # step is small (norm < 1, about 1e-7 here).
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = np.digitize(X[:, 0] + X[:, 1], [-0.5, 0.5])
    model = MLPClassifier((3,), "identity", max_iter=3, random_state=0).fit(X, y)
    W = model.coefs_[0] @ model.coefs_[1]
    background = X[:1]
    rows = np.vstack([X[1:4], background + [[0.2, -0.3, 0.1]]])
    explanation = explain(model, rows, background, output="probability", method="deep")
    nodes, weights = np.polynomial.legendre.leggauss(200)
    nodes, weights = (nodes + 1) / 2, weights / 2
    (W1, W2), (b1, b2) = model.coefs_, model.intercepts_
    z_b = (background[0] @ W1 + b1) @ W2 + b2
    for i, x in enumerate(rows):
        z_x = (x @ W1 + b1) @ W2 + b2
        C = np.zeros((3, 3))
        for t, w in zip(nodes, weights):
            p = softmax(z_b + t * (z_x - z_b))
            C += w * (np.diag(p) - np.outer(p, p))
        contributions = (x - background[0])[:, None] * W  # (features, classes)
        expected = contributions @ C.T  # (features, classes)
        np.testing.assert_allclose(explanation.values[i], expected, atol=1e-9)


def test_rows_equal_to_background_rows_get_finite_values_that_add_up():
    # _softmax_multipliers mutants 79, 83 (an uninitialised output where the logit
    # step has no component but a shift, e.g. zero): each row is also a background
    # row, so one of its steps is zero; its values must be finite and add up.
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3))
    y = np.digitize(X[:, 0], [-0.5, 0.5])
    model = MLPClassifier((4,), "tanh", max_iter=3, random_state=0).fit(X, y)
    background = X[:2]
    explanation = explain(model, X[:2], background, output="probability", method="deep")
    assert np.isfinite(explanation.values).all()
    expected_sum = model.predict_proba(X[:2]) - model.predict_proba(background).mean(0)
    np.testing.assert_allclose(
        explanation.values.sum(axis=1), expected_sum, rtol=0, atol=1e-12
    )


# -- penalties ---------------------------------------------------------------------
def test_a_zero_threshold_or_step_changes_nothing():
    # soft_threshold mutant 9, Penalty.prox mutant 10: 0 is a valid
    # ("non-negative") threshold and step.
    W = np.array([-1.5, 0.0, 0.25])
    np.testing.assert_array_equal(penalties.soft_threshold(W, 0.0), W)
    np.testing.assert_array_equal(penalties.elasticnet(alpha=1.0).prox(W, 0.0), W)


def test_array_thresholds_and_steps_keep_a_float32_array_float32():
    # soft_threshold mutant 5, Penalty.prox mutant 5: an array-like threshold or
    # step is taken in W's dtype, so the result keeps it.
    W = np.array([-1.5, 0.0, 0.25], dtype=np.float32)
    assert penalties.soft_threshold(W, [0.1, 0.2, 0.3]).dtype == np.float32
    step = np.array([0.1, 0.2, 0.3])
    assert penalties.elasticnet(alpha=1.0).prox(W, step).dtype == np.float32


def test_elastic_net_with_unit_strengths():
    # Penalty.grad mutants 5, 15 and Penalty.prox mutant 31: strengths of exactly
    # 1 (alpha=2, l1_ratio=0.5) are not special: grad = sign(W) + W and
    # prox_s(W) = S_s(W) / (1 + s).
    W = np.array([-1.5, 0.0, 0.25, 2.0])
    penalty = penalties.elasticnet(alpha=2.0, l1_ratio=0.5)
    np.testing.assert_allclose(penalty.grad(W), np.sign(W) + W, rtol=1e-15)
    np.testing.assert_allclose(
        penalty.prox(W, 0.5), penalties.soft_threshold(W, 0.5) / 1.5, rtol=1e-15
    )
    np.testing.assert_allclose(penalties.l1(alpha=1.0).grad(W), np.sign(W))


@pytest.mark.parametrize("n_classes", [3, 40])
def test_multinomial_loss_is_stable_row_by_row(n_classes):
    # _row_max mutant 4 (one shift for the whole batch instead of each row's max):
    # rows whose logits are 1000 apart each keep a finite, exact loss.
    rng = np.random.default_rng(0)
    raw = rng.normal(size=(2, n_classes))
    raw[0] += 1000.0
    y = np.eye(n_classes)[[0, n_classes - 1]]
    expected = logsumexp(raw, axis=1) - (y * raw).sum(axis=1)
    loss = losses.MultinomialLogLoss()
    np.testing.assert_allclose(loss.pointwise(y, raw), expected, rtol=1e-12)
    both, grad = loss.pointwise_and_gradient(y, raw)
    np.testing.assert_allclose(both, expected, rtol=1e-12)
    np.testing.assert_allclose(grad, softmax(raw, axis=1) - y, atol=1e-15)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_explaining_the_background_itself_warns_of_nothing(activation):
    # rescale mutant 26 (dividing where the step is zero): a row equal to the
    # background has zero steps; no 0/0 may reach the user as a RuntimeWarning, and
    # its values are exactly zero.
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 3))
    model = MLPRegressor((4,), activation, max_iter=3, random_state=0)
    model.fit(X, X[:, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        explanation = explain(model, X[:1], X[:1], method="deep")
    np.testing.assert_array_equal(explanation.values, 0.0)


@pytest.mark.parametrize(
    "distribution, kurtosis, bound",
    [("normal", 3.0, None), ("uniform", 1.8, 3**0.5), ("truncated_normal", 2.37, 2.3)],
)
def test_variance_scaling_draws_the_named_distribution(distribution, kurtosis, bound):
    # VarianceScaling.__call__ mutants 8, 9 (every distribution drawn uniformly):
    # the variance is scale / fan whatever the distribution, so the shape is told by
    # the kurtosis (normal 3, uniform 1.8, a normal truncated at 2: 2.37) and
    # the bound (sqrt(3) sigma for the uniform; about 2.27 sigma, 2 of the
    # underlying normal, for the truncated one). On 200,000 draws the kurtosis is
    # known to +-0.05.
    W = initializers.variance_scaling(
        scale=2.0, mode="fan_in", distribution=distribution
    )((400, 500), np.random.default_rng(0))
    sigma = (2.0 / 400) ** 0.5
    assert W.std() == pytest.approx(sigma, rel=0.01)
    assert np.mean((W / W.std()) ** 4) == pytest.approx(kurtosis, abs=0.1)
    if bound is None:
        assert np.abs(W).max() > 4 * sigma
    else:
        assert np.abs(W).max() <= bound * sigma


# -- the network -------------------------------------------------------------------
def test_fused_gradients_keep_the_training_dtype():
    # Workspace.fuse_gradients mutants 8, 10: the flat gradient buffer is in the
    # training dtype (float32 stays float32; no float64 copy of every gradient).
    from skweights._network import Workspace

    workspace = Workspace([3, 4, 2], 5, np.float32)
    workspace.fuse_gradients()
    assert workspace.flat_grads[0].dtype == np.float32
    assert all(g.dtype == np.float32 for g in workspace.coef_grads)
    assert workspace.flat_grads[0].size == 3 * 4 + 4 + 4 * 2 + 2


def test_adamw_decay_rate_of_one_is_not_special():
    # _adam_update mutant 61: weight_decay=1 decays like any other rate,
    # p <- p (1 - lr * 1) with a zero gradient.
    opt = optimizers.adamw(weight_decay=1.0)
    params = [np.array([2.0])]
    state = opt.init(params)
    opt.update(params, [np.array([0.0])], state, 0.1)
    np.testing.assert_allclose(params[0], [1.8], rtol=1e-15)


# -- the training loop: stopping rules ---------------------------------------------
def _frozen_in_place(**params):
    """A linear fit whose weights move by ~1e-300 an epoch: every epoch's loss and
    validation score are the same float."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.1 * rng.normal(size=60)
    model = LinearRegressor(
        optimizer="sgd",
        learning_rate=1e-300,
        penalty="none",
        max_iter=10,
        n_iter_no_change=2,
        random_state=0,
        **params,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(X, y), X, y


@pytest.mark.parametrize("early_stopping", [False, True])
def test_an_equal_loss_or_score_is_an_improvement_when_tol_is_zero(early_stopping):
    # end_epoch mutants 15, 21: as in scikit-learn, an epoch improves when its loss
    # is at most best - tol (its score at least best + tol); with tol=0 an equal
    # value improves, so a flat run goes to max_iter instead of stopping at 4.
    model, _, _ = _frozen_in_place(tol=0.0, early_stopping=early_stopping)
    assert model.n_iter_ == 10


@pytest.mark.parametrize("early_stopping", [False, True])
def test_a_flat_run_stops_after_n_iter_no_change_with_a_positive_tol(early_stopping):
    # end_epoch mutants 16, 22 (best + tol / best - tol swapped): with tol=0.1 the
    # equal values do not improve: epoch 1 improves on infinity, epochs 2-4 do not,
    # and more than n_iter_no_change=2 such epochs stop the fit.
    model, _, _ = _frozen_in_place(tol=0.1, early_stopping=early_stopping)
    assert model.n_iter_ == 4


def test_early_stopping_keeps_the_first_of_equal_best_scores():
    # end_epoch mutant 17: the best weights are replaced only by a strictly better
    # score, so with equal scores the first epoch's weights are kept (they differ
    # from the last epoch's by ~1e-300, which array_equal sees).
    model, X, y = _frozen_in_place(tol=0.0, early_stopping=True)
    one_epoch = clone(model).set_params(max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one_epoch.fit(X, y)
    assert len(set(model.validation_scores_)) == 1
    np.testing.assert_array_equal(model.coef_, one_epoch.coef_)
    assert not np.array_equal(model.coef_, np.zeros(3))


# -- gradient clipping -------------------------------------------------------------
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


# -- the network's smooth objective -------------------------------------------------
def test_smooth_objective_leaves_out_a_nonsmooth_penalty_entirely():
    # Objective.smooth_value_and_grads mutant 19: the whole penalty value was added.
    # An elastic net is applied by the proximal step, its L2 part included.
    from skweights._network import Objective

    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(20, 3)), rng.normal(size=(20, 1))
    coefs, intercepts = [rng.normal(size=(3, 1))], [np.zeros(1)]
    penalty = penalties.elasticnet(alpha=0.5, l1_ratio=0.25)
    scale = np.full(20, 1 / 20)

    def objective(pen):
        return Objective(
            activation=activations.get("identity"),
            loss=losses.get("squared_error"),
            penalty=pen,
            coef_trainable=(True,),
            intercept_trainable=(True,),
        )

    data_only, smooth = objective(penalties.none()), objective(penalty)
    data_value = data_only.smooth_value_and_grads(coefs, intercepts, X, Y, scale)[0]
    value = smooth.smooth_value_and_grads(coefs, intercepts, X, Y, scale)[0]
    assert value == data_value
    l2 = objective(penalties.l2(alpha=0.5))
    value = l2.smooth_value_and_grads(coefs, intercepts, X, Y, scale)[0]
    l2_part = 0.5 * 0.5 * float(np.sum(coefs[0] ** 2))
    assert value == pytest.approx(data_value + l2_part, rel=1e-12)


# -- Lion ------------------------------------------------------------------------
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


def test_frozen_arrays_get_no_penalty_entry():
    # Objective.array_penalties mutants 11, 15: a frozen weight or intercept got an
    # entry, which shifts every later array's penalty (the optimizer zips them).
    from skweights._network import Objective

    l1, l2 = penalties.l1(alpha=0.1), penalties.l2(alpha=0.2)
    objective = Objective(
        activation=activations.get("relu"),
        loss=losses.get("squared_error"),
        penalty=(l1, l2),
        coef_trainable=(False, True),
        intercept_trainable=(False, True),
    )
    assert objective.array_penalties() == [l2, None]
    objective = Objective(
        activation=activations.get("relu"),
        loss=losses.get("squared_error"),
        penalty=(l1, l2),
        coef_trainable=(True, True),
        intercept_trainable=(False, True),
    )
    assert objective.array_penalties() == [l1, l2, None]


# -- the training loop's norms and records -------------------------------------------
def test_training_norm_of_huge_infinite_and_nan_arrays():
    # _training._norm mutants 11, 16, 17, 19, 21, 23 (the function is now
    # optimizers._norm, which the training loop imports): past 1e154 the dot product
    # overflows and the norm is rescaled by the largest entry; inf and NaN pass.
    from skweights._training import _norm

    with np.errstate(over="ignore"):
        assert _norm(np.array([1e200, -1e200])) == pytest.approx(2**0.5 * 1e200)
        assert _norm(np.array([[3e200], [4e200]])) == pytest.approx(5e200)
        assert _norm(np.array([np.inf, 1.0])) == np.inf
        assert np.isnan(_norm(np.array([np.nan, 1e200])))
    assert _norm(np.zeros((2, 0))) == 0.0


@pytest.mark.parametrize("n_batches", [1, 2])
def test_epoch_gradient_norm_is_the_mean_over_its_batches(n_batches):
    # run_epoch mutants 16, 75, 77, 78, 79, 126, 131: the recorded norm is the mean
    # of the batches' gradient norms. Two identical halves of the data (batches in
    # order, a rate too small to move the weights) each have the full data's
    # gradient, which the epoch-0 record measures: any other count, sum or last
    # batch alone differs by a factor of 2.
    rng = np.random.default_rng(0)
    A = rng.normal(size=(30, 3))
    X, y = np.vstack([A, A]), np.tile(A[:, 0] - A[:, 1], 2)
    model = MLPRegressor(
        (4,),
        optimizer="sgd",
        learning_rate=1e-30,
        batch_size=60 // n_batches,
        shuffle=False,
        max_iter=1,
        random_state=0,
    ).fit(X, y)
    initial, first = model.history_[0], model.history_[1]
    np.testing.assert_allclose(first["grad_norms"], initial["grad_norms"], rtol=1e-9)


# -- the network's penalty and gradients -----------------------------------------------
def _objective(penalty, coef_trainable=(True, True), intercept_trainable=(True, True)):
    from skweights._network import Objective

    return Objective(
        activation=activations.get("tanh"),
        loss=losses.get("squared_error"),
        penalty=penalty,
        coef_trainable=coef_trainable,
        intercept_trainable=intercept_trainable,
    )


def test_penalty_value_defaults_to_every_layer():
    # Objective.penalty_value mutants 1, 2, 15, 16: "all" is the default part.
    rng = np.random.default_rng(0)
    coefs = [rng.normal(size=(3, 4)), rng.normal(size=(4, 1))]
    l1, l2 = penalties.l1(alpha=0.3), penalties.l2(alpha=0.7)
    objective = _objective((l1, l2))
    expected = l1.value(coefs[0]) + l2.value(coefs[1])
    assert objective.penalty_value(coefs) == pytest.approx(expected, rel=1e-12)
    assert objective.penalty_value(coefs, "smooth") == pytest.approx(l2.value(coefs[1]))
    assert objective.penalty_value(coefs, "nonsmooth") == pytest.approx(
        l1.value(coefs[0])
    )


@pytest.mark.parametrize("name", ["l1", "l2"])
def test_penalty_value_with_unit_strength(name):
    # Penalty.value mutants 7, 14: a strength of exactly 1 was skipped.
    W = np.array([[1.0, -2.0], [3.0, 0.5]])
    expected = np.abs(W).sum() if name == "l1" else 0.5 * np.sum(W**2)
    assert penalties.get(name, alpha=1.0).value(W) == expected


def test_reference_backward_keeps_float32_and_frozen_intercepts_need_no_stop():
    # backward mutants 51, 53 (float64 ones for the bias gradient without a
    # workspace) and 7 (a layer counted as needed only if both of its arrays train:
    # a frozen intercept would stop back-propagation before a trained weight).
    rng = np.random.default_rng(0)
    coefs = [rng.normal(size=(3, 4)).astype(np.float32), rng.normal(size=(4, 1))]
    coefs[1] = coefs[1].astype(np.float32)
    intercepts = [np.zeros(4, np.float32), np.zeros(1, np.float32)]
    X = rng.normal(size=(10, 3)).astype(np.float32)
    Y = rng.normal(size=(10, 1)).astype(np.float32)
    scale = np.full(10, 0.1, np.float32)
    objective = _objective(penalties.none())
    _, coef_grads, intercept_grads = objective.data_value_and_grads(
        coefs, intercepts, X, Y, scale
    )
    assert all(g.dtype == np.float32 for g in coef_grads + intercept_grads)
    frozen_bias = _objective(penalties.none(), (True, True), (False, True))
    _, frozen_coef_grads, frozen_intercept_grads = frozen_bias.data_value_and_grads(
        coefs, intercepts, X, Y, scale
    )
    assert frozen_intercept_grads[0] is None
    np.testing.assert_allclose(frozen_coef_grads[0], coef_grads[0], rtol=1e-6)


def test_a_frozen_array_keeps_the_network_off_the_fused_flat_array():
    # _fusable mutant 2: one flat array for the whole network would update a frozen
    # weight matrix whenever every intercept trains.
    from skweights._training import _fusable

    adam = optimizers.get("adam")
    assert _fusable(_objective(penalties.none()), adam)
    assert not _fusable(_objective(penalties.none(), (False, True)), adam)
    assert not _fusable(_objective(penalties.none(), (True, True), (True, False)), adam)
