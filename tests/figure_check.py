"""Checks of a drawn matplotlib figure: is every text readable, every panel filled?

A test helper, not part of the package: the tests of :mod:`skweights.plotting`
import it, and so does the documentation build (``docs/conf.py`` checks every
figure the user guide and the gallery save). After
``fig.canvas.draw()`` it looks for

- two text artists that overlap: tick labels, axis labels, offset texts, titles,
  suptitles, legends (each legend counts as one box), annotations and other texts,
  colorbar labels, twin and secondary axes included;
- a text artist cut off by the figure edge;
- an axes that holds data artists (lines, collections, patches, images) none of
  which has a finite point inside the axes' limits (an "empty" panel);
- text smaller than ``min_fontsize`` points as shown (a figure wider than
  ``display_width`` inches is scaled down by the page, and its text with it);
- a figure size outside ``min_size`` .. ``max_size`` inches.

Reference lines (``axvline``, ``axhline``: partly in axes coordinates) and colorbar
axes are not data; the tick labels of an axes turned off (``ax.axis("off")``, a
panel of text) are not drawn, so not checked. Matplotlib is imported lazily, so
importing this module is free.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["FigureCheckError", "assert_figure_ok", "figure_problems"]

_TOLERANCE_PX = 1.0  # overlaps and clipping of at most this many pixels are ignored


class FigureCheckError(AssertionError):
    """A figure failed :func:`assert_figure_ok`; the message lists every problem."""


def assert_figure_ok(fig: Any, name: str = "figure", **limits: Any) -> None:
    """Raise :class:`FigureCheckError` if :func:`figure_problems` finds any problem.

    Parameters
    ----------
    fig : matplotlib Figure
        The figure to check; it is drawn first.
    name : str, default="figure"
        Named in the error message.
    **limits
        Passed to :func:`figure_problems`.
    """
    problems = figure_problems(fig, **limits)
    if problems:
        raise FigureCheckError(
            f"{name}: {len(problems)} problem(s):\n  " + "\n  ".join(problems)
        )


def figure_problems(
    fig: Any,
    *,
    min_size: tuple[float, float] = (2.0, 1.5),
    max_size: tuple[float, float] = (16.0, 14.0),
    min_fontsize: float = 5.5,
    display_width: float | None = None,
) -> list[str]:
    """Draw ``fig`` and list what is wrong with it (empty when nothing is).

    Parameters
    ----------
    fig : matplotlib Figure
        The figure to check.
    min_size, max_size : tuple of float, default=(2, 1.5) and (16, 14)
        Bounds of the figure's (width, height) in inches.
    min_fontsize : float, default=5.5
        Smallest font size, in points as displayed, a text may have.
    display_width : float, default=None
        Width in inches at which the figure is shown (a documentation page shows a
        wider figure scaled down to it); None checks the sizes as drawn.

    Returns
    -------
    problems : list of str
        One sentence per problem.
    """
    problems = _size_problems(fig, min_size, max_size)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = _text_boxes(fig, renderer)
    problems += _overlap_problems(texts)
    problems += _clipping_problems(texts, fig.bbox)
    scale = 1.0
    if display_width is not None:
        scale = min(1.0, display_width / fig.get_figwidth())
    problems += _fontsize_problems(texts, scale, min_fontsize)
    for index, ax in enumerate(fig.axes):
        if ax.get_visible() and _has_data_outside_only(ax):
            problems.append(
                f"axes {index} ({_describe_axes(ax)}) has data artists but no finite "
                "data inside its limits"
            )
    return problems


def _size_problems(fig, min_size, max_size) -> list[str]:
    width, height = fig.get_size_inches()
    if min_size[0] <= width <= max_size[0] and min_size[1] <= height <= max_size[1]:
        return []
    return [
        f"figure size {width:.3g} x {height:.3g} in is outside "
        f"{min_size[0]:g} x {min_size[1]:g} .. {max_size[0]:g} x {max_size[1]:g} in"
    ]


def _describe_axes(ax) -> str:
    title = ax.get_title() or ax.get_title("left") or ax.get_ylabel()
    return repr(title) if title else "untitled"


def _visible_text(artist) -> bool:
    return bool(artist.get_visible() and artist.get_text().strip())


def _axis_texts(axis) -> list:
    texts = [axis.label, axis.get_offset_text()]
    for tick in axis._update_ticks():  # the ticks actually drawn (inside the view)
        texts += [tick.label1, tick.label2]
    return texts


def _axes_texts(ax) -> list:
    texts = [ax.title, ax._left_title, ax._right_title, *ax.texts]
    for name in ("xaxis", "yaxis"):
        axis = getattr(ax, name, None)
        if ax.axison and axis is not None and axis.get_visible():  # axis("off"): none
            texts += _axis_texts(axis)
    for child in getattr(ax, "child_axes", []):  # secondary_xaxis / secondary_yaxis
        if child.get_visible():
            texts += _axes_texts(child)
    return texts


def _text_boxes(fig, renderer) -> list[tuple[str, Any, Any]]:
    """(description, artist, window bbox) of every visible text and legend."""
    candidates = list(fig.texts)
    candidates += [getattr(fig, name, None) for name in ("_suptitle", "_supxlabel")]
    candidates.append(getattr(fig, "_supylabel", None))
    legends = list(fig.legends)
    for ax in fig.axes:
        if not ax.get_visible() or not ax.axison and not ax.texts:
            continue
        candidates += _axes_texts(ax)
        if ax.get_legend() is not None:
            legends.append(ax.get_legend())
    boxes = []
    seen = set()
    for artist in candidates:
        if artist is None or id(artist) in seen or not _visible_text(artist):
            continue
        seen.add(id(artist))
        boxes.append((repr(artist.get_text()), artist, _ink_box(artist, renderer)))
    for legend in legends:
        if legend.get_visible():
            box = legend.get_window_extent(renderer)
            boxes.append(("legend", legend, box))
    return boxes


def _ink_box(text, renderer):
    """The window box of ``text`` without its leading or trailing blank lines."""
    from matplotlib.transforms import Bbox

    box = text.get_window_extent(renderer)
    content = text.get_text()
    n_lines = content.count("\n") + 1
    above = len(content) - len(content.lstrip("\n"))
    below = len(content) - len(content.rstrip("\n"))
    if n_lines == 1 or above + below >= n_lines:
        return box
    line = box.height / n_lines
    return Bbox.from_extents(
        box.x0, box.y0 + below * line, box.x1, box.y1 - above * line
    )


def _overlap(a, b) -> bool:
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return width > _TOLERANCE_PX and height > _TOLERANCE_PX


def _overlap_problems(texts) -> list[str]:
    problems = []
    for i, (name_a, artist_a, box_a) in enumerate(texts):
        for name_b, artist_b, box_b in texts[i + 1 :]:
            if _inside_legend(artist_a, artist_b) or _overlay(artist_a, artist_b):
                continue
            if _overlap(box_a, box_b):
                problems.append(f"text {name_a} overlaps {name_b}")
    return problems


def _overlay(a, b) -> bool:
    """Whether ``a`` and ``b`` are one label drawn in two layers (as shap does).

    The same text written twice, or a text written over the end or the start of a
    longer one (``"0.8 = age"`` over ``" age"``, to colour part of a label), on the
    same baseline.
    """
    if not (hasattr(a, "get_position") and hasattr(b, "get_position")):
        return False
    text_a, text_b = a.get_text().strip(), b.get_text().strip()
    short, long = sorted((text_a, text_b), key=len)
    if not (long.endswith(short) or long.startswith(short)):
        return False
    ya = a.get_transform().transform(a.get_position())[1]
    yb = b.get_transform().transform(b.get_position())[1]
    return abs(ya - yb) <= _TOLERANCE_PX


def _inside_legend(a, b) -> bool:
    from matplotlib.legend import Legend

    for legend, other in ((a, b), (b, a)):
        if isinstance(legend, Legend) and other in legend.get_texts():
            return True
    return False


def _clipping_problems(texts, figure_box) -> list[str]:
    problems = []
    for name, _, box in texts:
        if (
            box.x0 < figure_box.x0 - _TOLERANCE_PX
            or box.y0 < figure_box.y0 - _TOLERANCE_PX
            or box.x1 > figure_box.x1 + _TOLERANCE_PX
            or box.y1 > figure_box.y1 + _TOLERANCE_PX
        ):
            problems.append(f"text {name} is cut off by the figure edge")
    return problems


def _fontsize_problems(texts, scale, min_fontsize) -> list[str]:
    problems = []
    for name, artist, _ in texts:
        texts_in = artist.get_texts() if hasattr(artist, "get_texts") else [artist]
        sizes = [t.get_fontsize() for t in texts_in if _visible_text(t)]
        if sizes and min(sizes) * scale < min_fontsize:
            problems.append(
                f"text {name} is shown at {min(sizes) * scale:.2g} pt "
                f"(< {min_fontsize:g} pt)"
            )
    return problems


def _data_points(ax, artist) -> np.ndarray | None:
    """Data-space points of a data artist, None for anything that is not data."""
    from matplotlib.collections import Collection
    from matplotlib.image import AxesImage
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if not artist.get_visible() or artist.get_transform() != ax.transData:
        if not isinstance(artist, Collection):
            return None
    if isinstance(artist, Line2D):
        return np.asarray(artist.get_xydata(), dtype=float)
    if isinstance(artist, AxesImage):
        x0, x1, y0, y1 = artist.get_extent()
        return np.array([[x0, y0], [x1, y1], [(x0 + x1) / 2, (y0 + y1) / 2]])
    if isinstance(artist, Patch):
        corners = artist.get_path().vertices
        return artist.get_patch_transform().transform(corners)
    if isinstance(artist, Collection):
        if artist.get_offset_transform() == ax.transData and len(artist.get_offsets()):
            return np.asarray(artist.get_offsets(), dtype=float)
        if artist.get_transform() != ax.transData:
            return None
        paths = [p.vertices for p in artist.get_paths() if len(p.vertices)]
        return np.concatenate(paths) if paths else np.empty((0, 2))
    return None


def _has_data_outside_only(ax) -> bool:
    """True when ``ax`` has data artists but no finite point inside its limits."""
    if hasattr(ax, "_colorbar") or not ax.axison:
        return False
    (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
    found = False
    for artist in ax.get_children():
        points = _data_points(ax, artist)
        if points is None:
            continue
        found = True
        points = points[np.isfinite(points).all(axis=1)]
        inside = (
            (points[:, 0] >= x0)
            & (points[:, 0] <= x1)
            & (points[:, 1] >= y0)
            & (points[:, 1] <= y1)
        )
        if inside.any():
            return False
    return found
