"""The full-batch objective summed over row blocks (``_training._BlockEvaluator``).

L-BFGS and FISTA evaluate the objective block by block (about 2**16 floats of the
widest layer per block, at least 256 rows). On data of several blocks, the value
must be the sum over every block, not the last one: the recorded epoch-0 loss and
the solution both show it.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.linear_model import LinearRegression

from skweights import LinearRegressor


def test_a_fit_over_several_row_blocks_uses_every_block():
    rng = np.random.default_rng(0)
    # 300 features: blocks of 256 rows, so 1,000 rows make four blocks.
    X = rng.normal(size=(1000, 300))
    y = X @ rng.normal(size=300) + 5.0 + rng.normal(size=1000)
    model = LinearRegressor(optimizer="lbfgs", penalty=None, tol=1e-10, max_iter=500)
    model.fit(X, y)
    # Epoch 0 is the zero network: half the mean squared target.
    assert model.history_[0]["loss"] == pytest.approx(0.5 * np.mean(y**2), rel=1e-9)
    reference = LinearRegression().fit(X, y)
    assert_allclose(model.coef_, reference.coef_, atol=1e-6)
    assert_allclose(model.intercept_, reference.intercept_, atol=1e-6)
