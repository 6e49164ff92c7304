"""
Quickstart: fit, look at the weights, tune alpha
================================================

The four estimators of skweights are scikit-learn estimators whose weights you can
control and inspect. This example fits a linear model and a small network on the
breast-cancer data set, looks at their weights and training history, and tunes the
penalty strength ``alpha`` with cross-validation.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skweights import LinearClassifier, MLPClassifier

X, y = load_breast_cancer(return_X_y=True, as_frame=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

# %%
# A linear model
# --------------
# ``LinearClassifier`` is logistic regression; with an L1 penalty many weights are
# exactly zero. Scaling happens inside the pipeline, so the weights are "per
# standard deviation" and comparable with each other.
linear = make_pipeline(StandardScaler(), LinearClassifier(penalty="l1", alpha=0.01))
# DataFrames all the way, so the model keeps the column names (feature_names_in_).
linear.set_output(transform="pandas").fit(X_train, y_train)
clf = linear[-1]
print(f"test accuracy: {linear.score(X_test, y_test):.3f}")
print(f"coef_ shape {clf.coef_.shape}, coefs_ shapes {[W.shape for W in clf.coefs_]}")
print(f"{np.sum(clf.coef_ == 0)} of {clf.coef_.size} weights are exactly zero")

order = np.argsort(clf.coef_[0])
fig, ax = plt.subplots(figsize=(7, 6.5), layout="constrained")
ax.barh(clf.feature_names_in_[order], clf.coef_[0][order])
ax.set_xlabel("weight (per standard deviation)")
ax.set_title(
    "LinearClassifier(penalty='l1'):\nthe non-zero weights choose the features"
)

# %%
# A small network
# ---------------
# ``MLPClassifier`` has one weight matrix per layer in ``coefs_`` (shape
# ``(n_in, n_out)``), and records every epoch in ``history_``.
mlp = make_pipeline(
    StandardScaler(),
    MLPClassifier(
        (16,), initializer="he_uniform", optimizer="adam", max_iter=60, random_state=0
    ),
)
# 60 epochs are enough for this tour; the training loss still improves by more than
# ``tol``, so the fit stops at ``max_iter`` and says so with a ConvergenceWarning,
# silenced here on purpose. (A fit that diverges raises instead.)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    mlp.fit(X_train, y_train)
net = mlp[-1]
print(f"test accuracy: {mlp.score(X_test, y_test):.3f}")
print("coefs_ shapes:", [W.shape for W in net.coefs_])
frame = net.history_.to_frame()
print(frame[["epoch", "loss", "grad_norm_0", "weight_norm_0"]].tail(3))

fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(7.5, 3.6), layout="constrained")
ax0.plot(frame["epoch"], frame["loss"])
ax0.set_xlabel("epoch")
ax0.set_ylabel("training objective")
for layer in range(len(net.coefs_)):
    ax1.plot(frame["epoch"], frame[f"weight_norm_{layer}"], label=f"layer {layer}")
ax1.set_xlabel("epoch")
ax1.set_ylabel("weight norm")
ax1.legend()

# %%
# Tuning alpha
# ------------
# ``alpha`` means the same for every optimizer and batch size; scan it on a log
# scale with cross-validation.
alphas = np.logspace(-4, 0, 9)
scores = [
    cross_val_score(
        make_pipeline(StandardScaler(), LinearClassifier(alpha=a)), X, y, cv=5
    ).mean()
    for a in alphas
]
fig, ax = plt.subplots(layout="constrained")
ax.semilogx(alphas, scores, marker="o")
ax.set_xlabel("alpha")
ax.set_ylabel("5-fold CV accuracy")
ax.set_title("LinearClassifier(penalty='l2')")
plt.show()
