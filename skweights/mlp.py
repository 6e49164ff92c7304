"""Multi-layer perceptrons on the shared engine."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin

from . import activations
from ._base import (
    BaseNetwork,
    ClassifierOutputMixin,
    RegressorOutputMixin,
    RegressorPartialFitMixin,
    store_params,
)
from ._docs import (
    FITTED_ATTRIBUTES,
    MLP_DIFFERENCES,
    REGRESSION_LOSS,
    TRAINING_PARAMETERS,
    indent_doc,
)
from ._validation import Interval, check_parameter

_DROPOUT = Interval(0, 1, high_open=True)

_MLP_PARAMETERS = indent_doc(TRAINING_PARAMETERS).format(
    initializer="glorot_uniform",
    initializer_note=(
        " Glorot is scikit-learn's and Keras's default and trains well with every"
        ' activation here; ``"he_uniform"`` suits deep ReLU stacks.'
    ),
    penalty="l2",
    alpha=1e-4,
    optimizer="adam",
    optimizer_note="",
    max_iter=200,
)

# The activation names come from the registry, so a new activation is documented here.
_ACTIVATION_NAMES = ", ".join(f'``"{name}"``' for name in activations.REGISTRY.entries)
_MLP_HEAD = indent_doc(f"""\
hidden_layer_sizes : tuple of int, default=(100,)
    Width of each hidden layer.
activation : str or Activation, default="relu"
    Hidden activation: one of {_ACTIVATION_NAMES}
    (see :mod:`skweights.activations`), or an activation object.
""")

_MLP_TAIL = indent_doc("""\
dropout : float in [0, 1) or list of float, default=0.0
    Inverted dropout on the hidden layers: during training each hidden unit's
    output is zeroed with this probability (drawn anew for every minibatch,
    from ``random_state``) and the others are scaled by ``1 / (1 - rate)``, so
    ``predict`` and :func:`skweights.explain` use the network as it is, with no
    dropout and no rescaling. A list gives one rate per hidden layer. Needs a
    minibatch optimizer (the full-batch solvers refuse it).
input_dropout : float in [0, 1), default=0.0
    The same on the input features.
frozen_layers : tuple of int, default=()
    Layers (0 is the first; negative indices count from the output layer, -1)
    whose weights and biases ``fit`` leaves untouched, e.g. a pretrained feature
    extractor. Freezing every layer trains nothing and warns.
""")


_REGRESSOR_DIFFERENCES = indent_doc(
    MLP_DIFFERENCES.format(
        name="MLPRegressor",
        extra=(
            "\n- ``loss`` is keyword-only (scikit-learn's first positional "
            "argument) and\n  offers more losses: ``gamma``, ``huber``, "
            "``absolute_error``, ``quantile``."
        ),
    )
).rstrip()

_CLASSIFIER_DIFFERENCES = indent_doc(
    MLP_DIFFERENCES.format(
        name="MLPClassifier",
        extra=(
            "\n- ``class_weight`` exists (not in scikit-learn's MLP); it is "
            "refused for\n  multilabel ``y``."
        ),
    )
).rstrip()


class _MLPMixin:
    """What MLPs add: hidden layers and their activation."""

    _parameter_constraints: dict = {
        **BaseNetwork._parameter_constraints,
        "input_dropout": _DROPOUT,
    }

    def _hidden_sizes(self) -> tuple[int, ...]:
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral):
            sizes = (sizes,)
        try:
            sizes = tuple(sizes)
        except TypeError:
            sizes = None
        if sizes is None or not all(
            isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 1
            for n in sizes
        ):
            raise ValueError(
                f"{type(self).__name__}: hidden_layer_sizes must be a tuple of "
                f"positive integers such as (64, 32); got {self.hidden_layer_sizes!r}."
            )
        return tuple(int(n) for n in sizes)

    def _resolve(self, incremental: bool = False):
        self._hidden_sizes()
        self._dropout_rates()
        return super()._resolve(incremental)

    def _dropout_rates(self) -> tuple:
        """``(input_dropout, rate of hidden layer 1, ...)``, validated."""
        owner, n_hidden = type(self).__name__, len(self._hidden_sizes())
        rates = self.dropout
        if not isinstance(rates, (list, tuple)):
            rates = [rates] * n_hidden
        elif len(rates) != n_hidden:
            raise ValueError(
                f"{owner}: dropout has {len(rates)} rates but the network has "
                f"{n_hidden} hidden layers; give one rate per hidden layer or a "
                "single rate for all."
            )
        for name, rate in [("input_dropout", self.input_dropout)] + [
            ("dropout", r) for r in rates
        ]:
            check_parameter(owner, name, rate, _DROPOUT)
        return (float(self.input_dropout), *(float(r) for r in rates))

    @property
    def feature_importances_(self) -> np.ndarray:
        """Each input feature's share of the first layer's weight norms.

        ``input_weight_norms_ / input_weight_norms_.sum()`` (zeros if every norm is
        0), shape ``(n_features_in_,)``: what
        :class:`~sklearn.feature_selection.SelectFromModel` reads with its default
        ``importance_getter="auto"`` (the linear models give it ``coef_``). Like
        the norms, it depends on the features' scales and ignores the later
        layers: standardize the features first, and use :func:`skweights.explain`
        or permutation importance to measure effects on predictions.
        """
        norms = self.input_weight_norms_
        total = norms.sum()
        return norms / total if total > 0 else np.zeros_like(norms)


class MLPRegressor(
    RegressorOutputMixin,
    RegressorPartialFitMixin,
    RegressorMixin,
    _MLPMixin,
    BaseNetwork,
):
    __doc__ = f"""Multi-layer perceptron regressor with controllable weights.

    Minimizes the (sample-weighted) mean loss, by default half the squared error
    ``1/2 ||y - f(X)||^2``, plus the penalty on every weight matrix. The last
    layer is linear; the loss's link maps it to the prediction (``exp`` for
    ``loss="poisson"`` and ``"gamma"``).

    Parameters
    ----------
{_MLP_HEAD}{indent_doc(REGRESSION_LOSS)}{_MLP_PARAMETERS}{_MLP_TAIL}
    Attributes
    ----------
{indent_doc(FITTED_ATTRIBUTES)}
    See Also
    --------
    MLPClassifier : the same network with a logistic/softmax output.
    LinearRegressor : no hidden layer.

    Notes
    -----
{_REGRESSOR_DIFFERENCES}

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from skweights import MLPRegressor
    >>> X, y = make_regression(n_samples=200, n_features=5, random_state=0)
    >>> model = MLPRegressor(hidden_layer_sizes=(16,), max_iter=5,
    ...                      random_state=0).fit(X, y)
    >>> [W.shape for W in model.coefs_]
    [(5, 16), (16, 1)]
    """

    _ravel_column_y = True  # as scikit-learn's MLPRegressor

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        loss="squared_error",
        initializer="glorot_uniform",
        penalty="l2",
        alpha=1e-4,
        l1_ratio=0.5,
        constraint=None,
        monotonic_cst=None,
        dropout=0.0,
        input_dropout=0.0,
        optimizer="adam",
        learning_rate=1e-3,
        schedule="constant",
        batch_size="auto",
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=False,
        validation_fraction=0.1,
        scoring=None,
        shuffle=True,
        warm_start=False,
        random_state=None,
        verbose=0,
        on_divergence="raise",
        record_weights=False,
        frozen_layers=(),
    ):
        store_params(self, locals())


class MLPClassifier(ClassifierOutputMixin, ClassifierMixin, _MLPMixin, BaseNetwork):
    __doc__ = f"""Multi-layer perceptron classifier with controllable weights.

    Minimizes the (sample-weighted) mean log-loss (logistic output for two classes,
    softmax for more) plus the penalty on every weight matrix.

    Parameters
    ----------
{_MLP_HEAD}{_MLP_PARAMETERS}    class_weight : dict, "balanced" or None, default=None
        Weights per class, multiplied into ``sample_weight``.
{_MLP_TAIL}
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels; ``arange(n_labels)`` for a multilabel indicator ``y`` (one
        logistic output per label, as scikit-learn's multilabel MLP).
{indent_doc(FITTED_ATTRIBUTES)}
    See Also
    --------
    MLPRegressor : the same network with squared error.
    LinearClassifier : no hidden layer.

    Notes
    -----
{_CLASSIFIER_DIFFERENCES}

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skweights import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> model = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5,
    ...                       random_state=0).fit(X, y)
    >>> [W.shape for W in model.coefs_]
    [(4, 8), (8, 3)]
    """

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        initializer="glorot_uniform",
        penalty="l2",
        alpha=1e-4,
        l1_ratio=0.5,
        constraint=None,
        monotonic_cst=None,
        dropout=0.0,
        input_dropout=0.0,
        optimizer="adam",
        learning_rate=1e-3,
        schedule="constant",
        batch_size="auto",
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=False,
        validation_fraction=0.1,
        scoring=None,
        shuffle=True,
        class_weight=None,
        warm_start=False,
        random_state=None,
        verbose=0,
        on_divergence="raise",
        record_weights=False,
        frozen_layers=(),
    ):
        store_params(self, locals())
