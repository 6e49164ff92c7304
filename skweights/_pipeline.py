"""What skweights reads from a pipeline: its final estimator, its preprocessing and
the names of the features the final estimator sees.

A :class:`~sklearn.pipeline.Pipeline` ending in a skweights estimator is accepted
wherever a model is; this is the one place that unwraps it. How its preprocessing
maps input columns to features (for explanations) is :mod:`skweights._column_map`.
"""

from __future__ import annotations

from typing import Any

from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted


def is_pipeline(model: Any) -> bool:
    """Whether ``model`` is a scikit-learn Pipeline."""
    return isinstance(model, Pipeline)


def final_estimator(model: Any) -> Any:
    """The last step of a pipeline, or ``model`` itself."""
    return model[-1] if is_pipeline(model) else model


def fitted_final(model: Any) -> Any:
    """The estimator that owns the weights, checked to be fitted (``coefs_``)."""
    final = final_estimator(model)
    check_is_fitted(final, "coefs_")
    return final


def preprocessing(model: Any) -> Any | None:
    """A pipeline's steps before the last (``pipe[:-1]``); ``None`` when none."""
    if is_pipeline(model) and len(model) > 1:
        return model[:-1]
    return None


def final_param(model: Any, name: str) -> str:
    """The ``set_params`` key of the final estimator's parameter ``name``."""
    return f"{model.steps[-1][0]}__{name}" if is_pipeline(model) else name


def input_names(model: Any, n_inputs: int | None = None, X: Any = None) -> list[str]:
    """Names of the columns ``model`` takes.

    ``feature_names_in_``, else the columns of ``X`` (a DataFrame), else ``x0,
    x1...`` (``n_inputs`` of them, by default ``model.n_features_in_``).
    """
    names = getattr(model, "feature_names_in_", getattr(X, "columns", None))
    if names is not None:
        return [str(name) for name in names]
    if n_inputs is None:
        n_inputs = model.n_features_in_
    return [f"x{j}" for j in range(n_inputs)]


def transformed_names(model: Any) -> list[str] | None:
    """Names of the final step's features, through a pipeline's preprocessing.

    ``feature_names_in_`` of the final step when it was fitted on a DataFrame, else
    ``pipe[:-1].get_feature_names_out()``; ``None`` when neither is available (a
    bare estimator fitted on an array, or a step without feature names).
    """
    names = getattr(final_estimator(model), "feature_names_in_", None)
    prefix = preprocessing(model)
    if names is None and prefix is not None:
        try:
            names = prefix.get_feature_names_out()
        except (AttributeError, ValueError, TypeError):
            names = None
    return None if names is None else [str(name) for name in names]


def unwrap(model: Any) -> tuple[Any, list[str] | None]:
    """The estimator that owns the weights, and its feature names if known.

    Parameters
    ----------
    model : estimator or Pipeline
        A skweights estimator or a pipeline ending in one.

    Returns
    -------
    final : estimator
        ``model`` or its last step.
    names : list of str or None
        See :func:`transformed_names`.
    """
    return final_estimator(model), transformed_names(model)


def feature_names(model: Any, n_features: int | None = None) -> list[str]:
    """The final step's feature names, through a pipeline's preprocessing.

    ``feature_names_in_`` of the estimator if set; for a pipeline whose final step
    saw an array, ``pipe[:-1].get_feature_names_out()`` (``num__age``,
    ``cat__city_north``...); else ``x0, x1, ...``.

    Parameters
    ----------
    model : fitted estimator or Pipeline
        A skweights estimator (or a pipeline ending in one).
    n_features : int, default=None
        Number of features, for the default names. ``None`` reads it from the
        fitted estimator's first layer (and checks that it is fitted).

    Returns
    -------
    names : list of str
        One name per input feature of the first layer.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights import LinearRegressor
    >>> model = LinearRegressor().fit(np.eye(3), [1.0, 2.0, 3.0])
    >>> feature_names(model)
    ['x0', 'x1', 'x2']
    """
    final, names = unwrap(model)
    if n_features is None:
        n_features = fitted_final(final).coefs_[0].shape[0]
    if names is not None:
        return names
    return [f"x{i}" for i in range(n_features)]
