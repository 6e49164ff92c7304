"""
Comparing initializers: activations per layer and learning curves
=================================================================

An initializer sets the variance of each weight, and with it how the signal's scale
changes from layer to layer. This example fits the same deep ReLU and tanh networks
with several initializers and shows (1) the standard deviation of each hidden
layer's activations at initialization, computed with the network's own forward pass,
and (2) the training curves.

He initialization (variance ``2 / n_in``) keeps ReLU activations at a constant
scale; Glorot (``2 / (n_in + n_out)``) suits tanh; a small fixed-variance normal
makes the signal vanish with depth, and the network then learns slowly or not at
all.
"""

import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skweights import MLPClassifier, activations

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
hidden = (64,) * 6
names = ["he_uniform", "glorot_uniform", "lecun_normal", "orthogonal", "random_normal"]


def layer_stds(model, X):
    """Std of each hidden layer's activations: a manual forward pass."""
    act = activations.get(model.activation)
    h, stds = X, []
    for W, b in zip(model.coefs_[:-1], model.intercepts_[:-1]):
        h = act.forward(h @ W + b)
        stds.append(h.std())
    return stds


# %%
# Activations at initialization
# -----------------------------
# One epoch with a learning rate of 1e-12 leaves the weights where the initializer
# put them (to within rounding) and gives us a fitted model to read them from.
fig, axes = plt.subplots(1, 2, figsize=(7.5, 3.8), sharey=True, layout="constrained")
for ax, activation in zip(axes, ["relu", "tanh"]):
    for name in names:
        model = MLPClassifier(
            hidden,
            activation=activation,
            initializer=name,
            learning_rate=1e-12,
            max_iter=1,
            random_state=0,
        )
        # One negligible step, only to build the network: no convergence wanted.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        ax.semilogy(range(1, 7), layer_stds(model, X), marker="o", label=name)
    ax.set_title(f"{activation}, 6 hidden layers of 64")
    ax.set_xlabel("hidden layer")
axes[0].set_ylabel("std of the activations")
axes[1].legend(fontsize=8)

# %%
# Learning curves
# ---------------
# The same networks trained for 30 epochs with Adam. Initializers that keep the
# signal's scale start learning at once.
fig, axes = plt.subplots(1, 2, figsize=(7.5, 3.8), sharey=True, layout="constrained")
for ax, activation in zip(axes, ["relu", "tanh"]):
    for name in names:
        model = MLPClassifier(
            hidden,
            activation=activation,
            initializer=name,
            learning_rate=1e-3,
            max_iter=30,
            random_state=0,
        )
        # The same 30-epoch budget for every initializer: stopping at max_iter
        # is intended, so its warning is silenced.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        ax.plot(model.history_["loss"], label=f"{name} ({model.score(X, y):.2f})")
    ax.set_title(activation)
    ax.set_xlabel("epoch")
    ax.set_yscale("log")
    ax.legend(fontsize=8, title="initializer (train acc.)", title_fontsize=8)
axes[0].set_ylabel("training objective")
plt.show()
