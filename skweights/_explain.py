"""SHAP values of skweights estimators, computed from their own weights."""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.utils.validation import check_is_fitted

from ._base import BaseNetwork, _validate
from ._column_map import column_map
from ._deepshap import deep_shap
from ._pipeline import final_estimator, input_names, is_pipeline, preprocessing
from ._shapley import Game, choose_method, exact_values, sampled_values

__all__ = ["explain"]

#: An explicit background with fewer rows than this gets a warning.
MIN_BACKGROUND = 10

#: The accepted values of ``method``.
METHODS = ("auto", "exact", "sampling", "deep")


def explain(
    model: Any,
    X: Any,
    background: Any = None,
    *,
    output: str = "raw",
    feature_names: Sequence[str] | None = None,
    fallback: str | None = None,
    method: str = "auto",
    background_weight: Any = None,
    n_permutations: int | None = None,
    random_state: Any = None,
) -> Any:
    r"""SHAP values of a fitted skweights estimator or pipeline, additive in every row.

    Three methods share the background rows :math:`b_k` (weights :math:`w_k`) and
    the players, the model's input columns (a pipeline's *input* columns; the
    columns one ``OneHotEncoder`` or ``SplineTransformer`` makes from one input
    column are one player):

    - ``"exact"``: the exact interventional Shapley values, those of the game
      :math:`v(S) = \sum_k w_k f(x_S, b_{k,\bar S}) / \sum_k w_k` (shap's
      :class:`~shap.ExactExplainer` with an independent masker on the same
      background), for every model, output and link. The first layer sees the
      columns additively, so the coalitions' first-layer inputs cost one
      addition each, and the rest of the network runs on at most :math:`2^d
      \times n_\text{background}` rows per explained row (see
      ``skweights/_shapley.py``); a background row that agrees with the row on
      :math:`m` columns needs only :math:`2^{d - m}` of them (those columns are
      null players of the pair), so categorical data is cheaper.
      That is the cost: it doubles with every column. Refused above
      ``2**d * n_background > 2**24`` (:data:`skweights._shapley.EXACT_LIMIT`).
      The raw output of a linear model (linear in its input) takes the closed
      form :math:`\phi_j = f_j(x_j) - E_w[f_j(b_j)]` at any size.
    - ``"sampling"``: antithetic permutation sampling on the same forward pass:
      ``n_permutations`` random orders of the players, each walked with its
      reverse; a player's value is the mean of its marginal contributions
      :math:`v(\text{prefix} \cup j) - v(\text{prefix})`. Unbiased, converging to
      ``"exact"`` as ``n_permutations`` grows, exactly additive (each order's
      contributions sum to :math:`v(\text{all}) - v(\emptyset)`), and the standard
      error of every value is returned in ``error_std`` (from the spread over the
      antithetic pairs). Cost per row: about ``n_permutations * (d - 1) *
      n_background`` forward rows.
    - ``"deep"``: DeepSHAP (Lundberg & Lee 2017): for each background row the
      DeepLIFT rescale rule (Shrikumar et al. 2017) splits :math:`\text{out}(x) -
      \text{out}(b)` over the features, and the splits are averaged over the
      background (weighted by ``background_weight``). Every nonlinearity passes
      its multipliers through its secant along the segment from :math:`z_b` to
      :math:`z_x`; a multiclass softmax uses its average Jacobian along the
      segment (16-point Gauss-Legendre) with a rank-one correction that makes it
      additive. Cost per row: about one backward pass per background row and
      output, whatever ``d``. It equals the exact values when the explained
      output is additive in the input columns: the raw output of a linear model
      (behind per-column, one-hot or PCA preprocessing too), a linear network, or
      a network in which every hidden unit sees a single column. Otherwise it is
      an approximation, which can rank the features differently from the exact
      values (a linear classifier's ``output="probability"`` included).
    - ``"auto"`` (default): ``"exact"`` when ``2**d * n_background <= 2**15``
      (:data:`skweights._shapley.AUTO_LIMIT`: up to 8 players with the 100 stored
      background rows, 9 with 64, 10 with 32) or when the explained output is
      linear (a linear model's raw output), else ``"deep"``. The choice depends
      on the number of players (the columns that reach the network) and the
      background only, never on the rows explained.

    In every method and every row,

    .. math::

        \sum_j \phi_j(x) + \text{base} = \text{out}(x),
        \qquad \text{base} = \frac{\sum_k w_k\, \text{out}(b_k)}{\sum_k w_k},

    to float64 rounding, and a row's values do not depend on the other rows
    explained with it (``"sampling"`` seeds each row from ``random_state`` and
    the row's own values). Intermediate arrays are kept under about a million
    floats (8 MiB), whatever the size of ``X``.

    Pipelines are explained in their *input* columns. The preprocessing is traced
    to a map :math:`U(x) L + c` whose local features :math:`U` each depend on one
    input column: a per-column transform (``StandardScaler``, ``SimpleImputer``,
    ``QuantileTransformer``...), a one-to-many transform (``OneHotEncoder``,
    ``SplineTransformer``...), and a linear map (``PCA``, ``TruncatedSVD``:
    anything with ``components_``) after them; ``ColumnTransformer``,
    ``FeatureUnion`` and nested pipelines are walked (see
    ``skweights/_column_map.py``). :math:`L` and :math:`c` are folded into the
    network's first layer. A column that the preprocessing drops gets exactly 0
    and is no player (it costs nothing).

    A fitted :class:`~sklearn.model_selection.GridSearchCV` or
    :class:`~sklearn.model_selection.RandomizedSearchCV` (anything with a
    ``best_estimator_``) is explained through its ``best_estimator_``.

    **Many rows, on Dask.** Given a Dask array or Dask DataFrame ``X``, ``explain``
    returns the *values* as a lazy Dask array, one task per block or partition
    (row-parallel; a row's values do not depend on its block, so they are those
    of an in-memory call). The base values are the same for every row: take them
    from ``explain`` on one row. ``background`` stays in memory.

    Parameters
    ----------
    model : fitted skweights estimator or Pipeline
        A fitted :class:`~skweights.LinearRegressor`,
        :class:`~skweights.LinearClassifier`, :class:`~skweights.MLPRegressor` or
        :class:`~skweights.MLPClassifier`, or a fitted
        :class:`~sklearn.pipeline.Pipeline` ending in one, or a fitted search
        over one (explained through its ``best_estimator_``).
    X : {array-like, sparse matrix, DataFrame, Series, Dask array or DataFrame}
        Rows to explain, of shape (n_samples, n_columns), as ``model.predict``
        takes them: for a pipeline the raw input (a DataFrame may mix numeric and
        string columns). Sparse input is densified. A pandas Series is one row
        (as ``X.iloc[i]`` gives it). A Dask collection is explained block by
        block (see above).
    background : array-like of shape (n_background, n_columns), default=None
        Reference rows that stand for "feature absent", in the same space as
        ``X``. By default the rows the estimator kept at ``fit`` in
        ``background_`` (at most 100 training rows drawn with its
        ``random_state``); the explained rows are never their own background. A
        pipeline's final step keeps its rows after the preprocessing, which serves
        as is when every transformer is column-local; a pipeline with a linear map
        (``PCA``) needs ``background=`` as raw rows. A background of fewer than 10
        rows gets a warning. Cost and memory grow linearly with its size.
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
        Names of the features; by default the input columns of ``model``
        (``feature_names_in_`` when fitted on a DataFrame), else ``x0``, ``x1``...
    fallback : {None, "permutation"}, default=None
        ``"permutation"`` explains the whole model with shap's
        :class:`~shap.PermutationExplainer` over the input columns instead
        (model-agnostic, for a step the rules above cannot trace; still additive,
        but two to three orders of magnitude slower, and ``background=`` raw rows
        are required).
    method : {"auto", "exact", "sampling", "deep"}, default="auto"
        How the values are computed (above). The returned explanation says which
        method made it in ``explanation.method`` (``"permutation"`` for
        ``fallback="permutation"``).
    background_weight : array-like of shape (n_background,), default=None
        Non-negative weights of the background rows (a weighted summary of the
        data, e.g. cluster centres that are real rows, weighted by cluster size):
        the mean over the background becomes a weighted mean, in every method.
        ``None`` weighs the rows equally.
    n_permutations : int, default=None
        ``"sampling"``'s budget: the number of random orders of the players, an
        even number >= 4 (each order is walked with its reverse). ``None`` takes
        ``max(32, 2 * d)`` for ``d`` players (with fewer orders the standard
        error, estimated from the pairs' spread, is itself unreliable). The
        standard error falls as ``1 / sqrt(n_permutations)``.
    random_state : int, RandomState instance or None, default=None
        Seeds ``"sampling"``: the same seed gives the same values, row by row
        (each row's stream comes from this seed and the row's own values).
        ``None`` draws fresh entropy at each call. Ignored by the other methods.

    Returns
    -------
    explanation : shap.Explanation
        A subclass of :class:`shap.Explanation` that adds ``method`` (every shap
        plot takes it). With ``values``, ``base_values``, ``data`` (``X``'s own
        values: strings stay strings), ``feature_names`` (the input columns) and
        ``output_names``.
        Shapes, for ``n`` rows and ``f`` input columns:

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
        a binary margin and for regressors). ``error_std`` holds the standard
        error of every value for ``method="sampling"`` (same shape as
        ``values``; ``None`` otherwise), and ``method`` the method used (it
        survives slicing). For a Dask ``X``, a lazy Dask array of the values.

    Raises
    ------
    ValueError
        If ``model`` is not a skweights estimator or a pipeline ending in one, a
        pipeline step cannot be traced to its input columns (the message names
        it and points to ``fallback="permutation"``), no background is available,
        ``X`` or ``background`` do not match the fitted model, ``output``,
        ``method``, ``background_weight`` or ``n_permutations`` is not one of the
        accepted values (``"probability"`` for a regressor included), or
        ``method="exact"`` is asked above its size limit (the message points to
        ``"sampling"``).
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklearn.compose import make_column_transformer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import OneHotEncoder, StandardScaler
    >>> from skweights import MLPRegressor, explain
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"age": rng.integers(20, 70, 200),
    ...                   "city": rng.choice(["north", "south"], 200)})
    >>> y = X["age"] / 10 + (X["city"] == "north")
    >>> pipe = make_pipeline(
    ...     make_column_transformer((StandardScaler(), ["age"]),
    ...                             (OneHotEncoder(), ["city"])),
    ...     MLPRegressor((16,), max_iter=50, random_state=0),
    ... ).fit(X, y)
    >>> explanation = explain(pipe, X.iloc[[0]])  # the stored background
    >>> explanation.feature_names, explanation.values.shape
    (['age', 'city'], (1, 2))
    >>> explanation.data.tolist()
    [[62, 'north']]
    >>> total = explanation.values.sum(axis=1) + explanation.base_values
    >>> bool(np.allclose(total, pipe.predict(X.iloc[[0]]), rtol=0, atol=1e-8))
    True
    >>> explanation.method  # 2 columns: exact, by default
    'exact'
    """
    model = _searched_model(model)
    _check_model(model)
    X = _one_row(X)
    final = final_estimator(model)
    link = _link(final, output)
    _check_options(fallback, method, n_permutations)
    if _is_dask(X):
        options = dict(
            output=output,
            feature_names=feature_names,
            fallback=fallback,
            method=method,
            background_weight=background_weight,
            n_permutations=n_permutations,
            random_state=random_state,
        )
        return _dask_values(model, X, background, options)
    if fallback == "permutation":
        if background_weight is not None:
            raise ValueError(
                "explain: fallback='permutation' takes no background_weight (shap's "
                "maskers weigh background rows equally); repeat rows instead."
            )
        return _permutation(model, X, background, output, feature_names)
    X, background = _named(model, X, background)
    game, data, names = _game(model, X, background, link)
    game.weights = _background_weights(background_weight, game.n_background)
    chosen = method
    if method == "auto":
        chosen = choose_method(game)
    error_std = None
    if chosen == "exact":
        values, base_value = exact_values(game)
    elif chosen == "sampling":
        n_permutations = _n_permutations(n_permutations, game.n_players)
        values, error_std, base_value = sampled_values(
            game, n_permutations, random_state
        )
    else:
        values, base_value = _deep_values(game)
    names = _feature_names(feature_names, names)
    explanation = _explanation(final, link, values, base_value, data, names, error_std)
    explanation.method = chosen
    return explanation


def _explanation(final, link, values, base_value, data, names, error_std=None):
    """The Explanation, with predict_proba's columns for a binary classifier."""
    from ._explanation import Explanation  # imports shap: slow, needed only here

    if final._is_classifier and link == "logistic" and values.shape[2] == 1:
        # predict_proba's two columns: P(classes_[0]) = 1 - P(classes_[1]).
        values = np.concatenate([-values, values], axis=2)
        base_value = np.concatenate([1 - base_value, base_value])
        if error_std is not None:
            error_std = np.concatenate([error_std, error_std], axis=2)
    base_values = np.tile(base_value, (data.shape[0], 1))
    output_names = None
    if values.shape[2] == 1:
        values, base_values = values[:, :, 0], base_values[:, 0]
        if error_std is not None:
            error_std = error_std[:, :, 0]
    elif final._is_classifier:
        output_names = [str(c) for c in final.classes_]
    return Explanation(
        values=values,
        base_values=base_values,
        data=data,
        feature_names=names,
        output_names=output_names,
        error_std=error_std,
    )


def _searched_model(model: Any) -> Any:
    """A fitted search (GridSearchCV...) stands for its refitted best estimator."""
    best = getattr(model, "best_estimator_", None)
    if best is not None and not isinstance(final_estimator(model), BaseNetwork):
        return best
    return model


def _one_row(X: Any) -> Any:
    """A pandas Series is one row: a one-row DataFrame (string labels) or array."""
    if not isinstance(X, pd.Series):
        return X
    if all(isinstance(label, str) for label in X.index):
        return X.to_frame().T.infer_objects()
    return X.to_numpy()[None, :]


def _check_options(fallback: Any, method: Any, n_permutations: Any) -> None:
    if fallback not in (None, "permutation"):
        raise ValueError(
            f"explain: fallback must be None or 'permutation'; got {fallback!r}."
        )
    if method not in METHODS:
        raise ValueError(
            f"explain: method must be one of {', '.join(map(repr, METHODS))}; got "
            f"{method!r}."
        )
    if n_permutations is not None and (
        isinstance(n_permutations, bool)
        or not isinstance(n_permutations, numbers.Integral)
        or n_permutations < 4
        or n_permutations % 2
    ):
        raise ValueError(
            "explain: n_permutations must be an even integer >= 4 (each "
            "permutation is walked with its reverse, and the standard error needs "
            f"two pairs); got {n_permutations!r}."
        )


def _n_permutations(n_permutations: int | None, n_players: int) -> int:
    """The sampling budget: ``2 * n_players``, at least 32, unless given.

    Fewer orders leave the standard error itself unreliable (it is estimated from
    the spread of the antithetic pairs): at 10 orders, a penguins pipeline's
    probabilities fell within 4 ``error_std`` of the exact values for only 90% of
    them with some seeds.
    """
    if n_permutations is not None:
        return int(n_permutations)
    return max(32, 2 * n_players)


def _background_weights(weights: Any, n_background: int) -> np.ndarray:
    """The background weights, checked and normalized to sum to one."""
    if weights is None:
        return np.full(n_background, 1.0 / n_background)
    w = np.asarray(weights, dtype=np.float64)
    if (
        w.shape != (n_background,)
        or not np.all(np.isfinite(w))
        or np.any(w < 0)
        or not w.sum() > 0
    ):
        raise ValueError(
            "explain: background_weight must hold one finite, non-negative weight "
            f"per background row ({n_background}), not all zero; got shape "
            f"{w.shape}."
        )
    return w / w.sum()


def _named(model: Any, X: Any, background: Any) -> tuple[Any, Any]:
    """Arrays given to a pipeline fitted on a DataFrame, as DataFrames (warned once).

    Every step would warn on every transform (a dozen identical warnings per
    call); one warning here, and the columns the pipeline was fitted with.
    """
    names = getattr(model, "feature_names_in_", None)
    if names is None or preprocessing(model) is None:
        return X, background
    unnamed = [
        rows is not None
        and not hasattr(rows, "columns")
        and not sp.issparse(rows)
        and np.ndim(rows) == 2
        and np.shape(rows)[1] == len(names)
        for rows in (X, background)
    ]
    if not any(unnamed):
        return X, background
    warnings.warn(
        f"X does not have valid feature names, but {type(model).__name__} was "
        "fitted with feature names; explain reads its columns in the fitted order "
        f"({', '.join(map(str, names))}).",
        UserWarning,
        stacklevel=3,
    )
    X, background = (
        pd.DataFrame(np.asarray(rows), columns=names).infer_objects() if flag else rows
        for rows, flag in zip((X, background), unnamed)
    )
    return X, background


def _game(model, X, background, link):
    """The explained rows as a :class:`Game`, their data and the feature names."""
    final = final_estimator(model)
    if preprocessing(model) is not None:
        return _pipeline_game(model, X, background, link)
    data = _as_float_rows(final, X, "X")
    reference = _reference(final, background)
    coefs = [np.asarray(W, dtype=np.float64) for W in final.coefs_]
    intercepts = [np.asarray(c, dtype=np.float64) for c in final.intercepts_]
    n = data.shape[1]
    game = _make_game(final, coefs, intercepts, link, data, reference, np.arange(n), n)
    return game, data, input_names(final, n)


def _make_game(final, coefs, intercepts, link, local_x, local_b, groups, n_players):
    return Game(
        coefs=coefs,
        intercepts=intercepts,
        activation=final._activation_for_predict(),
        link=link,
        local_x=local_x,
        local_b=local_b,
        groups=np.asarray(groups),
        n_players=n_players,
        weights=np.full(local_b.shape[0], 1.0 / local_b.shape[0]),
    )


def _deep_values(game: Game) -> tuple[np.ndarray, np.ndarray]:
    """DeepSHAP over the local features, summed into their input columns."""
    values, base_value = deep_shap(
        game.coefs,
        game.intercepts,
        game.activation,
        game.local_x,
        game.local_b,
        link=game.link,
        weights=game.weights,
    )
    grouping = np.zeros((len(game.groups), game.n_players))
    grouping[np.arange(len(game.groups)), game.groups] = 1.0
    return np.einsum("nuk,uj->njk", values, grouping), base_value


def _check_model(model: Any) -> None:
    final = final_estimator(model)
    if not isinstance(final, BaseNetwork):
        what = "a Pipeline ending in " if is_pipeline(model) else ""
        raise ValueError(
            "explain: model must be a skweights estimator (LinearRegressor, "
            "LinearClassifier, MLPRegressor or MLPClassifier) or a Pipeline ending "
            f"in one; got {what}{type(final).__name__}. For other models use "
            "shap's own explainers."
        )
    check_is_fitted(final, "coefs_")


def _reference(final: Any, background: Any) -> np.ndarray:
    """The background rows in the estimator's own feature space, float64."""
    if background is None:
        return _stored_background(final)
    _warn_if_small(background)
    return _as_float_rows(final, background, "background")


def _stored_background(final: Any) -> Any:
    stored = getattr(final, "background_", None)
    if stored is None:
        raise ValueError(
            f"explain: {type(final).__name__} keeps no background (it was fitted "
            "by an older skweights, or background_ was set to None); pass "
            "background=, e.g. about 100 training rows. The explained rows are "
            "never used as their own background."
        )
    # Validated at fit; validating again would warn about feature names.
    return _original(stored).astype(np.float64)


def _warn_if_small(background: Any) -> None:
    shape = getattr(background, "shape", None)
    n_rows = shape[0] if shape is not None else len(background)
    if n_rows < MIN_BACKGROUND:
        warnings.warn(
            f"explain: the background has only {n_rows} row(s); SHAP values and "
            "the base value depend on it, and fewer than "
            f"{MIN_BACKGROUND} rows rarely stand for the data. Pass about 100 "
            "training rows (or omit background= to use the stored ones).",
            UserWarning,
            stacklevel=4,
        )


def _pipeline_game(pipe, X, background, link):
    """The game over a pipeline's input columns, its preprocessing folded in."""
    final, prefix = final_estimator(pipe), preprocessing(pipe)
    mapping = column_map(prefix, X, "pipeline")
    local_x = mapping.local(X)
    _check_reproduced(mapping, local_x, prefix.transform(X))
    if background is None:
        if mapping.linear is not None:
            raise ValueError(
                "explain: this pipeline mixes input columns (a linear map such as "
                "PCA), and the rows kept in the final step are in its own feature "
                "space, after the mixing; pass background= as raw rows (about 100 "
                "rows of the data the pipeline was fitted on)."
            )
        local_b = _stored_background(final)
    else:
        _warn_if_small(background)
        local_b = mapping.local(background)
    coefs, intercepts = _fold(final, mapping)
    data = _original(X)
    n = data.shape[1]
    game = _make_game(
        final, coefs, intercepts, link, local_x, local_b, mapping.groups, n
    )
    return game, data, input_names(pipe, n, X)


def _fold(final: Any, mapping: Any) -> tuple[list, list]:
    """The network with the preprocessing's linear map folded into layer 0."""
    coefs = [np.asarray(W, dtype=np.float64) for W in final.coefs_]
    intercepts = [np.asarray(c, dtype=np.float64) for c in final.intercepts_]
    if mapping.linear is not None or mapping.offset is not None:
        intercepts[0] = mapping.full_offset() @ coefs[0] + intercepts[0]
        coefs[0] = mapping.full_linear() @ coefs[0]
    return coefs, intercepts


def _check_reproduced(mapping: Any, local_x: np.ndarray, transformed: Any) -> None:
    """The column map must give what the preprocessing gives, on these rows."""
    expected = _original(transformed).astype(np.float64)
    got = local_x @ mapping.full_linear() + mapping.full_offset()
    scale = 1.0 + np.abs(expected).max(initial=0.0)
    if got.shape != expected.shape or not np.allclose(
        got, expected, rtol=0, atol=1e-9 * scale
    ):
        raise ValueError(
            "explain: the pipeline's preprocessing could not be traced back to its "
            "input columns (the traced map does not reproduce transform(X)); pass "
            "fallback='permutation' to explain it model-agnostically."
        )


def _original(X: Any) -> np.ndarray:
    """``X`` as a numpy array with its own values (strings stay strings)."""
    if sp.issparse(X):
        return X.toarray()
    if hasattr(X, "to_numpy"):
        return X.to_numpy()
    return np.asarray(X)


def _permutation(model, X, background, output, feature_names):
    """shap's PermutationExplainer on the whole model, over its input columns."""
    import shap

    if background is None:
        raise ValueError(
            "explain: fallback='permutation' needs background= as raw rows (about "
            "100 rows of the data the model was fitted on); the rows kept in the "
            "final step are in its own feature space."
        )
    _warn_if_small(background)
    data = _original(X)
    codes, decode = _codes(data, _original(background), X)
    predict = _output_function(model, output)
    masker = shap.maskers.Independent(codes[1], max_samples=codes[1].shape[0])
    explainer = shap.PermutationExplainer(lambda rows: predict(decode(rows)), masker)
    n_features = data.shape[1]
    explanation = explainer(
        codes[0], max_evals=max(500, 2 * n_features + 1), silent=True
    )
    from ._explanation import Explanation

    default = input_names(model, n_features, X)
    ours = Explanation(
        values=explanation.values,
        base_values=explanation.base_values,
        data=data,
        feature_names=_feature_names(feature_names, default),
        output_names=explanation.output_names,
    )
    ours.method = "permutation"
    return ours


def _codes(data, reference, X):
    """Each column as integer codes (shap's maskers take numbers only), and back.

    Returns the codes of ``data`` and ``reference`` and a function from rows of
    codes to rows in ``X``'s own layout (a DataFrame keeps its columns and dtypes).
    """
    uniques, codes_x, codes_b = [], [], []
    for j in range(data.shape[1]):
        codes, unique = pd.factorize(
            np.concatenate([data[:, j], reference[:, j]]), use_na_sentinel=False
        )
        uniques.append(np.asarray(unique, dtype=object))
        codes_x.append(codes[: len(data)])
        codes_b.append(codes[len(data) :])

    def decode(rows):
        rows = np.asarray(rows).astype(int)
        columns = [unique[rows[:, j]] for j, unique in enumerate(uniques)]
        if hasattr(X, "columns"):
            frame = pd.DataFrame(dict(zip(X.columns, columns)))
            return frame.astype(X.dtypes.to_dict())
        return np.column_stack(columns).astype(data.dtype)

    codes = (np.column_stack(codes_x), np.column_stack(codes_b))
    return tuple(c.astype(np.float64) for c in codes), decode


def _output_function(model, output):
    """The model's method that ``output`` names."""
    final = final_estimator(model)
    if output == "probability":
        return model.predict_proba
    return model.decision_function if final._is_classifier else model.predict


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


def _feature_names(names: Any, default: list[str]) -> list[str]:
    """The names given, checked against the model's, or the model's own."""
    if names is None:
        return default
    names = [str(name) for name in names]
    if len(names) != len(default):
        raise ValueError(
            f"explain: feature_names has {len(names)} names but the model has "
            f"{len(default)} input features; give one name per feature."
        )
    return names


def _is_dask(X: Any) -> bool:
    """Whether ``X`` is a Dask collection (array or DataFrame)."""
    return hasattr(X, "__dask_graph__")


def _dask_values(model, X, background, options):
    """The values of a Dask array or DataFrame, row-parallel: a lazy Dask array.

    Every block (partition) is explained on its own, which gives the values an
    in-memory call would: a row's values do not depend on the other rows.
    """
    import dask.array as da

    def block(part):
        return np.asarray(explain(model, part, background, **options).values)

    if hasattr(X, "map_partitions"):
        # One row computed here gives the trailing shape (and fails early).
        tail = block(X.head(1)).shape[1:]
        values = X.map_partitions(block, meta=np.empty((0, *tail)))
        # Row counts per partition are unknown until computed (nan chunks).
        return values if isinstance(values, da.Array) else values.to_dask_array()
    X = X.rechunk({1: -1}) if X.ndim == 2 else X
    tail = block(X[:1].compute()).shape[1:]
    chunks = (X.chunks[0], *((size,) for size in tail))
    new_axis = list(range(2, 1 + len(tail)))
    return da.map_blocks(
        block, X, dtype=np.float64, chunks=chunks, new_axis=new_axis or None
    )
