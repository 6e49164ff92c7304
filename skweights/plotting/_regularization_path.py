"""A regularization path drawn: coefficients (or row norms) against alpha."""

from __future__ import annotations

import numbers
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from ..inspection import RegularizationPath, regularization_path
from ._axes import _new_ax


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
