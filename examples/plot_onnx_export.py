"""
Exporting a whole pipeline to ONNX
==================================

A model that has to leave Python (a web service in another language, a phone, a
database) can go as ONNX: :func:`skweights.to_onnx` converts a fitted estimator,
or a scikit-learn pipeline that ends in one, into an ONNX graph that
`onnxruntime <https://onnxruntime.ai>`_ (and any other ONNX runtime) executes.
The scikit-learn steps are converted by skl2onnx; the skweights estimator by
converters that :func:`~skweights.to_onnx` registers with it.

Here we export the churn pipeline of
:ref:`sphx_glr_auto_examples_plot_shap_pipeline.py` (imputation, scaling and
one-hot encoding of a mixed-type DataFrame, then an MLP) and check that
onnxruntime gives the pipeline's own predictions. See :ref:`guide-deploying` for
what the ONNX graph keeps and what it leaves out.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
import onnxruntime as ort
import pandas as pd
from onnx import TensorProto
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skweights import MLPClassifier, to_onnx

# %%
# The data and the pipeline
# -------------------------
# The synthetic customer table of the SHAP example: numbers, strings and a few
# missing incomes. The numeric columns are cast to float32, the type the ONNX
# graph computes in by default, so that the pipeline and the graph see the same
# numbers.
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
numeric = ["tenure", "monthly_charges", "support_calls", "age", "income"]
categorical = ["contract", "payment", "region"]
X = X.astype({name: np.float32 for name in numeric})
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

pipe = make_pipeline(
    ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
             numeric),
            ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
        ]
    ),
    MLPClassifier((32, 16), activation="gelu", alpha=1e-3, max_iter=100,
                  random_state=0),
)  # fmt: skip
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    pipe.fit(X_train, y_train)
print(f"test accuracy: {pipe.score(X_test, y_test):.3f}")

# %%
# Export
# ------
# ``X_sample`` only tells the converter the columns and their types: each column
# of a DataFrame becomes one input of the graph, named after the column, numeric
# columns as float32 and string columns as strings. ``{"zipmap": False}`` returns
# the probabilities as a plain array (skl2onnx's default, kept by ``to_onnx``, is
# a list of ``{class: probability}`` dictionaries).
onx = to_onnx(pipe, X_train[:1], options={"zipmap": False})
print(f"{len(onx.SerializeToString()) / 1024:.1f} kB, {len(onx.graph.node)} nodes")
for put in [*onx.graph.input[:2], onx.graph.input[-1], *onx.graph.output]:
    kind = put.type.tensor_type
    shape = [d.dim_value or None for d in kind.shape.dim]  # None: any size
    print(f"{put.name:>15}: {TensorProto.DataType.Name(kind.elem_type)} {shape}")

# %%
# The file written by
# ``onx.SerializeToString()`` is all a deployment needs: the weights, the
# activations, the classes and every preprocessing step are in the graph.
#
# Run it with onnxruntime
# -----------------------
# One array of shape ``(n_samples, 1)`` per column: float32 for the numbers
# (missing incomes stay NaN, the graph imputes them), objects for the strings.
session = ort.InferenceSession(
    onx.SerializeToString(), providers=["CPUExecutionProvider"]
)
feeds = {
    name: X_test[[name]].to_numpy().astype(np.float32 if name in numeric else object)
    for name in X_test.columns
}
labels, proba = session.run(None, feeds)
same = (labels == pipe.predict(X_test)).mean()
error = np.abs(proba - pipe.predict_proba(X_test)).max()
print(f"labels equal to the pipeline's: {same:.0%} of {len(X_test)} customers")
print(f"largest probability difference: {error:.1e}")

# %%
# Both compute in float32 and differ only by its rounding. The churn
# probabilities, side by side:
fig, ax = plt.subplots(figsize=(5, 4.5), layout="constrained")
ax.plot([0, 1], [0, 1], color="0.8", zorder=0)
ax.scatter(pipe.predict_proba(X_test)[:, 0], proba[:, 0], s=6)
ax.set_xlabel("P(churn), scikit-learn pipeline")
ax.set_ylabel("P(churn), onnxruntime")
ax.set_title("The exported pipeline predicts the same")
plt.show()

# %%
# Float64
# -------
# ``to_onnx(pipe, X_sample, dtype=np.float64)`` exports a float64 graph, for
# models fitted in float64 whose predictions must match to float64 rounding. It
# needs ``options={"zipmap": False}`` (ONNX's ZipMap holds float32 only), and
# every step must have a float64 kernel in the runtime: onnxruntime has none for
# the ``Imputer`` operator of :class:`~sklearn.impute.SimpleImputer`, so this
# pipeline stays in float32.
