"""Feature importances from the weights alone: coef, Olden, Garson."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._column_map import group_by_input
from .._pipeline import feature_names, fitted_final, preprocessing
from ._layer_summary import _is_linear

_METHODS = ("coef", "olden", "garson")


def weight_importance(
    model: Any,
    X: Any = None,
    *,
    method: str = "auto",
    output: Any = None,
    by: str = "feature",
) -> pd.Series:
    r"""Feature importances computed from the weights alone.

    - ``"coef"`` (linear models): :math:`|w_j| \, \sigma_j`, the change of the raw
      output for a one-standard-deviation change of feature :math:`j`.
    - ``"olden"`` (Olden & Jackson 2002, connection weights): the signed product of
      the weight matrices through the layers, :math:`W_1 W_2 \cdots W_L`; for an
      identity activation it is exactly the network's effective linear map.
    - ``"garson"`` (Garson 1991): relative absolute contributions. Each layer's
      absolute weights are normalized to shares of each unit's incoming total,
      :math:`R_l = |W_l| / \mathbf{1}^\top |W_l|`, and the shares are chained,
      :math:`R_1 R_2 \cdots R_L`, so every output's importances sum to 1 (for one
      hidden layer this is Garson's original algorithm).

    Parameters
    ----------
    model : fitted estimator or Pipeline
        A fitted skweights estimator. For a pipeline the last step is explained and
        ``X`` is passed through the earlier steps first.
    X : array-like of shape (n_samples, n_features), default=None
        Data whose per-feature standard deviations scale the first layer's weights
        (every method), so features on different scales compare fairly. Without
        ``X`` the weights are used as they are, which is right when the model was
        fitted on standardized features.
    method : {"auto", "coef", "olden", "garson"}, default="auto"
        ``"auto"`` is ``"coef"`` for linear models and ``"olden"`` for MLPs. ``"coef"``
        also works on MLPs, where it is ``"olden"``'s absolute value.
    output : int or class label, default=None
        Which output to explain: an output column for regressors, a class label for
        classifiers (for a binary classifier, ``classes_[0]`` flips the sign of
        ``"olden"``). ``None`` explains the single output, or with several outputs
        aggregates them: the sum over outputs of the absolute values for ``"coef"``
        and ``"olden"`` (so ``"olden"`` becomes unsigned), the mean for ``"garson"``
        (which keeps the sum at 1).
    by : {"feature", "input"}, default="feature"
        For a pipeline: ``"feature"`` scores each feature the final step sees
        (named as :func:`feature_names` does, e.g. ``cat__city_north``);
        ``"input"`` sums them into the pipeline's input columns (all one-hot
        columns of ``city`` into ``city``), where every feature comes from one
        input column (not after a PCA).

    Returns
    -------
    importance : pandas.Series
        Indexed by feature name (see :func:`feature_names`; the pipeline's input
        columns with ``by="input"``), named after the method.

    References
    ----------
    Garson, G. D. (1991). Interpreting neural-network connection weights. AI Expert
    6(4), 46-51.

    Olden, J. D. & Jackson, D. A. (2002). Illuminating the "black box": a
    randomization approach for understanding variable contributions in artificial
    neural networks. Ecological Modelling 154, 135-150.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from skweights import LinearRegressor
    >>> X, y = load_diabetes(return_X_y=True, as_frame=True)
    >>> model = LinearRegressor(penalty="l1", alpha=0.1).fit(X, y)
    >>> importance = weight_importance(model, X)
    >>> importance.sort_values(ascending=False).index[:3].tolist()
    ['bmi', 's5', 'bp']
    """
    pipe, names, raw = model, feature_names(model), X
    prefix = preprocessing(model)
    if prefix is not None and X is not None:
        X = prefix.transform(X)
    model = fitted_final(model)
    if method == "auto":
        method = "coef" if _is_linear(model) else "olden"
    if method not in _METHODS:
        raise ValueError(
            f"weight_importance: unknown method {method!r}; use one of "
            f"{sorted(_METHODS + ('auto',))}."
        )
    coefs = [np.asarray(W, dtype=np.float64) for W in model.coefs_]
    if X is not None:
        std = _feature_std(X)
        if std.shape[0] != coefs[0].shape[0]:
            raise ValueError(
                f"weight_importance: X has {std.shape[0]} features but the model "
                f"expects {coefs[0].shape[0]}."
            )
        coefs[0] = coefs[0] * std[:, None]
    if method == "garson":
        scores = _garson(coefs)
    else:
        scores = _chain(coefs)
        if method == "coef":
            scores = np.abs(scores)
    scores = _select_output(model, scores, output, method)
    return _by(pipe, pd.Series(scores, index=names, name=method), by, raw)


def _by(pipe: Any, scores: pd.Series, by: str, X: Any) -> pd.Series:
    if by == "feature":
        return scores
    if by == "input":
        return group_by_input(pipe, scores, X)
    raise ValueError(f"weight_importance: by must be 'feature' or 'input'; got {by!r}.")


def _feature_std(X) -> np.ndarray:
    if sp.issparse(X):
        X = sp.csr_matrix(X, dtype=np.float64)
        mean = np.asarray(X.mean(axis=0)).ravel()
        mean_sq = np.asarray(X.multiply(X).mean(axis=0)).ravel()
        return np.sqrt(np.maximum(mean_sq - mean**2, 0.0))
    return np.asarray(X, dtype=np.float64).std(axis=0)


def _chain(coefs: list[np.ndarray]) -> np.ndarray:
    product = coefs[0]
    for W in coefs[1:]:
        product = product @ W
    return product


def _garson(coefs: list[np.ndarray]) -> np.ndarray:
    shares = None
    for W in coefs:
        A = np.abs(W)
        totals = A.sum(axis=0, keepdims=True)
        R = np.divide(A, totals, out=np.zeros_like(A), where=totals > 0)
        shares = R if shares is None else shares @ R
    # Units with no incoming weight pass no share on; renormalize what reaches each
    # output so its importances still sum to 1.
    totals = shares.sum(axis=0, keepdims=True)
    return np.divide(shares, totals, out=np.zeros_like(shares), where=totals > 0)


def _select_output(model, scores: np.ndarray, output, method: str) -> np.ndarray:
    n_outputs = scores.shape[1]
    if output is None:
        if n_outputs == 1:
            return scores[:, 0]
        if method == "garson":
            return scores.mean(axis=1)
        return np.abs(scores).sum(axis=1)
    classes = getattr(model, "classes_", None)
    if classes is not None:
        matches = np.flatnonzero(classes == output)
        if matches.size == 0:
            raise ValueError(
                f"weight_importance: output={output!r} is not a class of the model; "
                f"choose one of {list(classes)}."
            )
        column = int(matches[0])
        if n_outputs == 1:  # binary: the single margin favours classes_[1]
            sign = -1.0 if column == 0 and method == "olden" else 1.0
            return sign * scores[:, 0]
        return scores[:, column]
    if not (isinstance(output, numbers.Integral) and -n_outputs <= output < n_outputs):
        raise ValueError(
            f"weight_importance: output must be an output index in "
            f"[0, {n_outputs}) or None; got {output!r}."
        )
    return scores[:, int(output)]
