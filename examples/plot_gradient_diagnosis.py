"""
Vanishing and exploding gradients, diagnosed
============================================

Three networks on the same (standardized) diabetes data, each trained briefly and
then read by :func:`skweights.inspection.diagnose_gradients`, which prints its
verdict above the per-epoch table; :func:`skweights.plotting.plot_training_history`
shows the per-layer gradient norms on a log scale, and
:func:`skweights.plotting.plot_weight_evolution` the exploding network's weights.
"""

import warnings

import matplotlib.pyplot as plt
import pandas as pd
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import scale

from skweights import MLPRegressor
from skweights.initializers import random_normal
from skweights.inspection import diagnose_gradients
from skweights.plotting import plot_training_history, plot_weight_evolution

# Each network gets a short, fixed budget: the gradients, not convergence, are the
# point (the vanishing one cannot converge), so the max_iter warning is silenced.
warnings.filterwarnings("ignore", category=ConvergenceWarning)
X, y = load_diabetes(return_X_y=True)
X, y = scale(X), scale(y)
pd.set_option("display.max_rows", 8)
pd.set_option("display.precision", 3)


def diagnose(model, title):
    """Fit, print the diagnosis (verdict and table), draw the history."""
    model.fit(X, y)
    print(diagnose_gradients(model))
    fig = plot_training_history(model)
    fig.suptitle(title)
    return model


# %%
# Vanishing
# ---------
# Eight layers of logistic units with tiny initial weights: each layer multiplies the
# backpropagated gradient by at most ``0.25 * |W|``, so the first layer's gradient is
# orders of magnitude smaller than the last layer's.
diagnose(
    MLPRegressor(
        (32,) * 8,
        activation="logistic",
        initializer=random_normal(stddev=0.01),
        max_iter=30,
        random_state=0,
    ),
    "Vanishing: 8 logistic layers, N(0, 0.01) initial weights",
)

# %%
# Exploding
# ---------
# Four linear layers with large initial weights and full-batch SGD at a learning rate
# that is too high for them: every step overshoots, the gradient norms grow
# epoch after epoch and the loss climbs from 20.4 to 288 in four epochs, then to
# 8.3e4 in the fifth, a thousand times its start: the fit has diverged. By default
# that raises ``ValueError``; with ``on_divergence="keep_best"``, as here, the best
# epoch's weights come back with a ``DivergenceWarning`` and ``history_`` keeps
# what happened, which is what the diagnosis reads.
exploding = diagnose(
    MLPRegressor(
        (32,) * 4,
        activation="identity",
        initializer=random_normal(stddev=0.3),
        optimizer="sgd",
        learning_rate=0.01,
        batch_size=len(X),
        max_iter=5,
        record_weights=True,
        random_state=0,
        on_divergence="keep_best",
    ),
    "Exploding: N(0, 0.3) initial weights, full-batch SGD, learning rate 0.01",
)

# %%
# The same blow-up seen from the weights: ``record_weights=True`` kept each layer's
# weight distribution per epoch, and
# :func:`skweights.plotting.plot_weight_evolution` shows the tails (the 5% and 95%
# lines, the outer bins) running away from zero in the last completed epochs (the
# diverged epoch's record keeps the last finite weights; see also
# :ref:`sphx_glr_auto_examples_plot_weight_evolution.py`).
plot_weight_evolution(exploding, layers=[0, -1])

# %%
# Healthy
# -------
# He-initialized ReLU layers keep the gradients of every layer of similar size.
diagnose(
    MLPRegressor(
        (32,) * 4,
        activation="relu",
        initializer="he_normal",
        max_iter=60,
        random_state=0,
    ),
    "Healthy: He-initialized ReLU layers",
)
plt.show()
