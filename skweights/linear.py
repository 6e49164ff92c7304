"""Linear models: a network with no hidden layer, on the shared engine."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin

from ._base import (
    BaseNetwork,
    ClassifierOutputMixin,
    RegressorOutputMixin,
    RegressorPartialFitMixin,
    _check_bool,
    store_params,
)
from ._docs import (
    FITTED_ATTRIBUTES,
    REGRESSION_LOSS,
    TRAINING_PARAMETERS,
    indent_doc,
)

_LINEAR_PARAMETERS = indent_doc(TRAINING_PARAMETERS).format(
    initializer="zeros",
    initializer_note=" Zeros suit convex problems and make fits deterministic.",
    penalty="l2",
    alpha=1e-4,
    optimizer="auto",
    optimizer_note=(
        ' ``"auto"``: L-BFGS for smooth penalties, FISTA (accelerated proximal '
        "gradient) when the penalty has an L1 part, Adam in ``partial_fit``."
    ),
    max_iter=1000,
)

_EQUIVALENCES = indent_doc("""\
The objective is the (sample-weighted) mean loss plus the penalty, so:

================================================  ==================================
skweights                                          scikit-learn
================================================  ==================================
``LinearRegressor(penalty="l2", alpha=a)``         ``Ridge(alpha=a * n_samples)``
``LinearRegressor(penalty="l1", alpha=a)``         ``Lasso(alpha=a)``
``LinearRegressor(penalty="elasticnet", ...)``     ``ElasticNet(alpha=a, l1_ratio=r)``
``LinearClassifier(penalty="l2", alpha=a)``        ``LogisticRegression(C=1/(a*n))``
``LinearClassifier(penalty="l1", alpha=a)``        ``LogisticRegression(penalty="l1",
                                                   C=1/(a*n), solver="saga")``
``LinearRegressor(loss="poisson", alpha=a)``       ``PoissonRegressor(alpha=a)``
``LinearRegressor(loss="gamma", alpha=a)``         ``GammaRegressor(alpha=a)``
================================================  ==================================
""")


class _LinearMixin:
    """What linear models add: ``fit_intercept``, ``coef_``/``intercept_``, auto."""

    def _hidden_sizes(self) -> tuple[int, ...]:
        return ()

    def _auto_optimizer(self, penalty) -> str:
        return "lbfgs" if penalty.smooth else "fista"

    def _intercept_trainable(self, layer: int, frozen: bool) -> bool:
        # frozen_layers=(0,) keeps coef_ fixed but still fits the intercept.
        return bool(self.fit_intercept)

    def _resolve(self, incremental: bool = False):
        _check_bool(type(self).__name__, "fit_intercept", self.fit_intercept)
        return super()._resolve(incremental)


class LinearRegressor(
    RegressorOutputMixin,
    RegressorPartialFitMixin,
    RegressorMixin,
    _LinearMixin,
    BaseNetwork,
):
    __doc__ = f"""Linear regression with a configurable penalty and optimizer.

    Minimizes ``1/2 * mean_i w_i ||y_i - X_i W - b||^2 / mean(w) + penalty(W)``.

{_EQUIVALENCES}

    Parameters
    ----------
{indent_doc(REGRESSION_LOSS)}    fit_intercept : bool, default=True
        Fit an (unpenalized) intercept.
{_LINEAR_PARAMETERS}    frozen_layers : tuple of int, default=()
        ``(0,)`` keeps ``coef_`` fixed and fits only the intercept.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Weights, in scikit-learn's shape (a view of ``coefs_[0]``).
    intercept_ : float or ndarray of shape (n_targets,)
        Intercept.
{indent_doc(FITTED_ATTRIBUTES)}
    See Also
    --------
    LinearClassifier : the same engine with a logistic/softmax output.
    MLPRegressor : hidden layers on top.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from skweights import LinearRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = LinearRegressor(penalty="l1", alpha=0.1).fit(X, y)
    >>> int((model.coef_ == 0).sum())  # as many exact zeros as Lasso(alpha=0.1)
    3
    """

    def __init__(
        self,
        *,
        loss="squared_error",
        fit_intercept=True,
        initializer="zeros",
        penalty="l2",
        alpha=1e-4,
        l1_ratio=0.5,
        optimizer="auto",
        learning_rate=1e-3,
        schedule="constant",
        batch_size="auto",
        max_iter=1000,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=False,
        validation_fraction=0.1,
        shuffle=True,
        warm_start=False,
        random_state=None,
        verbose=0,
        on_divergence="raise",
        frozen_layers=(),
    ):
        store_params(self, locals())

    @property
    def coef_(self) -> np.ndarray:
        """Weights in scikit-learn's shape; writing to it writes ``coefs_[0]``."""
        W = self.coefs_[0]
        return W[:, 0] if self._y_was_1d else W.T

    @coef_.setter
    def coef_(self, value) -> None:
        W = self.coefs_[0]
        W[...] = np.asarray(value).reshape(W.shape[::-1]).T

    @property
    def intercept_(self):
        """Intercept: a float for one target, else one per target."""
        b = self.intercepts_[0]
        return b.dtype.type(b[0]) if self._y_was_1d else b

    @intercept_.setter
    def intercept_(self, value) -> None:
        self.intercepts_[0][...] = value


class LinearClassifier(
    ClassifierOutputMixin, ClassifierMixin, _LinearMixin, BaseNetwork
):
    __doc__ = f"""Logistic (binary) or multinomial (softmax) regression.

    Minimizes the mean log-loss plus the penalty; with ``penalty="l2"`` this is
    scikit-learn's ``LogisticRegression(C=1 / (alpha * n_samples))``, binary and
    multinomial.

{_EQUIVALENCES}

    Parameters
    ----------
    fit_intercept : bool, default=True
        Fit an (unpenalized) intercept per output.
{_LINEAR_PARAMETERS}    class_weight : dict, "balanced" or None, default=None
        Weights per class, multiplied into ``sample_weight``.
    frozen_layers : tuple of int, default=()
        ``(0,)`` keeps ``coef_`` fixed and fits only the intercept.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels; ``arange(n_labels)`` for a multilabel indicator ``y``, which
        fits one logistic regression per label (``coef_`` then has one row per
        label).
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Weights, in scikit-learn's shape (a view of ``coefs_[0]``).
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts.
{indent_doc(FITTED_ATTRIBUTES)}
    See Also
    --------
    LinearRegressor : the same engine with squared error.
    MLPClassifier : hidden layers on top.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skweights import LinearClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> model = LinearClassifier(alpha=1e-3).fit(X, y)
    >>> model.coef_.shape
    (3, 4)
    """

    def __init__(
        self,
        *,
        fit_intercept=True,
        initializer="zeros",
        penalty="l2",
        alpha=1e-4,
        l1_ratio=0.5,
        optimizer="auto",
        learning_rate=1e-3,
        schedule="constant",
        batch_size="auto",
        max_iter=1000,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=False,
        validation_fraction=0.1,
        shuffle=True,
        class_weight=None,
        warm_start=False,
        random_state=None,
        verbose=0,
        on_divergence="raise",
        frozen_layers=(),
    ):
        store_params(self, locals())

    @property
    def coef_(self) -> np.ndarray:
        """Weights in scikit-learn's shape; writing to it writes ``coefs_[0]``."""
        return self.coefs_[0].T

    @coef_.setter
    def coef_(self, value) -> None:
        W = self.coefs_[0]
        W[...] = np.asarray(value).reshape(W.shape[::-1]).T

    @property
    def intercept_(self) -> np.ndarray:
        """Intercepts, one per output column."""
        return self.intercepts_[0]

    @intercept_.setter
    def intercept_(self, value) -> None:
        self.intercepts_[0][...] = value
