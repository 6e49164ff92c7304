r"""Exact and coordinate-descent solvers for linear models.

A linear model with half the squared error minimizes

.. math::

    J(W, b) = \frac{1}{2 \sum_i w_i} \sum_i w_i \lVert y_i - x_i W - b \rVert^2
    + \lambda_1 \lVert W \rVert_1 + \frac{\lambda_2}{2} \lVert W \rVert_2^2,

which is scikit-learn's ``Lasso``/``ElasticNet`` objective exactly, and ``Ridge``'s
multiplied by ``1 / sum(w)``. These solvers reach the same numbers as scikit-learn:

- :class:`DirectSolve` (``optimizer="direct"``): the normal equations of the
  weighted, centred problem, as ``Ridge``/``LinearRegression`` (Cholesky on the
  ``n_features`` square system, or on the ``n_samples`` square dual when there are
  more features than samples; ``lstsq`` when singular; LSQR for sparse data too big
  for either; NNLS on the Cholesky factor for ``positive=True``).
- :class:`CoordinateDescent` (``optimizer="cd"``): scikit-learn's cyclic coordinate
  descent (:func:`sklearn.linear_model.enet_path`) with its duality-gap stop, one
  target at a time, on the precomputed Gram matrix when there are more samples than
  features (the iterates are those of ``ElasticNet``, each one cheaper).

Both centre ``X`` implicitly (``X^T W X - s \mu \mu^T``), so sparse data stays sparse
and sparse and dense inputs go through the same arithmetic. The engine recognises
them by their ``solves_linear`` attribute and calls :meth:`DirectSolve.solve`.

A piecewise-linear loss (``loss.linear_slopes()``: quantile, absolute error) with an
L1 penalty or none makes the fit a linear program instead: :class:`LinearProgram`
(``optimizer="lp"``) solves it with scipy's HiGHS in ``QuantileRegressor``'s
formulation, through the same ``solves_linear`` interface.
"""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg
import scipy.optimize
import scipy.sparse as sp
import scipy.sparse.linalg
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import enet_path

from ._registry import Component

__all__ = ["CoordinateDescent", "DirectSolve", "LinearProgram", "LinearSolution"]

# Largest side of a dense square system (Gram or dual) the solvers build: 4096^2
# float64 is 128 MiB. Sparse problems larger in both directions use LSQR (direct) or
# the sparse coordinate descent.
_GRAM_LIMIT = 4096


@dataclass
class LinearSolution:
    """What a linear solver reports besides the weights it wrote.

    Attributes
    ----------
    value : float
        The objective :math:`J` at the solution.
    grad_norm : float
        Norm of the gradient of its smooth part (loss and L2 term) w.r.t. ``W``.
    n_iter : int
        Iterations (coordinate-descent epochs; 1 for a direct solve), the largest
        over targets.
    converged : bool
        Whether every target met the stopping rule.
    """

    value: float
    grad_norm: float
    n_iter: int
    converged: bool


@dataclass
class _Problem:
    """The weighted, implicitly centred least-squares problem of one fit."""

    X: Any
    Y: np.ndarray
    w: np.ndarray  # sample weights
    sw: float  # their sum
    uniform: bool  # all weights equal (skip the weighting)
    mu: np.ndarray  # weighted column means of X (zeros without intercept)
    ybar: np.ndarray  # weighted means of the targets
    l1: float
    l2: float
    positive: bool
    fit_intercept: bool
    XtDY: np.ndarray  # X^T diag(w) Y, uncentred
    normal: tuple | None = None  # (G, B) of gram(), once computed


def _check(objective: Any, coefs: list, name: str) -> None:
    if len(coefs) != 1 or not getattr(objective.loss, "quadratic", False):
        raise ValueError(
            f"optimizer={name!r} solves linear models with the squared error only "
            "(LinearRegressor); use optimizer='lbfgs', 'fista' or a minibatch "
            "optimizer for this model, or 'auto'."
        )
    if not getattr(objective.penalty, "separable", True):
        raise ValueError(
            f"optimizer={name!r} handles elastic-net penalties only; the penalty "
            f"{objective.penalty!r} couples weights. Use optimizer='fista' (what "
            "'auto' picks) or a minibatch optimizer."
        )


def _problem(objective: Any, data: Any) -> _Problem:
    X, w = data.X, np.asarray(data.sample_weight, dtype=np.float64)
    Y = np.asarray(data.Y, dtype=np.float64)
    sw = float(w.sum())
    fit_intercept = bool(objective.intercept_trainable[0])
    # One pass over X for the column means and X^T D Y (the Gram's right side).
    moments = np.asarray(X.T @ np.column_stack([w, w[:, None] * Y]), dtype=np.float64)
    if fit_intercept:
        mu, ybar = moments[:, 0] / sw, w @ Y / sw
    else:
        mu, ybar = np.zeros(X.shape[1]), np.zeros(Y.shape[1])
    penalty = objective.penalty
    return _Problem(
        X=X,
        Y=Y,
        w=w,
        sw=sw,
        uniform=bool(np.all(w == w[0])),
        mu=mu,
        ybar=ybar,
        l1=float(penalty.l1_strength),
        l2=float(penalty.l2_strength),
        positive=bool(getattr(penalty, "positive", False)),
        fit_intercept=fit_intercept,
        XtDY=moments[:, 1:],
    )


def _dense(a: Any) -> np.ndarray:
    return a.toarray() if sp.issparse(a) else np.asarray(a)


def _weighted_rows(problem: _Problem, A: Any) -> Any:
    """``diag(w) A`` (``A`` itself for equal weights, then scaled by ``w[0]``)."""
    if problem.uniform:
        return A * problem.w[0]
    if sp.issparse(A):
        return sp.diags(problem.w) @ A
    return problem.w[:, None] * A


def gram(problem: _Problem) -> tuple[np.ndarray, np.ndarray]:
    r"""The centred weighted normal equations ``(G, B)``, without centring ``X``.

    :math:`G = X^\top D X - s \mu \mu^\top` and :math:`B = X^\top D Y - s \mu
    \bar y^\top` with :math:`D = \operatorname{diag}(w)`, :math:`s = \sum w`.

    Parameters
    ----------
    problem : _Problem
        The fit's data and weights.

    Returns
    -------
    G : ndarray of shape (n_features, n_features)
    B : ndarray of shape (n_features, n_targets)
        Also kept in ``problem.normal``; callers must not modify them.
    """
    X = problem.X
    if sp.issparse(X):
        G = _dense(X.T @ _weighted_rows(problem, X)).astype(np.float64)
    else:
        X64 = np.asarray(X, dtype=np.float64)
        G = X64.T @ X64 if problem.uniform else X64.T @ (problem.w[:, None] * X64)
        if problem.uniform:
            G *= problem.w[0]
    B = problem.XtDY.copy()
    if problem.fit_intercept:
        G -= problem.sw * np.outer(problem.mu, problem.mu)
        B -= problem.sw * np.outer(problem.mu, problem.ybar)
    problem.normal = (G, B)
    return G, B


def _centred_targets(problem: _Problem) -> np.ndarray:
    return problem.Y - problem.ybar


def _value_and_grad_norm(problem: _Problem, W: np.ndarray, penalty: Any):
    """:math:`J(W)` and the norm of its smooth part's gradient (for ``history_``).

    With the Gram matrix at hand both come without a pass over ``X``, unless the
    residual is so small that ``y'y - 2 W'B + W'GW`` would lose its digits.
    """
    Yc = _centred_targets(problem)
    total = float(problem.w @ np.einsum("ij,ij->i", Yc, Yc))
    if problem.normal is not None:
        G, B = problem.normal
        GW = G @ W
        squares = total - 2 * float(np.vdot(W, B)) + float(np.vdot(W, GW))
        if squares > 1e-6 * total:
            grad = (GW - B) / problem.sw + problem.l2 * W
            value = 0.5 * squares / problem.sw + float(penalty.value(W))
            return value, float(np.linalg.norm(grad))
    residual = Yc - (_dense(problem.X @ W) - problem.mu @ W)
    weighted = problem.w[:, None] * residual
    value = 0.5 * float(np.vdot(weighted, residual)) / problem.sw
    if problem.normal is not None:
        grad = (problem.normal[0] @ W - problem.normal[1]) / problem.sw
    else:
        grad = np.asarray(problem.X.T @ weighted, dtype=np.float64)
        grad -= np.outer(problem.mu, weighted.sum(axis=0))
        grad /= -problem.sw
    grad += problem.l2 * W
    return value + float(penalty.value(W)), float(np.linalg.norm(grad))


def _write(coefs, intercepts, problem: _Problem, W: np.ndarray, fit_coef: bool):
    if fit_coef:
        coefs[0][...] = W
    if problem.fit_intercept:
        intercepts[0][...] = problem.ybar - problem.mu @ coefs[0].astype(np.float64)


class _LinearSolver(Component, ABC):
    """What the engine asks of a linear solver (see :class:`DirectSolve`)."""

    #: The training loop runs these solvers on the whole data set at once.
    full_batch = True
    elementwise = False
    #: The engine calls :meth:`solve` instead of an optimizer loop.
    solves_linear = True

    name = "solver"

    def solve(
        self, objective: Any, coefs: list, intercepts: list, data: Any, config: Any
    ) -> LinearSolution:
        """Solve a squared-loss linear model; write ``coefs``/``intercepts``.

        Parameters
        ----------
        objective : Objective
            Loss (must have ``quadratic = True``), penalty (``l1_strength``,
            ``l2_strength``; ``positive`` for non-negative weights) and which arrays
            are trainable (``intercept_trainable[0]`` is ``fit_intercept``).
        coefs, intercepts : list of ndarray
            One layer; updated in place. ``coefs[0]`` is the warm start.
        data : TrainData
            ``X`` (dense or CSR), 2-D ``Y`` and ``sample_weight``.
        config : TrainingConfig
            ``max_iter`` and ``tol``.

        Returns
        -------
        solution : LinearSolution
            Objective value, iterations and convergence.
        """
        _check(objective, coefs, self.name)
        problem = _problem(objective, data)
        fit_coef = bool(objective.coef_trainable[0])
        if fit_coef:
            W, n_iter, converged = self._weights(problem, coefs[0], config)
        else:
            W, n_iter, converged = coefs[0].astype(np.float64), 0, True
        _write(coefs, intercepts, problem, W, fit_coef)
        value, grad_norm = _value_and_grad_norm(
            problem, coefs[0].astype(np.float64), objective.penalty
        )
        return LinearSolution(value, grad_norm, n_iter, converged)

    def solve_path(
        self, objective: Any, data: Any, config: Any, alphas: Any, W0: np.ndarray
    ) -> list[tuple[np.ndarray, np.ndarray, int, bool]]:
        """Solve along decreasing ``alphas``, each from the previous solution.

        The penalty keeps the ``l1_ratio`` of ``objective.penalty``; the data is
        prepared (means, Gram matrix) once for the whole path.

        Parameters
        ----------
        objective : Objective
            As for :meth:`solve`; every array trainable.
        data : TrainData
            The training data.
        config : TrainingConfig
            ``max_iter`` and ``tol``.
        alphas : array-like
            Penalty strengths, decreasing.
        W0 : ndarray of shape (n_features, n_targets)
            Starting weights for the first alpha.

        Returns
        -------
        path : list of tuple
            ``(W, b, n_iter, converged)`` per alpha.
        """
        _check(objective, [W0], self.name)
        problem = _problem(objective, data)
        l1_ratio = float(objective.penalty.l1_ratio)
        out = []
        for W, n_iter, converged in self._path_weights(
            problem, W0, config, np.asarray(alphas, dtype=np.float64), l1_ratio
        ):
            b = problem.ybar - problem.mu @ W if problem.fit_intercept else 0 * W[0]
            out.append((W.astype(W0.dtype), b.astype(W0.dtype), n_iter, converged))
        return out

    def _weights(self, problem: _Problem, W0: np.ndarray, config: Any):
        alpha = problem.l1 + problem.l2
        l1_ratio = problem.l1 / alpha if alpha > 0 else 1.0
        return self._path_weights(problem, W0, config, np.array([alpha]), l1_ratio)[0]

    @abstractmethod
    def _path_weights(self, problem, W0, config, alphas, l1_ratio):
        """``(W, n_iter, converged)`` per alpha of a decreasing grid."""


class DirectSolve(_LinearSolver):
    r"""Exact least squares / ridge by the normal equations (no iterations).

    Solves :math:`(X_c^\top D X_c + \lambda_2 s I) W = X_c^\top D Y_c`, with
    :math:`X_c, Y_c` centred by the weighted means when the intercept is fitted,
    :math:`D` the sample weights and :math:`s` their sum: the solution of scikit-
    learn's ``Ridge(alpha=alpha * sum(sample_weight))`` and, for ``alpha=0``, of
    ``LinearRegression`` (``lstsq``'s minimum-norm solution when singular). The
    system is the ``n_features`` square primal, or the ``n_samples`` square dual
    when there are more features than samples; sparse data too large for both goes
    to LSQR (scipy), which iterates to ``1e-12`` relative accuracy. With
    ``positive=True`` the same system is solved under :math:`W \geq 0` by NNLS on its
    Cholesky factor (``LinearRegression(positive=True)``'s solution). ``tol`` and
    ``max_iter`` are not used (LSQR aside). Only penalties without an L1 part.

    Attributes
    ----------
    full_batch : bool
        True: works on the whole data set (not in ``partial_fit``).
    solves_linear : bool
        True: the engine calls :meth:`solve`.

    Examples
    --------
    >>> import numpy as np
    >>> from skweights import LinearRegressor
    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> LinearRegressor(alpha=0.0, optimizer="direct").fit(X, [1.0, 3.0, 5.0]).coef_
    array([2.])
    """

    name = "direct"

    def _path_weights(self, problem, W0, config, alphas, l1_ratio):
        out = []
        for alpha in alphas:
            problem.l1, problem.l2 = alpha * l1_ratio, alpha * (1 - l1_ratio)
            out.append(self._solve_one(problem, config))
        return out

    def _solve_one(self, problem: _Problem, config: Any):
        if problem.l1 != 0.0:
            raise ValueError(
                "optimizer='direct' solves penalties without an L1 part ('l2', "
                "'none'); use optimizer='cd' (coordinate descent) or 'auto' for "
                "'l1' and 'elasticnet'."
            )
        n, p = problem.X.shape
        if problem.positive:
            return _nnls(problem), 1, True
        if problem.l2 == 0.0 and not sp.issparse(problem.X):
            return _lstsq(problem), 1, True
        if p <= n and (p <= _GRAM_LIMIT or not sp.issparse(problem.X)):
            return _primal(problem), 1, True
        if n <= _GRAM_LIMIT or not sp.issparse(problem.X):
            return _dual(problem), 1, True
        return _lsqr(problem, config.max_iter)


# Relative singular-value cut-offs of the minimum-norm solutions: LinearRegression's
# default ``tol`` (``lstsq``'s ``cond``) on the data, its square on X'X or XX'.
_DATA_COND = 1e-6
_GRAM_COND = _DATA_COND**2


def _solve_spd(A: np.ndarray, B: np.ndarray, ridge: float) -> np.ndarray:
    """``A^{-1} B`` for symmetric positive semi-definite ``A``.

    Cholesky when ``ridge > 0`` makes ``A`` definite, else (or if Cholesky fails)
    the minimum-norm least-squares solution, singular directions cut as
    ``LinearRegression`` cuts them.
    """
    if ridge > 0:
        try:
            return scipy.linalg.solve(A, B, assume_a="pos")
        except (np.linalg.LinAlgError, scipy.linalg.LinAlgError):
            pass
    return scipy.linalg.lstsq(A, B, cond=_GRAM_COND)[0]


def _ridge_system(problem: _Problem) -> tuple[np.ndarray, np.ndarray]:
    """``(G + lambda_2 s I, B)``: the primal normal equations."""
    G, B = gram(problem)
    A = G.copy()
    A.flat[:: A.shape[0] + 1] += problem.l2 * problem.sw
    return A, B


def _primal(problem: _Problem) -> np.ndarray:
    G, B = _ridge_system(problem)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
        return _solve_spd(G, B, problem.l2)


def _dual(problem: _Problem) -> np.ndarray:
    r"""Solve in the samples' space: :math:`W = X_c^\top D^{1/2} (K + \lambda I)^{-1}
    D^{1/2} Y_c` with :math:`K = D^{1/2} X_c X_c^\top D^{1/2}`."""
    X, mu, d = problem.X, problem.mu, np.sqrt(problem.w)
    Xmu = _dense(X @ mu).ravel()
    K = _dense(X @ X.T).astype(np.float64)
    if problem.fit_intercept:
        K -= Xmu[:, None]
        K -= Xmu[None, :]
        K += mu @ mu
    K *= d[:, None]
    K *= d[None, :]
    K.flat[:: K.shape[0] + 1] += problem.l2 * problem.sw
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
        dual = _solve_spd(K, d[:, None] * _centred_targets(problem), problem.l2)
    dual *= d[:, None]
    return np.asarray(X.T @ dual, dtype=np.float64) - np.outer(mu, dual.sum(axis=0))


def _scaled_centred(problem: _Problem) -> np.ndarray:
    """``D^{1/2} X_c`` as a dense array (for lstsq and NNLS fallbacks)."""
    Xc = _dense(problem.X).astype(np.float64) - problem.mu
    return np.sqrt(problem.w)[:, None] * Xc


def _lstsq(problem: _Problem) -> np.ndarray:
    """``LinearRegression``'s solve: lstsq on the weighted, centred data."""
    d = np.sqrt(problem.w)[:, None]
    return scipy.linalg.lstsq(
        _scaled_centred(problem), d * _centred_targets(problem), cond=_DATA_COND
    )[0]


def _nnls(problem: _Problem) -> np.ndarray:
    r"""Non-negative least squares per target on the Cholesky factor :math:`R`.

    With :math:`G + \lambda_2 s I = R^\top R`, the objective is :math:`\lVert R w -
    R^{-\top} b \rVert^2` plus a constant, a ``n_features`` square NNLS problem;
    when ``G`` is singular (no penalty, rank-deficient data) NNLS runs on the
    weighted, centred data itself.
    """
    G, B = _ridge_system(problem)
    try:
        R = scipy.linalg.cholesky(G, lower=False)
        A, targets = R, scipy.linalg.solve_triangular(R, B, trans="T")
    except (np.linalg.LinAlgError, scipy.linalg.LinAlgError):
        A = _scaled_centred(problem)
        targets = np.sqrt(problem.w)[:, None] * _centred_targets(problem)
        if problem.l2:
            A = np.vstack([A, np.sqrt(problem.l2 * problem.sw) * np.eye(A.shape[1])])
            targets = np.vstack([targets, np.zeros((A.shape[1], targets.shape[1]))])
    return np.column_stack(
        [scipy.optimize.nnls(A, t, maxiter=50 * A.shape[1])[0] for t in targets.T]
    )


def _lsqr(problem: _Problem, max_iter: int):
    """Sparse data too large for a dense square system: LSQR, implicitly centred."""
    X, mu, d = problem.X, problem.mu, np.sqrt(problem.w)
    n, p = X.shape
    operator = scipy.sparse.linalg.LinearOperator(
        (n, p),
        matvec=lambda v: d * (np.ravel(X @ v) - mu @ v),
        rmatvec=lambda u: np.ravel(X.T @ (d * u)) - mu * (d @ u),
        dtype=np.float64,
    )
    damp = np.sqrt(problem.l2 * problem.sw)
    columns, n_iter, converged = [], 0, True
    for target in (d[:, None] * _centred_targets(problem)).T:
        out = scipy.sparse.linalg.lsqr(
            operator, target, damp=damp, atol=1e-12, btol=1e-12, iter_lim=max_iter
        )
        columns.append(out[0])
        n_iter = max(n_iter, int(out[2]))
        converged = converged and out[1] in (1, 2, 4, 5)
    return np.column_stack(columns), n_iter, converged


class CoordinateDescent(_LinearSolver):
    r"""Cyclic coordinate descent with a duality-gap stop: scikit-learn's ``Lasso``.

    Runs :func:`sklearn.linear_model.enet_path` (one alpha, one target at a time, so
    each target stops on its own), starting from the current weights (``warm_start``
    continues). ``tol`` means what it means in ``Lasso``/``ElasticNet``: a target is
    solved when its duality gap is below ``tol`` times the weighted sum of squares
    of its centred targets, checked whenever an epoch's largest coefficient update
    falls under ``tol`` times the largest coefficient; ``max_iter`` bounds the
    epochs. Sample weights and the intercept enter exactly as in ``ElasticNet``, so
    at the same ``tol`` the iterates are scikit-learn's. Every elastic-net penalty
    works, and ``positive=True``.

    Parameters
    ----------
    precompute : bool or "auto", default="auto"
        Run on the precomputed Gram matrix :math:`X_c^\top D X_c` (one BLAS product,
        then epochs that cost ``n_features**2`` instead of ``n_samples *
        n_features``). ``"auto"``: when there are more samples than features and
        at most 4096 features, as scikit-learn's ``precompute="auto"``.

    Attributes
    ----------
    full_batch : bool
        True: works on the whole data set (not in ``partial_fit``).
    solves_linear : bool
        True: the engine calls :meth:`solve`.

    References
    ----------
    Friedman, J., Hastie, T. & Tibshirani, R. (2010). Regularization paths for
    generalized linear models via coordinate descent. J. Stat. Softw. 33(1), 1-22.

    Examples
    --------
    >>> from skweights import LinearRegressor
    >>> LinearRegressor(penalty="l1", alpha=0.5, optimizer="cd").fit(
    ...     [[-1.0], [0.0], [1.0]], [-1.0, 0.0, 1.0]
    ... ).coef_
    array([0.25])
    """

    name = "cd"

    def __init__(self, precompute: Any = "auto") -> None:
        self.precompute = precompute

    def _use_gram(self, problem: _Problem) -> bool:
        if self.precompute not in (True, False, "auto"):
            raise ValueError(
                f"CoordinateDescent: precompute must be True, False or 'auto'; got "
                f"{self.precompute!r}."
            )
        if self.precompute == "auto":
            n, p = problem.X.shape
            return n > p and p <= _GRAM_LIMIT
        return bool(self.precompute)

    def _path_weights(self, problem, W0, config, alphas, l1_ratio):
        settings = dict(
            l1_ratio=l1_ratio,
            alphas=alphas,
            positive=problem.positive,
            check_input=False,
            return_n_iter=True,
            tol=float(config.tol),
            max_iter=int(config.max_iter),
        )
        targets = self._targets(problem, settings)
        W = np.empty((len(alphas), problem.X.shape[1], problem.Y.shape[1]))
        iters = np.zeros((len(alphas), len(targets)), dtype=int)
        for k, (X, y, extra) in enumerate(targets):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                _, coef, _, iters[:, k] = enet_path(
                    X,
                    y,
                    coef_init=np.asfortranarray(W0[:, k], dtype=X.dtype),
                    **settings,
                    **extra,
                )
            W[:, :, k] = coef.T
        n_iter = iters.max(axis=1)
        return [
            (W[i], int(n_iter[i]), n_iter[i] < config.max_iter)
            for i in range(len(alphas))
        ]

    def _targets(self, problem: _Problem, settings: dict):
        """``(X, y, extra enet_path arguments)`` per target, on ``enet_path``'s scale.

        ``enet_path`` minimizes ``1/(2n) ||y - Xw||^2 + penalty``; the weights are
        rescaled to sum to ``n`` (as ``ElasticNet`` does) so that is :math:`J`.
        """
        X = problem.X
        n, p = X.shape
        dtype = X.dtype
        scale = n / problem.sw
        Yc = _centred_targets(problem)
        if self._use_gram(problem):
            G, B = gram(problem)
            G = np.ascontiguousarray(G * scale, dtype=dtype)
            B = np.asfortranarray(B * scale, dtype=dtype)
            ys = np.asfortranarray(
                np.sqrt(problem.w * scale)[:, None] * Yc, dtype=dtype
            )
            shape_only = np.broadcast_to(np.zeros((), dtype=dtype), (n, p))
            return [
                (shape_only, ys[:, k], dict(precompute=G, Xy=B[:, k]))
                for k in range(Yc.shape[1])
            ]
        if sp.issparse(X):
            weights = None if problem.uniform else problem.w * scale
            extra = dict(
                precompute=False,
                X_offset=problem.mu.astype(dtype),
                X_scale=np.ones(p, dtype=dtype),
                sample_weight=weights,
            )
            Xcsc = sp.csc_matrix(X)
            Yc = np.asfortranarray(Yc, dtype=dtype)
            return [(Xcsc, Yc[:, k], extra) for k in range(Yc.shape[1])]
        d = np.sqrt(problem.w * scale)
        Xs = np.empty((n, p), dtype=dtype, order="F")
        np.subtract(X, problem.mu.astype(dtype), out=Xs)
        if not problem.uniform:
            Xs *= d[:, None].astype(dtype)
        ys = np.asfortranarray(d[:, None] * Yc, dtype=dtype)
        return [(Xs, ys[:, k], dict(precompute=False)) for k in range(Yc.shape[1])]


def direct() -> DirectSolve:
    """The exact normal-equations solver; see :class:`DirectSolve`.

    Returns
    -------
    optimizer : DirectSolve
        The solver.

    Examples
    --------
    >>> direct().solves_linear
    True
    """
    return DirectSolve()


def cd(precompute: Any = "auto") -> CoordinateDescent:
    """Cyclic coordinate descent; see :class:`CoordinateDescent`.

    Parameters
    ----------
    precompute : bool or "auto", default="auto"
        Work on the precomputed Gram matrix.

    Returns
    -------
    optimizer : CoordinateDescent
        The solver.

    Examples
    --------
    >>> cd()
    CoordinateDescent(precompute='auto')
    """
    return CoordinateDescent(precompute=precompute)


# --------------------------------------------------------------------------------------
# Piecewise-linear losses: an exact linear program
# --------------------------------------------------------------------------------------

_LP_METHODS = ("highs-ipm", "highs", "highs-ds")


def _lp_slopes(objective: Any, coefs: list, name: str) -> tuple[float, float]:
    """The loss's slopes ``(a, b)``; ValueError unless the fit is a linear program."""
    slopes_of = getattr(objective.loss, "linear_slopes", None)
    slopes = slopes_of() if slopes_of is not None else None
    if len(coefs) != 1 or slopes is None:
        raise ValueError(
            f"optimizer={name!r} solves linear models with a piecewise-linear loss "
            "('quantile', 'absolute_error') only (LinearRegressor); use "
            "optimizer='auto' or a minibatch optimizer for this model."
        )
    penalty = objective.penalty
    if not getattr(penalty, "separable", True) or penalty.l2_strength != 0:
        raise ValueError(
            f"optimizer={name!r} solves a linear program: the penalty must be 'l1' "
            f"or 'none' (an L2 part makes it quadratic); got {penalty!r}. Use "
            "penalty='l1' or 'none', or a minibatch optimizer such as "
            "optimizer='adam'."
        )
    return slopes


@dataclass
class _Program:
    """The constraint matrix and costs shared by every target of one fit.

    Variables ``(c+, c-, u, v) >= 0`` with parameters ``c+ - c-`` (the intercept
    first, then the weights; no ``c-`` for non-negative weights) and the residual
    ``y - X W - b = u - v``, as scikit-learn's ``QuantileRegressor``.
    """

    A: Any  # CSC constraint matrix (n_kept, n_variables)
    cost: np.ndarray
    keep: np.ndarray  # rows with a positive weight
    n_plus: int  # variables of c+
    n_minus: int  # variables of c-
    fit_intercept: bool
    fit_coef: bool


def _program(X, w, slopes, l1, fit_intercept, fit_coef, positive) -> _Program:
    keep = np.flatnonzero(w)
    Xk = sp.csc_matrix(X[keep] if not sp.issparse(X) else X.tocsr()[keep], dtype=float)
    n, p = Xk.shape
    ones = sp.csc_matrix(np.ones((n, 1)))
    plus = ([ones] if fit_intercept else []) + ([Xk] if fit_coef else [])
    minus = ([-ones] if fit_intercept else []) + (
        [-Xk] if fit_coef and not positive else []
    )
    eye = sp.identity(n, format="csc")
    A = sp.hstack([*plus, *minus, eye, -eye], format="csc")
    # Costs on scikit-learn's scale: sum(w) times the objective.
    coef_cost = np.full(p, l1 * float(w.sum()))
    costs = [np.zeros(1)] * fit_intercept + [coef_cost] * fit_coef
    costs += [np.zeros(1)] * fit_intercept + [coef_cost] * (fit_coef and not positive)
    a, b = slopes
    cost = np.concatenate([*costs, a * w[keep], b * w[keep]])
    n_plus = sum(m.shape[1] for m in plus)
    n_minus = sum(m.shape[1] for m in minus)
    return _Program(A, cost, keep, n_plus, n_minus, fit_intercept, fit_coef)


def _parameters(program: _Program, x: np.ndarray):
    """``(intercept, weights or None)`` from a solution ``x`` of the program."""
    plus = x[: program.n_plus]
    minus = np.zeros(program.n_plus)
    minus[: program.n_minus] = x[program.n_plus : program.n_plus + program.n_minus]
    params = plus - minus
    intercept = params[0] if program.fit_intercept else None
    W = params[int(program.fit_intercept) :] if program.fit_coef else None
    return intercept, W


class LinearProgram(Component):
    r"""Exact quantile / least-absolute-deviation regression by linear programming.

    A linear model whose loss is piecewise linear in the residual (``loss.
    linear_slopes()`` is not None: ``"quantile"``, ``"absolute_error"``) and whose
    penalty is L1 or none minimizes

    .. math::

        J(W, b) = \frac{1}{\sum_i w_i} \sum_i w_i \bigl(a (r_i)_+ + b (-r_i)_+\bigr)
        + \lambda_1 \lVert W \rVert_1, \qquad r_i = y_i - x_i W - b,

    a linear program, which scipy's HiGHS (:func:`scipy.optimize.linprog`) solves
    exactly, in the same formulation as scikit-learn's ``QuantileRegressor``: for
    ``QuantileLoss(q)`` and ``alpha=a`` it is ``QuantileRegressor(quantile=q,
    alpha=a)``, and ``"absolute_error"`` with ``alpha=a`` is ``QuantileRegressor(
    quantile=0.5, alpha=a / 2)`` (the absolute error is twice the pinball loss at
    0.5). Each target of a multi-output ``y`` is its own program; rows of weight 0
    are left out, as scikit-learn does; ``positive=True`` keeps the weights
    non-negative; sparse ``X`` stays sparse. ``tol`` and ``max_iter`` are not used:
    the solution is a vertex of the program (the interior point method ends with
    a crossover to one), exact to HiGHS' feasibility tolerance (1e-7); where the
    optimum is not unique, another vertex than ``QuantileRegressor``'s may be
    returned, with the same objective. The program has ``n_samples`` constraints
    and about ``2 (n_samples + n_features)`` variables: with 20 features, 5,000
    rows take about 2 s and 20,000 rows 15 s (``QuantileRegressor``'s default,
    the dual simplex, 7 s and 100 s).

    Parameters
    ----------
    method : {"highs-ipm", "highs", "highs-ds"}, default="highs-ipm"
        The HiGHS algorithm, as ``QuantileRegressor``'s ``solver``:
        ``"highs-ipm"`` the interior point method (with crossover), ``"highs"``
        lets HiGHS choose (the dual simplex here), ``"highs-ds"`` the dual
        simplex.

    Attributes
    ----------
    full_batch : bool
        True: works on the whole data set (not in ``partial_fit``).
    solves_linear : bool
        True: the engine calls :meth:`solve`.
    needs_smooth_loss : bool
        False: the loss need not be differentiable.

    References
    ----------
    Koenker, R. & Bassett, G. (1978). Regression quantiles. Econometrica 46(1),
    33-50.

    Examples
    --------
    >>> from skweights import LinearRegressor
    >>> X, y = [[0.0], [1.0], [2.0], [3.0], [4.0]], [0.0, 1.0, 2.0, 3.0, 20.0]
    >>> model = LinearRegressor(loss="absolute_error", penalty="none").fit(X, y)
    >>> model.coef_, float(model.intercept_)  # the outlier does not pull the line
    (array([1.]), 0.0)
    """

    full_batch = True
    elementwise = False
    solves_linear = True
    needs_smooth_loss = False

    name = "lp"

    def __init__(self, method: str = "highs-ipm") -> None:
        self.method = method

    def _method(self) -> str:
        if self.method not in _LP_METHODS:
            raise ValueError(
                f"LinearProgram: method must be one of {list(_LP_METHODS)}; got "
                f"{self.method!r}."
            )
        return self.method

    def solve(
        self, objective: Any, coefs: list, intercepts: list, data: Any, config: Any
    ) -> LinearSolution:
        """Solve the linear program; write ``coefs``/``intercepts``.

        Parameters
        ----------
        objective : Objective
            Loss (with ``linear_slopes()``), penalty (``l1_strength``, no
            ``l2_strength``; ``positive`` for non-negative weights) and which arrays
            are trainable (``intercept_trainable[0]`` is ``fit_intercept``).
        coefs, intercepts : list of ndarray
            One layer; updated in place. ``coefs[0]`` is kept when frozen.
        data : TrainData
            ``X`` (dense or CSR), 2-D ``Y`` and ``sample_weight``.
        config : TrainingConfig
            Not used (the solve is exact).

        Returns
        -------
        solution : LinearSolution
            Objective value, simplex iterations and success.
        """
        slopes = _lp_slopes(objective, coefs, self.name)
        l1 = float(objective.penalty.l1_strength)
        W, b, n_iter, converged = self._solve_lp(objective, data, coefs[0], l1, slopes)
        coefs[0][...] = W
        if objective.intercept_trainable[0]:
            intercepts[0][...] = b
        value, grad_norm = self._value(objective, data, coefs[0], intercepts[0])
        return LinearSolution(value, grad_norm, n_iter, converged)

    def solve_path(
        self, objective: Any, data: Any, config: Any, alphas: Any, W0: np.ndarray
    ) -> list[tuple[np.ndarray, np.ndarray, int, bool]]:
        """Solve for each of ``alphas`` (the penalty's ``l1_ratio`` must be 1).

        Parameters
        ----------
        objective : Objective
            As for :meth:`solve`; every array trainable.
        data : TrainData
            The training data.
        config : TrainingConfig
            Not used.
        alphas : array-like
            Penalty strengths.
        W0 : ndarray of shape (n_features, n_targets)
            Gives the weights' shape and dtype.

        Returns
        -------
        path : list of tuple
            ``(W, b, n_iter, converged)`` per alpha.
        """
        slopes = _lp_slopes(objective, [W0], self.name)
        l1_ratio = float(getattr(objective.penalty, "l1_ratio", 1.0))
        out = []
        for alpha in np.asarray(alphas, dtype=np.float64):
            if alpha * (1 - l1_ratio) != 0:
                raise ValueError(
                    f"optimizer={self.name!r}: l1_ratio={l1_ratio} adds an L2 part; "
                    "a linear program needs penalty='l1' or 'none'."
                )
            W, b, n_iter, ok = self._solve_lp(
                objective, data, W0, alpha * l1_ratio, slopes
            )
            if b is None:
                b = np.zeros(W.shape[1])
            out.append((W.astype(W0.dtype), b.astype(W0.dtype), n_iter, ok))
        return out

    def _solve_lp(self, objective, data, W0, l1, slopes):
        """``(W, b, n_iter, converged)`` in float64, one program per target."""
        method = self._method()
        X, w = data.X, np.asarray(data.sample_weight, dtype=np.float64)
        Y = np.asarray(data.Y, dtype=np.float64)
        fit_coef = bool(objective.coef_trainable[0])
        fit_intercept = bool(objective.intercept_trainable[0])
        positive = bool(getattr(objective.penalty, "positive", False))
        program = _program(X, w, slopes, l1, fit_intercept, fit_coef, positive)
        W = np.asarray(W0, dtype=np.float64).copy()
        targets = Y if fit_coef else Y - _dense(X @ W)
        b = np.zeros(Y.shape[1]) if fit_intercept else None
        n_iter, failure = 0, None
        for k in range(Y.shape[1]):
            result = scipy.optimize.linprog(
                program.cost,
                A_eq=program.A,
                b_eq=targets[program.keep, k],
                bounds=(0, None),
                method=method,
            )
            if result.x is None:
                raise ValueError(
                    f"optimizer={self.name!r}: HiGHS found no solution (status "
                    f"{result.status}: {result.message}). Check X and y for huge "
                    "values, or scale them."
                )
            intercept, weights = _parameters(program, result.x)
            if fit_intercept:
                b[k] = intercept
            if fit_coef:
                W[:, k] = weights
            n_iter = max(n_iter, int(result.nit))
            failure = failure or (result if result.status != 0 else None)
        if failure is not None:  # as QuantileRegressor: the solution may be inexact
            warnings.warn(
                f"optimizer={self.name!r}: HiGHS stopped before proving the "
                f"optimum (status {failure.status}: {failure.message}); the weights "
                "may be inexact. Try another method, e.g. "
                "optimizer=optimizers.LinearProgram('highs-ds'), or scale X and y.",
                ConvergenceWarning,
                stacklevel=2,
            )
        return W, b, n_iter, failure is None

    @staticmethod
    def _value(objective, data, W, b) -> tuple[float, float]:
        """:math:`J` and the norm of the loss's subgradient w.r.t. ``W``."""
        W64, b64 = W.astype(np.float64), b.astype(np.float64)
        Y = np.asarray(data.Y, dtype=np.float64)
        raw = _dense(data.X @ W64) + b64
        w = np.asarray(data.sample_weight, dtype=np.float64)
        loss = objective.loss.value(Y, raw, w)
        grad = np.asarray(data.X.T @ objective.loss.weighted_gradient(Y, raw, w))
        return loss + float(objective.penalty.value(W64)), float(np.linalg.norm(grad))


def lp(method: str = "highs-ipm") -> LinearProgram:
    """The exact linear-programming solver; see :class:`LinearProgram`.

    Parameters
    ----------
    method : {"highs-ipm", "highs", "highs-ds"}, default="highs-ipm"
        The HiGHS algorithm.

    Returns
    -------
    optimizer : LinearProgram
        The solver.

    Examples
    --------
    >>> lp()
    LinearProgram(method='highs-ipm')
    """
    return LinearProgram(method=method)
