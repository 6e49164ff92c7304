"""
Vanishing and exploding gradients, diagnosed
============================================

Three networks on the same (standardized) diabetes data:

- a deep network of logistic units with tiny initial weights: each layer multiplies
  the backpropagated gradient by at most ``0.25 * |W|``, so the first layer's
  gradient is orders of magnitude smaller than the last layer's (vanishing);
- a network with huge initial weights and a high SGD learning rate: the gradients
  blow up and training diverges (exploding);
- a He-initialized ReLU network: gradients of similar size in every layer.

:func:`skweights.inspection.diagnose_gradients` reads each model's ``history_`` and
prints a verdict; :func:`skweights.plotting.plot_training_history` shows the
per-layer gradient norms on a log scale.
"""

import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import scale

from skweights import MLPRegressor
from skweights.initializers import random_normal
from skweights.inspection import diagnose_gradients
from skweights.plotting import plot_training_history

# Each network gets a short, fixed budget: the gradients, not convergence, are the
# point (the vanishing one cannot converge), so the max_iter warning is silenced.
warnings.filterwarnings("ignore", category=ConvergenceWarning)
X, y = load_diabetes(return_X_y=True)
X, y = scale(X), scale(y)

networks = {
    "vanishing: 8 logistic layers, N(0, 0.01) init": MLPRegressor(
        (32,) * 8,
        activation="logistic",
        initializer=random_normal(stddev=0.01),
        max_iter=30,
    ),
    "exploding: N(0, 3) init, SGD with learning rate 0.1": MLPRegressor(
        (32,) * 4,
        activation="identity",
        initializer=random_normal(stddev=3.0),
        optimizer="sgd",
        learning_rate=0.1,
        max_iter=30,
        on_divergence="keep_best",  # it blows up: keep its history, don't raise
    ),
    "healthy: He-initialized ReLU": MLPRegressor(
        (32,) * 4, activation="relu", initializer="he_normal", max_iter=60
    ),
}
for title, model in networks.items():
    model.set_params(random_state=0).fit(X, y)
    frame = diagnose_gradients(model)
    print(f"{title}\n  {frame.attrs['verdict']}\n")
    fig = plot_training_history(model)
    fig.suptitle(title)
plt.show()
