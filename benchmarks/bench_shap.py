"""skweights.explain against shap's model-agnostic explainers on one MLP.

An ``MLPRegressor((64, 32))`` is fitted on ``make_friedman1`` with 20 features (5
informative). ``skweights.explain`` (DeepSHAP) explains 1,000 rows;
``shap.KernelExplainer`` (default ``nsamples="auto"``, i.e. ``2 * 20 + 2048``
coalitions per row) and ``shap.PermutationExplainer`` (default ``max_evals=500``)
explain a few of them, on the same 100 background rows. The table gives the time per
explained row, the speed-up of skweights, and the agreement of each explainer's
values with skweights' on the rows both explained (max abs difference, relative to
the largest |value|, and correlation), plus the additivity error
``max |sum(values) + base - predict|``. skweights runs its fused (numba) rescale
kernel; a row gives its numpy reference path (``_jit.disabled()``) on the same rows,
timed alternately with it. Target (issue 18): at least 1000x KernelExplainer per row.

A second case explains a whole pipeline: a 20-column DataFrame (14 numeric, 6
categorical columns) through ``ColumnTransformer(StandardScaler, OneHotEncoder)``
into an ``MLPClassifier((64, 32))``, ``explain(pipe, X, background,
output="probability")`` against ``shap.PermutationExplainer`` on
``pipe.predict_proba`` over the same 20 input columns and background (what
``explain(..., fallback="permutation")`` runs; default ``max_evals=500``). Target:
skweights at least 100x faster per row.

Run ``python benchmarks/bench_shap.py`` (under 3 minutes on 2 cores) or
``--quick``; other scripts can call :func:`run`.
"""

from __future__ import annotations

import argparse
import time
import warnings
from contextlib import nullcontext

import numpy as np
import pandas as pd
import shap
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skweights import MLPClassifier, MLPRegressor, _jit, explain

N_FEATURES = 20
N_BACKGROUND = 100
KERNEL_TARGET = 1000
PERMUTATION_TARGET = 10
PIPELINE_TARGET = 100


def _fit():
    X, y = make_friedman1(n_samples=3000, n_features=N_FEATURES, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPRegressor(
            (64, 32), learning_rate=3e-3, max_iter=60, random_state=0
        ).fit(X[:2000], y[:2000])
    rng = np.random.default_rng(0)
    background = X[rng.choice(2000, N_BACKGROUND, replace=False)]
    return model, X[2000:], background


def _agreement(values, reference):
    """Agreement of ``values`` with skweights' on the same rows."""
    difference = np.abs(values - reference).max()
    return {
        "max_abs_diff": float(difference),
        "relative_diff": float(difference / np.abs(reference).max()),
        "correlation": float(np.corrcoef(values.ravel(), reference.ravel())[0, 1]),
    }


def _met(ok: bool) -> str:
    return "yes" if ok else "**NO**"


def _fused_and_reference(model, X, background, repeats=3):
    """explain with the fused kernels and with the numpy path, alternately.

    Returns each path's last explanation and its timings, keyed "fused" and
    "reference".
    """
    explain(model, X[:5], background)  # warm-up: imports, kernel compilation
    explanations, timings = {}, {"fused": [], "reference": []}
    for repeat in range(repeats):
        order = ("fused", "reference") if repeat % 2 == 0 else ("reference", "fused")
        for path in order:
            with _jit.disabled() if path == "reference" else nullcontext():
                start = time.perf_counter()
                explanations[path] = explain(model, X, background)
                timings[path].append(time.perf_counter() - start)
    return explanations, timings


def _additivity(values, base_values, prediction):
    return float(np.abs(values.sum(axis=1) + base_values - prediction).max())


def run(quick: bool = False) -> list[dict]:
    """Time and compare the three explainers; one dict per explainer.

    Parameters
    ----------
    quick : bool, default=False
        Explain fewer rows (200 with skweights, 1 with Kernel, 4 with Permutation)
        instead of 1,000, 4 and 20: a few seconds, noisier timings.

    Returns
    -------
    rows : list of dict
        Keys ``method``, ``rows``, ``seconds_per_row``, ``speedup_of_skweights``,
        ``max_abs_diff``, ``relative_diff``, ``correlation`` (the last three against
        skweights, on the rows both explained) and ``additivity_error``.
    """
    n_ours, n_kernel, n_permutation = (200, 1, 4) if quick else (1000, 4, 20)
    model, X, background = _fit()
    X = X[:n_ours]
    explanations, timings = _fused_and_reference(model, X, background)
    ours, reference = explanations["fused"], explanations["reference"]
    ours_per_row = min(timings["fused"]) / n_ours
    reference_per_row = min(timings["reference"]) / n_ours
    results = [
        {
            "method": "skweights.explain (DeepSHAP)",
            "rows": n_ours,
            "seconds_per_row": ours_per_row,
            "speedup_of_skweights": 1.0,
            "max_abs_diff": 0.0,
            "relative_diff": 0.0,
            "correlation": 1.0,
            "additivity_error": _additivity(
                ours.values, ours.base_values, model.predict(X)
            ),
        },
        {
            "method": "skweights.explain, numpy reference path (no numba)",
            "rows": n_ours,
            "seconds_per_row": reference_per_row,
            "speedup_of_skweights": reference_per_row / ours_per_row,
            **_agreement(reference.values, ours.values),
            "additivity_error": _additivity(
                reference.values, reference.base_values, model.predict(X)
            ),
        },
    ]

    kernel = shap.KernelExplainer(model.predict, background)
    start = time.perf_counter()
    kernel_values = kernel.shap_values(X[:n_kernel], silent=True)
    kernel_per_row = (time.perf_counter() - start) / n_kernel
    results.append(
        {
            "method": "shap.KernelExplainer (nsamples='auto')",
            "rows": n_kernel,
            "seconds_per_row": kernel_per_row,
            "speedup_of_skweights": kernel_per_row / ours_per_row,
            "target": f">= {KERNEL_TARGET}x",
            "met?": _met(kernel_per_row / ours_per_row >= KERNEL_TARGET),
            **_agreement(kernel_values, ours.values[:n_kernel]),
            "additivity_error": _additivity(
                kernel_values,
                np.full(n_kernel, kernel.expected_value),
                model.predict(X[:n_kernel]),
            ),
        }
    )

    masker = shap.maskers.Independent(background, max_samples=N_BACKGROUND)
    permutation = shap.PermutationExplainer(model.predict, masker)
    permutation(X[:1], silent=True)  # warm-up: its first call compiles code
    start = time.perf_counter()
    permutation_values = permutation(X[:n_permutation], silent=True)
    permutation_per_row = (time.perf_counter() - start) / n_permutation
    results.append(
        {
            "method": "shap.PermutationExplainer (max_evals=500)",
            "rows": n_permutation,
            "seconds_per_row": permutation_per_row,
            "speedup_of_skweights": permutation_per_row / ours_per_row,
            "target": f">= {PERMUTATION_TARGET}x",
            "met?": _met(permutation_per_row / ours_per_row >= PERMUTATION_TARGET),
            **_agreement(permutation_values.values, ours.values[:n_permutation]),
            "additivity_error": _additivity(
                permutation_values.values,
                permutation_values.base_values,
                model.predict(X[:n_permutation]),
            ),
        }
    )
    return results + run_pipeline(quick)


def _mixed_frame(n_rows: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """14 numeric and 6 categorical columns, a binary target using both."""
    rng = np.random.default_rng(seed)
    numeric = rng.normal(size=(n_rows, 14))
    frame = pd.DataFrame(numeric, columns=[f"num{j}" for j in range(14)])
    levels = [f"level{k}" for k in range(5)]
    codes = rng.integers(0, 5, size=(n_rows, 6))
    for j in range(6):
        frame[f"cat{j}"] = np.asarray(levels)[codes[:, j]]
    score = numeric[:, 0] * numeric[:, 1] + np.sin(numeric[:, 2]) + codes[:, 0] / 2
    return frame, (score > np.median(score)).astype(int)


def _fit_pipeline():
    X, y = _mixed_frame(3000)
    categorical = [f"cat{j}" for j in range(6)]
    numeric = [f"num{j}" for j in range(14)]
    pipe = make_pipeline(
        ColumnTransformer(
            [("num", StandardScaler(), numeric), ("cat", OneHotEncoder(), categorical)]
        ),
        MLPClassifier((64, 32), max_iter=30, random_state=0),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe.fit(X.iloc[:2000], y[:2000])
    background = X.iloc[:2000].sample(N_BACKGROUND, random_state=0)
    return pipe, X.iloc[2000:], background


def run_pipeline(quick: bool = False) -> list[dict]:
    """The pipeline case: explain(pipe, X) against PermutationExplainer.

    Parameters
    ----------
    quick : bool, default=False
        Explain 200 rows with skweights and 2 with shap instead of 1,000 and 10.

    Returns
    -------
    rows : list of dict
        The keys of :func:`run`'s rows.
    """
    n_ours, n_permutation = (200, 2) if quick else (1000, 10)
    pipe, X, background = _fit_pipeline()
    X = X.iloc[:n_ours]
    explain(pipe, X.iloc[:5], background, output="probability")  # warm-up
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        ours = explain(pipe, X, background, output="probability")
        timings.append(time.perf_counter() - start)
    ours_per_row = min(timings) / n_ours
    proba = pipe.predict_proba(X)
    rows = X.iloc[:n_permutation]
    explain(pipe, X.iloc[:1], background, output="probability", fallback="permutation")
    start = time.perf_counter()
    theirs = explain(
        pipe, rows, background, output="probability", fallback="permutation"
    )
    permutation_per_row = (time.perf_counter() - start) / n_permutation
    return [
        {
            "method": "pipeline (20 mixed columns): skweights.explain",
            "rows": n_ours,
            "seconds_per_row": ours_per_row,
            "speedup_of_skweights": 1.0,
            "max_abs_diff": 0.0,
            "relative_diff": 0.0,
            "correlation": 1.0,
            "additivity_error": _additivity(ours.values, ours.base_values, proba),
        },
        {
            "method": "pipeline: shap.PermutationExplainer on predict_proba",
            "rows": n_permutation,
            "seconds_per_row": permutation_per_row,
            "speedup_of_skweights": permutation_per_row / ours_per_row,
            "target": f">= {PIPELINE_TARGET}x",
            "met?": _met(permutation_per_row / ours_per_row >= PIPELINE_TARGET),
            **_agreement(theirs.values, ours.values[:n_permutation]),
            "additivity_error": _additivity(
                theirs.values, theirs.base_values, proba[:n_permutation]
            ),
        },
    ]


def to_markdown(rows: list[dict]) -> str:
    """The results of :func:`run` as a markdown table."""
    lines = [
        "| explainer | rows | ms / row | skweights faster by | target | met? "
        "| max abs diff | relative diff | correlation | additivity error |",
        "|---|---:|---:|---:|---|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['method']} | {r['rows']} | {1e3 * r['seconds_per_row']:.3g} "
            f"| {r['speedup_of_skweights']:,.1f}x | {r.get('target', '—')} "
            f"| {r.get('met?', '—')} | {r['max_abs_diff']:.3g} "
            f"| {r['relative_diff']:.3g} | {r['correlation']:.4f} "
            f"| {r['additivity_error']:.2g} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rows")
    arguments = parser.parse_args()
    print(to_markdown(run(quick=arguments.quick)))
