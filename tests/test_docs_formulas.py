"""The optimizers guide's momentum rows say what the code does.

The guide once gave Keras's form (:math:`v \\leftarrow m v - \\eta g`), which equals
the code's (PyTorch's and optax's, :math:`v \\leftarrow m v + g`) only while the
learning rate is constant. Two steps at rates 1.0 then 0.1 tell them apart.
"""

from pathlib import Path

import numpy as np
import pytest

from skweights import optimizers

GUIDE = Path(__file__).parents[1] / "docs" / "user_guide" / "optimizers.rst"
RATES = [1.0, 0.1]
MOMENTUM = 0.9


def _pytorch_form(nesterov):
    """The guide's rows, written plainly: v <- m v + g; w <- w - lr (v or g + m v)."""
    w, v = 0.0, 0.0
    for lr in RATES:
        g = 1.0
        v = MOMENTUM * v + g
        w -= lr * (g + MOMENTUM * v if nesterov else v)
    return w


ROWS = {
    False: (
        "``sgd(momentum=m)``",
        r":math:`v \leftarrow m v + g_t,\; w \leftarrow w - \eta_t v`",
    ),
    True: (
        "``sgd(momentum=m, nesterov=True)``",
        r":math:`v \leftarrow m v + g_t,\; w \leftarrow w - \eta_t (g_t + m v)`",
    ),
}


def _row(name):
    lines = [line for line in GUIDE.read_text().splitlines() if line.startswith(name)]
    assert len(lines) == 1, f"{name} should have exactly one row in {GUIDE.name}"
    return lines[0]


@pytest.mark.parametrize("nesterov", [False, True], ids=["momentum", "nesterov"])
def test_the_guide_gives_the_momentum_rule_the_code_runs(nesterov):
    name, formula = ROWS[nesterov]
    assert formula in _row(name)
    optimizer = optimizers.sgd(momentum=MOMENTUM, nesterov=nesterov)
    params = [np.zeros(1)]
    state = optimizer.init(params)
    for lr in RATES:
        state = optimizer.update(params, [np.ones(1)], state, lr)  # in place
    np.testing.assert_allclose(params[0][0], _pytorch_form(nesterov), rtol=1e-12)
    # Keras's form would give -2.0 here: the rows would matter.
    assert not np.isclose(params[0][0], -2.0)
