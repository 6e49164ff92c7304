"""Fits along a grid of ``alpha``, strong to weak, with warm starts."""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import clone, is_classifier
from sklearn.exceptions import ConvergenceWarning

from .. import losses
from .._pipeline import feature_names, final_estimator, final_param, preprocessing
from ._layer_summary import _is_linear


@dataclass
class RegularizationPath:
    """The result of :func:`regularization_path`.

    Attributes
    ----------
    alphas : ndarray of shape (n_alphas,)
        The penalty strengths, from strong to weak (decreasing).
    coefs : ndarray or None
        Linear models: the coefficients at each alpha with ``coef_``'s shape plus a
        trailing alpha axis, so ``(n_features, n_alphas)`` for a single output (as
        :func:`sklearn.linear_model.lasso_path`) and ``(n_outputs, n_features,
        n_alphas)`` for several outputs and for classifiers. ``None`` for MLPs.
    intercepts : ndarray
        The intercept (of the output layer) at each alpha, shape ``(n_alphas,)`` or
        ``(n_outputs, n_alphas)``.
    n_nonzero : ndarray of int of shape (n_alphas,)
        Number of weights (all layers) that are not exactly zero at each alpha.
    n_features_selected : ndarray of int of shape (n_alphas,)
        Number of input features in use at each alpha: those whose row of the first
        weight matrix is not entirely zero (the fitted ``n_features_selected_``).
    n_iter : ndarray of int of shape (n_alphas,)
        Epochs or solver iterations of each fit.
    weights : list of list of ndarray
        ``coefs_`` (every layer) at each alpha.
    layer_intercepts : list of list of ndarray
        ``intercepts_`` (every layer) at each alpha: with ``weights``, the whole
        network, e.g. to predict held-out data at each alpha.
    feature_names : list of str
        Input feature names.
    converged : ndarray of bool of shape (n_alphas,)
        Whether each fit converged (no ConvergenceWarning).
    output_names : list of str or None
        A classifier's classes, one per output (a binary one has a single output,
        the margin of its second class, named ``"B (vs A)"``); None for
        regressors.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from skweights import LinearRegressor
    >>> from skweights.inspection import regularization_path
    >>> X, y = load_diabetes(return_X_y=True)
    >>> path = regularization_path(LinearRegressor(penalty="l1"), X, y, [1.0, 0.1])
    >>> path.coefs.shape, path.n_nonzero.tolist()
    ((10, 2), [3, 7])
    >>> path
    RegularizationPath(2 alphas from 1 to 0.1, linear: 10 features x 1 output;
      non-zero weights 3 -> 7; all 2 fits converged)
    >>> path.to_frame().iloc[:, :5]
       alpha  n_nonzero  n_features_selected  n_iter  converged
    0    1.0          3                    3       8       True
    1    0.1          7                    7      14       True
    """

    alphas: np.ndarray
    coefs: np.ndarray | None
    intercepts: np.ndarray
    n_nonzero: np.ndarray
    n_features_selected: np.ndarray
    n_iter: np.ndarray
    weights: list = field(repr=False)
    feature_names: list = field(repr=False)
    converged: np.ndarray = field(repr=False)
    layer_intercepts: list = field(repr=False, default_factory=list)
    output_names: list | None = field(repr=False, default=None)

    def __repr__(self) -> str:
        """A few lines: the grid, the model's shape, sparsity and convergence."""
        n = self.alphas.size
        grid = f"{n} alpha{'s' if n != 1 else ''} from {self.alphas[0]:.3g}"
        grid += f" to {self.alphas[-1]:.3g}" if n > 1 else ""
        n_out = self.weights[-1][-1].shape[1] if self.weights else 0
        outputs = f"{n_out} output{'s' if n_out != 1 else ''}"
        if self.output_names and n_out > 1:
            outputs += f" ({', '.join(self.output_names)})"
        kind = (
            "linear"
            if self.coefs is not None
            else f"MLP, {len(self.weights[0])} layers"
        )
        n_bad = int(np.sum(~self.converged))
        fits = (
            f"all {n} fits converged"
            if not n_bad
            else f"{n_bad} of {n} fits did not converge"
        )
        return (
            f"RegularizationPath({grid}, {kind}: {len(self.feature_names)} features "
            f"x {outputs};\n  non-zero weights {self.n_nonzero[0]} -> "
            f"{self.n_nonzero[-1]}; {fits})"
        )

    def to_frame(self) -> pd.DataFrame:
        """The path as a table, one row per alpha (strong to weak).

        Returns
        -------
        frame : pandas.DataFrame
            Columns ``alpha``, ``n_nonzero``, ``n_features_selected``, ``n_iter``
            and ``converged`` (the attributes of the same names); then, for a
            linear model, ``intercept`` and ``coef[<feature>]`` per input feature
            (with several outputs ``intercept[<output>]`` and ``coef[<output>,
            <feature>]``, outputs named by ``output_names``, else by their
            index); for an MLP,
            ``weight_norm_<layer>``, the Frobenius norm of each weight matrix
            (as in ``history_.to_frame()``).
        """
        frame = pd.DataFrame(
            {
                "alpha": self.alphas,
                "n_nonzero": self.n_nonzero,
                "n_features_selected": self.n_features_selected,
                "n_iter": self.n_iter,
                "converged": self.converged,
            }
        )
        if self.coefs is None:
            for layer in range(len(self.weights[0])):
                norms = [np.linalg.norm(ws[layer]) for ws in self.weights]
                frame[f"weight_norm_{layer}"] = norms
            return frame
        coefs = self.coefs if self.coefs.ndim == 3 else self.coefs[None]
        intercepts = np.reshape(self.intercepts, (coefs.shape[0], -1))
        outputs = self.output_names or [str(k) for k in range(coefs.shape[0])]
        single = self.coefs.ndim == 2
        columns = {}
        for k, name in enumerate(outputs):
            columns["intercept" if single else f"intercept[{name}]"] = intercepts[k]
            for j, feature in enumerate(self.feature_names):
                key = f"coef[{feature}]" if single else f"coef[{name}, {feature}]"
                columns[key] = coefs[k, j]
        return pd.concat([frame, pd.DataFrame(columns)], axis=1)


def regularization_path(
    estimator: Any,
    X: Any,
    y: Any,
    alphas: Any = None,
    *,
    n_alphas: int = 100,
    eps: float = 1e-3,
    warm_start: bool = True,
    **fit_params: Any,
) -> RegularizationPath:
    r"""Fit an estimator along a grid of ``alpha`` with warm starts.

    The estimator is cloned, given ``warm_start=True``, then for each alpha from the
    largest to the smallest ``set_params(alpha=a)`` and ``fit``: each fit starts from
    the previous solution (and, for minibatch optimizers, the optimizer's state),
    which is close, so the whole path costs less than independent fits. Convex
    models (linear, any penalty) reach the same coefficients as independent fits.

    - ``LinearRegressor`` on its coordinate-descent or direct solver (``optimizer=
      "auto"``, ``"cd"`` or ``"direct"``) is solved in one pass over the grid: the
      data is validated, centred and its Gram matrix computed once, and coordinate
      descent warm-starts from alpha to alpha exactly as
      :func:`sklearn.linear_model.enet_path` (same iterates, same non-zero counts).
    - MLPs are fitted from the *weakest* penalty to the strongest when warm
      starting (the result is still listed strong to weak): a network that a strong
      penalty zeroed is a stationary point from which warm starts cannot bring
      weights back, while a trained network is pruned as the penalty grows.

    The default grid follows :func:`sklearn.linear_model.lasso_path`: ``n_alphas``
    values evenly spaced in log scale from :math:`\alpha_{max}` down to
    ``eps * alpha_max``. For a penalty with an L1 part, :math:`\alpha_{max} =
    \max_j |X_{:,j}^\top r| / (n \cdot \mathrm{l1\_ratio})` is the smallest alpha at
    which every coefficient is zero, with :math:`r` the residual (regression) or the
    log-loss gradient (classification) of the intercept-only model, which is what
    centring ``X`` and ``y`` does in ``lasso_path`` when ``fit_intercept`` (the grid
    starts a relative 1e-9 above it, so solver rounding cannot leave a 1e-15
    coefficient at the first alpha); MLPs use the same value as a scale. For the
    group penalty (``"group_l1"``), which zeroes a feature's whole row,
    :math:`\alpha_{max} = \max_j \lVert X_{:,j}^\top R \rVert_2 / n` with
    :math:`R` the residuals of every output (scikit-learn's grid for
    :class:`~sklearn.linear_model.MultiTaskLasso`). For other
    penalties there is no such point; the grid then starts at ten times
    the largest eigenvalue of the (centred) feature covariance, where an L2 penalty
    shrinks every direction of a linear model at least 11-fold.

    **Feature selection in an MLP** (a group penalty on the input layer, e.g.
    ``penalty=["group_l1", L2(1e-2)]``, whose L2 object keeps its own alpha while
    the path varies the group's): no alpha zeroes the input layer for
    certain, since the later layers can grow to make up for it, so the default
    grid is that of a linear model, and past its top the warm-started network is
    fitted at ever larger alphas (times the grid's ratio, at most ``n_alphas``
    more) until it uses no input feature. The path then runs from zero selected
    features at its largest alpha (added first to ``alphas``) to, typically, all
    of them at ``eps * alpha_max``; ``n_features_selected`` counts them.

    Parameters
    ----------
    estimator : estimator or Pipeline
        An unfitted (or fitted; it is cloned) skweights estimator with an ``alpha``
        parameter, or a pipeline ending in one (``alpha`` is set on the last step,
        whose coefficients are recorded). A penalty given as an object gets
        ``penalty__alpha`` instead.
    X : array-like of shape (n_samples, n_features)
        Training data.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Targets.
    alphas : array-like, default=None
        Penalty strengths; sorted decreasing before fitting (the result lists them
        in that order). ``None`` builds the default grid.
    n_alphas : int, default=100
        Size of the default grid.
    eps : float, default=1e-3
        ``alpha_min / alpha_max`` of the default grid.
    warm_start : bool, default=True
        Start each fit from the previous alpha's solution. ``False`` fits each alpha
        from scratch (to compare timings).
    **fit_params
        Passed to every ``fit`` call (e.g. ``sample_weight``).

    Returns
    -------
    path : RegularizationPath
        ``alphas``, ``coefs`` (``(n_features, n_alphas)`` for a single-output linear
        model), ``intercepts``, ``n_nonzero``, ``n_features_selected``,
        ``n_iter``, ``weights``, ``layer_intercepts``,
        ``feature_names`` and ``converged``. Fits that did not converge raise one
        ConvergenceWarning at the end, not one per alpha.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from skweights import LinearRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> path = regularization_path(LinearRegressor(penalty="l1"), X, y, n_alphas=5)
    >>> path.coefs.shape
    (10, 5)
    >>> path.n_nonzero.tolist()
    [0, 4, 7, 9, 10]
    """
    _check_grid(n_alphas, eps)
    model = clone(estimator)
    final = final_estimator(model)
    if not hasattr(final, "alpha"):
        raise ValueError(
            f"regularization_path: {type(final).__name__} has no 'alpha' parameter; "
            "pass a skweights estimator."
        )
    extend = alphas is None and _selects_features(final)
    if alphas is None:
        alphas = _default_alphas(model, X, y, n_alphas, eps)
    alphas = _sorted_alphas(alphas)
    model.set_params(**{final_param(model, "warm_start"): warm_start})
    fits = _solver_path(model, X, y, alphas, warm_start, fit_params)
    if fits is None:
        fits = _fit_each(model, X, y, alphas, warm_start, fit_params, extend)
        alphas = np.concatenate([fits.extra[::-1], alphas])
    converged = np.array(fits.converged)
    if not converged.all():
        warnings.warn(
            f"regularization_path: {int((~converged).sum())} of {alphas.size} fits "
            "did not converge (see path.converged); raise max_iter or tol.",
            ConvergenceWarning,
            stacklevel=2,
        )
    return fits.result(alphas)


def _check_grid(n_alphas: Any, eps: Any) -> None:
    if isinstance(n_alphas, bool) or not (
        isinstance(n_alphas, numbers.Integral) and n_alphas >= 1
    ):
        raise ValueError(
            f"regularization_path: n_alphas must be a positive integer; got "
            f"{n_alphas!r}."
        )
    if not (isinstance(eps, numbers.Real) and 0 < eps <= 1):
        raise ValueError(f"regularization_path: eps must be in (0, 1]; got {eps!r}.")


def _sorted_alphas(alphas: Any) -> np.ndarray:
    alphas = np.sort(np.asarray(alphas, dtype=np.float64).ravel())[::-1]
    if alphas.size == 0 or not np.isfinite(alphas).all() or (alphas < 0).any():
        raise ValueError(
            "regularization_path: alphas must be a non-empty list of finite, "
            "non-negative numbers."
        )
    return alphas


@dataclass
class _Fits:
    """The fits along the grid, from strong to weak penalty, before assembly."""

    weights: list = field(default_factory=list)  # coefs_ (every layer) per alpha
    intercepts: list = field(default_factory=list)  # the output layer's, per alpha
    biases: list = field(default_factory=list)  # intercepts_ (every layer) per alpha
    n_iter: list = field(default_factory=list)
    converged: list = field(default_factory=list)
    linear: bool = False
    single: bool = False  # a linear model with one output: coef_ is 1-D
    names: list = field(default_factory=list)
    extra: list = field(default_factory=list)  # alphas fitted past the grid's top
    classes: Any = None  # a classifier's classes_

    def add(self, step: Any, converged: bool) -> None:
        """Record a fitted estimator's weights."""
        self.weights.append([W.copy() for W in step.coefs_])
        self.intercepts.append(step.intercepts_[-1].copy())
        self.biases.append([b.copy() for b in step.intercepts_])
        self.n_iter.append(step.n_iter_)
        self.converged.append(converged)

    def reverse(self) -> None:
        """Reverse the order of the recorded fits."""
        for values in (
            self.weights,
            self.intercepts,
            self.biases,
            self.n_iter,
            self.converged,
        ):
            values.reverse()

    def result(self, alphas: np.ndarray) -> RegularizationPath:
        """The :class:`RegularizationPath` of these fits."""
        coefs = None
        intercept_path = np.array(self.intercepts).T
        if self.linear:
            # (n_features, n_outputs, n_alphas)
            coefs = np.stack([W[0] for W in self.weights], axis=-1)
            coefs = coefs[:, 0, :] if self.single else np.transpose(coefs, (1, 0, 2))
            if self.single:
                intercept_path = intercept_path[0]
        n_nonzero = [sum(int(np.count_nonzero(W)) for W in ws) for ws in self.weights]
        selected = [int(np.any(ws[0] != 0, axis=1).sum()) for ws in self.weights]
        return RegularizationPath(
            alphas=alphas,
            coefs=coefs,
            intercepts=intercept_path,
            n_nonzero=np.array(n_nonzero),
            n_features_selected=np.array(selected),
            n_iter=np.array(self.n_iter),
            weights=self.weights,
            feature_names=self.names,
            converged=np.array(self.converged),
            layer_intercepts=self.biases,
            output_names=self._output_names(),
        )

    def _output_names(self) -> list | None:
        n_out = self.weights[0][-1].shape[1]
        if self.classes is not None:
            classes = [str(c) for c in self.classes]
            if n_out == 1 and len(classes) == 2:  # the margin of the second class
                return [f"{classes[1]} (vs {classes[0]})"]
            return classes if n_out == len(classes) else None
        return None


def _solver_path(model, X, y, alphas, warm_start: bool, fit_params: dict):
    """One warm-started solver path (coordinate descent) for squared-loss linear
    models, as :func:`sklearn.linear_model.enet_path`; None if the model has none."""
    final = final_estimator(model)
    if not warm_start or not hasattr(final, "_solve_path"):
        return None
    if set(fit_params) - {"sample_weight"} or not isinstance(final.penalty, str):
        return None
    prefix = preprocessing(model)
    if prefix is not None:
        X = prefix.fit_transform(X, y)
    solved = final._solve_path(X, y, alphas, fit_params.get("sample_weight"))
    if solved is None:
        return None
    path, single = solved
    return _Fits(
        weights=[[W] for W, _, _, _ in path],
        intercepts=[b for _, b, _, _ in path],
        biases=[[b] for _, b, _, _ in path],
        n_iter=[n for _, _, n, _ in path],
        converged=[ok for _, _, _, ok in path],
        linear=True,
        single=single,
        names=feature_names(model, path[0][0].shape[0]),
    )


def _alpha_param(model) -> str:
    """The parameter the path sets: a penalty object keeps its own alpha, which
    would override the estimator's; a per-layer list's names follow the
    estimator's alpha."""
    by_name = isinstance(final_estimator(model).penalty, (str, list, tuple))
    return final_param(model, "alpha" if by_name else "penalty__alpha")


def _fit_each(
    model,
    X,
    y,
    alphas,
    warm_start: bool,
    fit_params: dict,
    extend: bool = False,
    later_max_iter: int | None = None,
) -> _Fits:
    """Fit once per alpha (warm-started unless told otherwise).

    Linear models go from strong to weak penalty. Warm-started MLPs go from weak to
    strong: a network whose weights a strong penalty zeroed is a stationary point
    (no gradient reaches a layer whose successor is zero), so warm starts down from
    it would stay at zero; from a trained network, a stronger penalty prunes it.
    With ``extend``, they go on past the grid's top until no feature is left.
    ``later_max_iter`` (warm starts only) caps the epochs of every fit after the
    first, which starts from its neighbour's solution.
    """
    final = final_estimator(model)
    alpha_param = _alpha_param(model)
    weak_first = warm_start and hasattr(final, "hidden_layer_sizes")
    order = alphas[::-1] if weak_first else alphas
    fits = _Fits()
    for step, alpha in enumerate(order):
        fitted = model if warm_start else clone(model)
        fitted.set_params(**{alpha_param: float(alpha)})
        if warm_start and step == 1 and later_max_iter is not None:
            fitted.set_params(
                **{alpha_param[: -len("alpha")] + "max_iter": later_max_iter}
            )
        converged = _fit_converged(fitted, X, y, fit_params)
        fits.add(final_estimator(fitted), converged)
    if weak_first and extend:
        _raise_until_empty(model, X, y, alphas, fits, fit_params)
    if weak_first:
        fits.reverse()
    step = final_estimator(fitted)
    fits.linear = _is_linear(step)
    fits.single = fits.linear and np.ndim(step.coef_) == 1
    fits.names = feature_names(fitted, fits.weights[0][0].shape[0])
    fits.classes = getattr(step, "classes_", None)
    return fits


def _raise_until_empty(model, X, y, alphas, fits: _Fits, fit_params: dict) -> None:
    """Past the grid's strongest alpha, multiply alpha by the grid's ratio (at most
    ``len(alphas)`` times) until the warm-started network uses no input feature."""
    ratio = alphas[0] / alphas[1] if alphas.size > 1 and alphas[1] > 0 else 10.0
    alpha_param, alpha = _alpha_param(model), float(alphas[0])
    for _ in range(alphas.size):
        if not np.any(fits.weights[-1][0] != 0):
            return
        alpha *= ratio
        model.set_params(**{alpha_param: alpha})
        fits.add(final_estimator(model), _fit_converged(model, X, y, fit_params))
        fits.extra.append(alpha)


def _fit_converged(model, X, y, fit_params: dict) -> bool:
    """Fit ``model``; whether it converged (no ConvergenceWarning, which is kept
    back: the path warns once for all alphas)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X, y, **fit_params)
    for w in caught:  # re-raise everything but the per-alpha convergence notes
        if not issubclass(w.category, ConvergenceWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return not any(issubclass(w.category, ConvergenceWarning) for w in caught)


def _default_alphas(model, X, y, n_alphas: int, eps: float) -> np.ndarray:
    """lasso_path's grid: log-spaced from alpha_max down to eps * alpha_max."""
    final = final_estimator(model)
    prefix = preprocessing(model)
    if prefix is not None:
        X = clone(prefix).fit_transform(X, y)
    if sp.issparse(X):
        X = X.toarray()  # the grid needs X^T r once; paths are for modest data
    X = np.asarray(X, dtype=np.float64)
    n = X.shape[0]
    fit_intercept = bool(getattr(final, "fit_intercept", True))
    penalty = _grid_penalty(final)
    if penalty is not None:
        residual = _intercept_only_residual(final, y, n, fit_intercept)
        correlations = X.T @ residual  # (n_features, n_outputs)
        # A group penalty zeroes a feature's whole row: the row's norm decides.
        scores = (
            np.abs(correlations)
            if getattr(penalty, "separable", False)
            else np.linalg.norm(correlations, axis=1)
        )
        alpha_max = scores.max() / (n * float(penalty.l1_ratio))
        # A hair above the exact value, so the solver's rounding cannot leave a
        # 1e-15 coefficient where every coefficient is zero in exact arithmetic.
        alpha_max *= 1 + 1e-9
    else:
        Xc = X - X.mean(axis=0) if fit_intercept else X
        alpha_max = 10 * np.linalg.norm(Xc, 2) ** 2 / n
    if not alpha_max > 0:
        alpha_max = 1.0  # constant target or features: any grid gives zeros
    return alpha_max * np.logspace(0, np.log10(eps), n_alphas)


def _layer_penalties(final: Any) -> list:
    """The estimator's penalty per entry (one, or one per layer), resolved as its
    fit resolves them (``_resolve_penalty``). The grid replaces ``alpha``, so any
    alpha will do."""
    resolved = clone(final).set_params(alpha=1.0)._resolve_penalty()
    return list(resolved) if isinstance(resolved, tuple) else [resolved]


def _grid_penalty(final: Any) -> Any:
    """The penalty that sets the grid: the first one with an L1 part (with
    per-layer penalties, the first such layer's), or None if all are smooth."""
    for penalty in _layer_penalties(final):
        if not penalty.smooth and float(getattr(penalty, "l1_ratio", 0.0)) > 0:
            return penalty
    return None


def _selects_features(final: Any) -> bool:
    """Whether an MLP's input layer has a penalty that zeroes whole rows (not
    separable, such as ``"group_l1"``): its path runs until no feature is left."""
    if not hasattr(final, "hidden_layer_sizes"):
        return False
    first = _layer_penalties(final)[0]
    return not first.smooth and not getattr(first, "separable", True)


def _intercept_only_residual(final, y, n: int, fit_intercept: bool) -> np.ndarray:
    """Minus the loss gradient w.r.t. the raw output at zero weights, per output."""
    if is_classifier(final) and np.ndim(y) == 2 and np.shape(y)[1] > 1:
        Y = np.asarray(y, dtype=np.float64)  # multilabel: one logistic per label
        return Y - (Y.mean(axis=0) if fit_intercept else 0.5)
    if is_classifier(final):
        classes, codes = np.unique(np.asarray(y), return_inverse=True)
        Y = np.eye(len(classes))[codes]
        if len(classes) == 2:
            Y = Y[:, 1:]
            base = Y.mean(axis=0) if fit_intercept else np.full(1, 0.5)
        else:
            base = (
                Y.mean(axis=0)
                if fit_intercept
                else np.full(len(classes), 1 / len(classes))
            )
        return Y - base
    Y = np.asarray(y, dtype=np.float64).reshape(n, -1)
    loss = losses.get(getattr(final, "loss", "squared_error"))
    if loss.output_activation == "identity":
        raw = Y.mean(axis=0) if fit_intercept else np.zeros(Y.shape[1])
    else:  # log link: the intercept-only fit predicts the mean
        raw = np.log(Y.mean(axis=0)) if fit_intercept else np.zeros(Y.shape[1])
    return -loss.gradient(Y, np.broadcast_to(raw, Y.shape))
