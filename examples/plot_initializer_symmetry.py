"""
Zero initialization does not break symmetry
===========================================

If every weight starts at the same value, every hidden unit of a layer computes the
same function and receives the same gradient, so they stay identical for ever: the
network has, in effect, one unit per layer. With all-zero weights the hidden layers
even receive zero gradient. Random initializers (Glorot for tanh, He for ReLU) give
each unit its own starting point. The heatmaps show the first layer after training:
identical (here all-zero) columns for ``"zeros"``, distinct units for the others.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler

from skweights import MLPClassifier
from skweights.plotting import plot_weight_heatmap

X, y = load_digits(return_X_y=True)
X = MinMaxScaler().fit_transform(X)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

fig, axes = plt.subplots(1, 3, figsize=(7.5, 5), layout="constrained")
for ax, (initializer, activation) in zip(
    axes, [("zeros", "tanh"), ("glorot_uniform", "tanh"), ("he_normal", "relu")]
):
    model = MLPClassifier(
        (12,),
        activation=activation,
        initializer=initializer,
        learning_rate=1e-2,
        max_iter=40,
        random_state=0,
    ).fit(X_train, y_train)
    W = model.coefs_[0]
    distinct = np.unique(W.round(12), axis=1).shape[1]
    plot_weight_heatmap(model, ax=ax)
    ax.set_title(
        f"{initializer} ({activation})\n{distinct} distinct of {W.shape[1]} units\n"
        f"test accuracy {model.score(X_test, y_test):.2f}",
        fontsize="medium",
    )
    print(f"{initializer:>15}: distinct hidden units = {distinct}")
plt.show()
