"""
Explaining an MLP and a linear model with SHAP values
=====================================================

:func:`skweights.explain` computes SHAP values from the model's own weights. By
default (``method="auto"``) they are the exact interventional Shapley values where
those are cheap (a linear model's raw output, or a few columns) and DeepSHAP (the
DeepLIFT rescale rule averaged over background rows) otherwise: here exact for the
linear regressor, DeepSHAP for the MLPs on 10 and 30 columns
(:ref:`sphx_glr_auto_examples_plot_exact_vs_deep.py` compares the two). It returns a
:class:`shap.Explanation`, so
every ``shap.plots`` function draws it, and the values always add up: for each row,
``values.sum() + base_values`` is the model's output.

Here we explain the last step of each pipeline on the scaled data,
``explain(pipe[-1], pipe[:-1].transform(X))``, so the values are about the scaled
features; :ref:`sphx_glr_auto_examples_plot_shap_pipeline.py` explains a whole
pipeline in its original columns instead. At the end, the
SHAP ranking of the features is compared with the weight-based importances of
:func:`skweights.inspection.weight_importance`.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import shap
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skweights import LinearRegressor, MLPClassifier, MLPRegressor, explain
from skweights.inspection import weight_importance

# The networks are trained for 200 epochs, enough to explain them; their loss
# still improves by more than ``tol``, so they stop at ``max_iter`` and warn about
# it: intended here, so that ConvergenceWarning is silenced.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

# %%
# Fit an MLP and a linear model on the diabetes data
# ---------------------------------------------------
# The target is standardized so the MLP trains quickly (its SHAP values are then in
# standard deviations of disease progression). ``set_output(transform="pandas")``
# keeps the column names through the scaler, so the explanations are labelled.
X, y = load_diabetes(return_X_y=True, as_frame=True)
y = (y - y.mean()) / y.std()
mlp = make_pipeline(
    StandardScaler(),
    MLPRegressor(
        (32, 16), "tanh", alpha=1e-2, learning_rate=1e-2, max_iter=200, random_state=0
    ),
).set_output(transform="pandas")
linear = make_pipeline(
    StandardScaler(), LinearRegressor(penalty="l2", alpha=1e-2)
).set_output(transform="pandas")
mlp.fit(X, y)
linear.fit(X, y)
X_scaled = mlp[:-1].transform(X)

# %%
# Explain the final steps on the scaled features
# ----------------------------------------------
# The background (the rows that stand for "feature unknown") defaults to the at
# most 100 training rows each model kept at ``fit`` (``background_``).
mlp_explanation = explain(mlp[-1], X_scaled)
linear_explanation = explain(linear[-1], X_scaled)
error = np.abs(
    mlp_explanation.values.sum(axis=1) + mlp_explanation.base_values - mlp.predict(X)
).max()
print(f"largest additivity error over {len(X)} rows: {error:.1e}")

# %%
# The beeswarm shows each feature's values over every row, coloured by the
# feature's value.
shap.plots.beeswarm(mlp_explanation, show=False)
plt.title("MLP: SHAP values on the diabetes data")
plt.tight_layout()
plt.show()

# %%
# The bar plot gives the mean absolute SHAP value of each feature, here for the
# linear model; its values are exactly ``(x - mean(background)) * coef_``.
shap.plots.bar(linear_explanation, show=False)
plt.title("Linear model: mean |SHAP value|")
plt.tight_layout()
plt.show()

# %%
# The waterfall splits one prediction: from the average prediction over the
# background to the model's output for the first patient.
shap.plots.waterfall(mlp_explanation[0], show=False)
plt.tight_layout()
plt.show()

# %%
# A classifier's probabilities
# ----------------------------
# ``output="probability"`` explains ``predict_proba``; a binary classifier gets one
# column per class (the first is minus the second), so select the positive class.
X_cancer, y_cancer = load_breast_cancer(return_X_y=True, as_frame=True)
classifier = make_pipeline(
    StandardScaler(), MLPClassifier((16,), max_iter=200, random_state=0)
).set_output(transform="pandas")
classifier.fit(X_cancer, y_cancer)
cancer_explanation = explain(
    classifier[-1], classifier[:-1].transform(X_cancer), output="probability"
)
benign = cancer_explanation[:, :, "1"]  # the class names are strings
shap.plots.beeswarm(benign, max_display=10, show=False)
plt.title("MLP classifier: SHAP values of P(benign)")
plt.tight_layout()
plt.show()

# %%
# SHAP ranking against the weights alone
# --------------------------------------
# Weight-based importances need no data at all: ``"coef"`` is ``|coef_|`` (the
# features are standardized), ``"olden"`` the product of the weight matrices
# through the layers. They agree with SHAP on the strong features but cannot see
# how the data reach the nonlinearities, which SHAP's values do.
mean_abs_shap = pd.Series(
    np.abs(mlp_explanation.values).mean(axis=0), index=mlp_explanation.feature_names
)
comparison = pd.DataFrame(
    {
        "MLP mean |SHAP|": mean_abs_shap,
        "MLP olden": weight_importance(mlp[-1], method="olden").abs(),
        "linear mean |SHAP|": np.abs(linear_explanation.values).mean(axis=0),
        "linear coef": weight_importance(linear[-1], method="coef"),
    }
)
ranks = comparison.rank(ascending=False).astype(int)
print(ranks.sort_values("MLP mean |SHAP|"))
print("Spearman correlation of the rankings:")
print(comparison.corr(method="spearman").round(2))
