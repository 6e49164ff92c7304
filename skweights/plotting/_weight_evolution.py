"""plot_weight_evolution: each layer's weight distribution over the epochs.

Draws the records that ``record_weights`` adds to ``history_`` (see
``skweights._weight_record``) as TensorBoard draws its distributions: one panel per
layer, a heatmap of bins x epochs and lines for a few quantiles. Every bin is one
row of the same height, so the picture reads as a log scale of magnitudes on both
sides of zero, with a row of its own for the exact zeros. Re-exported by
:mod:`skweights.plotting`.
"""

from __future__ import annotations

import numbers
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import patheffects
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .._pipeline import fitted_final
from .._weight_record import (
    HIGH_EXPONENT,
    LEVELS,
    LOW_EXPONENT,
    WeightEvolution,
    bins_count,
)

# Colour of each quantile pair (q and 100 - q share one), solid lines throughout.
_COLORS = {
    50.0: "black",
    25.0: "tab:purple",
    5.0: "tab:red",
    1.0: "tab:orange",
    0.0: "magenta",
}
_ZERO_ROWS = 3  # the exact zeros (L1's) get a band three bins high
_TICK_SPACING_PT = 16.0  # between value ticks: a label with a superscript, and air


def plot_weight_evolution(
    model: Any,
    *,
    layers: Any = None,
    quantiles: Any = (5, 95),
    fig: Any = None,
) -> Any:
    """How each layer's weight distribution moves over the epochs.

    One panel per weight matrix (biases are not recorded): a heatmap whose columns
    are epochs and whose rows are the fixed bins of ``record_weights`` (magnitudes
    on a log scale on both sides of zero, and in the middle a band for the exact
    zeros, which an L1 penalty produces), coloured by the share of the layer's
    weights in each bin on a log scale, with the recorded quantiles drawn as lines.
    Weights that stay at zero stay in the middle band; weights that explode run
    away from it. Only the rows that ever hold a weight are shown.

    Parameters
    ----------
    model : fitted estimator or Pipeline
        A skweights estimator fitted with ``record_weights=True`` (or an int).
    layers : int or sequence of int, default=None
        Which weight matrices (0 is the first; negative counts from the end); all
        when None.
    quantiles : float or sequence of float, default=(5, 95)
        Percentiles to draw as lines, among the recorded 0, 1, 5, 25, 50, 75, 95,
        99 and 100; ``()`` draws none. The default marks the tails; the median
        (50) of a distribution symmetric around zero jumps between the two sides.
    fig : matplotlib Figure or SubFigure, default=None
        Where to draw (it should be empty); a new figure, 7.5 inches wide and taller
        for more layers, when None. A Figure without a layout engine is switched to
        constrained layout.

    Returns
    -------
    fig : matplotlib Figure or SubFigure
        With one Axes per layer drawn (``fig.axes[:n]``, first layer on top), then
        the colorbar's Axes.

    Raises
    ------
    ValueError
        If the model was fitted without ``record_weights``, or ``layers`` or
        ``quantiles`` name something that was not recorded.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from skweights import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> model = MLPClassifier((8,), max_iter=20, record_weights=True,
    ...                       random_state=0).fit(X, y)
    >>> fig = plot_weight_evolution(model)
    >>> [ax.get_title() for ax in fig.axes[:2]]
    ['layer 0 (32 weights)', 'output layer (24 weights)']
    """
    model = fitted_final(model)
    evolution = _evolution(model)
    n_layers = evolution.counts.shape[1]
    chosen = _chosen_layers(layers, n_layers)
    levels = _chosen_levels(quantiles)
    if fig is None:
        height = float(np.clip(1.3 + 1.9 * len(chosen), 3.2, 9.0))
        fig = plt.figure(figsize=(7.5, height), layout="constrained")
    elif isinstance(fig, Figure) and fig.get_layout_engine() is None:
        fig.set_layout_engine("constrained")
    axes = np.atleast_1d(fig.subplots(len(chosen), 1, sharex=True))
    norm = _share_norm(evolution, chosen)
    for ax, layer in zip(axes, chosen):
        mesh = _heatmap(ax, evolution, layer, norm)
        _quantile_lines(ax, evolution, layer, levels)
        n_weights = int(evolution.counts[0, layer].sum())
        name = "output layer" if layer == n_layers - 1 else f"layer {layer}"
        ax.set_title(f"{name} ({n_weights} weights)", fontsize="medium")
        ax.set_ylabel("weight")
    axes[-1].set_xlabel("epoch")
    axes[-1].xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.colorbar(mesh, ax=list(axes), label="share of the layer's weights")
    if levels:
        handles = [line for line in axes[0].get_lines() if line.get_label() != "_pair"]
        fig.legend(
            handles=handles,
            loc="outside lower center",
            ncols=len(handles),
            fontsize="small",
        )
    fig.suptitle(f"Weight distributions over training: {type(model).__name__}")
    return fig


def _evolution(model: Any) -> WeightEvolution:
    history = getattr(model, "history_", None)
    if history is None:
        raise ValueError(
            "plot_weight_evolution: the model is not fitted (it has no history_); "
            "fit it with record_weights=True first."
        )
    try:
        return history.weight_evolution()
    except ValueError as error:
        raise ValueError(f"plot_weight_evolution: {error}") from None


def _chosen_layers(layers: Any, n_layers: int) -> list[int]:
    if layers is None:
        return list(range(n_layers))
    chosen = [layers] if isinstance(layers, numbers.Integral) else list(layers)
    bad = [
        layer
        for layer in chosen
        if not isinstance(layer, numbers.Integral) or not -n_layers <= layer < n_layers
    ]
    if bad or not chosen:
        raise ValueError(
            f"plot_weight_evolution: layers={layers!r} names no layer or layers that "
            f"do not exist; the model has layers 0..{n_layers - 1}."
        )
    return [int(layer) % n_layers for layer in chosen]


def _chosen_levels(quantiles: Any) -> list[float]:
    if isinstance(quantiles, numbers.Real):
        quantiles = [quantiles]
    levels = [float(q) for q in quantiles]
    unknown = [q for q in levels if q not in LEVELS]
    if unknown:
        raise ValueError(
            f"plot_weight_evolution: quantiles {unknown} were not recorded; choose "
            f"among the recorded percentiles {[int(q) for q in LEVELS]}."
        )
    return sorted(set(levels))


def _share_norm(evolution: WeightEvolution, chosen: list[int]) -> LogNorm:
    """One log colour scale for every panel: the share of a layer's weights."""
    counts = evolution.counts[:, chosen, :].astype(float)
    shares = counts / counts.sum(axis=2, keepdims=True)
    smallest = shares[shares > 0].min()
    return LogNorm(vmin=min(smallest, 0.1), vmax=1.0)


def _epoch_grid(epochs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cell edges of the epochs from the first to the last; each record's column."""
    first = int(epochs.min())
    n_columns = int(epochs.max()) - first + 1
    return first - 0.5 + np.arange(n_columns + 1), epochs - first


def _heatmap(ax, evolution: WeightEvolution, layer: int, norm: LogNorm):
    """The bins x epochs shares, cropped to the rows that ever hold a weight."""
    counts = evolution.counts[:, layer, :].astype(float)
    shares = counts / counts.sum(axis=1, keepdims=True)
    x_edges, columns = _epoch_grid(evolution.epochs)
    n_bins = counts.shape[1]
    image = np.full((n_bins, len(x_edges) - 1), np.nan)
    image[:, columns] = shares.T
    image[image == 0] = np.nan  # empty bins stay blank
    row_edges = _row_edges(evolution.bins_per_decade)
    mesh = ax.pcolormesh(
        x_edges, row_edges, np.ma.masked_invalid(image), cmap="YlGnBu", norm=norm
    )
    zero_bin = n_bins // 2
    occupied = np.flatnonzero(counts.sum(axis=0) > 0)
    low = row_edges[max(0, min(occupied.min(), zero_bin) - 1)]
    high = row_edges[min(n_bins, max(occupied.max(), zero_bin) + 2)]
    ax.set_ylim(low, high)
    ax.set_xlim(x_edges[0], x_edges[-1])
    _value_ticks(ax, evolution.bins_per_decade, low, high)
    return mesh


def _row_edges(bins_per_decade: int) -> np.ndarray:
    """The heatmap's row edges: one row per bin, ``_ZERO_ROWS`` for the zeros."""
    heights = np.ones(bins_count(bins_per_decade))
    heights[len(heights) // 2] = _ZERO_ROWS
    return np.concatenate([[0.0], np.cumsum(heights)])


def _rows(values: np.ndarray, bins_per_decade: int) -> np.ndarray:
    """Where values lie on the heatmap's row axis (see :func:`_row_edges`).

    Magnitudes between the first and the last edge map linearly in their logarithm;
    smaller non-zero ones go to the middle of the underflow row, larger ones to the
    middle of the overflow row, zeros to the middle of the zero rows.
    """
    top = (HIGH_EXPONENT - LOW_EXPONENT) * bins_per_decade  # magnitude bins per side
    first = top + 3 + _ZERO_ROWS  # where the positive edge 10**LOW_EXPONENT lies
    with np.errstate(divide="ignore"):
        rows = first + bins_per_decade * (np.log10(np.abs(values)) - LOW_EXPONENT)
    rows = np.clip(rows, first - 0.5, first + top + 0.5)
    total = 2 * top + 4 + _ZERO_ROWS
    rows = np.where(values < 0, total - rows, rows)
    return np.where(values == 0, total / 2, rows)


def _value_ticks(ax, bins_per_decade: int, low: float, high: float) -> None:
    """Ticks at 0 and at powers of ten, as many as the panel's height allows.

    Ticks are at least ``_TICK_SPACING_PT`` apart (the zero tick included), every
    ``step``-th decade counted from the largest magnitude shown.
    """
    height_pt = ax.get_window_extent().height * 72 / ax.figure.dpi
    min_rows = (high - low) * _TICK_SPACING_PT / max(height_pt, 1.0)
    step = max(1, int(np.ceil(min_rows / bins_per_decade)))
    exponents = np.arange(HIGH_EXPONENT, LOW_EXPONENT - 1, -1)
    zero = _rows(np.zeros(1), bins_per_decade)[0]
    rows = _rows(10.0**exponents, bins_per_decade)
    inside = (rows >= low) & (rows <= high) & (rows - zero >= min_rows)
    shown = exponents[inside][::step]
    ticks, labels = [zero], ["0"]
    for sign, prefix in ((1.0, ""), (-1.0, "-")):
        for exponent in shown:
            row = _rows(np.array([sign * 10.0**exponent]), bins_per_decade)[0]
            if low <= row <= high:
                ticks.append(row)
                labels.append(f"${prefix}10^{{{exponent}}}$")
    order = np.argsort(ticks)
    ax.set_yticks(np.array(ticks)[order], [labels[i] for i in order])


def _quantile_lines(ax, evolution: WeightEvolution, layer: int, levels) -> None:
    """One line per percentile; ``q`` and ``100 - q`` share a colour and a label."""
    for level in levels:
        column = LEVELS.index(level)
        rows = _rows(evolution.quantiles[:, layer, column], evolution.bins_per_decade)
        pair = min(level, 100.0 - level)
        if level == 50:
            label = "median"
        elif 100.0 - level in levels:
            label = f"{pair:g}% and {100 - pair:g}% quantiles"
        else:
            label = f"{level:g}% quantile"
        ax.plot(
            evolution.epochs,
            rows,
            color=_COLORS[pair],
            linewidth=1.4,
            marker="." if len(rows) == 1 else None,
            # a white outline keeps the line visible on the darkest bins
            path_effects=[patheffects.withStroke(linewidth=3, foreground="white")],
            # the second line of a pair stays out of the legend
            label=label if level <= 50 or 100.0 - level not in levels else "_pair",
        )
