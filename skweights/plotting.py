"""Figures of weights, training histories and regularization paths (matplotlib).

Needs the optional extra ``pip install skweights[plot]``. Every function takes an
``ax=`` (or ``fig=`` where it draws several panels), returns the Axes or the Figure it
drew on, labels its axes, and uses the input feature names when the model was fitted
on a DataFrame. A :class:`~sklearn.pipeline.Pipeline` ending in a skweights estimator
is accepted wherever a model is (its last step is drawn).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .inspection import (
    RegularizationPath,
    _final_step,
    _is_linear,
    feature_names,
    regularization_path,
)

try:
    import matplotlib.pyplot as plt
    from matplotlib.colors import CenteredNorm
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "skweights.plotting needs matplotlib: pip install skweights[plot]"
    ) from error

__all__ = [
    "plot_coefficients",
    "plot_learning_rate_range",
    "plot_network",
    "plot_regularization_path",
    "plot_training_history",
    "plot_weight_heatmap",
    "plot_weight_histogram",
]

_MAX_TICK_LABELS = 60  # beyond this, names overlap into an unreadable block


def _new_ax(ax):
    if ax is None:
        _, ax = plt.subplots(layout="constrained")
    return ax


def _layer_name(layer: int, n_layers: int) -> str:
    return "output layer" if layer == n_layers - 1 else f"layer {layer}"


def plot_weight_heatmap(model: Any, layer: int = 0, *, ax: Any = None) -> Any:
    """Heatmap of one weight matrix, in a diverging colormap centred on zero.

    Rows are the layer's inputs (feature names for layer 0), columns its units;
    red is positive, blue negative, white zero.

    Parameters
    ----------
    model : fitted estimator or Pipeline
        A fitted skweights estimator.
    layer : int, default=0
        Which weight matrix (0 is the first; negative counts from the end).
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
    >>> ax.get_ylabel()
    'input feature'
    """
    model = _final_step(model)
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
    if layer == 0:
        ax.set_ylabel("input feature")
        names = feature_names(model)
        if len(names) <= _MAX_TICK_LABELS:
            ax.set_yticks(range(len(names)), names)
    else:
        ax.set_ylabel(f"unit of layer {layer - 1}")
    ax.set_xlabel("output" if layer == n_layers - 1 else f"hidden unit {layer}")
    if layer == n_layers - 1 and getattr(model, "classes_", None) is not None:
        classes = model.classes_
        labels = [str(c) for c in classes] if W.shape[1] == len(classes) else None
        if labels is not None and len(labels) <= _MAX_TICK_LABELS:
            ax.set_xticks(range(len(labels)), labels)
            ax.set_xlabel("class")
    ax.set_title(
        f"{_layer_name(layer, n_layers).capitalize()} weights "
        f"({W.shape[0]} \N{MULTIPLICATION SIGN} {W.shape[1]})"
    )
    return ax


def plot_weight_histogram(
    model: Any, layers: Any = None, *, bins: int = 50, ax: Any = None
) -> Any:
    """Distribution of the weights of each layer, exact zeros counted apart.

    Each layer's non-zero weights are drawn as a step histogram; exact zeros (what an
    L1 penalty produces) would hide in the bin around 0, so their count is shown in
    the legend and as a stem at 0 of that height.

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
    'layer 0: 10 weights, 3 exact zeros'
    """
    model = _final_step(model)
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
            label += f", {n_zeros:,} exact zeros"
        counts, _, patches = ax.hist(
            flat[flat != 0], bins=edges, histtype="step", linewidth=1.5, label=label
        )
        if n_zeros:
            color = patches[0].get_edgecolor() if patches else None
            ax.vlines(0.0, 0, n_zeros, colors=[color], linewidth=3, alpha=0.7)
            ax.annotate(
                f"{n_zeros:,} zeros",
                (0.0, n_zeros),
                xytext=(4, 2),
                textcoords="offset points",
                color=color,
                fontsize="small",
            )
    ax.set_xlabel("weight value")
    ax.set_ylabel("number of weights")
    ax.set_title("Weight distribution per layer")
    ax.legend(fontsize="small", loc="upper left")
    return ax


def plot_coefficients(
    model: Any,
    *,
    top: int | None = None,
    ax: Any = None,
    fig: Any = None,
) -> Any:
    """Sorted bar chart of the coefficients, labelled with the feature names.

    Linear models show ``coef_``; MLPs show their connection weights (Olden's
    product of the weight matrices, see
    :func:`skweights.inspection.weight_importance`). Bars are sorted by value, so
    the strongest negative and positive effects sit at the two ends.

    Parameters
    ----------
    model : fitted estimator or Pipeline
        A fitted skweights estimator.
    top : int, default=None
        Show only the ``top`` features with the largest absolute coefficient.
    ax : matplotlib Axes, default=None
        Where to draw a single-output model; a new figure when None.
    fig : matplotlib Figure, default=None
        Where to draw the panels of a multi-output model (one per class or target);
        a new figure when None.

    Returns
    -------
    ax_or_fig : matplotlib Axes or Figure
        The Axes for a single output, the Figure (one panel per output) otherwise.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_diabetes
    >>> from skweights import LinearRegressor
    >>> X, y = load_diabetes(return_X_y=True, as_frame=True)
    >>> model = LinearRegressor().fit(X, y)
    >>> ax = plot_coefficients(model)
    >>> len(ax.patches)
    10
    """
    model = _final_step(model)
    names = np.array(feature_names(model))
    W = np.asarray(model.coefs_[0], dtype=np.float64)
    for V in model.coefs_[1:]:
        W = W @ np.asarray(V, dtype=np.float64)
    linear = _is_linear(model)
    what = "coefficient" if linear else "connection weight (Olden)"
    classes = getattr(model, "classes_", None)
    if W.shape[1] == 1:
        titles = [
            f"{what.capitalize()}s"
            + (f" ({classes[1]})" if classes is not None else "")
        ]
    elif classes is not None:
        titles = [f"class {c}" for c in classes]
    else:
        titles = [f"output {k}" for k in range(W.shape[1])]
    if W.shape[1] == 1:
        ax = _new_ax(ax)
        _bars(ax, W[:, 0], names, top, what)
        ax.set_title(titles[0])
        return ax
    if ax is not None:
        raise ValueError(
            "plot_coefficients: this model has several outputs and draws one panel "
            "each; pass fig= (a Figure) instead of ax=."
        )
    n = W.shape[1]
    n_cols = min(n, 3)
    n_rows = int(np.ceil(n / n_cols))
    height = max(0.25 * min(len(names), top or len(names)) + 1.5, 3.0)
    if fig is None:
        fig = plt.figure(figsize=(4.2 * n_cols, height * n_rows), layout="constrained")
    axes = fig.subplots(n_rows, n_cols, squeeze=False).ravel()
    for k, sub in enumerate(axes):
        if k >= n:
            sub.set_visible(False)
            continue
        _bars(sub, W[:, k], names, top, what)
        sub.set_title(titles[k])
    fig.suptitle(f"{what.capitalize()}s per output")
    return fig


def _bars(ax, values, names, top, what) -> None:
    order = np.argsort(values)
    if top is not None:
        keep = np.argsort(np.abs(values))[::-1][:top]
        order = order[np.isin(order, keep)]
    colors = np.where(values[order] >= 0, "tab:red", "tab:blue")
    ax.barh(np.arange(order.size), values[order], color=colors)
    ax.set_yticks(np.arange(order.size), names[order])
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_xlabel(what)
    ax.set_ylabel("feature")


def plot_training_history(model: Any, *, fig: Any = None) -> Any:
    """Four panels from ``history_``: loss, learning rate, gradient and weight norms.

    The loss panel also shows the validation score (right axis) when the model was
    trained with early stopping; gradient and weight norms are drawn one line per
    layer on a log scale; epochs that diverged are marked by red dashed lines.

    Parameters
    ----------
    model : fitted estimator or Pipeline
        A fitted skweights estimator.
    fig : matplotlib Figure, default=None
        Where to draw; a new figure when None.

    Returns
    -------
    fig : matplotlib Figure
        With a 2 × 2 grid of Axes (``fig.axes[:4]``): loss, learning rate, gradient
        norms, weight norms (``fig.axes[4]`` is the validation axis, if any).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from skweights import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> model = MLPClassifier((8,), max_iter=20, random_state=0).fit(X, y)
    >>> fig = plot_training_history(model)
    >>> len(fig.axes[2].lines)
    2
    """
    model = _final_step(model)
    frame = model.history_.to_frame()
    if frame.empty:
        raise ValueError("plot_training_history: the model has an empty history_.")
    if fig is None:
        fig = plt.figure(figsize=(10, 7), layout="constrained")
    (ax_loss, ax_lr), (ax_grad, ax_weight) = fig.subplots(2, 2, sharex=True)
    epochs = frame["epoch"].to_numpy()
    ax_loss.plot(epochs, frame["loss"], color="tab:blue", label="training loss")
    ax_loss.set_ylabel("objective (loss + penalty)")
    loss = frame["loss"].to_numpy(dtype=float)
    if np.all(loss[np.isfinite(loss)] > 0) and np.isfinite(loss).any():
        spread = np.nanmax(loss) / np.nanmin(loss[np.isfinite(loss)])
        if spread > 100:  # several orders of magnitude: a log axis shows the tail
            ax_loss.set_yscale("log")
    ax_loss.set_title("Loss")
    val = frame.get("val_score")
    if val is not None and val.notna().any():
        ax_val = ax_loss.twinx()
        ax_val.plot(
            epochs, val.astype(float), color="tab:orange", label="validation score"
        )
        ax_val.set_ylabel("validation score")
        lines = ax_loss.get_lines() + ax_val.get_lines()
        ax_loss.legend(lines, [line.get_label() for line in lines], fontsize="small")
        ax_loss.set_title("Loss and validation score")
    rate = frame["learning_rate"]
    if rate.notna().any():
        ax_lr.plot(epochs, rate.astype(float), color="tab:green")
        ax_lr.set_yscale("log")
    else:
        ax_lr.text(
            0.5,
            0.5,
            "full-batch solver:\nno learning rate",
            ha="center",
            va="center",
            transform=ax_lr.transAxes,
        )
    ax_lr.set_ylabel("learning rate")
    ax_lr.set_title("Learning rate")
    n_layers = len(model.coefs_)
    for prefix, axis, title in (
        ("grad_norm", ax_grad, "Gradient norm per layer"),
        ("weight_norm", ax_weight, "Weight norm per layer"),
    ):
        for layer in range(n_layers):
            column = f"{prefix}_{layer}"
            values = frame[column].astype(float) if column in frame else epochs * np.nan
            axis.plot(epochs, values, label=_layer_name(layer, n_layers), marker=".")
        axis.set_yscale("log")
        axis.set_xlabel("epoch")
        axis.set_ylabel("Frobenius norm")
        axis.set_title(title)
        axis.legend(fontsize="small")
    events = frame.get("event")
    if events is not None:
        for epoch in frame.loc[events == "diverged", "epoch"]:
            for axis in (ax_loss, ax_lr, ax_grad, ax_weight):
                axis.axvline(epoch, color="tab:red", linestyle="--", linewidth=1)
    fig.suptitle(f"Training history of {type(model).__name__}")
    return fig


def plot_regularization_path(
    estimator: Any,
    X: Any = None,
    y: Any = None,
    alphas: Any = None,
    *,
    ax: Any = None,
    **path_params: Any,
) -> Any:
    """Coefficients against the penalty strength, on a log alpha axis.

    Computes :func:`skweights.inspection.regularization_path` (or takes one already
    computed) and draws one line per coefficient (linear models) or per layer's
    weight norm (MLPs); alpha decreases to the right, so features enter the model as
    the penalty weakens. The number of non-zero weights is shown on a top axis.

    Parameters
    ----------
    estimator : estimator, Pipeline or RegularizationPath
        The model to fit along the path, or a precomputed path (then ``X`` and ``y``
        are not needed).
    X : array-like of shape (n_samples, n_features), default=None
        Training data.
    y : array-like of shape (n_samples,), default=None
        Targets.
    alphas : array-like, default=None
        Penalty strengths; the default grid of ``regularization_path`` when None.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    **path_params
        Passed to ``regularization_path`` (``n_alphas``, ``eps``...).

    Returns
    -------
    ax : matplotlib Axes
        One line per coefficient.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_diabetes
    >>> from skweights import LinearRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = LinearRegressor(penalty="l1")
    >>> ax = plot_regularization_path(model, X, y, n_alphas=5)
    >>> len(ax.get_legend().get_texts())
    10
    """
    if isinstance(estimator, RegularizationPath):
        path = estimator
    else:
        if X is None or y is None:
            raise ValueError(
                "plot_regularization_path: pass X and y, or a RegularizationPath."
            )
        path = regularization_path(estimator, X, y, alphas, **path_params)
    ax = _new_ax(ax)
    if path.coefs is not None:
        coefs = path.coefs.reshape(-1, path.alphas.size)
        names = list(path.feature_names)
        if path.coefs.ndim == 3:
            names = [
                f"{name} [{k}]" for k in range(path.coefs.shape[0]) for name in names
            ]
        for name, line in zip(names, coefs):
            ax.plot(path.alphas, line, label=name)
        ax.set_ylabel("coefficient")
        ax.axhline(0.0, color="black", linewidth=0.8)
    else:
        for layer in range(len(path.weights[0])):
            norms = [np.linalg.norm(ws[layer]) for ws in path.weights]
            ax.plot(path.alphas, norms, label=f"layer {layer}")
        ax.set_ylabel("weight norm (Frobenius)")
    ax.set_xscale("log")
    ax.set_xlim(path.alphas.max(), path.alphas.min())  # strong to weak, left to right
    ax.set_xlabel("alpha (penalty strength)")
    ax.set_title("Regularization path", pad=32)  # room for the top axis
    if len(ax.lines) - (path.coefs is not None) <= 20:
        ax.legend(fontsize="x-small", ncols=2)
    top = ax.secondary_xaxis("top")
    ticks = np.unique(np.linspace(0, path.alphas.size - 1, 6).astype(int))
    top.set_xticks(path.alphas[ticks], [str(n) for n in path.n_nonzero[ticks]])
    top.set_xlabel("non-zero weights")
    return ax


from ._lr_range import plot_learning_rate_range  # noqa: E402
from ._network_diagram import plot_network  # noqa: E402
