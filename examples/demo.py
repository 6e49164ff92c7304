"""
skweights in one minute
=======================

Fits each estimator on a dataset that ships with scikit-learn, tunes ``alpha`` with
``GridSearchCV`` in a pipeline, compares initializers and optimizers, and prints a
summary of the learned weights. Run it with ``make demo``.
"""

import time
import warnings

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skweights import LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor

# The demo trains many models on small, fixed epoch budgets to show the API quickly;
# several stop at max_iter before converging, which is intended, so that
# ConvergenceWarning is silenced. (A diverging fit raises ValueError instead.)
warnings.filterwarnings("ignore", category=ConvergenceWarning)
pd.set_option("display.width", 120)


def split(loader):
    X, y = loader(return_X_y=True, as_frame=True)
    return train_test_split(X, y, test_size=0.25, random_state=0)


print("1. Every estimator on a scikit-learn dataset")
rows = []
for name, model, loader in [
    ("LinearRegressor(l1)", LinearRegressor(penalty="l1", alpha=0.05), load_diabetes),
    ("LinearClassifier(l2)", LinearClassifier(alpha=1e-3), load_breast_cancer),
    (
        "MLPRegressor(32,)",
        MLPRegressor((32,), learning_rate=1e-2, max_iter=300, random_state=0),
        load_diabetes,
    ),
    (
        "MLPClassifier(64,)",
        MLPClassifier((64,), max_iter=50, random_state=0),
        load_digits,
    ),
]:
    X_train, X_test, y_train, y_test = split(loader)
    pipe = make_pipeline(StandardScaler(), model)
    start = time.perf_counter()
    pipe.fit(X_train, y_train)
    rows.append(
        dict(
            model=name,
            dataset=loader.__name__.removeprefix("load_"),
            score=round(pipe.score(X_test, y_test), 3),
            epochs=model.n_iter_,
            seconds=round(time.perf_counter() - start, 2),
        )
    )
print(pd.DataFrame(rows).to_string(index=False))

print("\n2. LinearRegressor(penalty='l1') is scikit-learn's Lasso")
X, y = load_diabetes(return_X_y=True)
ours = LinearRegressor(penalty="l1", alpha=0.1, tol=1e-10, max_iter=50_000).fit(X, y)
theirs = Lasso(alpha=0.1, tol=1e-12, max_iter=100_000).fit(X, y)
print(
    pd.DataFrame(
        {"skweights": ours.coef_, "sklearn Lasso": theirs.coef_},
        index=load_diabetes().feature_names,
    )
    .round(3)
    .T.to_string()
)

print("\n3. GridSearchCV over alpha in a Pipeline (pandas in, pandas between steps)")
X_train, X_test, y_train, y_test = split(load_breast_cancer)
pipe = make_pipeline(
    StandardScaler().set_output(transform="pandas"), LinearClassifier()
)
search = GridSearchCV(
    pipe, {"linearclassifier__alpha": np.logspace(-5, 1, 7)}, cv=5, n_jobs=2
).fit(X_train, y_train)
print(
    f"best alpha = {search.best_params_['linearclassifier__alpha']:g}, "
    f"test accuracy = {search.score(X_test, y_test):.3f}"
)

print("\n4. Initializers and optimizers on digits (MLP (64,), 20 epochs)")
X_train, X_test, y_train, y_test = split(load_digits)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
table = {}
for optimizer, lr in [
    ("sgd", 0.05),
    ("adam", 1e-3),
    ("rmsprop", 1e-3),
    ("adagrad", 0.05),
]:
    for initializer in [
        "zeros",
        "random_normal",
        "glorot_uniform",
        "he_uniform",
        "orthogonal",
    ]:
        model = MLPClassifier(
            (64,),
            initializer=initializer,
            optimizer=optimizer,
            learning_rate=lr,
            max_iter=20,
            random_state=0,
        )
        table[(optimizer, initializer)] = model.fit(X_train, y_train).score(
            X_test, y_test
        )
print(pd.Series(table).unstack().round(3).to_string())
print("(zeros cannot break the symmetry between hidden units: every unit stays equal)")

print("\n5. What the weights look like (MLP on digits, default glorot_uniform + adam)")
model = MLPClassifier((64, 32), max_iter=30, random_state=0).fit(X_train, y_train)
summary = pd.DataFrame(
    [
        dict(
            layer=i,
            shape=W.shape,
            mean=W.mean(),
            std=W.std(),
            max_abs=np.abs(W).max(),
            frobenius=np.linalg.norm(W),
            last_grad_norm=model.history_[-1]["grad_norms"][i],
        )
        for i, W in enumerate(model.coefs_)
    ]
)
print(summary.round(4).to_string(index=False))
print(f"test accuracy {model.score(X_test, y_test):.3f} after {model.n_iter_} epochs")

# 6. The same model's training history as a figure: the docs gallery shows it; under
# `make demo` (a non-interactive matplotlib backend) it is drawn but not displayed.
import matplotlib.pyplot as plt  # noqa: E402  (the [plot] extra, which make demo installs)

from skweights.plotting import plot_training_history  # noqa: E402

fig = plot_training_history(model)
fig.suptitle("MLPClassifier((64, 32)) on digits: training history")
plt.show()
