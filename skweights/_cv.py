"""Cross-validated choice of ``alpha``: each fold walks the grid warm-started.

Each CV estimator *is* its base estimator refitted at the chosen ``alpha_`` (as
scikit-learn's ``LassoCV`` is a ``Lasso``). The fold paths reuse
:func:`skweights.inspection.regularization_path`'s machinery: one coordinate-descent
path (as :func:`sklearn.linear_model.enet_path`) for squared-loss linear models,
otherwise one warm-started fit per alpha (linear models from strong to weak
penalty, MLPs from weak to strong). Squared error with an L2 penalty and ``cv=None``
uses :class:`sklearn.linear_model.RidgeCV`'s efficient leave-one-out.
"""

from __future__ import annotations

import numbers
import re
import warnings

import numpy as np
from joblib import Parallel, delayed
from scipy import sparse
from scipy.stats import rankdata
from sklearn.base import clone, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import RidgeCV
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv
from sklearn.utils import _safe_indexing
from sklearn.utils._available_if import available_if
from sklearn.utils.validation import check_is_fitted

from . import losses
from ._base import _FLOAT_DTYPES, _validate
from .inspection import _regularization_path as paths
from .linear import LinearRegressor

_CV_PARAMETERS = """\
    alphas : array-like of float, default=None
        The grid of penalty strengths, sorted decreasing (``alphas_``). None
        builds ``n_alphas`` values log-spaced from ``alpha_max`` down to
        ``eps * alpha_max`` (:func:`skweights.inspection.regularization_path`'s
        grid; for ``LinearRegressorCV`` with an L1 part, exactly ``LassoCV``'s).
    n_alphas : int, default={n_alphas}
        Size of the default grid.
    eps : float, default=1e-3
        ``alpha_min / alpha_max`` of the default grid.
    cv : int, cross-validation generator or iterable, default=None
        The folds, as in :func:`sklearn.model_selection.check_cv`: None is 5-fold
        (stratified for classifiers){cv_note}.
    scoring : str, callable or None, default=None
        What the folds compare (greater is better): a scikit-learn scorer name or
        callable. None: {scoring_note} With ``early_stopping=True`` the
        fits' early stopping watches the same scorer (None: their ``score``).
    n_jobs : int, default=None
        Folds fitted in parallel by joblib (``joblib.parallel_config(backend=
        "dask")`` spreads them over a Dask cluster).
{path_note}"""

_PATH_MAX_ITER = """\
    path_max_iter : int, "auto" or None, default="auto"
        The epoch budget of each fold fit after the first (weakest) alpha, which
        starts from its neighbour's weights and needs fewer epochs than a fit from
        scratch. "auto" is ``max(n_iter_no_change + 1, max_iter // 8)``; None gives
        every fit ``max_iter``. The first fit of each fold and the refit at
        ``alpha_`` always get ``max_iter``. (On 5,000 rows, 8 alphas, 5 folds and
        ``max_iter=200``, "auto" chose the same best score as full fits at about a
        third of the cost: benchmark case 10.)
"""

_CV_ATTRIBUTES = """\
    alpha_ : float
        The chosen penalty strength (best mean test score; the strongest one on
        ties); the estimator is refitted at it on all the data.
    alphas_ : ndarray of shape (n_alphas,)
        The grid, from strong to weak.
    best_score_ : float
        Mean test score at ``alpha_``.
    cv_results_ : dict of ndarray
        As ``GridSearchCV``'s, one entry per alpha (``pandas.DataFrame`` reads
        it): ``param_alpha``, ``params``, ``split{{k}}_test_score``,
        ``mean_test_score``, ``std_test_score``, ``rank_test_score``.
"""


def _never(estimator) -> bool:
    return False


def _base_parameters(base_cls) -> str:
    """The base class's Parameters section without ``alpha`` (the CV chooses it)."""
    doc = base_cls.__doc__
    start = doc.index("----------\n", doc.index("    Parameters")) + len("----------\n")
    end = doc.index("\n    Attributes")
    section = doc[start:end].rstrip("\n") + "\n"
    for name in ("alpha", "scoring"):  # chosen by / documented with the CV
        section = re.sub(rf"    {name} : .*\n(?:        .*\n)+", "", section)
    return section


def _cv_doc(base_cls, summary: str, n_alphas: int, cv_note: str, scoring: str) -> str:
    networks = "hidden_layer_sizes" in base_cls._get_param_names()
    path_note = _PATH_MAX_ITER if networks else ""
    cv_params = _CV_PARAMETERS.format(
        n_alphas=n_alphas, cv_note=cv_note, scoring_note=scoring, path_note=path_note
    )
    name = base_cls.__name__
    return f"""{summary}

    The ``alpha`` of a ``{name}`` chosen by cross-validation: on each fold the
    grid is walked warm-started (as
    :func:`skweights.inspection.regularization_path` does), each alpha scored on
    the held-out part; then the estimator is refitted on all the data at the
    alpha with the best mean score. The result is that ``{name}`` fitted at
    ``alpha_`` (``coefs_``, ``predict``, ``score``...), as ``LassoCV`` is a
    ``Lasso``. See the user guide's "Choosing alpha".

    Parameters
    ----------
{cv_params}{_base_parameters(base_cls)}
    Attributes
    ----------
{_CV_ATTRIBUTES}    coefs_, intercepts_, history_ : list
        The refitted network, as ``{name}``'s (with all its fitted attributes).
"""


class _CVMixin:
    """Cross-validate ``alpha`` along warm-started paths, then refit at ``alpha_``."""

    _base_class = None

    @property
    def alpha(self) -> float:
        """The chosen ``alpha_`` (read-only: the CV estimator has no ``alpha``
        parameter; the base estimator's code reads this at the refit)."""
        check_is_fitted(self, "alpha_")
        return self.alpha_

    @available_if(_never)
    def partial_fit(self, *args, **kwargs):  # pragma: no cover (never available)
        """Not available: a CV estimator fits whole paths, as ``LassoCV``."""

    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
    ):
        """Choose ``alpha`` by cross-validation, then refit on all the data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the fits and of the held-out scores.
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), \
default=None
            With ``early_stopping=True``: the early-stopping set of every fit
            (each fold's and the refit), instead of a held-out share of each
            fit's training rows. The folds' scores that choose ``alpha`` are
            still those of the cross-validation.
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
            Targets of ``X_val``.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the validation samples.

        Returns
        -------
        self : object
            The estimator, refitted at ``alpha_``.
        """
        validation = {
            key: value
            for key, value in (
                ("X_val", X_val),
                ("y_val", y_val),
                ("sample_weight_val", sample_weight_val),
            )
            if value is not None
        }
        backup = dict(self.__dict__)
        try:
            return self._fit_cv(X, y, sample_weight, validation)
        except BaseException:
            self.__dict__.clear()  # a failed fit leaves the estimator as it was
            self.__dict__.update(backup)
            raise

    def _base(self):
        """The base estimator with every shared parameter (alpha set per fit)."""
        names = [n for n in self._base_class._get_param_names() if n != "alpha"]
        # (path_max_iter is the CV's own: read by _fold_scores, not the base.)
        return self._base_class(**{n: getattr(self, n) for n in names})

    def _fit_cv(self, X, y, sample_weight, validation):
        self._check_cv_parameters()
        base = self._base()
        X, y = _validate(
            self,
            X,
            y,
            accept_sparse="csr",
            dtype=_FLOAT_DTYPES,
            multi_output=True,
            y_numeric=not is_classifier(self),
        )
        if sample_weight is not None:
            # Checked as the fits check it (shape, sign, a positive sum), once here.
            # (The folds' fits multiply in class weights themselves.)
            plain = clone(base)
            if "class_weight" in plain.get_params():
                plain.set_params(class_weight=None)
            sample_weight = plain._sample_weight(sample_weight, X, y)
        alphas = self._grid(base, X, y, sample_weight)
        scorer = self._scorer(base)
        if self._uses_loo():
            scores = _ridge_loo(base, X, y, sample_weight, alphas, self.scoring)
        else:
            scores = self._fold_scores(
                base, X, y, sample_weight, alphas, scorer, validation
            )
        best = self._record(alphas, scores)
        refit = clone(base).set_params(alpha=float(alphas[best]))
        if getattr(self, "_skl_callbacks", None):  # scikit-learn's callbacks
            refit.set_callbacks(*self._skl_callbacks)  # see the refit's epochs
        refit.fit(X, y, sample_weight=sample_weight, **validation)
        params = set(refit._get_param_names())  # keep self's own parameters
        fitted = {k: v for k, v in refit.__dict__.items() if k not in params}
        self.__dict__.update(fitted)
        return self

    def _path_max_iter(self) -> int | None:
        """The epoch budget of the path's later fits (None: ``max_iter``)."""
        budget = getattr(self, "path_max_iter", None)
        if budget is None:
            return None
        if budget == "auto":
            return max(self.n_iter_no_change + 1, self.max_iter // 8)
        if not isinstance(budget, numbers.Integral) or budget < 1:
            raise ValueError(
                f"{type(self).__name__}: path_max_iter must be 'auto', None or a "
                f"positive int; got {budget!r}."
            )
        return int(budget)

    def _check_cv_parameters(self) -> None:
        owner = type(self).__name__
        if self.alphas is None:
            paths._check_grid(self.n_alphas, self.eps)
        if self.n_jobs is not None and not isinstance(self.n_jobs, numbers.Integral):
            raise ValueError(f"{owner}: n_jobs must be an int or None.")

    def _grid(self, base, X, y, sample_weight) -> np.ndarray:
        if self.alphas is not None:
            return paths._sorted_alphas(self.alphas)
        grid = _lasso_grid(base, X, y, sample_weight, self.n_alphas, self.eps)
        if grid is None and sample_weight is None:
            grid = paths._default_alphas(base, X, y, self.n_alphas, self.eps)
        elif grid is None:
            grid = _weighted_grid(base, X, y, sample_weight, self.n_alphas, self.eps)
        return grid

    def _scorer(self, base):
        return check_scoring(base, scoring=self.scoring)

    def _uses_loo(self) -> bool:
        return False

    def _default_scoring_name(self) -> str:
        return "accuracy" if is_classifier(self) else "R^2"

    def _fold_scores(
        self, base, X, y, sample_weight, alphas, scorer, validation
    ) -> np.ndarray:
        """Scores of shape ``(n_splits, n_alphas)``, one warm-started path a fold."""
        folds = check_cv(self.cv, y, classifier=is_classifier(self))
        splits = list(folds.split(X, y))
        results = Parallel(n_jobs=self.n_jobs)(
            delayed(_fold_path)(
                base,
                X,
                y,
                sample_weight,
                train,
                test,
                alphas,
                scorer,
                validation,
                self._path_max_iter(),
            )
            for train, test in splits
        )
        n_failed = sum(int((~converged).sum()) for _, converged in results)
        if n_failed:
            warnings.warn(
                f"{type(self).__name__}: {n_failed} of {len(splits) * alphas.size} "
                "fold fits did not converge; raise max_iter or tol.",
                ConvergenceWarning,
                stacklevel=4,
            )
        return np.array([scores for scores, _ in results])

    def _record(self, alphas: np.ndarray, scores: np.ndarray) -> int:
        """Store ``alphas_``, ``cv_results_``, ``best_score_``, ``alpha_``."""
        mean = scores.mean(axis=0)
        ranked = np.where(np.isnan(mean), -np.inf, mean)
        best = int(np.argmax(ranked))  # the first (strongest alpha) on ties
        results = {
            "param_alpha": alphas.copy(),
            "params": [{"alpha": float(a)} for a in alphas],
        }
        for k, split in enumerate(scores):
            results[f"split{k}_test_score"] = split
        results["mean_test_score"] = mean
        results["std_test_score"] = scores.std(axis=0)
        results["rank_test_score"] = rankdata(-ranked, method="min").astype(np.int32)
        self.alphas_ = alphas
        self.cv_results_ = results
        self.best_score_ = float(mean[best])
        self.alpha_ = float(alphas[best])
        return best


def _fold_path(
    base, X, y, sample_weight, train, test, alphas, scorer, validation, later=None
):
    """One fold: the warm-started path on ``train``, each alpha scored on ``test``.

    ``scorer`` is a scikit-learn scorer, or ``_MSE`` for minus the (weighted) mean
    squared error computed from the weights directly, as ``LassoCV`` does.
    Returns the scores (in ``alphas``' order) and whether each fit converged.
    ``later``: the epoch budget of the fits after the first (None: ``max_iter``).
    """
    X_train, y_train = _safe_indexing(X, train), _safe_indexing(y, train)
    X_test, y_test = _safe_indexing(X, test), _safe_indexing(y, test)
    fit_params, score_params = dict(validation), {}
    if sample_weight is not None:
        fit_params["sample_weight"] = sample_weight[train]
        score_params["sample_weight"] = sample_weight[test]
    model = clone(base).set_params(warm_start=True)
    fits = paths._solver_path(model, X_train, y_train, alphas, True, fit_params)
    if fits is not None and isinstance(scorer, _DirectMSE):
        scores = _mse_scores(fits, X_test, y_test, score_params.get("sample_weight"))
        return scores, np.asarray(fits.converged, dtype=bool)
    if fits is None:
        fits = paths._fit_each(
            model, X_train, y_train, alphas, True, fit_params, later_max_iter=later
        )
    else:
        # The solver path returns weights only: one fit at the strongest alpha
        # (all zeros from the default grid: immediate) gives the fitted
        # attributes the scorer needs; its weights are replaced below.
        model.set_params(alpha=float(alphas[0]))
        paths._fit_converged(model, X_train, y_train, fit_params)
    if isinstance(scorer, _DirectMSE):
        scorer = check_scoring(base, scoring="neg_mean_squared_error")
    scores = []
    for weights, biases in zip(fits.weights, fits.biases):
        model.coefs_ = [np.asarray(W, dtype=X.dtype) for W in weights]
        model.intercepts_ = [np.asarray(b, dtype=X.dtype) for b in biases]
        scores.append(float(scorer(model, X_test, y_test, **score_params)))
    converged = np.asarray(fits.converged, dtype=bool)
    if later is not None:
        # Only the weakest alpha's fit (the last here, its path's first) has
        # max_iter; the others stop at path_max_iter by design, not for want of it.
        converged[:-1] = True
    return np.array(scores), converged


class _DirectMSE:
    """The default scoring of squared-loss linear regressors: minus the mean
    squared error, from the path's weights without a scorer call per alpha (a
    class, so that the marker survives joblib's pickling to worker processes)."""


_MSE = _DirectMSE()


def _mse_scores(fits, X_test, y_test, weights) -> np.ndarray:
    """Minus the (sample-weighted) mean squared error of each alpha's linear fit,
    averaged over targets as :func:`sklearn.metrics.mean_squared_error`."""
    Y = np.asarray(y_test, dtype=np.float64).reshape(X_test.shape[0], -1)
    scores = []
    for W, b in zip(fits.weights, fits.biases):
        residual = Y - (X_test @ np.asarray(W[0], dtype=np.float64) + b[0])
        scores.append(-np.average(np.mean(residual**2, axis=1), weights=weights))
    return np.array(scores)


def _lasso_grid(base, X, y, sample_weight, n_alphas: int, eps: float):
    """``LassoCV``'s grid (``sklearn.linear_model._alpha_grid``) for a squared-loss
    linear regressor with a separable L1 part; None for any other model."""
    penalty = paths._grid_penalty(base)
    if (
        not isinstance(base, LinearRegressor)
        or penalty is None
        or not getattr(penalty, "separable", False)
        or not getattr(losses.get(base.loss), "quadratic", False)
    ):
        return None
    X = X.toarray() if sparse.issparse(X) else np.asarray(X, dtype=np.float64)
    Y = np.asarray(y, dtype=np.float64).reshape(X.shape[0], -1)
    w = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight)
    if base.fit_intercept:
        X = X - np.average(X, axis=0, weights=w)
        Y = Y - np.average(Y, axis=0, weights=w)
    Xyw = X.T @ (Y * w[:, None])
    if base.positive:
        alpha_max = max(0.0, float(Xyw.max()))
    else:
        alpha_max = float(np.sqrt(np.max(np.sum(Xyw**2, axis=1))))
    alpha_max /= w.sum() * float(penalty.l1_ratio)
    if alpha_max <= np.finfo(np.float64).resolution:
        return np.full(n_alphas, np.finfo(np.float64).resolution)
    return np.geomspace(alpha_max, alpha_max * eps, num=n_alphas)


def _weighted_grid(base, X, y, w, n_alphas: int, eps: float) -> np.ndarray:
    """:func:`~skweights.inspection.regularization_path`'s default grid with the
    sample weights in its means and sums (so weights equal repeated rows)."""
    X = X.toarray() if sparse.issparse(X) else np.asarray(X, dtype=np.float64)
    fit_intercept = bool(getattr(base, "fit_intercept", True))
    penalty = paths._grid_penalty(base)
    if penalty is not None:
        R = _weighted_residual(base, y, w, fit_intercept)
        correlations = X.T @ (R * w[:, None])
        scores = (
            np.abs(correlations)
            if getattr(penalty, "separable", False)
            else np.linalg.norm(correlations, axis=1)
        )
        alpha_max = scores.max() / (w.sum() * float(penalty.l1_ratio)) * (1 + 1e-9)
    else:
        mean = np.average(X, axis=0, weights=w) if fit_intercept else 0.0
        Xc = (X - mean) * np.sqrt(w)[:, None]
        alpha_max = 10 * np.linalg.norm(Xc, 2) ** 2 / w.sum()
    if not alpha_max > 0:
        alpha_max = 1.0
    return alpha_max * np.logspace(0, np.log10(eps), n_alphas)


def _weighted_residual(base, y, w, fit_intercept: bool) -> np.ndarray:
    """Minus the loss gradient of the (weighted) intercept-only model."""
    if is_classifier(base):
        if np.ndim(y) == 2:
            Y = np.asarray(y, dtype=np.float64)  # multilabel
        else:
            classes, codes = np.unique(np.asarray(y), return_inverse=True)
            Y = np.eye(len(classes))[codes]
            Y = Y[:, 1:] if len(classes) == 2 else Y
        uniform = 0.5 if Y.shape[1] == 1 or np.ndim(y) == 2 else 1 / Y.shape[1]
        return Y - (np.average(Y, axis=0, weights=w) if fit_intercept else uniform)
    Y = np.asarray(y, dtype=np.float64).reshape(len(w), -1)
    loss = losses.get(base.loss)
    mean = np.average(Y, axis=0, weights=w)
    if loss.output_activation == "identity":
        raw = mean if fit_intercept else np.zeros(Y.shape[1])
    else:
        raw = np.log(mean) if fit_intercept else np.zeros(Y.shape[1])
    return -loss.gradient(Y, np.broadcast_to(raw, Y.shape))


class _Predictions:
    """A stand-in regressor whose ``predict`` returns fixed predictions, to score
    ``RidgeCV``'s leave-one-out predictions with any scorer."""

    _estimator_type = "regressor"

    def __init__(self, predictions):
        self.predictions = predictions

    def predict(self, X):
        return self.predictions

    def __sklearn_tags__(self):
        from sklearn.utils import Tags, TargetTags

        return Tags(estimator_type="regressor", target_tags=TargetTags(required=True))


def _ridge_loo(base, X, y, sample_weight, alphas, scoring) -> np.ndarray:
    """Leave-one-out scores by ``RidgeCV``'s closed form, shape (n_splits, n_alphas).

    skweights' objective (mean loss + ``alpha/2 ||W||^2``) is ``Ridge``'s divided by
    ``sum(sample_weight)``, so ``Ridge``'s alpha is ``alpha * sum(sample_weight)``.
    With ``scoring=None`` each sample is a split (minus its squared error); with a
    scorer, one split: the scorer applied to the leave-one-out predictions.
    """
    total = X.shape[0] if sample_weight is None else float(np.sum(sample_weight))
    ridge = RidgeCV(
        alphas=alphas * total,
        fit_intercept=base.fit_intercept,
        scoring=scoring,
        store_cv_results=True,
    )
    ridge.fit(X, y, sample_weight=sample_weight)
    results = ridge.cv_results_.reshape(X.shape[0], -1, alphas.size)
    if scoring is None:  # squared errors, per sample and target
        return -results.mean(axis=1)
    scorer = check_scoring(base, scoring=scoring)
    shape = np.shape(y)
    return np.array(
        [
            [
                scorer(_Predictions(results[:, :, i].reshape(shape)), X, y)
                for i in range(alphas.size)
            ]
        ]
    )


class _LinearRegressorCVMixin(_CVMixin):
    """What the linear regressor adds: MSE by default and the RidgeCV shortcut."""

    def _scorer(self, base):
        if self.scoring is None and _squared(base):
            return _MSE
        return check_scoring(base, scoring=self.scoring)

    def _default_scoring_name(self) -> str:
        return "neg_mean_squared_error" if _squared(self._base()) else "R^2"

    def _uses_loo(self) -> bool:
        base = self._base()
        return (
            self.cv is None
            and _squared(base)
            and isinstance(self.penalty, str)
            and self.penalty.lower() == "l2"
            and not self.positive
            and not self.early_stopping
            and not self.frozen_layers
        )


def _squared(base) -> bool:
    return bool(getattr(losses.get(base.loss), "quadratic", False))
