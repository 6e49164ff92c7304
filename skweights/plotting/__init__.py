"""Figures of fitted models: weights, networks, training histories, paths (matplotlib).

Needs the optional extra ``pip install skweights[plot]``. One contract for every
function:

- a **single-panel** plot takes ``ax=`` and always returns that
  :class:`~matplotlib.axes.Axes`;
- a **multi-panel** plot (one panel per layer or per quantity) takes ``fig=`` (a
  Figure or SubFigure) and always returns it; a Figure without a layout engine gets
  matplotlib's constrained layout, so its panels and twin axes do not overlap;
- without ``ax=``/``fig=`` a new figure is made, sized for what it shows (a taller
  bar chart for more features, at most ``top`` features by default for wide models).

Every figure labels its axes and uses the input feature names when the model was
fitted on a DataFrame. A :class:`~sklearn.pipeline.Pipeline` ending in a skweights
estimator is accepted wherever a model is (its last step is drawn).
"""

try:
    import matplotlib  # noqa: F401
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "skweights.plotting needs matplotlib: pip install skweights[plot]"
    ) from error

from .._lr_range import plot_learning_rate_range
from ._cv_path import plot_cv_path
from ._network_diagram import plot_network
from ._regularization_path import plot_regularization_path
from ._training_history import plot_training_history
from ._weight_evolution import plot_weight_evolution
from ._weights import plot_coefficients, plot_weight_heatmap, plot_weight_histogram

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
