"""Linear models: a network with no hidden layer, on the shared engine."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin

from . import optimizers, penalties
from ._base import (
    BaseNetwork,
    ClassifierOutputMixin,
    RegressorOutputMixin,
    RegressorPartialFitMixin,
    store_params,
)
from ._docs import (
    FITTED_ATTRIBUTES,
    REGRESSION_LOSS,
    TRAINING_PARAMETERS,
    indent_doc,
)
from ._validation import FLAG

_TOL_DOC = """\
tol : float, default=1e-4
    Improvement below which an epoch counts as no progress; the gradient tolerance
    of full-batch solvers.
"""

_POSITIVE_DOC = """\
positive : bool, default=False
    Constrain the weights (not the intercepts) to be non-negative, as scikit-learn's
    ``positive=True``. Every optimizer honours it: a projected step for the
    minibatch optimizers and FISTA, bounds for L-BFGS, positive coordinate descent,
    NNLS for ``"direct"``.
"""


def _linear_parameters(optimizer_note: str, tol_doc: str) -> str:
    text = TRAINING_PARAMETERS.format(
        initializer="zeros",
        initializer_note=" Zeros suit convex problems and make fits deterministic.",
        penalty="l2",
        alpha=1e-4,
        optimizer="auto",
        optimizer_note=optimizer_note,
        max_iter=1000,
    )
    assert _TOL_DOC in text  # the shared fragment's tol paragraph is replaced
    return indent_doc(text.replace(_TOL_DOC, tol_doc) + _POSITIVE_DOC)


_REGRESSOR_PARAMETERS = _linear_parameters(
    ' ``"auto"``: ``"direct"`` for penalties without an L1 part (the exact '
    'solution, as ``Ridge``/``LinearRegression``), ``"cd"`` (coordinate descent, '
    'as ``Lasso``/``ElasticNet``) for ``"l1"`` and ``"elasticnet"``; for the '
    'piecewise-linear losses (``"quantile"``, ``"absolute_error"``) ``"lp"`` (the '
    'exact linear program, as ``QuantileRegressor``) with ``"l1"`` or ``"none"`` '
    'and ``"qp"`` (the exact quadratic program) with ``"l2"`` or ``"elasticnet"``; '
    'else Adam; Adam in ``partial_fit``. ``"direct"`` and ``"cd"`` solve the '
    'squared error only, ``"lp"`` and ``"qp"`` the piecewise-linear losses.',
    """\
tol : float, default=1e-4
    Coordinate descent (``"cd"``, the default for ``"l1"``/``"elasticnet"``): as in
    scikit-learn's ``Lasso``, a target is solved when the duality gap is below
    ``tol`` times the weighted sum of squares of its centred targets. ``"direct"``,
    ``"lp"`` and ``"qp"`` do not use it. Minibatch optimizers: improvement below
    which an epoch counts as no progress; L-BFGS/FISTA: the gradient tolerance.
""",
)
_CLASSIFIER_PARAMETERS = _linear_parameters(
    ' ``"auto"``: L-BFGS for smooth penalties, FISTA (accelerated proximal '
    "gradient) when the penalty has an L1 part, Adam in ``partial_fit``.",
    """\
tol : float, default=1e-4
    L-BFGS/FISTA: the gradient tolerance (scipy's ``gtol``); minibatch optimizers:
    improvement below which an epoch counts as no progress. At the default, L-BFGS
    follows ``LogisticRegression``'s default fit of the same objective (relative
    differences of 1e-15 to 1e-10 on standardized scikit-learn data sets, where that
    fit itself is 1e-3 to 0.3 away from the exact optimum); lower it (e.g. 1e-7)
    for solutions closer to the optimum.
""",
)

_EQUIVALENCES = indent_doc("""\
The objective is the (sample-weighted) mean loss plus the penalty, so:

================================================  ==================================
skweights                                          scikit-learn
================================================  ==================================
``LinearRegressor(penalty="l2", alpha=a)``         ``Ridge(alpha=a * sum(weights))``
``LinearRegressor(penalty="l1", alpha=a)``         ``Lasso(alpha=a)``
``LinearRegressor(penalty="elasticnet", ...)``     ``ElasticNet(alpha=a, l1_ratio=r)``
``LinearClassifier(penalty="l2", alpha=a)``        ``LogisticRegression(C=1/(a*n))``
``LinearClassifier(penalty="l1", alpha=a)``        ``LogisticRegression(l1_ratio=1,
                                                   C=1/(a*n), solver="saga")``
``LinearRegressor(loss="poisson", alpha=a)``       ``PoissonRegressor(alpha=a)``
``LinearRegressor(loss="gamma", alpha=a)``         ``GammaRegressor(alpha=a)``
``LinearRegressor(loss=QuantileLoss(q), ...)``     ``QuantileRegressor(quantile=q,
                                                   alpha=a)`` with ``penalty="l1"``
================================================  ==================================

The L1 logistic regression is ``penalty="l1"`` before scikit-learn 1.8. Its
objectives are equal, but at its defaults (``tol=1e-4``, ``max_iter=100``) saga
stops far from the optimum (coefficients 60% off on 200 standardized rows of
``load_breast_cancer``), skweights' default FISTA about 1% off: lower ``tol`` on
both for closer agreement. The other rows agree at both defaults.
""")


def _piecewise_linear_program(penalty, loss) -> str | None:
    """``"lp"`` or ``"qp"`` for a piecewise-linear loss with an elastic-net penalty.

    Without an L2 part the fit is a linear program, with one a quadratic program;
    None for other losses and for penalties that couple weights.
    """
    if isinstance(penalty, tuple):  # a per-layer list: one layer here
        penalty = penalty[0]
    slopes = getattr(loss, "linear_slopes", None)
    if slopes is None or slopes() is None or not getattr(penalty, "separable", False):
        return None
    return "lp" if penalty.l2_strength == 0 else "qp"


class _LinearMixin:
    """What linear models add: ``fit_intercept``, ``coef_``/``intercept_``, auto."""

    _parameter_constraints: dict = {
        "fit_intercept": FLAG,
        "positive": FLAG,
        **BaseNetwork._parameter_constraints,
    }

    def _hidden_sizes(self) -> tuple[int, ...]:
        return ()

    def _auto_optimizer(self, penalty) -> str:
        if isinstance(penalty, tuple):  # a per-layer list: one layer here
            penalty = penalty[0]
        if (
            not self._is_classifier
            and getattr(self._loss(), "quadratic", False)
            and getattr(penalty, "separable", False)
        ):
            # Exact or coordinate-descent solutions, as scikit-learn's.
            return "direct" if penalty.l1_strength == 0 else "cd"
        return "lbfgs" if penalty.smooth else "fista"

    def _resolve_optimizer(self, penalty, loss, incremental: bool):
        """``"auto"`` with a piecewise-linear loss (quantile, absolute error) and an
        elastic-net penalty is an exact solve: the linear program (``"lp"``, as
        ``QuantileRegressor``) for an L1 penalty or none, the quadratic program
        (``"qp"``) with an L2 part; else the base rule."""
        auto = isinstance(self.optimizer, str) and self.optimizer.lower() == "auto"
        program = _piecewise_linear_program(penalty, loss)
        if auto and not incremental and program is not None:
            return optimizers.get(program)
        return super()._resolve_optimizer(penalty, loss, incremental)

    def _intercept_trainable(self, layer: int, frozen: bool) -> bool:
        # frozen_layers=(0,) keeps coef_ fixed but still fits the intercept.
        return bool(self.fit_intercept)

    def _solve_path(self, X, y, alphas, sample_weight=None):
        """Coefficients along decreasing ``alphas`` by one solver path, or None.

        For :func:`skweights.inspection.regularization_path`: when the optimizer
        ``solves_linear`` (``"auto"``, ``"cd"``, ``"direct"`` on the squared error),
        the data is validated and prepared once and coordinate descent warm-starts
        along the grid as :func:`sklearn.linear_model.enet_path` does. Returns
        ``(path, single_output)`` with ``path`` a list of ``(W, b, n_iter,
        converged)``; None when the model needs the general loop (other optimizers,
        frozen or early-stopped fits).
        """
        resolved = self._resolve()
        optimizer = resolved["optimizer"]
        if not getattr(optimizer, "solves_linear", False) or self._frozen():
            return None
        if self.early_stopping:
            return None
        plan = self._plan(X, y, sample_weight, resolved=resolved, fit=False)
        path = optimizer.solve_path(
            plan.objective, plan.data, plan.config, alphas, plan.coefs[0]
        )
        return path, self._y_was_1d

    def _resolve(self, incremental: bool = False):
        resolved = super()._resolve(incremental)
        if self.positive:
            resolved["penalty"] = penalties.NonNegative(resolved["penalty"])
        return resolved


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
{_REGRESSOR_PARAMETERS}    frozen_layers : tuple of int, default=()
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
        constraint=None,
        monotonic_cst=None,
        optimizer="auto",
        learning_rate=1e-3,
        schedule="constant",
        batch_size="auto",
        max_iter=1000,
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
        positive=False,
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
{_CLASSIFIER_PARAMETERS}    class_weight : dict, "balanced" or None, default=None
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
        constraint=None,
        monotonic_cst=None,
        optimizer="auto",
        learning_rate=1e-3,
        schedule="constant",
        batch_size="auto",
        max_iter=1000,
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
        positive=False,
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
