"""skweights: control, train, inspect and explain the weights of linear models and
small neural networks, inside scikit-learn.

The four estimators share one engine (a linear model is a network with no hidden
layer); their building blocks live in their own modules, each with a registry of
names: :mod:`~skweights.initializers`, :mod:`~skweights.penalties`,
:mod:`~skweights.optimizers`, :mod:`~skweights.schedules`,
:mod:`~skweights.activations` and :mod:`~skweights.losses`.
"""

from . import initializers, transfer
from ._column_map import column_groups
from ._cv_estimators import (
    LinearClassifierCV,
    LinearRegressorCV,
    MLPClassifierCV,
    MLPRegressorCV,
)
from ._explain import explain
from ._onnx import to_onnx
from ._persistence import load, save
from .linear import LinearClassifier, LinearRegressor
from .mlp import MLPClassifier, MLPRegressor

# Pretrained's import path in 0.1, which files saved then name: set here, above both
# modules, since skweights.transfer imports skweights.initializers.
initializers.Pretrained = transfer.Pretrained

__version__ = "0.1.0"

__all__ = [
    "LinearClassifier",
    "LinearClassifierCV",
    "LinearRegressor",
    "LinearRegressorCV",
    "MLPClassifier",
    "MLPClassifierCV",
    "MLPRegressor",
    "MLPRegressorCV",
    "__version__",
    "column_groups",
    "explain",
    "load",
    "save",
    "to_onnx",
]
