"""
Transfer learning: pretrain, freeze, fine-tune
==============================================

A network trained on a large *source* task learns hidden features; a related
*target* task with few labels can start from them instead of from random weights.
:class:`skweights.transfer.Pretrained` loads the weights of a fitted model (here
the hidden layer only, so the target task gets a new output layer), and
``frozen_layers`` keeps the loaded layer fixed.

The data are generated so that both tasks read the same hidden structure: 50 inputs
go through one fixed random map ``h = tanh(X A)`` to 4 hidden features; the source
task has 8 classes (the largest of 8 random combinations of ``h``), the target task
2 classes (the sign of one other combination). We pretrain on 10,000 source samples,
then compare three ways to learn the target task from 20 to 500 labelled samples:

* **scratch**: a new network with random weights;
* **fine-tuned**: the pretrained hidden layer, a new output layer, everything trained;
* **frozen features**: the pretrained hidden layer kept fixed, only the output layer
  trained (``frozen_layers=(0,)``).
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skweights import MLPClassifier
from skweights.transfer import Pretrained

N_FEATURES, N_HIDDEN = 50, 4
rng = np.random.default_rng(0)
A = rng.normal(size=(N_FEATURES, N_HIDDEN)) * (3.0 / np.sqrt(N_FEATURES))
source_head = rng.normal(size=(N_HIDDEN, 8))
target_head = rng.normal(size=N_HIDDEN)


def source_task(n, rng):
    """Inputs and one of 8 labels, from the shared hidden features."""
    X = rng.normal(size=(n, N_FEATURES))
    return X, (np.tanh(X @ A) @ source_head).argmax(axis=1)


def target_task(n, rng):
    """Inputs and a binary label, from the same hidden features."""
    X = rng.normal(size=(n, N_FEATURES))
    return X, (np.tanh(X @ A) @ target_head > 0).astype(int)


# %%
# Pretrain on the source task
# ---------------------------
X_source, y_source = source_task(10_000, np.random.default_rng(1))
source = MLPClassifier(
    (32,), activation="tanh", learning_rate=0.01, max_iter=60, random_state=0
).fit(X_source, y_source)
X_check, y_check = source_task(2000, np.random.default_rng(2))
print(f"source task accuracy: {source.score(X_check, y_check):.3f}")

# ``n_layers=-1`` keeps every layer but the output: the target task has 2 classes,
# and a new output layer starts from the fallback initializer (Glorot uniform).
features = Pretrained.from_estimator(source, n_layers=-1)

# %%
# Learn the target task from few samples
# --------------------------------------
# Every method gets the same budget of 300 epochs; some runs would go on improving
# the training loss a little, which is not the point here.
warnings.filterwarnings("ignore", category=ConvergenceWarning)
X_test, y_test = target_task(2000, np.random.default_rng(3))
sizes = [20, 50, 100, 200, 500]
methods = {
    "scratch": {},
    "fine-tuned": {"initializer": features},
    "frozen features": {"initializer": features, "frozen_layers": (0,)},
}
n_seeds = 3
scores = {name: np.zeros((len(sizes), n_seeds)) for name in methods}
for i, n in enumerate(sizes):
    for seed in range(n_seeds):
        X, y = target_task(n, np.random.default_rng(100 + seed))
        for name, extra in methods.items():
            model = MLPClassifier(
                (32,),
                activation="tanh",
                learning_rate=0.01,
                max_iter=300,
                random_state=seed,
                **extra,
            )
            scores[name][i, seed] = model.fit(X, y).score(X_test, y_test)

print(f"\ntarget accuracy (mean of {n_seeds} seeds)")
print(f"{'n samples':>10}" + "".join(f"{name:>17}" for name in methods))
for i, n in enumerate(sizes):
    row = "".join(f"{scores[name][i].mean():>17.3f}" for name in methods)
    print(f"{n:>10}{row}")

# %%
# Plot
# ----
# With few target samples the pretrained features win by a wide margin; as the
# target set grows, training from scratch catches up.
fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
for name in methods:
    mean, std = scores[name].mean(axis=1), scores[name].std(axis=1)
    ax.errorbar(sizes, mean, yerr=std, marker="o", capsize=3, label=name)
ax.set_xscale("log")
ax.set_xticks(sizes, [str(n) for n in sizes])
ax.minorticks_off()
ax.set_xlabel("target training samples")
ax.set_ylabel("target test accuracy")
ax.set_title("Transfer from a related task with 10,000 samples")
ax.legend()
plt.show()
