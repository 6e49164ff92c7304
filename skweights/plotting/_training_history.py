"""The training history drawn: loss, learning rate, gradient and weight norms."""

from __future__ import annotations

import re
import textwrap
import warnings
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .._pipeline import fitted_final


def _layer_name(layer: int, n_layers: int) -> str:
    return "output layer" if layer == n_layers - 1 else f"layer {layer}"


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
