"""Case 4: linear models timed to the same objective value (1e-6 relative).

Both libraries' fits are scored with skweights' objective,

    J(w, b) = mean loss + alpha * (l1_ratio * ||W||_1 + (1 - l1_ratio) / 2 * ||W||^2),

(half squared error for regression, multinomial log-loss for classification). A
reference optimum ``J*`` is the lowest J of both libraries' very tight fits. For each
library, the loosest ``tol`` of a grid whose fit reaches ``J <= J* (1 + 1e-6)`` is then
timed, alternating libraries; the verdict uses the median of the per-repeat ratios
(each ratio from two fits run back to back, so a machine shared with other work
affects both alike).

Regularization paths: :func:`skweights.inspection.regularization_path` of a
``LinearRegressor`` against :func:`sklearn.linear_model.enet_path` on the same grid
(the default 100-alpha grid) and pre-centred data, alternating; the non-zero counts
along the path must be equal.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from _report import median, met, timed
from scipy.special import logsumexp
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import enet_path

REL_GAP = 1e-6
TOL_GRID = (1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10)
REFERENCE_TOL = 1e-13
MAX_ITER = 100_000


@dataclass
class Problem:
    """One skweights/scikit-learn pair solving the same objective."""

    name: str
    reference: str
    penalty: str
    alpha: float
    l1_ratio: float
    X: np.ndarray
    y: np.ndarray
    target: float
    skweights: Callable[[float], Any]
    sklearn: Callable[[float], Any]

    def objective(self, coef: np.ndarray, intercept: np.ndarray) -> float:
        """skweights' objective for scikit-learn-shaped ``coef_``/``intercept_``."""
        coef = np.atleast_2d(coef)
        raw = self.X @ coef.T + intercept
        if self.reference == "LogisticRegression":
            loss = np.mean(logsumexp(raw, axis=1) - raw[np.arange(len(self.y)), self.y])
        else:
            loss = 0.5 * np.mean((self.y - raw.ravel()) ** 2)
        r = self.l1_ratio
        penalty = r * np.abs(coef).sum() + (1 - r) / 2 * np.square(coef).sum()
        return float(loss + self.alpha * penalty)


def _quiet_fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(X, y)


def problems(quick: bool) -> list[Problem]:
    """The four problems of case 4 (smaller data with ``quick``)."""
    from sklearn.linear_model import ElasticNet, Lasso, LogisticRegression, Ridge

    from skweights import LinearClassifier, LinearRegressor

    n_clf, (n_reg, d_reg) = (10_000, (5_000, 50)) if quick else (50_000, (20_000, 200))
    Xc, yc = make_classification(
        n_samples=n_clf, n_features=100, n_informative=30, n_classes=5, random_state=0
    )
    Xr, yr = make_regression(n_samples=n_reg, n_features=d_reg, random_state=0)
    a_clf, a_l2, a_l1 = 1e-4, 0.1, 1.0
    out = [
        Problem(
            "LinearClassifier(penalty='l2')",
            "LogisticRegression",
            "l2",
            a_clf,
            0.0,
            Xc,
            yc,
            1.0,
            lambda tol: LinearClassifier(
                penalty="l2", alpha=a_clf, tol=tol, max_iter=MAX_ITER
            ),
            lambda tol: LogisticRegression(
                C=1 / (a_clf * n_clf), tol=tol, max_iter=MAX_ITER
            ),
        ),
        Problem(
            "LinearRegressor(penalty='l2')",
            "Ridge",
            "l2",
            a_l2,
            0.0,
            Xr,
            yr,
            1.0,
            lambda tol: LinearRegressor(
                penalty="l2", alpha=a_l2, tol=tol, max_iter=MAX_ITER
            ),
            lambda tol: Ridge(alpha=a_l2 * n_reg, tol=tol),
        ),
        Problem(
            "LinearRegressor(penalty='l1')",
            "Lasso",
            "l1",
            a_l1,
            1.0,
            Xr,
            yr,
            1.0,
            lambda tol: LinearRegressor(
                penalty="l1", alpha=a_l1, tol=tol, max_iter=MAX_ITER
            ),
            lambda tol: Lasso(alpha=a_l1, tol=tol, max_iter=MAX_ITER),
        ),
        Problem(
            "LinearRegressor(penalty='elasticnet', l1_ratio=0.5)",
            "ElasticNet",
            "elasticnet",
            a_l1,
            0.5,
            Xr,
            yr,
            1.0,
            lambda tol: LinearRegressor(
                penalty="elasticnet",
                alpha=a_l1,
                l1_ratio=0.5,
                tol=tol,
                max_iter=MAX_ITER,
            ),
            lambda tol: ElasticNet(
                alpha=a_l1, l1_ratio=0.5, tol=tol, max_iter=MAX_ITER
            ),
        ),
    ]
    return out


def _value(problem: Problem, make, tol: float) -> tuple[float, float]:
    seconds, model = timed(lambda: _quiet_fit(make(tol), problem.X, problem.y))
    return seconds, problem.objective(model.coef_, np.atleast_1d(model.intercept_))


def loosest_tol(problem: Problem, make, best: float) -> tuple[float | None, float]:
    """The loosest grid tol whose fit reaches ``best`` within REL_GAP, and its gap."""
    gap = float("nan")
    for tol in TOL_GRID:
        _, value = _value(problem, make, tol)
        gap = (value - best) / abs(best)
        if gap <= REL_GAP:
            return tol, gap
    return None, gap


def _verdict(tols: dict, ratio: float | None, target: float) -> str:
    if tols["skweights"] is None:
        return "**NO** (skweights never reached J*)"
    if tols["scikit-learn"] is None:
        return "yes (scikit-learn never reached J*)"
    return met(ratio <= target)


def case4_rows(quick: bool, repeats: int, log) -> list[dict]:
    """Time each problem's two fits at their loosest sufficient tol."""
    rows = []
    for problem in problems(quick):
        libraries = {"skweights": problem.skweights, "scikit-learn": problem.sklearn}
        references = {
            name: _value(problem, make, REFERENCE_TOL)[1]
            for name, make in libraries.items()
        }
        best = min(references.values())
        tols, gaps = {}, {}
        for name, make in libraries.items():
            tols[name], gaps[name] = loosest_tol(problem, make, best)
        seconds: dict[str, list[float]] = {name: [] for name in libraries}
        for repeat in range(repeats):
            order = list(libraries) if repeat % 2 == 0 else list(libraries)[::-1]
            for name in order:
                if tols[name] is not None:
                    make = libraries[name]
                    seconds[name].append(_value(problem, make, tols[name])[0])
        log(f"  {problem.reference}: tols {tols}, gaps {gaps}, seconds {seconds}")
        sw, sk = median(seconds["skweights"]), median(seconds["scikit-learn"])
        ratio = None
        if seconds["skweights"] and seconds["scikit-learn"]:
            ratio = median(
                [a / b for a, b in zip(seconds["skweights"], seconds["scikit-learn"])]
            )
        rows.append(
            {
                "skweights": problem.name,
                "scikit-learn": problem.reference,
                "alpha (skweights)": problem.alpha,
                "J*": best,
                "skweights tol": tols["skweights"],
                "sklearn tol": tols["scikit-learn"],
                "skweights rel. gap": gaps["skweights"],
                "sklearn rel. gap": gaps["scikit-learn"],
                "skweights s": sw,
                "sklearn s": sk,
                "time ratio (sw/sk, paired median)": ratio,
                "target": f"<= {problem.target}",
                "met?": _verdict(tols, ratio, problem.target),
            }
        )
    return rows


def path_rows(quick: bool, repeats: int, log) -> list[dict]:
    """regularization_path vs enet_path on the same grid, alternating."""
    from skweights import LinearRegressor
    from skweights.inspection import regularization_path

    n, d = (5_000, 50) if quick else (20_000, 200)
    X, y = make_regression(
        n_samples=n, n_features=d, n_informative=d // 4, noise=10.0, random_state=0
    )
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    rows = []
    for penalty, l1_ratio in (("l1", 1.0), ("elasticnet", 0.5)):
        model = LinearRegressor(penalty=penalty, l1_ratio=l1_ratio)
        alphas = regularization_path(model, X, y, n_alphas=2).alphas[0] * np.logspace(
            0, -3, 100
        )
        runs = {
            "skweights": partial(regularization_path, model, X, y, alphas),
            "enet_path": partial(enet_path, Xc, yc, l1_ratio=l1_ratio, alphas=alphas),
        }
        seconds: dict[str, list[float]] = {name: [] for name in runs}
        results = {}
        for repeat in range(max(repeats, 3)):
            order = list(runs) if repeat % 2 == 0 else list(runs)[::-1]
            for name in order:
                elapsed, results[name] = timed(runs[name])
                seconds[name].append(elapsed)
        ours = results["skweights"].n_nonzero
        theirs = (results["enet_path"][1] != 0).sum(axis=0)
        ratio = median(
            [a / b for a, b in zip(seconds["skweights"], seconds["enet_path"])]
        )
        log(f"  path {penalty}: seconds {seconds}")
        rows.append(
            {
                "skweights": f"regularization_path(LinearRegressor({penalty!r}))",
                "scikit-learn": f"enet_path(l1_ratio={l1_ratio})",
                "data": f"{n} x {d}",
                "alphas": len(alphas),
                "same non-zero counts": bool(np.array_equal(ours, theirs)),
                "skweights s": median(seconds["skweights"]),
                "enet_path s": median(seconds["enet_path"]),
                "time ratio (paired median)": ratio,
                "target": "<= 1.2",
                "met?": met(ratio <= 1.2 and np.array_equal(ours, theirs)),
            }
        )
    return rows
