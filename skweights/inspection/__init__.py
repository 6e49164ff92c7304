"""Look inside fitted models: weight summaries, gradients, importances, paths.

Every function takes a fitted skweights estimator (or a
:class:`~sklearn.pipeline.Pipeline` ending in one, whose final step is inspected) and
returns plain numpy/pandas objects; :mod:`skweights.plotting` draws them.

- :func:`layer_summary` — one row of statistics per weight matrix.
- :func:`diagnose_gradients` — per-epoch gradient norms from ``history_``, flags for
  vanishing and exploding gradients, and a verdict with suggestions (a
  :class:`GradientDiagnosis`, which prints the verdict above the table).
- :func:`weight_importance` — feature importances from the weights alone
  (``"coef"``, ``"olden"``, ``"garson"``).
- :func:`regularization_path` — coefficients along a grid of ``alpha``, fitted from
  strong to weak with warm starts, like :func:`sklearn.linear_model.lasso_path`.
- :func:`learning_rate_range` — Smith's learning-rate range test.
"""

from .._lr_range import LearningRateRange, learning_rate_range
from .._pipeline import feature_names  # noqa: F401  (its import path since 0.1)
from ._gradient_diagnosis import GradientDiagnosis, diagnose_gradients
from ._layer_summary import layer_summary
from ._regularization_path import RegularizationPath, regularization_path
from ._weight_importance import weight_importance

__all__ = [
    "GradientDiagnosis",
    "LearningRateRange",
    "RegularizationPath",
    "diagnose_gradients",
    "layer_summary",
    "learning_rate_range",
    "regularization_path",
    "weight_importance",
]
