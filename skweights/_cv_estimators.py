"""The four CV estimators: explicit signatures (the base estimator's parameters
without ``alpha``, plus the grid and the cross-validation), docstrings built from
the base estimators' so the two stay consistent. The machinery is in ``_cv.py``."""

from __future__ import annotations

from ._base import store_params
from ._cv import _cv_doc, _CVMixin, _LinearRegressorCVMixin
from .linear import LinearClassifier, LinearRegressor
from .mlp import MLPClassifier, MLPRegressor

_LOO = (
    '; for ``loss="squared_error"`` with ``penalty="l2"`` it is '
    "``RidgeCV``'s efficient leave-one-out (one split per sample with the "
    "default scoring), a closed form over the whole grid"
)


class LinearRegressorCV(_LinearRegressorCVMixin, LinearRegressor):
    __doc__ = (
        _cv_doc(
            LinearRegressor,
            "Linear regression with ``alpha`` chosen by cross-validation.",
            100,
            _LOO,
            'minus the mean squared error for ``loss="squared_error"`` (as '
            "``LassoCV``, ``ElasticNetCV`` and ``RidgeCV``), else the estimator's "
            "``score`` (R^2).",
        )
        + """
    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from skweights import LinearRegressorCV
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = LinearRegressorCV(penalty="l1", n_alphas=20).fit(X, y)
    >>> model.alphas_.shape, bool(model.alpha_ in model.alphas_)
    ((20,), True)
    """
    )

    _base_class = LinearRegressor

    def __init__(
        self,
        *,
        alphas=None,
        n_alphas=100,
        eps=1e-3,
        cv=None,
        scoring=None,
        n_jobs=None,
        loss="squared_error",
        fit_intercept=True,
        initializer="zeros",
        penalty="l2",
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


class LinearClassifierCV(_CVMixin, LinearClassifier):
    __doc__ = (
        _cv_doc(
            LinearClassifier,
            "Logistic or multinomial regression with ``alpha`` chosen by "
            "cross-validation.",
            10,
            "",
            "the estimator's ``score`` (accuracy, as ``LogisticRegressionCV``'s "
            "default).",
        )
        + """
    Notes
    -----
    ``LogisticRegressionCV`` keeps ``C`` fixed across the folds and the refit;
    skweights keeps ``alpha`` (the penalty per sample of a mean-loss objective)
    fixed. On a fold of ``n_train`` training samples ``alpha`` is
    ``C = 1 / (alpha * n_train)``; the refit on all ``n`` samples at ``alpha_``
    is ``LogisticRegression(C=1 / (alpha_ * n))``. With folds of equal size, a
    grid ``alphas = 1 / (Cs * n_train)`` gives ``LogisticRegressionCV(Cs=Cs)``'s
    fold scores and its choice, ``alpha_ = 1 / (C_ * n_train)``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skweights import LinearClassifierCV
    >>> X, y = load_iris(return_X_y=True)
    >>> model = LinearClassifierCV(n_alphas=5).fit(X, y)
    >>> model.coef_.shape, len(model.cv_results_["mean_test_score"])
    ((3, 4), 5)
    """
    )

    _base_class = LinearClassifier

    def __init__(
        self,
        *,
        alphas=None,
        n_alphas=10,
        eps=1e-3,
        cv=None,
        scoring=None,
        n_jobs=None,
        fit_intercept=True,
        initializer="zeros",
        penalty="l2",
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


_MLP_SCORING = (
    "the estimator's ``score`` ({}), as ``GridSearchCV``'s default. Each fold "
    "fits the grid from the weakest alpha to the strongest, each fit warm-started "
    "from the previous one (a trained network is pruned as the penalty grows)."
)


class MLPRegressorCV(_CVMixin, MLPRegressor):
    __doc__ = (
        _cv_doc(
            MLPRegressor,
            "Multi-layer perceptron regressor with ``alpha`` chosen by "
            "cross-validation.",
            8,
            "",
            _MLP_SCORING.format("R^2"),
        )
        + """
    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from skweights import MLPRegressorCV
    >>> X, y = make_regression(n_samples=100, n_features=4, random_state=0)
    >>> model = MLPRegressorCV((8,), alphas=[1e-3, 1.0], cv=3, max_iter=20,
    ...                        random_state=0).fit(X, y)
    >>> model.alphas_.tolist()
    [1.0, 0.001]
    """
    )

    _base_class = MLPRegressor

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        alphas=None,
        n_alphas=8,
        eps=1e-3,
        cv=None,
        scoring=None,
        n_jobs=None,
        path_max_iter="auto",
        loss="squared_error",
        initializer="glorot_uniform",
        penalty="l2",
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
        shuffle=True,
        warm_start=False,
        random_state=None,
        verbose=0,
        on_divergence="raise",
        record_weights=False,
        frozen_layers=(),
    ):
        store_params(self, locals())


class MLPClassifierCV(_CVMixin, MLPClassifier):
    __doc__ = (
        _cv_doc(
            MLPClassifier,
            "Multi-layer perceptron classifier with ``alpha`` chosen by "
            "cross-validation.",
            8,
            "",
            _MLP_SCORING.format("accuracy"),
        )
        + """
    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skweights import MLPClassifierCV
    >>> X, y = load_iris(return_X_y=True)
    >>> model = MLPClassifierCV((8,), alphas=[1e-3, 1e-1], cv=3, max_iter=20,
    ...                         random_state=0).fit(X, y)
    >>> sorted(model.cv_results_)[:2]
    ['mean_test_score', 'param_alpha']
    """
    )

    _base_class = MLPClassifier

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        alphas=None,
        n_alphas=8,
        eps=1e-3,
        cv=None,
        scoring=None,
        n_jobs=None,
        path_max_iter="auto",
        initializer="glorot_uniform",
        penalty="l2",
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
