"""Look inside fitted models: weight summaries, gradients, importances, paths.

Every function takes a fitted skweights estimator (or a
:class:`~sklearn.pipeline.Pipeline` ending in one, whose final step is inspected) and
returns plain numpy/pandas objects; :mod:`skweights.plotting` draws them.

- :func:`layer_summary` — one row of statistics per weight matrix.
- :func:`diagnose_gradients` — per-epoch gradient norms from ``history_``, flags for
  vanishing and exploding gradients, and a verdict with suggestions (a
  :class:`GradientDiagnosis`, which prints the verdict above the table).
- :func:`weight_importance` — feature importances from the weights alone
  (``"coef"``, ``"olden"``, ``"garson"``).
- :func:`regularization_path` — coefficients along a grid of ``alpha``, fitted from
  strong to weak with warm starts, like :func:`sklearn.linear_model.lasso_path`.
"""

from __future__ import annotations

import html
import numbers
import textwrap
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import clone, is_classifier
from sklearn.exceptions import ConvergenceWarning

from . import losses, penalties
from ._pipeline import (
    feature_names,
    final_estimator,
    final_param,
    fitted_final,
    group_by_input,
    preprocessing,
)

__all__ = [
    "GradientDiagnosis",
    "LearningRateRange",
    "RegularizationPath",
    "diagnose_gradients",
    "layer_summary",
    "learning_rate_range",
    "regularization_path",
    "weight_importance",
]


# -- helpers -------------------------------------------------------------------------
def _is_linear(model: Any) -> bool:
    return len(model.coefs_) == 1 and not hasattr(model, "hidden_layer_sizes")


# -- layer_summary -------------------------------------------------------------------
def layer_summary(model: Any) -> pd.DataFrame:
    """Statistics of each layer's weight matrix, one row per layer.

    Only the weight matrices ``coefs_`` are summarized; intercepts are left out (they
    are never penalized and have no shape to speak of) except for their norm, in the
    ``intercept_norm`` column.

    Parameters
    ----------
    model : fitted estimator or Pipeline
        A fitted skweights estimator (or a pipeline ending in one).

    Returns
    -------
    summary : pandas.DataFrame
        Indexed by ``layer`` (0 is the first), with columns ``shape`` (``(n_in,
        n_out)``), ``n_params`` (weights only), ``n_zeros`` (entries exactly equal to
        0, as an L1 penalty produces), ``zero_fraction``, ``mean``, ``std``, ``min``,
        ``max``, ``l1_norm``, ``frobenius_norm``, ``spectral_norm`` (the largest
        singular value, ``np.linalg.norm(W, 2)``) and ``intercept_norm``.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from skweights import LinearRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = LinearRegressor(penalty="l1", alpha=0.1).fit(X, y)
    >>> summary = layer_summary(model)
    >>> summary.loc[0, "shape"], int(summary.loc[0, "n_zeros"])
    ((10, 1), 3)
    """
    model = fitted_final(model)
    rows = []
    for layer, (W, b) in enumerate(zip(model.coefs_, model.intercepts_)):
        W = np.asarray(W, dtype=np.float64)
        n_zeros = int(np.count_nonzero(W == 0))
        rows.append(
            {
                "layer": layer,
                "shape": tuple(W.shape),
                "n_params": int(W.size),
                "n_zeros": n_zeros,
                "zero_fraction": n_zeros / W.size,
                "mean": float(W.mean()),
                "std": float(W.std()),
                "min": float(W.min()),
                "max": float(W.max()),
                "l1_norm": float(np.abs(W).sum()),
                "frobenius_norm": float(np.linalg.norm(W)),
                "spectral_norm": float(np.linalg.norm(W, 2)),
                "intercept_norm": float(np.linalg.norm(b)),
            }
        )
    return pd.DataFrame(rows).set_index("layer")


# -- diagnose_gradients --------------------------------------------------------------
class GradientDiagnosis(pd.DataFrame):
    """What :func:`diagnose_gradients` returns: the per-epoch table and its verdict.

    A :class:`pandas.DataFrame` (one row per epoch) that also carries the summary:
    printing it, or showing it in a notebook, puts the verdict above the table.
    Frames derived from it (``.head()``, column selections...) are plain DataFrames.

    Parameters
    ----------
    data : pandas.DataFrame
        The per-epoch table.
    status : str
        ``"healthy"``, ``"vanishing"``, ``"exploding"`` or
        ``"vanishing and exploding"``.
    verdict : str
        A few sentences: what was found, and what to change.
    **kwargs
        Passed to :class:`pandas.DataFrame` (``index``, ``columns``...).

    Attributes
    ----------
    status : str
        The one-word summary (also in ``attrs["status"]``).
    verdict : str
        The sentences (also in ``attrs["verdict"]``).

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"grad_norm_0": [1.0, 0.9]})
    >>> result = GradientDiagnosis(table, status="healthy", verdict="Healthy.")
    >>> print(result)
    Healthy.
    <BLANKLINE>
       grad_norm_0
    0          1.0
    1          0.9
    """

    def __init__(
        self, data: Any = None, *, status: str = "", verdict: str = "", **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        if status:
            self.attrs.update(
                status=status,
                vanishing="vanishing" in status,
                exploding="exploding" in status,
                verdict=verdict,
            )

    @property
    def _constructor(self):
        return pd.DataFrame

    @property
    def status(self) -> str:
        """The one-word summary."""
        return self.attrs.get("status", "")

    @property
    def verdict(self) -> str:
        """What was found and what to change."""
        return self.attrs.get("verdict", "")

    def __repr__(self) -> str:
        text = textwrap.fill(self.verdict, width=80)  # as wide as pandas prints
        return f"{text}\n\n{super().__repr__()}" if text else super().__repr__()

    def _repr_html_(self) -> str | None:
        table = super()._repr_html_()
        if not self.verdict or table is None:
            return table
        return f"<p>{html.escape(self.verdict)}</p>\n{table}"


def diagnose_gradients(
    model: Any,
    *,
    vanishing_ratio: float = 1e-3,
    exploding_growth: float = 1e3,
) -> GradientDiagnosis:
    r"""Per-epoch gradient norms with flags for vanishing and exploding gradients.

    Reads ``model.history_`` (the Frobenius norm of each layer's weight gradient,
    averaged over the epoch's batches). With :math:`g_l(t)` the norm of layer
    :math:`l` at epoch :math:`t`, first and last the first and last trainable
    layers:

    - **vanishing** at epoch :math:`t` when the first layer's gradient is a tiny
      fraction of the last layer's, :math:`r(t) = g_{first}(t) / g_{last}(t) <`
      ``vanishing_ratio``, or when that ratio has fallen towards zero, by more than
      ``1 / vanishing_ratio`` below its value at the first epoch. The verdict says
      *vanishing* when this holds at the last finite epoch or in at least half of them.
    - **exploding** at epoch :math:`t` when a gradient norm is not finite (the loop
      records NaN for an epoch that diverged and marks it ``event="diverged"``) or a
      layer's norm (or the loss) has grown more than ``exploding_growth`` times above
      its value at the first epoch. The verdict says *exploding* when any epoch is
      flagged. A blow-up that happens entirely within the first epoch and stays
      finite (history starts after it) shows as huge but steady norms and is not
      flagged; the loss column of ``history_`` then tells.

    Both thresholds are ratios of gradient norms of the same network, so they do not
    depend on the scale of the data or of the loss. A linear model has one layer and
    can only explode.

    Parameters
    ----------
    model : fitted estimator or Pipeline
        A fitted skweights estimator (or a pipeline ending in one).
    vanishing_ratio : float, default=1e-3
        First-to-last gradient norm ratio under which gradients count as vanishing.
    exploding_growth : float, default=1e3
        Growth of a layer's gradient norm over its first-epoch value above which
        gradients count as exploding.

    Returns
    -------
    diagnosis : GradientDiagnosis
        A DataFrame indexed by ``epoch``; columns ``grad_norm_0`` ...
        ``grad_norm_{L-1}``, ``ratio`` (first over last trainable layer), ``growth``
        (largest growth of a layer's norm over its first-epoch value), ``event``, and
        the boolean flags ``vanishing`` and ``exploding``. ``diagnosis.status`` is
        ``"healthy"``, ``"vanishing"``, ``"exploding"`` or ``"vanishing and
        exploding"``; ``diagnosis.verdict`` says what was found and what to change;
        printing ``diagnosis`` (or showing it in a notebook) shows the verdict above
        the table. ``diagnosis.attrs`` holds the same summary (``"status"``,
        ``"verdict"``, and the bools ``"vanishing"`` and ``"exploding"``).

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.preprocessing import scale
    >>> from skweights import MLPRegressor
    >>> from skweights.initializers import random_normal
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = MLPRegressor(
    ...     (16,) * 8,
    ...     activation="logistic",
    ...     initializer=random_normal(stddev=0.01),
    ...     max_iter=5,
    ...     random_state=0,
    ... ).fit(scale(X), scale(y))
    >>> diagnosis = diagnose_gradients(model)
    >>> diagnosis.status
    'vanishing'
    >>> print(diagnosis.verdict)  # doctest: +ELLIPSIS
    Vanishing gradients: the first layer's gradient norm fell to ...
    """
    model = fitted_final(model)
    for name, value in (
        ("vanishing_ratio", vanishing_ratio),
        ("exploding_growth", exploding_growth),
    ):
        if not (isinstance(value, numbers.Real) and value > 0 and np.isfinite(value)):
            raise ValueError(
                f"diagnose_gradients: {name} must be a positive number; got {value!r}."
            )
    stats = _GradientStats.measure(model, vanishing_ratio, exploding_growth)
    return GradientDiagnosis(
        stats.table(), status=stats.status, verdict=_verdict(model, stats)
    )


_STATUS = {
    (False, False): "healthy",
    (True, False): "vanishing",
    (False, True): "exploding",
    (True, True): "vanishing and exploding",
}


@dataclass
class _GradientStats:
    """What :func:`diagnose_gradients` measures: one entry per epoch of history_."""

    epochs: pd.Index
    events: list
    norms: np.ndarray  # (n_epochs, n_layers); NaN where no norm was recorded
    first: int  # the first and last trainable layers
    last: int
    ratio: np.ndarray  # the first layer's norm over the last's
    growth: np.ndarray  # largest growth of a trainable layer's norm since the start
    ok: np.ndarray  # finite norms in an epoch that did not diverge
    vanishing: np.ndarray
    exploding: np.ndarray
    vanishing_ratio: float
    exploding_growth: float

    @classmethod
    def measure(cls, model, vanishing_ratio: float, exploding_growth: float):
        """The statistics of ``model.history_`` and the per-epoch flags."""
        history = list(model.history_)
        if not history:
            raise ValueError(
                "diagnose_gradients: the model has an empty history_; fit it first."
            )
        n_layers = len(model.coefs_)
        norms, recorded = _norm_rows(history, n_layers)
        events = [r.get("event") for r in history]
        diverged = np.array([e == "diverged" for e in events])
        trainable = _trainable_layers(model, n_layers)
        first, last = trainable[0], trainable[-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = norms[:, first] / norms[:, last]
        growth, finite_rows = _growth(norms[:, trainable])
        ok = finite_rows & ~diverged
        vanishing = ok & _below(ratio, ok, vanishing_ratio)
        if first == last:
            vanishing[:] = False  # one layer: nothing to vanish through
        loss_growth = _loss_growth(history, ok)
        exploding = (
            (recorded & ~finite_rows)
            | diverged
            | (np.nan_to_num(growth) > exploding_growth)
            | (np.nan_to_num(loss_growth) > exploding_growth)
        )
        return cls(
            epochs=pd.Index([r.get("epoch") for r in history], name="epoch"),
            events=events,
            norms=norms,
            first=first,
            last=last,
            ratio=ratio,
            growth=growth,
            ok=ok,
            vanishing=vanishing,
            exploding=exploding,
            vanishing_ratio=vanishing_ratio,
            exploding_growth=exploding_growth,
        )

    @property
    def is_vanishing(self) -> bool:
        """Vanishing at the last finite epoch, or in at least half of them."""
        finite_epochs = np.flatnonzero(self.ok)
        return bool(
            finite_epochs.size
            and (
                self.vanishing[finite_epochs[-1]]
                or self.vanishing[self.ok].mean() >= 0.5
            )
        )

    @property
    def is_exploding(self) -> bool:
        """Exploding in any epoch."""
        return bool(self.exploding.any())

    @property
    def status(self) -> str:
        """``"healthy"``, ``"vanishing"``, ``"exploding"`` or both."""
        return _STATUS[(self.is_vanishing, self.is_exploding)]

    def table(self) -> pd.DataFrame:
        """The per-epoch table :func:`diagnose_gradients` returns."""
        columns = [f"grad_norm_{layer}" for layer in range(self.norms.shape[1])]
        frame = pd.DataFrame(self.norms, columns=columns, index=self.epochs)
        frame["ratio"] = self.ratio
        frame["growth"] = self.growth
        frame["event"] = self.events
        frame["vanishing"] = self.vanishing
        frame["exploding"] = self.exploding
        return frame


def _norm_rows(history: list, n_layers: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-epoch gradient norms (NaN where none) and whether any was recorded.

    An epoch without gradient norms (e.g. the state at initialization) is not a
    non-finite one: it takes no part in the flags.
    """
    rows = [r.get("grad_norms") or [] for r in history]
    norms = np.array(
        [
            [np.nan if g is None else float(g) for g in row] or [np.nan] * n_layers
            for row in rows
        ],
        dtype=float,
    )
    recorded = np.array([any(g is not None for g in row) for row in rows])
    return norms, recorded


def _trainable_layers(model, n_layers: int) -> list[int]:
    frozen = _frozen_layers(model, n_layers)
    trainable = [layer for layer in range(n_layers) if layer not in frozen]
    if not trainable:
        raise ValueError(
            "diagnose_gradients: every layer is frozen, so no gradient was recorded."
        )
    return trainable


def _growth(norms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Largest growth of a layer's norm over the first finite epoch, and which
    epochs have finite norms in every layer."""
    finite_rows = np.isfinite(norms).all(axis=1)
    start = (
        norms[np.argmax(finite_rows)]
        if finite_rows.any()
        else np.full(norms.shape[1], np.nan)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.where(start > 0, norms / start, np.nan)
        growth = np.array(
            [r[~np.isnan(r)].max() if (~np.isnan(r)).any() else np.nan for r in growth]
        )
    return np.where(np.isfinite(growth), growth, np.nan), finite_rows


def _below(ratio: np.ndarray, ok: np.ndarray, vanishing_ratio: float) -> np.ndarray:
    """The ratio under the limit, or fallen that far below its first finite value."""
    ratio0 = ratio[np.argmax(ok)] if ok.any() else np.nan
    return (ratio < vanishing_ratio) | (
        np.isfinite(ratio0) & (ratio0 > 0) & (ratio < vanishing_ratio * ratio0)
    )


def _loss_growth(history: list, ok: np.ndarray) -> np.ndarray:
    """Each epoch's loss over the loss at the first finite epoch."""
    loss = np.array([r.get("loss", np.nan) for r in history], dtype=float)
    if not ok.any():
        return loss * np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        return loss / loss[np.argmax(ok)]


def _frozen_layers(model, n_layers: int) -> set[int]:
    frozen = getattr(model, "frozen_layers", ()) or ()
    if _is_linear(model):
        return set()  # frozen_layers=(0,) on a linear model only fixes coef_
    return {int(i) for i in frozen if 0 <= int(i) < n_layers}


def _verdict(model, stats: _GradientStats) -> str:
    """A few sentences: what was found, and what to change."""
    parts = []
    if stats.is_exploding:
        parts.append(_exploding_text(stats))
    if stats.is_vanishing:
        parts.append(_vanishing_text(model, stats))
    return " ".join(parts) if parts else _healthy_text(stats)


def _exploding_text(stats: _GradientStats) -> str:
    broken = ~stats.ok & stats.exploding  # diverged or non-finite
    if broken.any():
        epoch = stats.epochs[np.flatnonzero(broken)[0]]
        what = f"training diverged at epoch {epoch} (non-finite loss or gradients)"
    else:
        epoch = stats.epochs[int(np.nanargmax(stats.growth))]
        what = (
            f"by epoch {epoch} a layer's gradient norm had grown to "
            f"{np.nanmax(stats.growth):.3g} times its first-epoch value (the limit "
            f"is {stats.exploding_growth:g} times)"
        )
    return (
        f"Exploding gradients: {what}. Clip the gradients with the optimizer's "
        "global_clipnorm or clipnorm (e.g. optimizer=adam(global_clipnorm=1.0)), "
        "lower the learning rate (e.g. 10 times), use a smaller-variance "
        "initializer (glorot_uniform, or he_normal for ReLU), scale the features "
        "(StandardScaler), or use fewer layers."
    )


def _vanishing_text(model, stats: _GradientStats) -> str:
    worst = np.nanmin(np.where(stats.ok, stats.ratio, np.nan))
    activation = getattr(model, "activation", "identity")
    return (
        f"Vanishing gradients: the first layer's gradient norm fell to "
        f"{worst:.2g} times the last layer's (the limit is "
        f"{stats.vanishing_ratio:g}) through {len(model.coefs_)} layers of "
        f"{activation!r}, so the early layers barely learn. Use a "
        "variance-preserving initializer (he_normal for ReLU, glorot_uniform for "
        "tanh/logistic), a non-saturating activation such as relu, or fewer layers."
    )


def _healthy_text(stats: _GradientStats) -> str:
    finite = stats.ratio[stats.ok]
    if stats.first != stats.last and finite.size:
        detail = (
            "the first layer's gradient norm stays between "
            f"{np.nanmin(finite):.2g} and {np.nanmax(finite):.2g} times the last "
            "layer's"
        )
    else:
        detail = "the gradient norms stay finite"
    growth = stats.growth
    max_growth = np.nanmax(growth) if np.isfinite(growth).any() else 1.0
    if max_growth <= 1.0:
        growth_text = "no layer's gradient norm grew beyond its first-epoch value"
    else:
        growth_text = (
            "the largest gradient norm is "
            f"{max_growth:.2g} times the same layer's first-epoch value"
        )
    return f"Healthy gradients: {detail}, and {growth_text}."


# -- weight_importance ---------------------------------------------------------------
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


# -- regularization_path -------------------------------------------------------------
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
            if getattr(penalty, "separable", True)
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
    fit resolves them. The grid replaces ``alpha``, so any alpha will do."""
    entries = final.penalty
    if not isinstance(entries, (list, tuple)):
        entries = [entries]
    l1_ratio = float(getattr(final, "l1_ratio", 0.5))
    return [
        penalties.get("none" if entry is None else entry, alpha=1.0, l1_ratio=l1_ratio)
        for entry in entries
    ]


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


from ._lr_range import LearningRateRange, learning_rate_range  # noqa: E402
