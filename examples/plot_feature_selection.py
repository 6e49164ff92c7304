"""
Feature selection inside an MLP with a group penalty
====================================================

An L1 penalty zeroes single weights; to learn which *input features* a network needs,
penalize each feature's row of the first weight matrix as a whole: the group lasso
:math:`\\alpha \\sum_j \\lVert W_j \\rVert_2` (``penalty="group_l1"``). Its proximal
step (block soft-thresholding) sets whole rows to exactly zero, so the network stops
reading those features; ``support_`` and ``n_features_selected_`` say which survived.

Here the wine data (13 chemical measurements, 3 cultivars) gets 10 extra columns of
pure noise. The input layer gets the group penalty, the output layer a small fixed
L2 (``penalty=["group_l1", L2(1e-3)]``: a penalty object keeps its own alpha, so the
path varies only the group strength).
:func:`skweights.inspection.regularization_path` fits the network from a weak
penalty to a strong one with warm starts, until no feature is left; read the plot
right to left to see features enter as alpha falls, the noise columns last.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import SelectFromModel
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skweights import MLPClassifier
from skweights.inspection import regularization_path
from skweights.penalties import L2
from skweights.plotting import plot_regularization_path

warnings.filterwarnings("ignore", category=ConvergenceWarning)  # short fits

data = load_wine()
rng = np.random.default_rng(0)
X = np.hstack([data.data, rng.normal(size=(len(data.data), 10))])
names = list(data.feature_names) + [f"noise {i}" for i in range(10)]
is_noise = np.arange(len(names)) >= data.data.shape[1]
X_train, X_test, y_train, y_test = train_test_split(
    X, data.target, stratify=data.target, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

model = MLPClassifier(
    (16,),
    penalty=["group_l1", L2(1e-3)],
    learning_rate=1e-2,
    max_iter=100,
    tol=1e-5,
    random_state=0,
)
path = regularization_path(model, X_train, y_train, n_alphas=20)
path.feature_names = names

# %%
# Held-out accuracy at each alpha: ``weights`` and ``layer_intercepts`` hold the
# whole network at every alpha, so a fitted copy of the model can predict with them.
shell = clone(model).fit(X_train, y_train)
accuracy = []
for coefs, intercepts in zip(path.weights, path.layer_intercepts):
    shell.coefs_, shell.intercepts_ = coefs, intercepts
    accuracy.append(shell.score(X_test, y_test))
accuracy = np.array(accuracy)
print("alpha     accuracy  features  (noise columns among them)")
for k in np.flatnonzero(np.diff(path.n_features_selected, prepend=-1)):
    support = np.any(path.weights[k][0] != 0, axis=1)
    print(
        f"{path.alphas[k]:8.4f}  {accuracy[k]:8.3f}  {support.sum():8d}"
        f"  ({(support & is_noise).sum()})"
    )

# %%
# The path: each feature's first-layer row norm (zero while it is out; noise
# columns in grey), then the held-out accuracy and the number of selected features.
fig, axes = plt.subplots(2, 1, figsize=(7.5, 8.5), layout="constrained")
plot_regularization_path(path, ax=axes[0], features=True)
for k, (line, noise) in enumerate(zip(axes[0].get_lines(), is_noise)):
    if noise:
        line.set(color="0.6", linewidth=0.8, label="_noise")
    else:  # 13 distinct colours (tab20 has no grey before index 14)
        line.set_color(plt.cm.tab20(k))
axes[0].get_lines()[int(np.argmax(is_noise))].set_label("noise columns")
axes[0].legend(fontsize="small", loc="center left", bbox_to_anchor=(1.02, 0.5))
axes[1].plot(path.alphas, accuracy, marker="o", color="C0")
axes[1].set_xscale("log")
axes[1].set_xlim(path.alphas.max(), path.alphas.min())
axes[1].set_xlabel("alpha (penalty strength)")
axes[1].set_ylabel("held-out accuracy", color="C0")
count = axes[1].twinx()
count.step(path.alphas, path.n_features_selected, where="mid", color="C1")
count.set_ylabel("selected features", color="C1")
axes[1].set_title("Held-out accuracy and selected features")
plt.show()

# %%
# Feature selection in a pipeline
# -------------------------------
# ``input_weight_norms_`` (each row's norm, exactly 0 for a dropped feature) is the
# importance :class:`~sklearn.feature_selection.SelectFromModel` reads; with a tiny
# threshold it keeps exactly ``support_``. Here the selected features feed a
# logistic regression. The alpha is the weakest on the path that keeps every noise
# column out (we know which they are here). A fresh fit does not follow the
# warm-started path exactly: it may keep a slightly different set.
clean = [k for k, ws in enumerate(path.weights) if not np.any(ws[0][is_noise])]
best = clean[-1]
selector = SelectFromModel(
    clone(model).set_params(alpha=float(path.alphas[best])),
    importance_getter="input_weight_norms_",
    threshold=1e-12,
)
pipe = make_pipeline(selector, LogisticRegression()).fit(X_train, y_train)
kept = [name for name, on in zip(names, pipe[0].get_support()) if on]
print(f"SelectFromModel at alpha={path.alphas[best]:.3f} keeps {len(kept)}: {kept}")
print(f"logistic regression on them: accuracy {pipe.score(X_test, y_test):.3f}")
