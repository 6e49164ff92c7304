"""Gradient norms per epoch, read from ``history_``, and a verdict on them."""

from __future__ import annotations

import html
import numbers
import textwrap
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._base import frozen_layers
from .._pipeline import fitted_final
from ._layer_summary import _is_linear


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
    if _is_linear(model):
        return set()  # frozen_layers=(0,) on a linear model only fixes coef_
    return frozen_layers(model, n_layers)


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
