"""Figures of weights, training histories and regularization paths (matplotlib).

Needs the optional extra ``pip install skweights[plot]``. One contract for every
function:

- a **single-panel** plot (:func:`plot_weight_heatmap`, :func:`plot_weight_histogram`,
  :func:`plot_coefficients`, :func:`plot_regularization_path`) takes ``ax=`` and
  always returns that :class:`~matplotlib.axes.Axes`;
- a **multi-panel** plot (:func:`plot_training_history`) takes ``fig=`` (a Figure or
  SubFigure) and always returns it; a Figure without a layout engine gets
  matplotlib's constrained layout, so its panels and twin axes do not overlap;
- without ``ax=``/``fig=`` a new figure is made, sized for what it shows (a taller
  bar chart for more features, at most ``top`` features by default for wide models).

Every figure labels its axes and uses the input feature names when the model was
fitted on a DataFrame. A :class:`~sklearn.pipeline.Pipeline` ending in a skweights
estimator is accepted wherever a model is (its last step is drawn).
"""

from __future__ import annotations

import numbers
import re
import textwrap
import warnings
from typing import Any

import numpy as np

from ._pipeline import feature_names, fitted_final
from .inspection import RegularizationPath, _is_linear, regularization_path

try:
    import matplotlib.pyplot as plt
    from matplotlib.colors import CenteredNorm
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "skweights.plotting needs matplotlib: pip install skweights[plot]"
    ) from error

__all__ = [
    "plot_coefficients",
    "plot_cv_path",
    "plot_learning_rate_range",
    "plot_network",
    "plot_regularization_path",
    "plot_training_history",
    "plot_weight_evolution",
    "plot_weight_heatmap",
    "plot_weight_histogram",
]

_MAX_TICK_LABELS = 60  # beyond this, names overlap into an unreadable block
_AUTO_TOP = 20  # plot_coefficients shows at most this many features by default


def _new_ax(ax, figsize=None):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _rows_height(n_rows: int) -> float:
    """Height (inches) of a new figure with one labelled row per item."""
    return float(np.clip(0.24 * n_rows + 1.6, 3.2, 9.0))


def _layer_name(layer: int, n_layers: int) -> str:
    return "output layer" if layer == n_layers - 1 else f"layer {layer}"


def _side_name(layer: int, n_layers: int) -> str:
    """The units that weight matrix ``layer`` feeds (hidden layers count from 1)."""
    return "output" if layer == n_layers - 1 else f"hidden layer {layer + 1}"


def _thin_ticks(ax, which: str, names: list[str]) -> None:
    """Label every k-th row or column so that the labels fit the axes' size."""
    axis = ax.yaxis if which == "y" else ax.xaxis
    box = ax.get_position().transformed(ax.figure.transFigure)
    room = 0.85 * (box.height if which == "y" else box.width)  # layout shrinks it
    labels = axis.get_ticklabels()
    size = labels[0].get_fontsize() if labels else 10.0
    size_px = size * ax.figure.dpi / 72
    longest = max((len(name) for name in names), default=1)
    per_label = size_px * (1.3 if which == "y" else 0.65 * longest + 1.0)
    step = max(1, int(np.ceil(len(names) * per_label / max(room, 1.0))))
    ticks = list(range(0, len(names), step))
    axis.set_ticks(ticks, [names[i] for i in ticks])


def _class_ticks(ax, names: list[str]) -> None:
    """Label every column with its class (never thinned): slanted, then upright,
    when the labels would overlap (measured on the laid-out figure)."""
    ax.set_xticks(range(len(names)), names)
    for rotation in (40, 90):
        if not _labels_overlap(ax):
            return
        ax.tick_params(axis="x", labelrotation=rotation)
        for label in ax.xaxis.get_ticklabels():
            label.set_horizontalalignment("right" if rotation < 90 else "center")
            label.set_rotation_mode("anchor" if rotation < 90 else "default")


def _labels_overlap(ax) -> bool:
    """Whether two neighbouring x tick labels' boxes overlap once laid out."""
    figure = ax.figure.figure  # the root Figure, also from a SubFigure
    figure.draw_without_rendering()
    renderer = figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.xaxis.get_ticklabels()]
    return any(a.x1 > b.x0 for a, b in zip(boxes, boxes[1:]))


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


def plot_training_history(model: Any, *, fig: Any = None) -> Any:
    """The training history from ``history_``: loss, learning rate, gradient and
    weight norms.

    The loss panel also shows the validation score (right axis, orange) when the
    model was trained with early stopping; gradient and weight norms are drawn one
    line per layer on a log scale, with one legend for both under the panels;
    epochs that diverged are marked by red dashed lines. The learning rate has a
    panel of its own (on a log axis when it spans more than a factor of 10) only
    when it changes; a constant rate, or a full-batch solver's absence of one, is
    said in the loss panel's title instead.

    A direct or coordinate-descent solve (``history_`` holds one record: the
    solution) is summed up instead: what the solver is, its iterations, whether it
    converged, the final objective and norms, beside the final objective drawn at
    its iteration count.

    Parameters
    ----------
    model : fitted estimator or Pipeline
        A fitted skweights estimator.
    fig : matplotlib Figure or SubFigure, default=None
        Where to draw (it should be empty); a new figure when None (7.5 x 5.6
        inches, 7 x 2.8 for a one-record solve). A Figure without a layout engine
        is switched to constrained layout.

    Returns
    -------
    fig : matplotlib Figure or SubFigure
        With a 2 x 2 grid of Axes (``fig.axes[:4]``: loss, learning rate, gradient
        norms, weight norms) when the learning rate changes; with three
        (``fig.axes[:3]``: loss across the top, gradient norms, weight norms) when
        it does not; ``fig.axes[-1]`` is the validation axis, if any. A one-record
        solve gives two: the final objective and the summary (axis off).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from skweights import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> model = MLPClassifier((8,), max_iter=20, random_state=0).fit(X, y)
    >>> fig = plot_training_history(model)
    >>> [ax.get_title() for ax in fig.axes[:3]]  # doctest: +NORMALIZE_WHITESPACE
    ['Loss, at a constant learning rate of 0.001', 'Gradient norm per layer',
     'Weight norm per layer']
    """
    model = fitted_final(model)
    frame = model.history_.to_frame()
    if frame.empty:
        raise ValueError("plot_training_history: the model has an empty history_.")
    single = len(frame) == 1
    if fig is None:
        size = (7.0, 2.8) if single else (7.5, 5.6)
        fig = plt.figure(figsize=size, layout="constrained")
    elif isinstance(fig, Figure) and fig.get_layout_engine() is None:
        fig.set_layout_engine("constrained")
    if single:
        return _solve_summary(fig, model, frame)
    epochs = frame["epoch"].to_numpy()
    rate_text = _constant_rate(frame)
    if rate_text is None:
        (ax_loss, ax_lr), (ax_grad, ax_weight) = fig.subplots(2, 2, sharex=True)
        _rate_panel(ax_lr, frame, epochs)
        panels = [ax_loss, ax_lr, ax_grad, ax_weight]
    else:
        mosaic = fig.subplot_mosaic([["loss", "loss"], ["grad", "weight"]], sharex=True)
        ax_loss, ax_grad, ax_weight = mosaic["loss"], mosaic["grad"], mosaic["weight"]
        panels = [ax_loss, ax_grad, ax_weight]
    _loss_panel(ax_loss, frame, epochs)
    _norm_panels(fig, model, frame, epochs, ax_grad, ax_weight)
    events = frame.get("event")
    if events is not None:
        for epoch in frame.loc[events == "diverged", "epoch"]:
            for axis in panels:
                axis.axvline(epoch, color="tab:red", linestyle="--", linewidth=1)
    if rate_text:  # in the panel's title: a figure's suptitle is often replaced
        ax_loss.set_title(f"{ax_loss.get_title()}, {rate_text}")
    fig.suptitle(f"Training history of {type(model).__name__}")
    return fig


def _norm_panels(fig, model, frame, epochs, ax_grad, ax_weight) -> None:
    """Gradient and weight norms per layer, with one legend for both."""
    n_layers = len(model.coefs_)
    for prefix, axis, title in (
        ("grad_norm", ax_grad, "Gradient norm per layer"),
        ("weight_norm", ax_weight, "Weight norm per layer"),
    ):
        _norm_panel(axis, frame, epochs, prefix, n_layers)
        axis.set_xlabel("epoch")
        axis.set_title(title)
    if ax_grad.lines or ax_weight.lines:  # one legend for both, under the panels
        handles = (ax_grad if ax_grad.lines else ax_weight).get_lines()
        fig.legend(
            handles=handles,
            loc="outside lower center",
            ncols=min(len(handles), 5),
            fontsize="small",
        )


def _constant_rate(frame) -> str | None:
    """The loss title's words for a rate that never changes; None if it does."""
    rate = frame["learning_rate"].to_numpy(dtype=float)
    finite = rate[np.isfinite(rate) & (rate > 0)]
    if not finite.size:
        return "full-batch solver: no learning rate"
    if finite.max() == finite.min():
        return f"at a constant learning rate of {finite[0]:.3g}"
    return None


def _solver(model):
    """The optimizer a fit used (``"auto"`` resolved), or None if unknown."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            solver = model._resolve()["optimizer"]
    except Exception:  # a model from elsewhere: the summary names no solver
        return None
    # Parameters changed since the fit may name another solver: only a linear
    # solve (one record) is described.
    return solver if getattr(solver, "solves_linear", False) else None


def _solve_summary(fig, model, frame) -> Any:
    """A one-record history (a direct or coordinate-descent solve), summed up."""
    record = frame.iloc[0]
    n_iter, loss = int(record["epoch"]), float(record["loss"])
    ax_point, ax_text = fig.subplots(1, 2, width_ratios=[1.0, 1.5])
    ax_point.plot([n_iter], [loss], "o", markersize=8, color="tab:blue")
    ax_point.set_xlim(0, max(n_iter, 1) * 1.25)
    ax_point.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    ax_point.annotate(
        f"{loss:.4g}", (n_iter, loss), xytext=(-8, 8), textcoords="offset points",
        ha="right", fontsize="small",
    )  # fmt: skip
    ax_point.set_xlabel("solver iterations")
    ax_point.set_ylabel("training objective")
    ax_point.set_title("Final objective")
    ax_text.axis("off")
    ax_text.text(
        0.0, 0.5, "\n".join(_solve_lines(model, record, n_iter, loss)),
        va="center", ha="left", fontsize=9, transform=ax_text.transAxes,
    )  # fmt: skip
    fig.suptitle(f"Training of {type(model).__name__}: one solve")
    return fig


def _solve_lines(model, record, n_iter: int, loss: float) -> list[str]:
    """The summary's lines: solver, iterations, convergence, objective, norms."""
    solver = _solver(model)
    name = type(solver).__name__ if solver is not None else "unknown"
    label = getattr(solver, "name", None)
    lines = [f"Solver: {name}" + (f" ({label!r})" if label else "")]
    doc = (getattr(type(solver), "__doc__", None) or "").strip().splitlines()
    if doc:  # the docstring's summary line, its reST markup taken off
        doc = [re.sub(r":\w+:`~?([^`]*)`", r"\1", doc[0]).replace("`", "")]
        lines += textwrap.wrap(doc[0], 52, initial_indent="  ", subsequent_indent="  ")
    max_iter = getattr(model, "max_iter", None)
    lines.append(
        f"Iterations: {n_iter:,}" + (f" (max_iter={max_iter:,})" if max_iter else "")
    )
    if max_iter:
        stopped = n_iter >= max_iter
        lines.append(
            "Converged: no, stopped at max_iter" if stopped else "Converged: yes"
        )
    lines.append(f"Final objective: {loss:.6g}")
    grads = [float(v) for k, v in record.items() if k.startswith("grad_norm_")]
    weights = [float(v) for k, v in record.items() if k.startswith("weight_norm_")]
    if grads:
        lines.append(f"Gradient norm (smooth part): {max(grads):.3g}")
    if weights:
        lines.append(f"Weight norm: {max(weights):.4g}")
    val = record.get("val_score")
    if val is not None and np.isfinite(float(val)):
        lines.append(f"Validation score: {float(val):.4g}")
    return lines


def _loss_panel(ax, frame, epochs) -> None:
    loss = frame["loss"].to_numpy(dtype=float)
    ax.plot(epochs, loss, color="tab:blue")
    ax.set_ylabel("training objective", color="tab:blue")
    finite = loss[np.isfinite(loss)]
    if finite.size and np.all(finite > 0) and finite.max() / finite.min() > 100:
        ax.set_yscale("log")  # several orders of magnitude: a log axis shows the tail
    ax.set_title("Loss")
    val = frame.get("val_score")
    if val is None or not val.notna().any():
        return
    ax_val = ax.twinx()
    ax_val.plot(epochs, val.astype(float), color="tab:orange")
    ax_val.set_ylabel("validation score", color="tab:orange")
    ax.set_title("Loss (blue) and validation score (orange)")


def _rate_panel(ax, frame, epochs) -> None:
    rate = frame["learning_rate"].to_numpy(dtype=float)
    finite = rate[np.isfinite(rate) & (rate > 0)]
    ax.plot(epochs, rate, color="tab:green")
    if finite.max() / finite.min() > 10:  # it changes: there is a finite rate
        ax.set_yscale("log")
    else:
        ax.ticklabel_format(axis="y", style="plain", useOffset=False)
    ax.set_ylabel("learning rate")
    ax.set_title("Learning rate")


def _norm_panel(ax, frame, epochs, prefix, n_layers) -> None:
    drawn = False
    for layer in range(n_layers):
        column = f"{prefix}_{layer}"
        if column not in frame or not np.isfinite(frame[column].astype(float)).any():
            continue
        values = frame[column].astype(float)
        ax.plot(epochs, values, label=_layer_name(layer, n_layers), marker=".")
        drawn = True
    ax.set_ylabel("Frobenius norm")
    if not drawn:
        ax.text(
            0.5, 0.5, "not recorded", ha="center", va="center", transform=ax.transAxes
        )  # fmt: skip
        return
    ax.set_yscale("log")


def plot_regularization_path(
    estimator: Any,
    X: Any = None,
    y: Any = None,
    alphas: Any = None,
    *,
    output: Any = None,
    ax: Any = None,
    features: bool = False,
    **path_params: Any,
) -> Any:
    """Coefficients against the penalty strength, on a log alpha axis.

    Computes :func:`skweights.inspection.regularization_path` (or takes one already
    computed) and draws one line per coefficient (linear models) or per layer's
    weight norm (MLPs); alpha decreases to the right, so features enter the model as
    the penalty weakens. The number of non-zero weights is shown on a top axis.
    Lines have distinct colours (up to 20; a legend beside the axes names them).

    A linear model with several outputs (classes, targets) draws one colour per
    feature and one line style per output, named in the legend (``output=``
    draws one output alone); with more than four outputs, pick one with
    ``output=``. With ``features=True`` (feature selection, e.g.
    ``penalty=["group_l1", "l2"]``), one line per input feature instead, the norm
    of its row of the first weight matrix (0 while the feature is out), for linear
    models and MLPs alike, and the top axis counts the selected features.

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
    output : class label, int or None, default=None
        For a linear model with several outputs, draw this one's coefficients only
        (a class label of a classifier, else the output's index), and count its
        non-zero coefficients on the top axis; None draws them all.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    features : bool, default=False
        Draw each input feature's first-layer row norm, and count selected
        features on the top axis.
    **path_params
        Passed to ``regularization_path`` (``n_alphas``, ``eps``...).

    Returns
    -------
    ax : matplotlib Axes
        One line per coefficient (per input feature with ``features=True``).

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
    if output is not None and (features or path.coefs is None):
        raise ValueError(
            "plot_regularization_path: output= picks one output's coefficients of "
            "a linear model; it does not apply with features=True or to an MLP."
        )
    ax = _new_ax(ax, figsize=(7.5, 4.8))
    counts, count_label = path.n_nonzero, "non-zero weights"
    title = "Regularization path"
    if features:
        handles = _feature_lines(ax, path)
        counts, count_label = path.n_features_selected, "selected features"
    elif path.coefs is not None:
        handles, column = _coefficient_lines(ax, path, output)
        if column is not None and path.coefs.ndim == 3:
            name = _path_outputs(path)[column]
            title += f" for {_output_label(path, name)}"
            counts = np.count_nonzero(path.coefs[column], axis=0)
            count_label = "non-zero coefficients"
    else:
        colours = _distinct_colours(len(path.weights[0]))
        for layer, colour in zip(range(len(path.weights[0])), colours):
            norms = [np.linalg.norm(ws[layer]) for ws in path.weights]
            ax.plot(path.alphas, norms, label=f"layer {layer}", color=colour)
        ax.set_ylabel("weight norm (Frobenius)")
        handles = ax.get_lines()
    ax.set_xscale("log")
    ax.set_xlim(path.alphas.max(), path.alphas.min())  # strong to weak, left to right
    ax.set_xlabel("alpha (penalty strength)")
    ax.set_title(title, pad=32)  # room for the top axis
    if len(handles) <= _MAX_LEGEND:  # beside the axes: no data hidden
        ax.legend(
            handles=handles, fontsize="small", loc="center left",
            bbox_to_anchor=(1.02, 0.5),
        )  # fmt: skip
    top = ax.secondary_xaxis("top")
    ticks = np.unique(np.linspace(0, path.alphas.size - 1, 6).astype(int))
    top.set_xticks(path.alphas[ticks], [str(n) for n in counts[ticks]])
    top.set_xlabel(count_label)
    return ax


_MAX_LEGEND = 20  # legend entries beside a path; more would not fit its height
_LINE_STYLES = ("-", "--", ":", "-.")  # one per output of a multi-output path


def _distinct_colours(n: int) -> list:
    """``n`` colours, all different: tab10, tab20, then a sampled colormap."""
    if n <= 10:
        return list(plt.get_cmap("tab10").colors[:n])
    if n <= 20:
        return list(plt.get_cmap("tab20").colors[:n])
    return list(plt.get_cmap("turbo")(np.linspace(0.05, 0.95, n)))


def _path_outputs(path: RegularizationPath) -> list[str]:
    n_out = path.coefs.shape[0]
    return path.output_names or [f"output {k}" for k in range(n_out)]


def _path_column(path: RegularizationPath, output) -> int:
    """The output a user named (class label or index), as an index into coefs."""
    names = _path_outputs(path)
    if str(output) in names:
        return names.index(str(output))
    if isinstance(output, numbers.Integral) and 0 <= output < len(names):
        return int(output)
    raise ValueError(
        f"plot_regularization_path: output={output!r} is not one of the path's "
        f"outputs ({', '.join(names)})."
    )


def _coefficient_lines(ax, path: RegularizationPath, output) -> tuple[list, Any]:
    """One line per coefficient; the legend's handles and the output drawn alone."""
    names = list(path.feature_names)
    colours = _distinct_colours(len(names))
    ax.set_ylabel("coefficient")
    ax.axhline(0.0, color="black", linewidth=0.8)
    if path.coefs.ndim == 2 or path.coefs.shape[0] == 1 or output is not None:
        column = 0 if output is None else _path_column(path, output)
        coefs = path.coefs if path.coefs.ndim == 2 else path.coefs[column]
        lines = [
            ax.plot(path.alphas, line, label=name, color=colour)[0]
            for name, line, colour in zip(names, coefs, colours)
        ]
        return lines, column
    outputs = _path_outputs(path)
    if len(outputs) > len(_LINE_STYLES):
        raise ValueError(
            f"plot_regularization_path: the path has {len(outputs)} outputs "
            f"({', '.join(outputs[:5])}, ...), too many lines for one axes: pick "
            "one with output=, or pass features=True for each feature's norm."
        )
    for coefs, style in zip(path.coefs, _LINE_STYLES):
        for line, colour in zip(coefs, colours):
            ax.plot(path.alphas, line, color=colour, linestyle=style)
    handles = [Line2D([], [], color=c, label=name) for name, c in zip(names, colours)]
    handles += [
        Line2D([], [], color="0.3", linestyle=style, label=_output_label(path, name))
        for name, style in zip(outputs, _LINE_STYLES)
    ]
    return handles, None


def _output_label(path: RegularizationPath, name: str) -> str:
    """``"class Gentoo"`` for a classifier's output (not ``"class class_0"``)."""
    if path.output_names is None or name.lower().startswith("class"):
        return name
    return f"class {name}"


def _feature_lines(ax, path: RegularizationPath) -> list:
    """One line per input feature: its first-layer row norm along the path."""
    norms = np.array([np.linalg.norm(ws[0], axis=1) for ws in path.weights]).T
    colours = _distinct_colours(len(path.feature_names))
    for name, line, colour in zip(path.feature_names, norms, colours):
        ax.plot(path.alphas, line, label=name, color=colour)
    ax.set_ylabel("input weight norm (first-layer row)")
    return ax.get_lines()


from ._cv_plot import plot_cv_path  # noqa: E402
from ._lr_range import plot_learning_rate_range  # noqa: E402
from ._network_diagram import plot_network  # noqa: E402
from ._weight_evolution import plot_weight_evolution  # noqa: E402
