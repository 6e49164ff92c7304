"""The learning-rate range test's two rules, each as its documentation defines it.

``rule="minimum"`` suggests a tenth of the rate of the lowest smoothed loss;
``rule="steepest"`` the rate where the smoothed loss falls fastest against the log
of the rate, before that minimum. (tests/test_lr_range.py checks that either
suggestion trains well; these check that each rule is the one asked for.)
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_diabetes
from sklearn.preprocessing import scale

from skweights import MLPRegressor
from skweights.inspection import learning_rate_range


@pytest.fixture(scope="module")
def results():
    X, y = load_diabetes(return_X_y=True)
    X, y = scale(X), scale(y)
    model = MLPRegressor((16,), random_state=0)
    return {
        rule: learning_rate_range(model, X, y, n_steps=80, rule=rule)
        for rule in ("minimum", "steepest")
    }


def test_the_minimum_rule_suggests_a_tenth_of_the_best_rate(results):
    result = results["minimum"]
    assert result.rule == "minimum"
    lowest = int(np.argmin(result.smoothed))
    assert result.min_loss_rate == result.learning_rates[lowest]
    assert result.suggestion == pytest.approx(result.min_loss_rate / 10, rel=1e-12)


def test_the_steepest_rule_suggests_the_fastest_fall_before_the_minimum(results):
    result = results["steepest"]
    assert result.rule == "steepest"
    lowest = int(np.argmin(result.smoothed))
    assert lowest >= 2  # the curve falls first: the rule has a slope to pick
    slope = np.gradient(
        result.smoothed[: lowest + 1], np.log(result.learning_rates[: lowest + 1])
    )
    assert result.suggestion == result.learning_rates[int(np.argmin(slope))]
    # The two rules answer differently here, so neither can stand for the other.
    assert result.suggestion != pytest.approx(results["minimum"].suggestion)
    # Same run, same curve: only the rule differs.
    np.testing.assert_array_equal(result.smoothed, results["minimum"].smoothed)
