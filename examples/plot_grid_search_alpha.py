"""
Tuning alpha with GridSearchCV, a Pipeline and pandas
=====================================================

Penalties compare weights, so the features must be on one scale; the scaler belongs
inside the pipeline, where cross-validation fits it on each training fold only.
Here the data stay a pandas DataFrame from end to end: ``set_output(transform=
"pandas")`` makes the scaler return a DataFrame, so the model records
``feature_names_in_`` and its weights carry the column names.

``GridSearchCV`` searches ``alpha`` on a log scale for an L1 and an L2 penalty
(parameter names are prefixed with the pipeline step's name).
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import load_diabetes
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skweights import LinearRegressor

data = load_diabetes(as_frame=True, scaled=False)
X, y = data.data, data.target
print(type(X).__name__, X.shape)

pipe = make_pipeline(StandardScaler(), LinearRegressor()).set_output(transform="pandas")
grid = {
    "linearregressor__penalty": ["l1", "l2"],
    "linearregressor__alpha": np.logspace(-3, 2, 16),
}
search = GridSearchCV(pipe, grid, cv=KFold(5, shuffle=True, random_state=0))
search.fit(X, y)
print("best:", search.best_params_, f"R2 = {search.best_score_:.3f}")

# %%
# CV score against alpha
# ----------------------
# ``cv_results_`` is a dict of arrays; as a DataFrame it groups by penalty.
results = pd.DataFrame(search.cv_results_)
fig, ax = plt.subplots(layout="constrained")
for penalty, group in results.groupby("param_linearregressor__penalty"):
    alphas = group["param_linearregressor__alpha"].astype(float)
    mean, std = group["mean_test_score"], group["std_test_score"]
    ax.semilogx(alphas, mean, marker="o", label=f"penalty={penalty}")
    ax.fill_between(alphas, mean - std, mean + std, alpha=0.2)
ax.axvline(search.best_params_["linearregressor__alpha"], color="gray", ls="--")
ax.set_xlabel("alpha")
ax.set_ylabel("5-fold CV R$^2$")
ax.set_title("GridSearchCV over alpha")
ax.legend()

# %%
# The weights of the best model, by name
# --------------------------------------
# The final step saw a DataFrame, so ``feature_names_in_`` holds the columns.
best = search.best_estimator_[-1]
coef = pd.Series(best.coef_, index=best.feature_names_in_).sort_values()
print(coef)
fig, ax = plt.subplots(layout="constrained")
coef.plot.barh(ax=ax)
ax.axvline(0, color="black", lw=0.8)
ax.set_xlabel("weight per standard deviation")
ax.set_title(f"best model: {best.penalty}, alpha={best.alpha:.3g}")
plt.show()
