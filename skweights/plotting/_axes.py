"""Axes helpers shared by the plots: a new axes, tick labels that fit."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def _new_ax(ax, figsize=None):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


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
