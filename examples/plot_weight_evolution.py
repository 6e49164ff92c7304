"""
Weights watched over training
=============================

``record_weights=True`` adds each layer's weight distribution to every epoch of
``history_``: how many weights fall in each of a fixed set of bins (magnitudes on a
log scale from 1e-6 to 1e6 on both sides of zero, and a bin of their own for exact
zeros) and nine percentiles. :func:`skweights.plotting.plot_weight_evolution` draws
them as TensorBoard draws its distributions: one panel per layer, epochs across,
bins up the side, the colour the share of the layer's weights in each bin and red
lines for the percentiles. Three networks show what the picture tells:
zero-initialized weights that never spread, exploding weights whose tails run away,
and L1-penalized weights collapsing onto zero.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import scale

from skweights import MLPClassifier, MLPRegressor
from skweights.initializers import random_normal
from skweights.plotting import plot_weight_evolution

# Every network gets a short, fixed budget: the weights, not convergence, are the
# point, so the max_iter warning is silenced.
warnings.filterwarnings("ignore", category=ConvergenceWarning)
X, y = load_digits(return_X_y=True)
X = scale(X)

# %%
# Zero initialization: nothing to spread
# --------------------------------------
# Every weight of this ReLU network starts at exactly zero. Every hidden unit then
# outputs ``relu(0) = 0`` and passes back no gradient, so no weight ever moves: each
# layer stays on the zero row for the whole fit, and only the output biases learn
# (the class frequencies). He initialization starts the weights spread over two
# decades on both sides of zero, and training moves them.
for initializer in ["zeros", "he_normal"]:
    model = MLPClassifier(
        (32, 16),
        initializer=initializer,
        max_iter=30,
        record_weights=True,
        random_state=0,
    ).fit(X, y)
    fig = plot_weight_evolution(model)
    fig.suptitle(f"initializer={initializer!r}: accuracy {model.score(X, y):.2f}")

# %%
# Exploding: the tails run away
# -----------------------------
# Four linear layers with large initial weights, trained by full-batch SGD at a
# learning rate too high for them (the network of
# :ref:`sphx_glr_auto_examples_plot_gradient_diagnosis.py`). For three epochs the
# distributions barely move; then every step overshoots, and the largest weights
# (the 5% and 95% lines, the outer bins) grow 1.6- to 3.4-fold in epoch 4, while
# the loss climbs from 20.4 to 288. A fit whose loss ends that far above its start
# has diverged: by default it raises ``ValueError``; with
# ``on_divergence="keep_best"``, as here, the best epoch's weights come back with a
# ``DivergenceWarning``, and the record shows the blow-up coming.
X_reg, y_reg = load_diabetes(return_X_y=True)
X_reg, y_reg = scale(X_reg), scale(y_reg)
exploding = MLPRegressor(
    (32,) * 4,
    activation="identity",
    initializer=random_normal(stddev=0.3),
    optimizer="sgd",
    learning_rate=0.01,
    batch_size=len(X_reg),
    max_iter=4,
    record_weights=True,
    random_state=0,
    on_divergence="keep_best",
).fit(X_reg, y_reg)
fig = plot_weight_evolution(exploding, layers=[0, -1])
fig.suptitle("Exploding: the first and the last layer")
largest = exploding.history_.weight_evolution().quantiles[:, :, -1]
print("largest weight per layer (rows: epochs 0..4):")
print(np.array2string(largest, precision=3, suppress_small=True))

# %%
# L1: weights collapse onto zero
# ------------------------------
# An L1 penalty, applied by a proximal step, sets weights exactly to zero: the zero
# row of the input layer fills up epoch after epoch while the weights the data need
# stay large. The counts behind the picture are in the history, one row per epoch.
X_bc, y_bc = load_breast_cancer(return_X_y=True)
X_bc = scale(X_bc)
sparse = MLPClassifier(
    (32,),
    penalty="l1",
    alpha=3e-3,
    learning_rate=1e-2,
    max_iter=60,
    record_weights=True,
    random_state=0,
).fit(X_bc, y_bc)
fig = plot_weight_evolution(sparse, quantiles=(25, 50, 75))
fig.suptitle(f"L1 (alpha=3e-3): accuracy {sparse.score(X_bc, y_bc):.3f}")
evolution = sparse.history_.weight_evolution()
zero_bin = evolution.counts.shape[2] // 2
share = evolution.counts[:, 0, zero_bin] / evolution.counts[0, 0].sum()
print("share of exact zeros in the input layer, every 10th epoch:")
print(np.round(share[::10], 2))

# %%
# A bounded record, saved with the model
# --------------------------------------
# The record's size depends on the number of layers and bins only (4 bins per
# decade by default, ``record_weights=8`` for finer ones), not on the number of
# weights; pickle and :func:`skweights.save` keep it with the model.
record = sparse.history_[-1]
print(
    f"{record['weight_counts'].shape} counts and "
    f"{record['weight_quantiles'].shape} percentiles per epoch: "
    f"{record['weight_counts'].nbytes + record['weight_quantiles'].nbytes} bytes "
    f"for {sum(W.size for W in sparse.coefs_)} weights"
)
plt.show()
