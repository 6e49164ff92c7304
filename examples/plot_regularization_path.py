"""
Regularization path of the Lasso on the diabetes data
=====================================================

:func:`skweights.inspection.regularization_path` fits a ``LinearRegressor`` with an
L1 penalty along a grid of ``alpha`` from strong to weak, each fit starting from the
previous solution. ``LinearRegressor(penalty="l1", alpha=a)`` is scikit-learn's
``Lasso(alpha=a)``, so the path matches :func:`sklearn.linear_model.lasso_path` (on
centred data, since ``lasso_path`` fits no intercept): the same coefficients and the
same number of non-zero coefficients at every alpha. Note that this number is not
monotone: a feature can leave the active set as alpha decreases.
"""

import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.linear_model import lasso_path

from skweights import LinearRegressor
from skweights.inspection import regularization_path
from skweights.plotting import plot_regularization_path

X, y = load_diabetes(return_X_y=True, as_frame=True)
model = LinearRegressor(penalty="l1", tol=1e-8, max_iter=100_000)

start = time.perf_counter()
path = regularization_path(model, X, y, n_alphas=40)
print(f"skweights path: {time.perf_counter() - start:.1f} s for 40 alphas")

Xc, yc = X.to_numpy() - X.to_numpy().mean(axis=0), y.to_numpy() - y.mean()
alphas, coefs, _ = lasso_path(Xc, yc, alphas=path.alphas, tol=1e-12, max_iter=10**6)
print("largest difference to lasso_path:", np.abs(path.coefs - coefs).max().round(4))
print("non-zero counts equal:", np.array_equal(path.n_nonzero, (coefs != 0).sum(0)))

fig, axes = plt.subplots(2, 1, figsize=(7.5, 8), sharey=True, layout="constrained")
plot_regularization_path(path, ax=axes[0])
axes[0].set_title("skweights.inspection.regularization_path", pad=32)
for name, line in zip(X.columns, coefs):
    axes[1].plot(alphas, line, label=name)
axes[1].set_xscale("log")
axes[1].set_xlim(alphas.max(), alphas.min())
axes[1].set_xlabel("alpha (penalty strength)")
axes[1].set_ylabel("coefficient")
axes[1].set_title("sklearn.linear_model.lasso_path")
plt.show()
