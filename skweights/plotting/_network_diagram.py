"""The network drawn from its weights: :func:`plot_network` (re-exported by plotting).

Layers are columns of nodes; each non-zero weight is a line between two nodes (at
most 500 lines by default, the largest weights), red when positive and blue when
negative, wider and more opaque the larger its magnitude: the "weights as
connection strengths" picture of NeuralNetTools' ``plotnet`` (Beck, 2018) for any
skweights estimator.
"""

from __future__ import annotations

import numbers
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba_array
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import offset_copy

from .._base import frozen_layers
from .._pipeline import feature_names, fitted_final

_POSITIVE = "tab:red"  # the colours of plot_coefficients' bars
_NEGATIVE = "tab:blue"
_MIN_ALPHA, _MAX_WIDTH = 0.15, 3.5
_FROZEN = "0.88"
_MAX_EDGES = 500  # the default: more lines than this are a tangle at any size


def plot_network(
    model: Any,
    *,
    top_k: int | None = None,
    max_edges: int | None = _MAX_EDGES,
    ax: Any = None,
) -> Any:
    """Draw the network from its weights: nodes in columns, weights as lines.

    Each layer is a column of nodes, from the input features (labelled with their
    names) on the left to the outputs (labelled with the class names of a
    classifier) on the right. Every non-zero weight ``coefs_[i][j, k]`` is a line
    from node ``j`` of column ``i`` to node ``k`` of column ``i + 1``: red when
    positive, blue when negative, its width and opacity proportional to its magnitude
    (relative to the largest weight of the whole network). Exact zeros, as an L1
    penalty produces, are not drawn; intercepts are not drawn. A wide network
    would be a tangle (an MLP of (64, 32) units on 64 features has 6,464 weights),
    so at most ``max_edges`` lines are drawn, each layer's largest, and the title
    says how many weights were left out. Layers listed in ``frozen_layers`` sit on
    a grey band. A linear model is the bipartite graph
    of its inputs and outputs. This is the picture of NeuralNetTools' ``plotnet``
    in R.

    Parameters
    ----------
    model : fitted estimator or Pipeline
        A fitted skweights estimator, or a pipeline ending in one (the input names
        are then the preprocessing's ``get_feature_names_out()`` when available).
    top_k : int, default=None
        Draw only the ``top_k`` strongest (largest ``|weight|``) non-zero incoming
        connections of each node, to keep wide layers readable; all non-zero
        weights when None.
    max_edges : int or None, default=500
        Draw at most this many connections in all: the largest ``|weight|`` of each
        layer, the layers sharing the budget evenly (a layer with fewer weights
        than its share leaves the rest to the others), so that every layer keeps
        its strongest connections. The title says how many weights were left out.
        None draws every non-zero weight (kept by ``top_k``).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure, sized for the widest layer, when None.

    Returns
    -------
    ax : matplotlib Axes
        One :class:`~matplotlib.collections.LineCollection` of connections per
        layer (``gid`` ``"connections <layer>"``, one segment per drawn weight) and
        one scatter of nodes per column.

    See Also
    --------
    skweights.plotting.plot_weight_heatmap : One weight matrix as an image.

    References
    ----------
    .. [1] Beck, M. W. (2018). NeuralNetTools: Visualization and analysis tools for
       neural networks. Journal of Statistical Software, 85(11), 1-20.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from skweights import MLPClassifier
    >>> X, y = load_iris(return_X_y=True, as_frame=True)
    >>> model = MLPClassifier((5,), max_iter=50, random_state=0).fit(X, y)
    >>> ax = plot_network(model)
    >>> sum(len(c.get_segments()) for c in ax.collections if c.get_gid())
    35
    >>> ax = plot_network(model, top_k=2)
    >>> sum(len(c.get_segments()) for c in ax.collections if c.get_gid())
    16
    >>> ax = plot_network(model, max_edges=20)
    >>> print(ax.get_title())
    MLPClassifier: 20 of 35 weights drawn
    15 smaller non-zero weights hidden (max_edges=20; None draws all)
    """
    _check_top_k(top_k, "top_k")
    _check_top_k(max_edges, "max_edges")
    names = feature_names(model)  # a pipeline's, before taking its last step
    model = fitted_final(model)
    coefs = [np.asarray(W, dtype=np.float64) for W in model.coefs_]
    sizes = [coefs[0].shape[0]] + [W.shape[1] for W in coefs]
    ax = _new_ax(ax, sizes)
    ys = [_column(n) for n in sizes]
    largest = max((float(np.abs(W).max()) for W in coefs if W.size), default=0.0)
    frozen = frozen_layers(model, len(coefs))
    kept = [_kept(W, top_k) for W in coefs]
    n_kept = sum(rows.size for rows, _ in kept)
    if max_edges is not None:
        shares = _shares([rows.size for rows, _ in kept], max_edges)
        kept = [_largest(W, *where, n) for W, where, n in zip(coefs, kept, shares)]
    n_drawn = 0
    for layer, (W, (rows, cols)) in enumerate(zip(coefs, kept)):
        if layer in frozen:
            ax.axvspan(layer, layer + 1, color=_FROZEN, zorder=0, gid="frozen")
        _draw_connections(ax, layer, W, rows, cols, ys, largest)
        n_drawn += rows.size
    for x, y in enumerate(ys):
        ax.scatter(
            np.full(y.size, x),
            y,
            s=_node_area(max(sizes)),
            c="white",
            edgecolors="0.2",
            linewidths=0.8,
            zorder=3,
        )
    _decorate(ax, model, sizes, frozen)
    gap = np.sqrt(_node_area(max(sizes)) / np.pi) + 3  # points from a node's centre
    _label_nodes(ax, 0, ys[0], names, -gap)
    _label_nodes(ax, len(coefs), ys[-1], _output_names(model, sizes[-1]), gap)
    n_weights = sum(W.size for W in coefs)
    title = f"{type(model).__name__}: {n_drawn:,} of {n_weights:,} weights drawn"
    title += f" (top {top_k} per node)" if top_k is not None else ""
    if n_drawn < n_kept:
        title += (
            f"\n{n_kept - n_drawn:,} smaller non-zero weights hidden "
            f"(max_edges={max_edges}; None draws all)"
        )
    ax.set_title(title)
    return ax


def _check_top_k(value, name: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not (
        isinstance(value, numbers.Integral) and value >= 1
    ):
        what = "connections kept per node" if name == "top_k" else "lines in all"
        raise ValueError(
            f"plot_network: {name} must be None or a positive integer ({what}); "
            f"got {value!r}."
        )


def _shares(sizes: list[int], budget: int) -> list[int]:
    """Split ``budget`` lines evenly over layers of ``sizes`` candidate lines.

    A layer with fewer candidates than its share takes them all and leaves the rest
    to the others (water-filling), so the total is ``min(budget, sum(sizes))``.
    """
    shares = [0] * len(sizes)
    open_layers = sorted(range(len(sizes)), key=lambda i: sizes[i])
    left = budget
    while open_layers:
        share = left // len(open_layers)
        smallest = open_layers[0]
        if sizes[smallest] <= share:  # fits: take all, give the rest to the others
            shares[smallest] = sizes[smallest]
            left -= sizes[smallest]
            open_layers.pop(0)
            continue
        for rank, i in enumerate(open_layers):  # the remainder to the largest ones
            shares[i] = share + (rank >= len(open_layers) - left % len(open_layers))
        break
    return shares


def _largest(W, rows, cols, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``n`` entries of largest ``|W|`` among (rows, cols), in their order."""
    if rows.size <= n:
        return rows, cols
    keep = np.sort(np.argsort(-np.abs(W[rows, cols]), kind="stable")[:n])
    return rows[keep], cols[keep]


def _output_names(model, n_outputs: int) -> list[str]:
    classes = getattr(model, "classes_", None)
    if classes is not None and len(classes) == n_outputs:
        return [str(c) for c in classes]
    if classes is not None and n_outputs == 1:  # binary: the margin of classes_[1]
        return [f"{classes[1]} (vs {classes[0]})"]
    return ["y"] if n_outputs == 1 else [f"y{k}" for k in range(n_outputs)]


def _new_ax(ax, sizes):
    if ax is None:
        # Named nodes (inputs, outputs) need a line of text each; hidden ones less.
        rows = max(sizes[0], sizes[-1], max(sizes) / 2)
        height = float(np.clip(0.2 * rows + 1.8, 3.0, 9.0))
        width = float(np.clip(1.6 * len(sizes) + 2.5, 5.0, 7.3))
        _, ax = plt.subplots(figsize=(width, height), layout="constrained")
    return ax


def _column(n: int) -> np.ndarray:
    """Heights of ``n`` nodes, first at the top, spread over the column's height.

    As in ``plotnet``, every column fills the height, so a narrow input layer next
    to a wide hidden one keeps room for its names; a column of few nodes keeps
    them at most a quarter of the height apart.
    """
    step = min(1.0 / max(n - 1, 1), 0.25)
    return 0.5 + ((n - 1) / 2 - np.arange(n)) * step


def _node_area(widest: int) -> float:
    return float(np.clip(3000.0 / widest, 6.0, 220.0))


def _kept(W: np.ndarray, top_k: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Indices (row, column) of the weights to draw: non-zero, top-k per column."""
    keep = W != 0
    if top_k is not None and top_k < W.shape[0]:
        # Rank each column's weights by magnitude (stable: ties keep row order).
        order = np.argsort(-np.abs(W), axis=0, kind="stable")
        ranks = np.empty_like(order)
        np.put_along_axis(ranks, order, np.arange(W.shape[0])[:, None], axis=0)
        keep &= ranks < top_k
    return np.nonzero(keep)


def _draw_connections(ax, layer, W, rows, cols, ys, largest) -> None:
    weights = W[rows, cols]
    strength = np.abs(weights) / largest if largest > 0 else np.zeros(rows.size)
    segments = np.stack(
        [
            np.column_stack([np.full(rows.size, layer), ys[layer][rows]]),
            np.column_stack([np.full(rows.size, layer + 1), ys[layer + 1][cols]]),
        ],
        axis=1,
    )
    colors = to_rgba_array(np.where(weights > 0, _POSITIVE, _NEGATIVE))
    colors[:, 3] = _MIN_ALPHA + (1 - _MIN_ALPHA) * strength
    order = np.argsort(strength, kind="stable")  # strongest drawn on top
    ax.add_collection(
        LineCollection(
            segments[order],
            colors=colors[order],
            linewidths=0.3 + (_MAX_WIDTH - 0.3) * strength[order],
            zorder=1,
            gid=f"connections {layer}",
        )
    )


def _label_nodes(ax, x, ys, names, offset: float) -> None:
    """Names beside a column's nodes, every k-th one if they would overlap."""
    fontsize = 8.0
    box = ax.get_position().transformed(ax.figure.transFigure)
    low, high = ax.get_ylim()
    # Points per unit of height; the layout shrinks the axes by about a fifth.
    per_unit = 0.8 * box.height * 72 / ax.figure.dpi / (high - low)
    gap = per_unit * (ys[0] - ys[1]) if len(ys) > 1 else np.inf
    step = max(1, int(np.ceil(1.3 * fontsize / gap)))
    for i in range(0, len(ys), step):
        ax.annotate(
            names[i],
            (x, ys[i]),
            xytext=(offset, 0),
            textcoords="offset points",
            ha="right" if offset < 0 else "left",
            va="center",
            fontsize=fontsize,
            annotation_clip=False,
        )


def _decorate(ax, model, sizes, frozen) -> None:
    """Column labels on the x axis, no y axis, and the legend."""
    activation = getattr(model, "activation", None)
    if activation is not None and not isinstance(activation, str):
        activation = type(activation).__name__.lower()
    labels = [f"input\n{sizes[0]} features"]
    for layer, n in enumerate(sizes[1:-1], start=1):
        labels.append(f"hidden layer {layer}\n{n} {activation}")
    labels.append(f"output\n{sizes[-1]} unit{'s' if sizes[-1] > 1 else ''}")
    ax.set_xticks(range(len(sizes)), labels, fontsize=8)
    ax.tick_params(axis="x", length=0)
    ax.set_yticks([])
    ax.set_xlim(-0.08, len(sizes) - 1 + 0.08)
    ax.set_ylim(-0.06, 1.06)
    for spine in ax.spines.values():
        spine.set_visible(False)
    handles = [
        Line2D([], [], color=_POSITIVE, linewidth=2, label="positive weight"),
        Line2D([], [], color=_NEGATIVE, linewidth=2, label="negative weight"),
    ]
    if frozen:
        handles.append(Patch(color=_FROZEN, label="frozen layer"))
    # Under the two-line column labels, whatever the height of the axes.
    below = offset_copy(ax.transAxes, fig=ax.figure, y=-30, units="points")
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0),
        bbox_transform=below,
        ncols=len(handles),
        fontsize=8,
        frameon=False,
    )
