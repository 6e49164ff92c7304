"""Weight matrices drawn: heatmap, histogram, coefficient bars."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from matplotlib.colors import CenteredNorm

from .._pipeline import feature_names, fitted_final
from ..inspection._layer_summary import _is_linear
from ._axes import _class_ticks, _new_ax, _thin_ticks

_MAX_TICK_LABELS = 60  # beyond this, names overlap into an unreadable block
_AUTO_TOP = 20  # plot_coefficients shows at most this many features by default


def _rows_height(n_rows: int) -> float:
    """Height (inches) of a new figure with one labelled row per item."""
    return float(np.clip(0.24 * n_rows + 1.6, 3.2, 9.0))


def _side_name(layer: int, n_layers: int) -> str:
    """The units that weight matrix ``layer`` feeds (hidden layers count from 1)."""
    return "output" if layer == n_layers - 1 else f"hidden layer {layer + 1}"


def plot_weight_heatmap(model: Any, layer: int = 0, *, ax: Any = None) -> Any:
    """Heatmap of one weight matrix, in a diverging colormap centred on zero.

    Rows are the units the weights come from (the input features for layer 0),
    columns the units they feed (hidden layers count from 1, the last matrix feeds
    the output); red is positive, blue negative, white zero, and a colorbar gives the
    scale. Row and column labels are thinned to fit the axes.

    Parameters
    ----------
    model : fitted estimator or Pipeline
        A fitted skweights estimator.
    layer : int, default=0
        Which weight matrix, ``coefs_[layer]`` (0 is the first; negative counts from
        the end).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib Axes
        The Axes with the image and its colorbar.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from skweights import MLPClassifier
    >>> X, y = load_iris(return_X_y=True, as_frame=True)
    >>> model = MLPClassifier((8,), max_iter=50, random_state=0).fit(X, y)
    >>> ax = plot_weight_heatmap(model)
    >>> ax.get_ylabel(), ax.get_xlabel()
    ('input feature', 'unit of hidden layer 1')
    """
    names = feature_names(model)  # a pipeline's, before taking its last step
    model = fitted_final(model)
    n_layers = len(model.coefs_)
    if not -n_layers <= layer < n_layers:
        raise ValueError(
            f"plot_weight_heatmap: layer={layer} does not exist; the model has "
            f"layers 0..{n_layers - 1}."
        )
    layer = layer % n_layers
    W = np.asarray(model.coefs_[layer], dtype=np.float64)
    ax = _new_ax(ax)
    image = ax.imshow(
        W,
        cmap="RdBu_r",
        norm=CenteredNorm(vcenter=0.0),
        aspect="auto",
        interpolation="nearest",
    )
    ax.figure.colorbar(image, ax=ax, label="weight")
    rows = list(names) if layer == 0 else [str(i) for i in range(len(W))]
    columns = [str(j) for j in range(W.shape[1])]
    classes = getattr(model, "classes_", None)
    if layer == n_layers - 1 and classes is not None and W.shape[1] == len(classes):
        columns = [str(c) for c in classes]
        ax.set_xlabel("class")
    else:
        ax.set_xlabel(f"unit of {_side_name(layer, n_layers)}")
    ax.set_ylabel(
        "input feature" if layer == 0 else f"unit of {_side_name(layer - 1, n_layers)}"
    )
    if len(rows) <= _MAX_TICK_LABELS:
        _thin_ticks(ax, "y", rows)
    if ax.get_xlabel() == "class":
        _class_ticks(ax, columns)
    else:
        _thin_ticks(ax, "x", columns)
    ax.set_title(
        f"Weights coefs_[{layer}] ({W.shape[0]} \N{MULTIPLICATION SIGN} {W.shape[1]})"
    )
    return ax


def plot_weight_histogram(
    model: Any, layers: Any = None, *, bins: int = 50, ax: Any = None
) -> Any:
    """Distribution of the weights of each layer, exact zeros counted apart.

    Each layer's non-zero weights are drawn as a step histogram; exact zeros (what an
    L1 penalty produces) would hide in the bin around 0, so they are drawn as a stem
    at 0 whose height is their count, and the count is written in the legend.

    Parameters
    ----------
    model : fitted estimator or Pipeline
        A fitted skweights estimator.
    layers : int or list of int, default=None
        Layers to draw; all when None.
    bins : int, default=50
        Number of histogram bins (shared by the layers).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib Axes
        One histogram (and legend entry) per layer.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_diabetes
    >>> from skweights import LinearRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = LinearRegressor(penalty="l1", alpha=0.1).fit(X, y)
    >>> ax = plot_weight_histogram(model)
    >>> ax.get_legend().get_texts()[0].get_text()
    'layer 0: 10 weights, 3 exact zeros (stem at 0)'
    """
    model = fitted_final(model)
    n_layers = len(model.coefs_)
    if layers is None:
        layers = list(range(n_layers))
    elif np.isscalar(layers):
        layers = [layers]
    bad = [layer for layer in layers if not -n_layers <= layer < n_layers]
    if bad:
        raise ValueError(
            f"plot_weight_histogram: layers {bad} do not exist; the model has "
            f"layers 0..{n_layers - 1}."
        )
    layers = [layer % n_layers for layer in layers]
    ax = _new_ax(ax)
    values = [np.asarray(model.coefs_[layer], dtype=np.float64) for layer in layers]
    everything = np.concatenate([W.ravel() for W in values])
    nonzero = everything[everything != 0]
    edges = np.histogram_bin_edges(nonzero if nonzero.size else [-1, 1], bins=bins)
    for layer, W in zip(layers, values):
        flat = W.ravel()
        n_zeros = int(np.count_nonzero(flat == 0))
        label = f"layer {layer}: {flat.size:,} weights"
        if n_zeros:
            label += f", {n_zeros:,} exact zeros (stem at 0)"
        _, _, patches = ax.hist(
            flat[flat != 0], bins=edges, histtype="step", linewidth=1.5, label=label
        )
        if n_zeros:
            color = patches[0].get_edgecolor() if patches else None
            ax.vlines(0.0, 0, n_zeros, colors=[color], linewidth=3, alpha=0.7)
            ax.plot([0.0], [n_zeros], marker="o", color=color)
    ax.set_xlabel("weight value")
    ax.set_ylabel("number of weights")
    ax.set_title("Weight distribution per layer")
    ax.set_ylim(top=ax.get_ylim()[1] * 1.35)  # headroom for the legend
    ax.legend(fontsize="small", loc="upper left")
    return ax


def plot_coefficients(
    model: Any,
    *,
    output: Any = None,
    top: Any = "auto",
    ax: Any = None,
) -> Any:
    """Coefficients (or connection weights) per feature, labelled with the names.

    Linear models show ``coef_``; MLPs show their connection weights (Olden's
    product of the weight matrices, see
    :func:`skweights.inspection.weight_importance`). With one output (or ``output=``
    chosen) it is a bar chart sorted by value, so the strongest negative and positive
    effects sit at the two ends. With several outputs (classes or targets) it is one
    heatmap, features by outputs, features sorted by their largest absolute value.

    Parameters
    ----------
    model : fitted estimator or Pipeline
        A fitted skweights estimator.
    output : int or class label, default=None
        For a model with several outputs, draw the bars of this one (a class label of
        a classifier, else the output's index); None draws the heatmap of all.
    top : int, "auto" or None, default="auto"
        Show only the ``top`` features with the largest absolute value. ``"auto"``
        shows at most 20 (all of them when there are 20 or fewer); None shows all.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure, as tall as the number of features needs, when
        None.

    Returns
    -------
    ax : matplotlib Axes
        The bar chart or the heatmap (with its colorbar).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_diabetes
    >>> from skweights import LinearRegressor
    >>> X, y = load_diabetes(return_X_y=True, as_frame=True)
    >>> model = LinearRegressor().fit(X, y)
    >>> ax = plot_coefficients(model)
    >>> len(ax.patches), ax.get_title()
    (10, 'Coefficients')
    """
    names = np.array(feature_names(model))  # a pipeline's, before its last step
    model = fitted_final(model)
    W = np.asarray(model.coefs_[0], dtype=np.float64)
    for V in model.coefs_[1:]:
        W = W @ np.asarray(V, dtype=np.float64)
    what = "coefficient" if _is_linear(model) else "connection weight (Olden)"
    title = "Coefficients" if _is_linear(model) else "Connection weights (Olden)"
    labels = _output_labels(model, W.shape[1])
    keep = _top_features(np.abs(W).max(axis=1), top)
    if W.shape[1] > 1 and output is None:
        ax = _new_ax(
            ax, figsize=(max(4.5, 0.45 * W.shape[1] + 3.0), _rows_height(keep.size))
        )
        _coefficient_heatmap(ax, W[keep], names[keep], labels, what)
        ax.set_title(f"{title} per {'class' if _is_classifier(model) else 'output'}")
        return ax
    column = _output_column(model, labels, output)
    if labels[column] is not None:
        title += f" for {labels[column]}"
    values = W[:, column]
    keep = _top_features(np.abs(values), top)
    ax = _new_ax(ax, figsize=(6.4, _rows_height(keep.size)))
    order = keep[np.argsort(values[keep])]
    colors = np.where(values[order] >= 0, "tab:red", "tab:blue")
    ax.barh(np.arange(order.size), values[order], color=colors)
    ax.set_yticks(np.arange(order.size), names[order])
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_xlabel(what)
    ax.set_ylabel("feature")
    if keep.size < names.size:
        title += f" ({keep.size} largest of {names.size})"
    ax.set_title(title)
    return ax


def _is_classifier(model) -> bool:
    return getattr(model, "classes_", None) is not None


def _output_labels(model, n_outputs: int) -> list:
    """Display name of each output column; None for a lone regression output."""
    classes = getattr(model, "classes_", None)
    if classes is None:
        return [None] if n_outputs == 1 else [f"output {k}" for k in range(n_outputs)]
    if n_outputs == 1:  # binary: the column is the positive class's margin
        return [f"class {classes[-1]}"]
    return [f"class {c}" for c in classes]


def _output_column(model, labels, output) -> int:
    if output is None:
        return 0
    classes = getattr(model, "classes_", None)
    if classes is not None and len(labels) == len(classes):
        matches = np.flatnonzero(np.asarray(classes) == output)
        if matches.size:
            return int(matches[0])
    elif isinstance(output, numbers.Integral) and 0 <= output < len(labels):
        return int(output)
    raise ValueError(
        f"plot_coefficients: output={output!r} is not one of the model's outputs "
        f"({', '.join(str(label) for label in labels)})."
    )


def _top_features(strength: np.ndarray, top) -> np.ndarray:
    """Indices of the features to show, strongest first."""
    order = np.argsort(strength)[::-1]
    if isinstance(top, str) and top == "auto":
        top = _AUTO_TOP
    elif top is not None and not (isinstance(top, numbers.Integral) and top > 0):
        raise ValueError(
            "plot_coefficients: top must be a positive int, 'auto' or None; "
            f"got {top!r}."
        )
    return order if top is None else order[:top]


def _coefficient_heatmap(ax, W, names, labels, what) -> None:
    image = ax.imshow(
        W, cmap="RdBu_r", norm=CenteredNorm(vcenter=0.0), aspect="auto",
        interpolation="nearest",
    )  # fmt: skip
    ax.figure.colorbar(image, ax=ax, label=what)
    _thin_ticks(ax, "y", list(names))
    columns = [str(label).removeprefix("class ") for label in labels]
    if labels[0].startswith("class"):
        _class_ticks(ax, columns)
        ax.set_xlabel("class")
    else:
        _thin_ticks(ax, "x", columns)
        ax.set_xlabel("output")
    ax.set_ylabel("feature (largest absolute value first)")
