"""
Explaining a whole pipeline on a mixed-type DataFrame
=====================================================

Real models are pipelines: numeric columns are imputed and scaled, categorical
columns one-hot encoded, and only then does the network see them.
:func:`skweights.explain` takes the whole pipeline and the raw DataFrame, and
returns SHAP values in the *original* columns, with the original values: a
waterfall shows ``contract = month-to-month`` and ``tenure = 3``, not
``cat__contract_month-to-month = 1`` and ``num__tenure = -1.2``.

The preprocessing is treated as the first layers of the network: per-column
transforms pass each column's attribution through, the one-hot encoder sums its
columns back into the column it encodes (see :ref:`guide-interpretation`).
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import shap
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skweights import MLPClassifier, explain
from skweights.inspection import weight_importance

# %%
# A customer table with numbers, strings and missing values
# -----------------------------------------------------------
# A synthetic churn data set: who cancels their subscription? Churn is more likely
# for short tenures, month-to-month contracts, many support calls and high monthly
# charges; income has a few missing values; region plays no role at all.
rng = np.random.default_rng(0)
n = 3000
contract = rng.choice(["month-to-month", "one year", "two years"], n, p=[0.5, 0.3, 0.2])
X = pd.DataFrame(
    {
        "tenure": rng.integers(1, 72, n),
        "monthly_charges": rng.normal(65, 20, n).clip(20, 120).round(2),
        "support_calls": rng.poisson(1.5, n),
        "age": rng.integers(18, 80, n),
        "income": rng.lognormal(10.8, 0.4, n).round(-2),
        "contract": contract,
        "payment": rng.choice(["card", "bank transfer", "check"], n),
        "region": rng.choice(["north", "south", "east", "west"], n),
    }
)
X.loc[rng.random(n) < 0.05, "income"] = np.nan
logit = (
    -1.0
    - X["tenure"] / 20
    + 1.6 * (X["contract"] == "month-to-month")
    - 0.8 * (X["contract"] == "two years")
    + 0.5 * X["support_calls"]
    + (X["monthly_charges"] - 65) / 25
    + 0.5 * (X["payment"] == "check")
)
y = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "churn", "stay")
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
X.head()

# %%
# The pipeline: imputation, scaling, one-hot encoding, an MLP
# -------------------------------------------------------------
numeric = ["tenure", "monthly_charges", "support_calls", "age", "income"]
categorical = ["contract", "payment", "region"]
pipe = make_pipeline(
    ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
             numeric),
            ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
        ]
    ),
    MLPClassifier((32, 16), alpha=1e-3, max_iter=100, random_state=0),
)  # fmt: skip
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    pipe.fit(X_train, y_train)
print(f"test accuracy: {pipe.score(X_test, y_test):.3f}")
n_features = len(pipe[:-1].get_feature_names_out())
print(f"{X.shape[1]} input columns, {n_features} after preprocessing")

# %%
# Explain one customer
# --------------------
# No ``background`` is passed: the classifier kept 100 of its training rows at
# ``fit`` (``pipe[-1].background_``), and the explanation is measured against
# them, so a single row can be explained on its own. ``output="probability"``
# explains ``predict_proba``; ``[:, :, "churn"]`` selects the churn column. We
# pick the first test customer with P(churn) above 0.7.
likely = np.flatnonzero(pipe.predict_proba(X_test)[:, 0] > 0.7)
customer = X_test.iloc[[likely[0]]]
explanation = explain(pipe, customer, output="probability")[:, :, "churn"]
print(explanation.feature_names)
total = explanation.base_values[0] + explanation.values[0].sum()
print(
    f"P(churn) = {pipe.predict_proba(customer)[0, 0]:.3f}; base + values = {total:.3f}"
)

# %%
# The waterfall starts from the average P(churn) over the background and adds one
# input column at a time, labelled with the customer's own values: strings stay
# strings, numbers stay unscaled.
shap.plots.waterfall(explanation[0], show=False)
plt.title("Why this customer is likely to churn")
plt.tight_layout()
plt.show()

# %%
# Explain the whole test set
# --------------------------
# The values add up to ``predict_proba`` for every row, to float64 rounding.
everyone = explain(pipe, X_test, output="probability")[:, :, "churn"]
total = everyone.values.sum(axis=1) + everyone.base_values
error = np.abs(total - pipe.predict_proba(X_test)[:, 0]).max()
print(f"largest additivity error over {len(X_test)} rows: {error:.1e}")

# %%
# The beeswarm colours numeric columns by their value: a long tenure (red) pulls
# P(churn) down, a short one (blue) pushes it up; many support calls and high
# charges push it up. String columns have no colour scale and are drawn in grey,
# one point per customer: ``contract`` splits into clusters, one per contract type.
# ``region``, which plays no role in the data, gets small values of both signs
# (the network has picked up a little noise).
shap.plots.beeswarm(everyone, show=False, plot_size=(8, 4.5))
plt.title("SHAP values of P(churn), test set")
plt.tight_layout()
plt.show()

# %%
# One column at a time: the contract's values split by contract type.
contract_values = pd.Series(everyone[:, "contract"].values, index=X_test.index)
print(contract_values.groupby(X_test["contract"]).mean().round(3))

# %%
# Weights alone, by input column
# ------------------------------
# :func:`~skweights.inspection.weight_importance` also takes the pipeline; it
# scores the 15 features the network sees (named after the pipeline's columns,
# ``cat__region_north``...), and ``by="input"`` sums them back into the 8 input
# columns. Against the mean absolute SHAP value, the weights get the numeric
# columns roughly right but rank ``region`` far too high: small weights on each of
# its four one-hot columns add up, whereas SHAP sees that they barely move the
# output on real customers.
comparison = pd.DataFrame(
    {
        "mean |SHAP|": np.abs(everyone.values).mean(axis=0),
        "|Olden| weights, by input": weight_importance(
            pipe, X_train, method="coef", by="input"
        ),
    },
    index=everyone.feature_names,
)
fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), sharey=True)
for ax, (name, values) in zip(axes, comparison.items()):
    ax.barh(comparison.index, values / values.max())
    ax.set_title(name, fontsize=10)
    ax.set_xlabel("relative importance")
axes[0].invert_yaxis()
fig.tight_layout()
plt.show()
