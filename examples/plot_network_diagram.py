"""
The network drawn from its weights
==================================

:func:`~skweights.plotting.plot_network` draws a fitted model as the classic diagram
of a neural network: one column of nodes per layer, one line per weight, red when
positive and blue when negative, wider and darker the larger the weight (the
``plotnet`` picture of R's NeuralNetTools). Weights that are exactly zero are not
drawn, so an L1 penalty visibly prunes the network.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skweights import LinearClassifier, MLPClassifier
from skweights.plotting import plot_network

# %%
# A linear model is a bipartite graph
# -----------------------------------
# A multinomial logistic regression on iris connects every feature to every class.
# With an L1 penalty some of those weights are exactly zero and disappear from the
# picture: petal length and width carry the classification.
iris = load_iris(as_frame=True)
X, y = iris.data, iris.target_names[iris.target]
linear = make_pipeline(
    StandardScaler(), LinearClassifier(penalty="l1", alpha=0.02)
).fit(X, y)
plot_network(linear)
print("zero weights:", int(np.sum(linear[-1].coefs_[0] == 0)), "of 12")

# %%
# A small MLP, through its preprocessing
# --------------------------------------
# A pipeline is drawn through its last step; the feature names come from the
# preprocessing (``get_feature_names_out``). The L1 penalty leaves a sparse
# network whose surviving connections show which features each hidden unit uses.
cancer = load_breast_cancer(as_frame=True)
X, y = cancer.data.iloc[:, :10], cancer.target_names[cancer.target]
mlp = make_pipeline(
    StandardScaler(),
    MLPClassifier(
        (6,),
        penalty="l1",
        alpha=1e-2,
        learning_rate=1e-2,
        tol=1e-3,
        random_state=0,
    ),
).fit(X, y)
plot_network(mlp)
weights = mlp[-1].coefs_
print("non-zero weights:", sum(int(np.count_nonzero(W)) for W in weights), "of 66")

# %%
# Wide layers and frozen layers
# -----------------------------
# With a hundred hidden units every weight would be a tangle of 3,000 lines. By
# default ``plot_network`` draws the 500 largest (``max_edges``, shared by the
# layers; the title says how many it left out); ``top_k=2`` instead keeps the two
# strongest incoming connections of each node, so every node stays linked. The first
# layer here is frozen (``frozen_layers=(0,)``): only the output layer was trained
# on top of the random initial features, and its grey band says so.
X, y = cancer.data, cancer.target_names[cancer.target]
wide = make_pipeline(
    StandardScaler(),
    MLPClassifier(
        (100,), frozen_layers=(0,), learning_rate=1e-2, tol=1e-3, random_state=0
    ),
).fit(X, y)
plot_network(wide, top_k=2)
print(f"training accuracy with a frozen first layer: {wide.score(X, y):.3f}")
plt.show()
