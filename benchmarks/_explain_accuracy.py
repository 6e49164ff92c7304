"""How far DeepSHAP is from the exact Shapley values, on three real data sets.

Case 9a of the benchmark (not a timing). ISLR Wage (is a worker a high earner?),
Palmer penguins (the species) and scikit-learn's diabetes (a regression), each
through a ``ColumnTransformer`` (``StandardScaler`` on the numeric columns,
``OneHotEncoder`` on the categorical ones) into a linear model and an
``MLP((64, 32))``. For every raw and probability output, ``explain(...,
method="deep")`` is compared with ``explain(..., method="exact")`` on the held-out
rows, against the same 100 raw background rows, over the original input columns
(a one-hot block counts as its column):

- **top-1 agreement**: the fraction of (row, output) pairs whose largest ``|value|``
  is on the same column;
- **correlation**: Pearson's, over all values;
- **median relative error**: the median over (row, output) pairs of
  ``sum_j |deep_j - exact_j| / sum_j |exact_j|``;
- **max |deep - exact|**.

The exact values themselves are checked against a brute-force enumeration of every
coalition through ``predict``/``decision_function``/``predict_proba`` on a few rows
(the last column). A binary classifier's probability output is reported for its
second class only (the first is its negative).

``python benchmarks/_explain_accuracy.py`` prints the table;
:func:`rows` returns it.
"""

from __future__ import annotations

import warnings
from math import factorial

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline

from skweights import (
    LinearClassifier,
    LinearRegressor,
    MLPClassifier,
    MLPRegressor,
    explain,
)

HIDDEN = (64, 32)
DESCRIPTION = (
    "ISLR Wage (high earner: wage > $125k; 2 numeric, 6 categorical columns), "
    "Palmer penguins (species; 4 numeric, 2 categorical) and scikit-learn's "
    "diabetes (regression, 10 numeric), each through ColumnTransformer("
    "StandardScaler, OneHotEncoder) into a linear model or an MLP (64, 32); "
    "explain(method='deep') against explain(method='exact') on up to {rows} "
    "held-out rows, the same 100 raw background rows, over the input columns (a "
    "one-hot block is one column). Top-1 agreement: the share of (row, output) "
    "pairs whose largest |value| is on the same column; correlation over all "
    "values; median over (row, output) pairs of sum|deep - exact| / sum|exact|; "
    "the largest |deep - exact|; a binary probability is its second class. Last "
    "column: exact against a brute-force enumeration of every coalition through "
    "predict / decision_function / predict_proba on {brute} rows."
)
N_BRUTE_FORCE = 3  # rows whose exact values are also enumerated by brute force


def models(task: str) -> dict:
    """The two models of a task, unfitted, keyed by their table label."""
    if task == "regression":
        return {
            "linear": LinearRegressor(alpha=1e-3),
            f"MLP {HIDDEN}": MLPRegressor(HIDDEN, max_iter=300, random_state=0),
        }
    return {
        "linear": LinearClassifier(alpha=1e-3),
        f"MLP {HIDDEN}": MLPClassifier(HIDDEN, max_iter=300, random_state=0),
    }


def fit(case, model):
    """The pipeline (the case's preprocessing, then ``model``), fitted quietly."""
    pipe = make_pipeline(case.preprocessing(), model)
    # A fixed budget of epochs is all a comparison of explainers needs.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe.fit(case.X_train, case.y_train)
    return pipe


def outputs(task: str) -> tuple[str, ...]:
    return ("raw",) if task == "regression" else ("raw", "probability")


def as_3d(explanation) -> np.ndarray:
    """Values as (rows, columns, outputs); a binary probability keeps its class 1."""
    values = np.asarray(explanation.values, dtype=float)
    if values.ndim == 2:
        values = values[:, :, None]
    if values.shape[2] == 2:  # binary probability: the columns are -v and v
        values = values[:, :, 1:]
    return values


def predict_function(pipe, output: str):
    """What ``output`` explains, as rows -> (rows, outputs)."""
    if output == "probability":
        method = pipe.predict_proba
    elif hasattr(pipe, "decision_function"):
        method = pipe.decision_function
    else:
        method = pipe.predict

    def predict(X):
        result = np.asarray(method(X), dtype=float)
        return result.reshape(len(X), -1)

    return predict


def brute_force(predict, row, background) -> np.ndarray:
    """Exact interventional Shapley values of one raw row, by enumeration.

    ``v(S)`` is the mean over the background rows of ``predict`` on the row's
    values in ``S`` and the background row's elsewhere; every one of the ``2^d``
    coalitions is evaluated. Returns (columns, outputs).
    """
    d = background.shape[1]
    masks = (np.arange(2**d)[:, None] >> np.arange(d)) & 1  # (2^d, d)
    hybrid = background.iloc[np.tile(np.arange(len(background)), 2**d)].copy()
    for j, column in enumerate(background.columns):
        keep = np.repeat(masks[:, j].astype(bool), len(background))
        values = hybrid[column].to_numpy(copy=True)
        values[keep] = row[column].iloc[0]
        hybrid[column] = values
    value = predict(hybrid).reshape(2**d, len(background), -1).mean(axis=1)
    sizes = masks.sum(axis=1)
    weights = np.array(
        [factorial(s) * factorial(d - s - 1) / factorial(d) for s in range(d)]
    )
    phi = np.empty((d, value.shape[1]))
    for j in range(d):
        without = np.flatnonzero(masks[:, j] == 0)
        gain = value[without | (1 << j)] - value[without]
        phi[j] = weights[sizes[without]] @ gain
    return phi


def agreement(deep: np.ndarray, exact: np.ndarray) -> dict:
    """Top-1 agreement, correlation, median relative L1 error and max difference."""
    pairs = lambda a: np.moveaxis(a, 1, 2).reshape(-1, a.shape[1])  # noqa: E731
    d, e = pairs(deep), pairs(exact)
    top1 = np.argmax(np.abs(d), axis=1) == np.argmax(np.abs(e), axis=1)
    relative = np.abs(d - e).sum(axis=1) / np.abs(e).sum(axis=1)
    return {
        "top-1 agreement": float(top1.mean()),
        "correlation": float(np.corrcoef(d.ravel(), e.ravel())[0, 1]),
        "median rel. error": float(np.median(relative)),
        "max abs diff": float(np.abs(d - e).max()),
    }


def compare(case, label, pipe, output) -> dict:
    """One table row: deep against exact for one fitted pipeline and output."""
    X, background = case.X_test, case.background
    values = {
        method: as_3d(explain(pipe, X, background, output=output, method=method))
        for method in ("exact", "deep")
    }
    predict = predict_function(pipe, output)
    brute = [
        brute_force(predict, X.iloc[[i]], background) for i in range(N_BRUTE_FORCE)
    ]
    brute = np.stack(brute)[:, :, -values["exact"].shape[2] :]
    return {
        "data": case.name,
        "columns": X.shape[1],
        "model": label,
        "output": output,
        "rows": len(X),
        **agreement(values["deep"], values["exact"]),
        "exact vs brute force": float(
            np.abs(values["exact"][:N_BRUTE_FORCE] - brute).max()
        ),
    }


def rows(loaders, log=print) -> list[dict]:
    """Every (data set, model, output) row of the table."""
    out = []
    for load in loaders:
        case = load()
        for label, model in models(case.task).items():
            log(f"case 9a: {case.name}, {label}")
            pipe = fit(case, model)
            out.extend(compare(case, label, pipe, o) for o in outputs(case.task))
    return out


def formatted(table_rows: list[dict]) -> list[dict]:
    """The rows as the report and the docs show them (percentages, 3 digits)."""
    formats = {
        "top-1 agreement": lambda v: f"{100 * v:.0f}%",
        "correlation": lambda v: f"{v:.3f}",
        "median rel. error": lambda v: f"{100 * v:.1f}%",
        "max abs diff": lambda v: f"{v:.3g}",
        "exact vs brute force": lambda v: f"{v:.0e}" if v else "0",
    }
    return [
        {key: formats[key](value) if key in formats else value
         for key, value in row.items()}
        for row in table_rows
    ]  # fmt: skip


def write_csv(table_rows: list[dict], path) -> None:
    """The formatted rows as CSV, for the docs' ``csv-table``."""
    import csv

    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(table_rows[0]))
        writer.writeheader()
        writer.writerows(table_rows)


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _explain_data import LOADERS
    from _report import table

    print(table(formatted(rows(LOADERS, log=lambda m: print(m, file=sys.stderr)))))
