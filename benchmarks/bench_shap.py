"""skweights.explain against shap's model-agnostic explainers on one MLP.

An ``MLPRegressor((64, 32))`` is fitted on ``make_friedman1`` with 20 features (5
informative). ``skweights.explain`` (DeepSHAP) explains 1,000 rows;
``shap.KernelExplainer`` (default ``nsamples="auto"``, i.e. ``2 * 20 + 2048``
coalitions per row) and ``shap.PermutationExplainer`` (default ``max_evals=500``)
explain a few of them, on the same 100 background rows. The table gives the time per
explained row, the speed-up of skweights, and the agreement of each explainer's
values with skweights' on the rows both explained (max abs difference, relative to
the largest |value|, and correlation), plus the additivity error
``max |sum(values) + base - predict|``.

Run ``python benchmarks/bench_shap.py`` (under 2 minutes on 2 cores) or
``--quick``; other scripts can call :func:`run`.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import shap
from sklearn.datasets import make_friedman1
from sklearn.exceptions import ConvergenceWarning

from skweights import MLPRegressor, explain

N_FEATURES = 20
N_BACKGROUND = 100


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
    explain(model, X[:5], background)  # warm-up (imports, caches)
    timings = []
    for _ in range(3):  # best of three: the cheap side is the noisy one
        start = time.perf_counter()
        ours = explain(model, X, background)
        timings.append(time.perf_counter() - start)
    ours_per_row = min(timings) / n_ours
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
        }
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
            **_agreement(permutation_values.values, ours.values[:n_permutation]),
            "additivity_error": _additivity(
                permutation_values.values,
                permutation_values.base_values,
                model.predict(X[:n_permutation]),
            ),
        }
    )
    return results


def to_markdown(rows: list[dict]) -> str:
    """The results of :func:`run` as a markdown table."""
    lines = [
        "| explainer | rows | ms / row | skweights faster by | max abs diff "
        "| relative diff | correlation | additivity error |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['method']} | {r['rows']} | {1e3 * r['seconds_per_row']:.3g} "
            f"| {r['speedup_of_skweights']:,.0f}x | {r['max_abs_diff']:.3g} "
            f"| {r['relative_diff']:.3g} | {r['correlation']:.4f} "
            f"| {r['additivity_error']:.2g} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rows")
    arguments = parser.parse_args()
    print(to_markdown(run(quick=arguments.quick)))
