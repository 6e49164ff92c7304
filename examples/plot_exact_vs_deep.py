"""
Exact Shapley values against DeepSHAP on ISLR Wage
==================================================

:func:`skweights.explain` has three ways to split a prediction among the input
columns: ``method="exact"`` enumerates every coalition of columns and returns the
exact interventional Shapley values, ``method="sampling"`` estimates them from
random permutations with a standard error, and ``method="deep"`` runs DeepSHAP,
one backward pass per background row. All three add up to the prediction minus
the average prediction over the background; they differ in how they split it.

Here a small network predicts whether a worker of the ISLR Wage data earns more
than $125k a year from 8 columns (2 numeric, 6 categorical). With 8 columns the
exact values are cheap, so we can see how far DeepSHAP's split is from them, on
one worker and over the test set (see :ref:`guide-interpretation` for the costs of
each method, and the benchmark's table over three data sets).
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import shap
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skweights import MLPClassifier, explain

# %%
# The data: 3,000 workers, 8 columns
# ----------------------------------
# The Wage data of *An Introduction to Statistical Learning* (from the ISLP
# package, BSD licence) ships with skweights' benchmarks; the examples run in
# their own directory, next to ``benchmarks/``.
wage = pd.read_csv("../benchmarks/data/wage.csv")
numeric = ["year", "age"]
categorical = ["maritl", "race", "education", "jobclass", "health", "health_ins"]
X = wage[numeric + categorical]
y = np.where(wage["wage"] > 125, "high", "not high")
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, random_state=0, stratify=y
)
X.head()

# %%
# A pipeline with an MLP
# ----------------------
pipe = make_pipeline(
    ColumnTransformer(
        [("num", StandardScaler(), numeric), ("cat", OneHotEncoder(), categorical)]
    ),
    MLPClassifier((64, 32), max_iter=300, random_state=0),
)
# A fixed budget of 300 epochs is enough to explain the model; whether it stopped
# at max_iter is beside the point here, so that warning alone is silenced.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    pipe.fit(X_train, y_train)
print(f"test accuracy: {pipe.score(X_test, y_test):.3f}")

# %%
# Both explanations of 200 test workers
# -------------------------------------
# The same 100 training rows serve as the background of both (raw rows: the
# pipeline's input). A one-hot block is one player: the values come back in the
# 8 input columns. ``[:, :, "high"]`` keeps P(high earner).
background = X_train.sample(100, random_state=0)
rows = X_test.iloc[:200]
exact = explain(pipe, rows, background, output="probability", method="exact")
deep = explain(pipe, rows, background, output="probability", method="deep")
exact, deep = exact[:, :, "high"], deep[:, :, "high"]
print(exact.method, deep.method)
gap = np.abs(exact.values.sum(1) - deep.values.sum(1)).max()
print(f"largest difference of the sums: {gap:.1e}")  # both add up to the output

# %%
# How often they agree
# --------------------
# The sums agree; the splits do not always. The top-1 agreement is the share of
# workers whose most important column (largest ``|value|``) is the same; the
# relative error is ``sum |deep - exact| / sum |exact|`` per worker.
top_exact = np.abs(exact.values).argmax(axis=1)
top_deep = np.abs(deep.values).argmax(axis=1)
relative = np.abs(deep.values - exact.values).sum(1) / np.abs(exact.values).sum(1)
correlation = np.corrcoef(exact.values.ravel(), deep.values.ravel())[0, 1]
pd.Series(
    {
        "top-1 agreement": f"{(top_exact == top_deep).mean():.0%}",
        "correlation": f"{correlation:.3f}",
        "median relative error": f"{np.median(relative):.0%}",
        "largest |deep - exact|": f"{np.abs(deep.values - exact.values).max():.3f}",
    }
).to_frame("DeepSHAP vs exact")

# %%
# One worker, two waterfalls
# --------------------------
# A worker whose top column differs between the two: the one with the largest
# relative error among them. Both waterfalls start from the same average
# P(high) over the background and end at the same prediction; the columns in
# between get different shares. First the exact values:
disagree = np.flatnonzero(top_exact != top_deep)
row = disagree[np.argmax(relative[disagree])] if disagree.size else 0
shap.plots.waterfall(exact[row], show=False)
plt.title('Exact Shapley values (method="exact")')
plt.tight_layout()
plt.show()

# %%
# then DeepSHAP's, for the same worker:
shap.plots.waterfall(deep[row], show=False)
plt.title('DeepSHAP (method="deep")')
plt.tight_layout()
plt.show()

# %%
# Side by side, column by column
# ------------------------------
# The same two explanations as paired bars, in the exact values' order.
order = np.argsort(np.abs(exact.values[row]))
labels = [
    f"{name} = {value}" for name, value in zip(exact.feature_names, exact.data[row])
]
positions = np.arange(len(order))
fig, ax = plt.subplots(figsize=(7, 4.2), layout="constrained")
ax.barh(positions + 0.2, exact.values[row][order], height=0.4, label='"exact"')
ax.barh(positions - 0.2, deep.values[row][order], height=0.4, label='"deep"')
ax.set_yticks(positions, [labels[j] for j in order])
ax.axvline(0, color="black", linewidth=0.8)
ax.set_xlabel("contribution to P(high earner)")
ax.set_title("One worker: exact Shapley values and DeepSHAP")
ax.legend(title="method", loc="lower right")
plt.show()
