"""SHAP values of skweights estimators, computed from their own weights."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils import shuffle
from sklearn.utils.validation import check_is_fitted

from ._base import BaseNetwork, _validate
from ._deepshap import deep_shap

__all__ = ["explain"]

#: Size of the default background (as ``shap.maskers.Independent``'s max_samples).
MAX_BACKGROUND = 100


def explain(
    model: Any,
    X: Any,
    background: Any = None,
    *,
    output: str = "raw",
    feature_names: Sequence[str] | None = None,
) -> Any:
    r"""SHAP values of a fitted skweights estimator, exact in sum for every row.

    Linear models get their exact interventional SHAP values,
    :math:`\phi_j(x) = (x_j - E[b_j])\, w_j` (what :class:`shap.LinearExplainer`
    computes with an independent masker on the same background). Networks with
    hidden layers get DeepSHAP values (Lundberg & Lee 2017): for each background row
    :math:`b`, the DeepLIFT rescale rule (Shrikumar et al. 2017) splits
    :math:`\text{out}(x) - \text{out}(b)` over the features, and the splits are
    averaged over the background. Every nonlinearity :math:`a = f(z)` passes its
    multipliers through its average derivative along the segment from :math:`z_b`
    to :math:`z_x`, the secant :math:`(f(z_x) - f(z_b)) / (z_x - z_b)`; the softmax
    of a multiclass ``output="probability"`` uses its average Jacobian along the
    segment (16-point Gauss-Legendre), with a rank-one correction along the centred
    logit step that makes it exact. So, for every row,

    .. math::

        \sum_j \phi_j(x) + \text{base} = \text{out}(x),
        \qquad \text{base} = \frac{1}{|B|} \sum_{b \in B} \text{out}(b),

    to float64 rounding. DeepSHAP equals the exact Shapley values for linear
    networks (identity activation) and for networks in which every hidden unit sees
    a single feature (additive models); otherwise it is a fast approximation of
    them. Rows are processed in chunks so that no intermediate array holds more
    than about 8 million floats, whatever the size of ``X``.

    Parameters
    ----------
    model : fitted skweights estimator
        A fitted :class:`~skweights.LinearRegressor`,
        :class:`~skweights.LinearClassifier`, :class:`~skweights.MLPRegressor` or
        :class:`~skweights.MLPClassifier`. Preprocessing is out of scope: to explain
        a pipeline, explain its final step on the transformed data,
        ``explain(pipe[-1], pipe[:-1].transform(X))``; the values are then about
        the transformed features.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Rows to explain, validated as ``predict`` does (same number of features,
        same column names for a DataFrame, no NaN). Sparse input is densified.
    background : array-like of shape (n_background, n_features), default=None
        Reference rows that stand for "feature absent". By default, at most
        ``MAX_BACKGROUND = 100`` rows of ``X`` drawn without replacement with a
        fixed seed, exactly the rows :class:`shap.maskers.Independent` (``X``)
        would keep (``shap.utils.sample(X, 100, random_state=0)``): real rows rather
        than k-means centroids, so that one-hot or integer features keep valid
        values, and reproducible, so that two calls agree and shap's own explainers
        can be run on the same background. Cost and memory grow linearly with its
        size.
    output : {"raw", "probability", "response"}, default="raw"
        What is explained: ``"raw"`` the raw output, in margin space (regression
        values, the log of the predicted mean for ``loss="poisson"`` or
        ``"gamma"``, the binary margin, the multilabel margins or the multiclass
        logits, as ``decision_function``); ``"probability"`` the predicted
        probabilities of ``predict_proba`` (classifiers only; one per label for
        a multilabel model); ``"response"`` the output through the model's
        inverse link ``out_activation_``, i.e. ``predict`` of a regressor
        (``exp`` of the raw output for a log link) and ``"probability"`` for a
        classifier. Additivity holds in every space.
    feature_names : sequence of str, default=None
        Names of the features; by default ``model.feature_names_in_`` when the
        model was fitted on a DataFrame, else ``x0``, ``x1``, ...

    Returns
    -------
    explanation : shap.Explanation
        With ``values``, ``base_values``, ``data`` (``X`` as a float64 array),
        ``feature_names`` and ``output_names``. Shapes, for ``n`` rows and ``f``
        features:

        - a single-output regressor, or a binary classifier with ``output="raw"``
          (its one margin, in log-odds for ``classes_[1]``): ``values`` (n, f),
          ``base_values`` (n,);
        - a multi-output regressor (``k`` targets), a multiclass classifier
          (``k`` classes, raw or probability) or a multilabel classifier (``k``
          labels, raw or probability, one column per label): ``values``
          (n, f, k), ``base_values`` (n, k);
        - a binary classifier with ``output="probability"``: (n, f, 2) and (n, 2),
          one column per column of ``predict_proba``, following shap's convention
          for ``predict_proba`` explainers. The first column is minus the second
          (the two probabilities sum to one); select the positive class with
          ``explanation[:, :, 1]`` for the single-output plots.

        ``output_names`` is the string of each class for classifiers (``None`` for
        a binary margin and for regressors).

    Raises
    ------
    ValueError
        If ``model`` is not a skweights estimator (a pipeline included), ``X`` or
        ``background`` do not match the fitted model, or ``output`` is not one of
        the accepted values (``"probability"`` for a regressor included).
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_diabetes
    >>> from skweights import MLPRegressor, explain
    >>> X, y = load_diabetes(return_X_y=True, as_frame=True)
    >>> model = MLPRegressor((16,), max_iter=50, random_state=0).fit(X, y)
    >>> explanation = explain(model, X.iloc[:5], background=X.iloc[:50])
    >>> explanation.values.shape
    (5, 10)
    >>> explanation.feature_names[:3]
    ['age', 'sex', 'bmi']
    >>> total = explanation.values.sum(axis=1) + explanation.base_values
    >>> bool(np.allclose(total, model.predict(X.iloc[:5]), rtol=0, atol=1e-8))
    True
    """
    import shap  # imported here: it is slow to import and only needed here

    _check_model(model)
    link = _link(model, output)
    data = _as_float_rows(model, X, "X")
    if background is None:
        reference = shuffle(
            data, n_samples=min(MAX_BACKGROUND, data.shape[0]), random_state=0
        )
    else:
        reference = _as_float_rows(model, background, "background")
    values, base_value = deep_shap(
        model.coefs_,
        model.intercepts_,
        model._activation_for_predict(),
        data,
        reference,
        link=link,
    )
    if model._is_classifier and link == "logistic" and values.shape[2] == 1:
        # predict_proba's two columns: P(classes_[0]) = 1 - P(classes_[1]).
        values = np.concatenate([-values, values], axis=2)
        base_value = np.concatenate([1 - base_value, base_value])
    base_values = np.tile(base_value, (data.shape[0], 1))
    output_names = None
    if values.shape[2] == 1:
        values, base_values = values[:, :, 0], base_values[:, 0]
    elif model._is_classifier:
        output_names = [str(c) for c in model.classes_]
    return shap.Explanation(
        values=values,
        base_values=base_values,
        data=data,
        feature_names=_feature_names(model, feature_names, data.shape[1]),
        output_names=output_names,
    )


def _check_model(model: Any) -> None:
    if isinstance(model, Pipeline):
        raise ValueError(
            "explain: got a Pipeline; preprocessing is out of scope. Explain its "
            "final step on the transformed data instead: "
            "explain(pipe[-1], pipe[:-1].transform(X))."
        )
    if not isinstance(model, BaseNetwork):
        raise ValueError(
            "explain: model must be a skweights estimator (LinearRegressor, "
            "LinearClassifier, MLPRegressor or MLPClassifier); got "
            f"{type(model).__name__}. For other models use shap's own explainers."
        )
    check_is_fitted(model, "coefs_")


def _link(model: Any, output: str) -> str:
    """The inverse link explained: the model's ``out_activation_`` or identity."""
    if output == "raw":
        return "identity"
    if output == "response" and not model._is_classifier:
        return getattr(model, "out_activation_", "identity")
    if output in ("probability", "response"):
        if not model._is_classifier:
            raise ValueError(
                f"explain: output='probability' needs a classifier, but "
                f"{type(model).__name__} is a regressor; use output='raw' or "
                "output='response'."
            )
        return model.out_activation_
    raise ValueError(
        "explain: output must be 'raw' or 'probability' (or 'response', the "
        f"output through the inverse link); got {output!r}."
    )


def _as_float_rows(model: Any, X: Any, name: str) -> np.ndarray:
    """``X`` validated against the fitted model as ``predict`` does, float64, dense."""
    try:
        X = _validate(model, X, accept_sparse="csr", dtype=np.float64, reset=False)
    except ValueError as error:
        # scikit-learn's messages call every input "X".
        raise ValueError(f"explain: invalid {name}: {error}") from error
    if hasattr(X, "toarray"):
        X = X.toarray()
    return np.asarray(X, dtype=np.float64)


def _feature_names(model: Any, names: Any, n_features: int) -> list[str]:
    if names is None:
        names = getattr(model, "feature_names_in_", None)
    if names is None:
        return [f"x{j}" for j in range(n_features)]
    names = [str(name) for name in names]
    if len(names) != n_features:
        raise ValueError(
            f"explain: feature_names has {len(names)} names but the model has "
            f"{n_features} features; give one name per feature."
        )
    return names
