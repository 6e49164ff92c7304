"""
L1 against L2: what the penalty does to the weights
===================================================

The same network trained with an L2 penalty (weight decay) and with an L1 penalty of
similar strength. L2 shrinks every weight towards zero but leaves almost none at
exactly zero; L1, applied by a proximal (soft-thresholding) step, sets many weights
exactly to zero, a sparse network. The histograms count the exact zeros apart.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

from skweights import MLPClassifier
from skweights.inspection import layer_summary
from skweights.plotting import plot_weight_histogram

X, y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X)

fig, axes = plt.subplots(2, 1, figsize=(7, 7), sharex=True, layout="constrained")
for ax, penalty, alpha in zip(axes, ["l2", "l1"], [3e-2, 3e-3]):
    model = MLPClassifier(
        (32,),
        penalty=penalty,
        alpha=alpha,
        learning_rate=1e-2,
        max_iter=150,
        random_state=0,
    ).fit(X, y)
    summary = layer_summary(model)
    sparsity = summary["n_zeros"].sum() / summary["n_params"].sum()
    plot_weight_histogram(model, ax=ax)
    ax.set_title(
        f"{penalty.upper()} (alpha={alpha:g}): {sparsity:.0%} exact zeros, "
        f"accuracy {model.score(X, y):.3f}"
    )
    print(penalty, summary[["n_params", "n_zeros", "l1_norm", "frobenius_norm"]])
plt.show()
