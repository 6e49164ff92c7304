"""Tests written for mutants that survived ``make mutation`` (issue 20).

Each test pins a documented behaviour that the surviving mutant broke; the mutant is
named in a comment (``tools/mutation.py`` prints the names, ``mutmut show NAME`` the
diff). Mutants that cannot change behaviour are listed with the reason in
``tools/mutation_survivors.md``.
"""

import numpy as np
import pytest
from scipy.special import logsumexp

from skweights import initializers, losses, schedules


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
