"""A warning for estimator parameters the chosen solver does not use.

scikit-learn's practice (``LogisticRegression``'s "l1_ratio parameter is only used
when penalty is 'elasticnet'"): a ``UserWarning`` when a parameter set to something
other than its default has no effect. The solver says what it is through its
capabilities (``full_batch``, ``solves_linear``); no solver class is named here.
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any

from . import schedules

# Parameters of the minibatch loop, unused by every full-batch solver.
_MINIBATCH_ONLY = ("learning_rate", "schedule", "batch_size", "shuffle")


def ignored_parameters(estimator: Any, optimizer: Any) -> dict[str, str]:
    """The parameters ``optimizer`` ignores that the user changed, with why.

    Parameters
    ----------
    estimator : BaseNetwork
        The estimator about to be fitted.
    optimizer : object
        Its resolved optimizer.

    Returns
    -------
    ignored : dict
        ``{parameter: reason}``, in the order of the estimator's signature.
    """
    if not getattr(optimizer, "full_batch", False):
        return {}
    exact = getattr(optimizer, "solves_linear", False)
    why = (
        "a direct or coordinate-descent solve has no learning rate, epochs or batches"
        if exact
        else "a full-batch solver takes its own step sizes (line search or "
        "Lipschitz estimate) on the whole data"
    )
    reasons = dict.fromkeys(_MINIBATCH_ONLY, why)
    if exact:
        reasons["n_iter_no_change"] = reasons["early_stopping"] = (
            "an exact solve has no epochs to stop early (no data is held out)"
        )
    elif not estimator.early_stopping:
        reasons["n_iter_no_change"] = (
            "without early_stopping a full-batch solver stops on its gradient "
            "tolerance tol"
        )
    defaults = inspect.signature(type(estimator).__init__).parameters
    return {
        name: reason
        for name, reason in reasons.items()
        if name in defaults
        and not _is_default(name, getattr(estimator, name), defaults[name].default)
    }


def _is_default(name: str, value: Any, default: Any) -> bool:
    if name == "schedule":
        # "constant" and schedules.Constant() are the same schedule.
        return bool(schedules.get(value) == schedules.get(default))
    try:
        return bool(value == default)
    except (TypeError, ValueError):  # e.g. an array-like compared element-wise
        return False


def warn_ignored_parameters(estimator: Any, optimizer: Any) -> None:
    """Warn once per fit, naming every ignored parameter and why.

    Parameters
    ----------
    estimator : BaseNetwork
        The estimator about to be fitted (``fit`` calls this from ``_fit``).
    optimizer : object
        Its resolved optimizer.
    """
    ignored = ignored_parameters(estimator, optimizer)
    if not ignored:
        return
    parts = "; ".join(
        f"{name}={getattr(estimator, name)!r} ({reason})"
        for name, reason in ignored.items()
    )
    chosen = type(optimizer).__name__
    named = estimator.optimizer
    auto = isinstance(named, str) and named.lower() == "auto"
    picked = " (optimizer='auto' picked it)" if auto else ""
    warnings.warn(
        f"{type(estimator).__name__}: the {chosen} solver{picked} ignores {parts}. "
        "Leave them at their defaults, or choose a minibatch optimizer such as "
        "optimizer='adam' or 'sgd', which uses them.",
        UserWarning,
        stacklevel=4,  # warn <- this <- _fit <- fit/partial_fit <- the user
    )
