"""
Looking at the weights of a trained network
===========================================

Four views of one MLP trained on the diabetes data: the first layer's weights as a
heatmap (features by hidden units), the distribution of every layer's weights, the
network's connection weights per feature, and its training history. An L1 penalty
makes part of the weights exactly zero, which the heatmap shows as white cells and
the histogram counts apart.
"""

import matplotlib.pyplot as plt
import pandas as pd
from sklearn.datasets import load_diabetes
from sklearn.preprocessing import scale

from skweights import MLPRegressor
from skweights.inspection import layer_summary
from skweights.plotting import (
    plot_coefficients,
    plot_training_history,
    plot_weight_heatmap,
    plot_weight_histogram,
)

X, y = load_diabetes(return_X_y=True, as_frame=True)
X = pd.DataFrame(scale(X), columns=X.columns)
model = MLPRegressor(
    (16, 8),
    penalty="l1",
    alpha=1e-2,
    learning_rate=1e-2,
    schedule="cosine",
    max_iter=150,
    early_stopping=True,
    random_state=0,
).fit(X, scale(y))
print(layer_summary(model).round(3).to_string())

fig, axes = plt.subplot_mosaic(
    [["heatmap", "coefficients"], ["histogram", "histogram"]],
    figsize=(7.5, 7.5),
    layout="constrained",
)
plot_weight_heatmap(model, layer=0, ax=axes["heatmap"])
plot_coefficients(model, ax=axes["coefficients"])
plot_weight_histogram(model, ax=axes["histogram"])

plot_training_history(model)
plt.show()
