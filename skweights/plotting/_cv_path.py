"""plot_cv_path: a CV estimator's mean test score (with its spread) against alpha."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._pipeline import fitted_final


def plot_cv_path(cv_estimator: Any, *, ax: Any = None) -> Any:
    """Plot a CV estimator's mean test score +/- one std against alpha.

    Parameters
    ----------
    cv_estimator : fitted CV estimator or Pipeline
        A fitted :class:`~skweights.LinearRegressorCV`,
        :class:`~skweights.LinearClassifierCV`, :class:`~skweights.MLPRegressorCV`
        or :class:`~skweights.MLPClassifierCV` (or a pipeline ending in one).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on: the mean test score (line), its standard deviation
        over the splits (band), and ``alpha_`` (dashed vertical line), on a log
        alpha axis.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from skweights import LinearRegressorCV
    >>> from skweights.plotting import plot_cv_path
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = LinearRegressorCV(penalty="l1", n_alphas=20).fit(X, y)
    >>> ax = plot_cv_path(model)
    >>> ax.get_xscale()
    'log'
    """
    import matplotlib.pyplot as plt

    model = fitted_final(cv_estimator)
    check_is_fitted(model, "cv_results_")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    results = model.cv_results_
    alphas = np.asarray(results["param_alpha"], dtype=float)
    mean = np.asarray(results["mean_test_score"], dtype=float)
    std = np.asarray(results["std_test_score"], dtype=float)
    positive = alphas > 0  # a log axis cannot show alpha = 0
    ax.plot(alphas[positive], mean[positive], marker=".", label="mean test score")
    ax.fill_between(
        alphas[positive],
        (mean - std)[positive],
        (mean + std)[positive],
        alpha=0.25,
        label="± 1 std over splits",
    )
    ax.axvline(
        model.alpha_,
        color="black",
        linestyle="--",
        label=f"alpha_ = {model.alpha_:.3g}",
    )
    ax.set_xscale("log")
    ax.set_xlabel("alpha (penalty strength)")
    ax.set_ylabel(f"test score ({_scoring_name(model)})")
    ax.set_title(f"{type(model).__name__}: cross-validated score")
    ax.legend(loc="best", fontsize="small")
    return ax


def _scoring_name(model) -> str:
    scoring = model.scoring
    if scoring is None:
        return model._default_scoring_name()
    return (
        scoring if isinstance(scoring, str) else getattr(scoring, "__name__", "custom")
    )
