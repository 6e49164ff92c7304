"""
Comparing optimizers and learning-rate schedules
================================================

Every optimizer in :mod:`skweights.optimizers` minimizes the same objective, so their
loss curves, read from ``history_``, compare directly. This example trains one
network on the digits data with each minibatch optimizer, compares the full-batch
solvers on a linear model, and then runs SGD with momentum under each schedule.
"""

import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skweights import LinearClassifier, MLPClassifier
from skweights.optimizers import adagrad, adam, adamw, rmsprop, sgd

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)


def fit(model):
    # Every optimizer gets the same epoch budget so the curves compare; stopping at
    # max_iter is intended, so its ConvergenceWarning is silenced.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


# %%
# Minibatch optimizers
# --------------------
# Each gets a learning rate in its usual range; the right panel shows the learning
# rate ``history_`` recorded, the left the objective.
optimizers = {
    "sgd": (sgd(), 0.05),
    "sgd, momentum 0.9": (sgd(momentum=0.9), 0.01),
    "sgd, Nesterov": (sgd(momentum=0.9, nesterov=True), 0.01),
    "adam": (adam(), 1e-3),
    "adamw": (adamw(weight_decay=0.01), 1e-3),
    "rmsprop": (rmsprop(), 1e-3),
    "adagrad": (adagrad(), 0.05),
}
fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
for name, (optimizer, lr) in optimizers.items():
    model = fit(
        MLPClassifier(
            (32,), optimizer=optimizer, learning_rate=lr, max_iter=30, random_state=0
        )
    )
    frame = model.history_.to_frame()
    ax.plot(frame["epoch"], frame["loss"], label=f"{name} (lr={lr:g})")
ax.set_yscale("log")
ax.set_xlabel("epoch")
ax.set_ylabel("training objective")
ax.set_title("MLPClassifier((32,)) on digits")
ax.legend(fontsize=8)

# %%
# Full-batch solvers on a linear model
# ------------------------------------
# L-BFGS (smooth penalties) and FISTA (with an L1 part) see the whole data set per
# iteration and choose their own steps (they take no learning rate); for comparison,
# Adam's epochs. Each point of a full-batch curve is one solver iteration.
fig, ax = plt.subplots(layout="constrained")
for name, optimizer, penalty, rate in [
    ("lbfgs, l2", "lbfgs", "l2", {}),
    ("adam, l2", "adam", "l2", {"learning_rate": 1e-2}),
    ("fista, l1", "fista", "l1", {}),
    ("adam, l1", "adam", "l1", {"learning_rate": 1e-2}),
]:
    model = fit(
        LinearClassifier(
            penalty=penalty, alpha=1e-3, optimizer=optimizer, max_iter=100, **rate
        )
    )
    ax.plot(model.loss_curve_, label=f"{name} ({model.n_iter_} it.)")
ax.set_yscale("log")
ax.set_xlabel("iteration / epoch")
ax.set_ylabel("objective")
ax.set_title("LinearClassifier on digits")
ax.legend()

# %%
# Learning-rate schedules
# -----------------------
# SGD with momentum under each schedule: decaying the rate lets the loss settle
# lower than a constant rate.
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(7.5, 3.8), layout="constrained")
for schedule in ["constant", "invscaling", "step", "exponential", "cosine", "adaptive"]:
    model = fit(
        MLPClassifier(
            (32,),
            optimizer=sgd(momentum=0.9),
            learning_rate=0.05,
            schedule=schedule,
            max_iter=40,
            random_state=0,
        )
    )
    frame = model.history_.to_frame()
    ax0.plot(frame["epoch"], frame["loss"], label=schedule)
    ax1.plot(frame["epoch"], frame["learning_rate"], label=schedule)
ax0.set_yscale("log")
ax0.set_xlabel("epoch")
ax0.set_ylabel("training objective")
ax1.set_yscale("log")
ax1.set_xlabel("epoch")
ax1.set_ylabel("learning rate (history_)")
ax1.legend(fontsize=8)
plt.show()
