"""Case 10: the alpha search (issue 26): the CV estimators against GridSearchCV.

10a: ``MLPClassifierCV`` (each fold walks the 8 alphas warm-started, weak to strong;
the first fit gets ``max_iter`` epochs, each later one its default ``path_max_iter``,
``max_iter // 8``) against ``GridSearchCV(MLPClassifier)`` over the same 8 alphas and
5 folds (one fit from scratch per alpha and fold), the same network, optimizer,
``max_iter``, ``tol`` and ``n_iter_no_change``, both refitting at the chosen alpha
with ``max_iter``. Targets: at least 3x faster, best mean CV score no more than 0.01
below the grid's. 10b: ``LinearRegressorCV(penalty="l1")`` against ``LassoCV`` (same
folds, same 100-alpha grid): within 1.2x of its time.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import LassoCV
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.preprocessing import StandardScaler

ALPHAS = np.logspace(-5, 0, 8)
SPEEDUP_TARGET = 3.0
SCORE_GAP = 0.01
LASSO_RATIO_TARGET = 1.2


def classification(n_samples: int):
    """Standardized ``make_classification`` data, 20 features, 3 classes."""
    X, y = make_classification(
        n_samples=n_samples,
        n_features=20,
        n_informative=10,
        n_classes=3,
        random_state=0,
    )
    return StandardScaler().fit_transform(X), y


def mlp_params(max_iter: int) -> dict[str, Any]:
    """The network both sides fit: one hidden layer of 64 ReLU units, Adam."""
    return dict(
        hidden_layer_sizes=(64,),
        learning_rate=1e-3,
        max_iter=max_iter,
        tol=1e-4,
        n_iter_no_change=10,
        random_state=0,
    )


def _timed(function) -> tuple[float, float, Any]:
    start, cpu = time.perf_counter(), time.process_time()
    result = function()
    return time.perf_counter() - start, time.process_time() - cpu, result


def mlp_rows(quick: bool, log) -> list[dict[str, Any]]:
    """10a: MLPClassifierCV against GridSearchCV(MLPClassifier), same run."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from skweights import MLPClassifier, MLPClassifierCV

    X, y = classification(1_000 if quick else 5_000)
    params = mlp_params(20 if quick else 200)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    grid = GridSearchCV(MLPClassifier(**params), {"alpha": list(ALPHAS)}, cv=cv)
    ours = MLPClassifierCV(alphas=ALPHAS, cv=cv, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        log("case 10a: GridSearchCV(MLPClassifier), 8 alphas x 5 folds")
        grid_s, grid_cpu, _ = _timed(lambda: grid.fit(X, y))
        log("case 10a: MLPClassifierCV, 8 alphas x 5 folds")
        ours_s, ours_cpu, _ = _timed(lambda: ours.fit(X, y))
    speedup = grid_s / ours_s
    gap = grid.best_score_ - ours.best_score_
    return [
        {
            "method": "GridSearchCV(MLPClassifier)",
            "seconds": grid_s,
            "CPU s": grid_cpu,
            "best alpha": grid.best_params_["alpha"],
            "best CV accuracy": grid.best_score_,
        },
        {
            "method": "MLPClassifierCV (warm-started folds)",
            "seconds": ours_s,
            "CPU s": ours_cpu,
            "best alpha": ours.alpha_,
            "best CV accuracy": ours.best_score_,
            "speed-up": speedup,
            "score below grid": gap,
            "target": f">= {SPEEDUP_TARGET:g}x, <= {SCORE_GAP:g} below",
            "met?": _met(speedup >= SPEEDUP_TARGET and gap <= SCORE_GAP),
        },
    ]


def lasso_rows(quick: bool, log) -> list[dict[str, Any]]:
    """10b: LinearRegressorCV(penalty="l1") against LassoCV, same folds and grid."""
    from skweights import LinearRegressorCV

    n_samples = 2_000 if quick else 20_000
    X, y = make_regression(n_samples, 200, n_informative=20, noise=10, random_state=0)
    log("case 10b: LassoCV and LinearRegressorCV(penalty='l1'), alternating")
    times = {"LassoCV": [], "LinearRegressorCV": []}
    repeats = 1 if quick else 3
    for repeat in range(repeats):
        order = ["LassoCV", "LinearRegressorCV"][:: 1 if repeat % 2 == 0 else -1]
        for name in order:
            model = LassoCV() if name == "LassoCV" else LinearRegressorCV(penalty="l1")
            seconds, _, model = _timed(lambda model=model: model.fit(X, y))
            times[name].append(seconds)
            if name == "LassoCV":
                ref_alpha = model.alpha_
            else:
                our_alpha = model.alpha_
    ref, ours = np.median(times["LassoCV"]), np.median(times["LinearRegressorCV"])
    return [
        {
            "method": "LassoCV",
            "seconds": ref,
            "alpha_": ref_alpha,
        },
        {
            "method": 'LinearRegressorCV(penalty="l1")',
            "seconds": ours,
            "alpha_": our_alpha,
            "time ratio": ours / ref,
            "same alpha_": bool(abs(our_alpha - ref_alpha) <= 1e-10 * ref_alpha),
            "target": f"<= {LASSO_RATIO_TARGET:g}x",
            "met?": _met(ours / ref <= LASSO_RATIO_TARGET),
        },
    ]


def _met(ok: bool) -> str:
    from _report import met

    return met(ok)
